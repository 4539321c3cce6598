//! The local profile's member id and the cached member directory.

use board_store::{
    BoardRecord, Directory, DirectoryEntry, Me, MemberRecord, PersonError, Store, APPLICATION_ID,
};
use tempfile::TempDir;

fn record(id: &str) -> BoardRecord {
    BoardRecord {
        id: id.to_owned(),
        title: "Team".to_owned(),
        created_at_ms: 1,
        server: Some("https://tack.example".to_owned()),
        role: Some("editor".to_owned()),
        last_synced_at_ms: None,
    }
}

fn member(user_id: &str, email: &str, role: &str) -> MemberRecord {
    MemberRecord {
        user_id: user_id.to_owned(),
        email: email.to_owned(),
        role: role.to_owned(),
    }
}

#[test]
fn the_local_member_id_is_made_once_and_kept_across_handles_and_reopen() {
    let dir = TempDir::new().unwrap();
    let mut first = Store::open_in_dir(dir.path()).unwrap();
    let mut second = Store::open_in_dir(dir.path()).unwrap();
    let id = first.local_member_id().unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert_eq!(
        second.local_member_id().unwrap(),
        id,
        "the other process sees the same"
    );
    drop((first, second));
    let mut reopened = Store::open_in_dir(dir.path()).unwrap();
    assert_eq!(reopened.local_member_id().unwrap(), id);

    let other_profile = TempDir::new().unwrap();
    let mut other = Store::open_in_dir(other_profile.path()).unwrap();
    assert_ne!(
        other.local_member_id().unwrap(),
        id,
        "each profile is its own person"
    );
}

#[test]
fn a_board_s_members_are_replaced_by_the_latest_list_and_go_with_the_board() {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open_in_dir(dir.path()).unwrap();
    store.create_board(&record("b1"), b"\x00\x00").unwrap();
    store
        .cache_members(
            "b1",
            &[
                member("u2", "bo@example.com", "editor"),
                member("u1", "ana@example.com", "owner"),
            ],
        )
        .unwrap();
    let members = store.members("b1").unwrap();
    assert_eq!(members[0].email, "ana@example.com");
    assert_eq!(members[0].display_name(), "ana");
    assert_eq!(members.len(), 2);

    // Bo left: the next list does not have him.
    store
        .cache_members("b1", &[member("u1", "ana@example.com", "owner")])
        .unwrap();
    assert_eq!(store.members("b1").unwrap().len(), 1);

    assert!(store.cache_members("nope", &[]).is_err(), "unknown board");
    store.delete_board("b1").unwrap();
    assert!(store.members("b1").unwrap().is_empty());
}

#[test]
fn a_version_1_store_is_migrated_and_keeps_its_boards() {
    let dir = TempDir::new().unwrap();
    let path = dir.path().join(board_store::DB_FILE_NAME);
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute_batch(include_str!("../../src/migrations/0001_initial.sql"))
            .unwrap();
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .unwrap();
        conn.pragma_update(None, "user_version", 1).unwrap();
        conn.execute(
            "INSERT INTO boards (id, title, created_at) VALUES ('old', 'Old board', 5)",
            [],
        )
        .unwrap();
    }
    let mut store = Store::open(&path).unwrap();
    assert_eq!(store.board("old").unwrap().unwrap().title, "Old board");
    assert!(!store.local_member_id().unwrap().is_empty());
    store
        .cache_members("old", &[member("u1", "ana@example.com", "owner")])
        .unwrap();
}

#[test]
fn display_names_fall_back_to_the_whole_text() {
    assert_eq!(board_store::display_name("ana@example.com"), "ana");
    assert_eq!(board_store::display_name("@example.com"), "@example.com");
    assert_eq!(board_store::display_name("local"), "local");
}

fn directory(members: &[MemberRecord], me: Me<'_>) -> Directory {
    Directory::new(members, me)
}

#[test]
fn a_board_never_shared_has_the_local_profile_as_its_only_member() {
    let dir = TempDir::new().unwrap();
    let mut store = Store::open_in_dir(dir.path()).unwrap();
    store.create_board(&record("b1"), b"\x00\x00").unwrap();
    let me = store.local_member_id().unwrap();
    let people = store
        .directory(
            "b1",
            Me {
                user_id: &me,
                email: None,
                name: "You",
            },
        )
        .unwrap();
    assert_eq!(
        people.entries(),
        [DirectoryEntry {
            user_id: me.clone(),
            name: "You".into(),
            email: String::new(),
            me: true,
        }]
    );
    assert_eq!(people.find("me").unwrap().user_id, me);
    assert_eq!(people.find("you").unwrap().user_id, me);
}

#[test]
fn the_directory_adds_me_once_and_finds_people_by_id_email_or_name() {
    let members = [
        member("u-ana-1", "ana@example.com", "owner"),
        member("u-bob-2", "bob@example.com", "editor"),
        member("u-ana-3", "ana@other.org", "viewer"),
        member("u-carla-4", "carla.m@example.com", "editor"),
    ];
    let me = Me {
        user_id: "u-bob-2",
        email: Some("bob@example.com"),
        name: "You",
    };
    let people = directory(&members, me);
    let names: Vec<(&str, bool)> = people
        .entries()
        .iter()
        .map(|e| (e.email.as_str(), e.me))
        .collect();
    assert_eq!(
        names,
        [
            ("ana@example.com", false),
            ("ana@other.org", false),
            ("bob@example.com", true),
            ("carla.m@example.com", false),
        ],
        "by name, me marked once"
    );
    let found = |q: &str| people.find(q).map(|e| e.user_id.clone());
    assert_eq!(found("me").unwrap(), "u-bob-2");
    assert_eq!(found("u-carla-4").unwrap(), "u-carla-4");
    assert_eq!(found("ANA@other.org").unwrap(), "u-ana-3");
    assert_eq!(found("Bob").unwrap(), "u-bob-2");
    assert_eq!(found("carla").unwrap(), "u-carla-4", "a name prefix");
    assert_eq!(
        found("ana"),
        Err(PersonError::Ambiguous {
            query: "ana".into(),
            candidates: vec!["ana <ana@example.com>".into(), "ana <ana@other.org>".into()],
        })
    );
    assert_eq!(found("dora"), Err(PersonError::Unknown("dora".into())));
    assert_eq!(found("  "), Err(PersonError::Unknown("  ".into())));
    let message = people.find("ana").unwrap_err().to_string();
    assert!(message.contains("give an email or id"), "{message}");

    // Signed in but not listed yet (a board shared before the directory was fetched).
    let newcomer = Me {
        user_id: "u-new",
        email: Some("dora@example.com"),
        name: "You",
    };
    let with_me = directory(&members, newcomer);
    assert_eq!(with_me.entries().len(), 5);
    assert_eq!(with_me.find("dora").unwrap().user_id, "u-new");
}

/// People named in an imported file are matched only exactly and only when one member fits.
#[test]
fn an_import_matches_people_exactly_and_never_by_luck() {
    let members = [
        member("u-ana-1", "ana@example.com", "owner"),
        member("u-ana-3", "ana@other.org", "viewer"),
        member("u-carla-4", "carla.m@example.com", "editor"),
    ];
    let me = Me {
        user_id: "u-bob-2",
        email: Some("bob@example.com"),
        name: "You",
    };
    let people = directory(&members, me);
    let found = |names: &[&str]| {
        people
            .find_exact(names.iter().copied())
            .map(|e| e.user_id.clone())
    };
    assert_eq!(
        found(&["Carla.M"]).as_deref(),
        Some("u-carla-4"),
        "a name, any case"
    );
    assert_eq!(
        found(&["Bob Stone", "bob@example.com"]).as_deref(),
        Some("u-bob-2"),
        "a handle"
    );
    assert_eq!(
        found(&["ana"]),
        None,
        "two members are called ana: none is picked"
    );
    assert_eq!(found(&["car"]), None, "no prefixes");
    assert_eq!(found(&["", "  "]), None);
}
