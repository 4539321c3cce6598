//! Saved views (root `views`): saved, renamed, deleted; listed in the board's view by name;
//! shared between replicas (concurrent saves of different views both kept, concurrent edits
//! of one view merged field by field); checked on the way in; outside undo; copied with a
//! duplicated board.

use board_model::{
    Board, ModelError, PasteOptions, Place, ReplicaConfig, SavedView, Sources, ViewSettings,
};

const BOARD_ID: &str = "0190a000-0000-7000-8000-0000000000f1";

fn replica(seed: u64) -> Board {
    Board::create(BOARD_ID, "Board", config(seed)).unwrap()
}

fn config(seed: u64) -> ReplicaConfig {
    ReplicaConfig {
        user: format!("user{seed}"),
        sources: Sources::seeded(seed, 1_700_000_000_000 + seed),
    }
}

fn copy_of(board: &mut Board, seed: u64) -> Board {
    let state = board.encode_state();
    Board::load(BOARD_ID, [state.as_slice()], None, config(seed)).unwrap()
}

fn exchange(a: &mut Board, b: &mut Board) {
    let to_b = a.diff(&b.state_vector()).unwrap();
    let to_a = b.diff(&a.state_vector()).unwrap();
    b.apply_remote_update(&to_b).unwrap();
    a.apply_remote_update(&to_a).unwrap();
}

fn settings<'a>(query: &'a str, sort: &'a str, group_by: Option<&'a str>) -> ViewSettings<'a> {
    ViewSettings {
        query,
        sort,
        group_by,
    }
}

/// `name: query | sort | groupBy` per view, as the board lists them.
fn listed(board: &Board) -> Vec<String> {
    board
        .views()
        .iter()
        .map(|v: &SavedView| {
            format!(
                "{}: {} | {} | {}",
                v.name,
                v.query,
                v.sort,
                v.group_by.as_deref().unwrap_or("-")
            )
        })
        .collect()
}

#[test]
fn views_are_saved_listed_by_name_renamed_resaved_and_deleted() {
    let mut board = replica(1);
    board.take_changes();
    let mine = board
        .save_view("My bugs", &settings("label:bug @me", "due", None))
        .unwrap();
    assert!(
        board.take_changes().views,
        "saving a view is a change to show"
    );
    board
        .save_view("Lanes", &settings("", "", Some("assignee")))
        .unwrap();
    assert_eq!(
        listed(&board),
        [
            "Lanes:  | rank | assignee",
            "My bugs: label:bug @me | due | -"
        ]
    );
    // Saving under a name that exists (any case) changes that view, keeping its id.
    let again = board
        .save_view("my BUGS", &settings("label:bug", "title", Some("label")))
        .unwrap();
    assert_eq!(again, mine);
    assert_eq!(listed(&board)[1], "my BUGS: label:bug | title | label");
    assert_eq!(board.find_view("MY bugs").map(|v| v.id), Some(mine.clone()));
    assert_eq!(
        board.find_view(&mine).map(|v| v.name),
        Some("my BUGS".into())
    );

    board.rename_view(&mine, "Bugs").unwrap();
    let lanes = board.find_view("lanes").unwrap().id;
    let taken = board.rename_view(&lanes, "bugs").unwrap_err();
    assert!(matches!(taken, ModelError::InvalidValue { .. }), "{taken}");
    board.delete_view(&lanes).unwrap();
    assert_eq!(listed(&board), ["Bugs: label:bug | title | label"]);
    assert!(matches!(
        board.delete_view(&lanes),
        Err(ModelError::UnknownView(_))
    ));
    assert!(matches!(
        board.rename_view("nope", "x"),
        Err(ModelError::UnknownView(_))
    ));
}

#[test]
fn what_a_view_holds_is_checked_on_the_way_in() {
    let mut board = replica(2);
    for (name, query, sort, group) in [
        ("   ", "", "rank", None),
        ("Sorted", "", "priority", None),
        ("Grouped", "", "rank", Some("column")),
        ("Long", &*"x".repeat(1_001), "rank", None),
        (&*"n".repeat(201), "", "rank", None),
    ] {
        let err = board
            .save_view(name, &settings(query, sort, group))
            .unwrap_err();
        assert!(matches!(err, ModelError::InvalidValue { .. }), "{err}");
    }
    assert!(board.views().is_empty());
}

#[test]
fn two_replicas_converge_on_views_saved_renamed_and_deleted_concurrently() {
    let mut a = replica(3);
    let mut b = copy_of(&mut a, 4);
    let shared = a
        .save_view("Overdue", &settings("is:overdue", "due", None))
        .unwrap();
    exchange(&mut a, &mut b);
    assert_eq!(listed(&b), ["Overdue: is:overdue | due | -"]);
    b.take_changes();

    // At the same time: a renames the shared view and adds one; b re-sorts the shared view
    // and adds another.
    a.rename_view(&shared, "Late").unwrap();
    a.save_view("Mine", &settings("@me", "rank", None)).unwrap();
    b.save_view("overdue", &settings("is:overdue", "title", None))
        .unwrap();
    b.save_view("By label", &settings("", "rank", Some("label")))
        .unwrap();
    exchange(&mut a, &mut b);
    assert!(
        b.take_changes().views,
        "a teammate's views are a change to show"
    );
    assert_eq!(listed(&a), listed(&b));
    // Both renames touched `name`: one wins, the same on both; b's sort survives a's rename.
    let merged = a.find_view(&shared).unwrap();
    assert_eq!(merged.sort, "title");
    assert!(
        merged.name == "Late" || merged.name == "overdue",
        "{merged:?}"
    );
    assert_eq!(a.views().len(), 3);

    b.delete_view(&shared).unwrap();
    exchange(&mut a, &mut b);
    assert_eq!(listed(&a), listed(&b));
    assert_eq!(a.views().len(), 2);
}

#[test]
fn saving_a_view_is_no_undo_step_and_a_duplicated_board_keeps_its_views() {
    let mut board = replica(5);
    let column = board.add_column("Todo", None, Place::Bottom).unwrap();
    board
        .save_view("Soon", &settings("due:<7d", "due", None))
        .unwrap();
    // Undo takes back the column, never the view.
    assert!(board.undo());
    assert!(board.columns().iter().all(|c| c.id != column));
    assert_eq!(listed(&board), ["Soon: due:<7d | due | -"]);

    let mut copy =
        Board::create("0190a000-0000-7000-8000-0000000000f2", "Copy", config(6)).unwrap();
    copy.copy_board_from(&board, PasteOptions::default(), true, Some)
        .unwrap();
    assert_eq!(listed(&copy), ["Soon: due:<7d | due | -"]);
}
