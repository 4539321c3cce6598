//! Remote updates and state vectors are network input: hostile bytes give an error, never a
//! panic, and change nothing.

use board_model::{Board, ModelError, ReplicaConfig, Sources};
use sync_protocol::lib0::write_var_u64;

fn board() -> Board {
    let config = ReplicaConfig {
        user: "ana".into(),
        sources: Sources::seeded(3, 1),
    };
    Board::create("0190a000-0000-7000-8000-00000000beef", "Hostile", config).unwrap()
}

#[test]
fn an_overflowing_delete_range_is_refused_and_changes_nothing() {
    let mut b = board();
    let before = b.view_with(true);
    // No structs; a delete set of one client with `clock..clock + len` past u32::MAX (yrs's
    // decoder panics on it in a debug build).
    let mut update = vec![0, 1, 1, 1];
    write_var_u64(&mut update, u64::from(u32::MAX));
    write_var_u64(&mut update, 2);
    assert!(matches!(
        b.apply_remote_update(&update),
        Err(ModelError::BadUpdate(_))
    ));
    assert_eq!(b.view_with(true), before);
}

#[test]
fn a_state_vector_with_an_oversized_client_id_is_refused() {
    let b = board();
    // One client whose id is beyond JavaScript's safe integers (yrs debug-asserts 53 bits).
    let mut sv = vec![1];
    write_var_u64(&mut sv, 1 << 60);
    write_var_u64(&mut sv, 1);
    assert!(matches!(b.diff(&sv), Err(ModelError::BadUpdate(_))));
    // A well-formed one still works.
    assert!(b.diff(&[0]).is_ok());
}

#[test]
fn an_update_yrs_panics_on_while_applying_is_refused_before_yrs_sees_it() {
    // Fuzz crasher 3 of sync-protocol: well-formed, passes the pre-scan, and panics yrs while
    // it integrates (with debug assertions on). It starts after a clock gap, so the replica
    // refuses it for missing history and changes nothing; a panic inside yrs would be a
    // `BadUpdate` (sync_protocol::guard), never an unwind.
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../sync-protocol/fuzz/artifacts/prescan_then_yrs")
        .join("crash-58dd6a5b1246800fb8cdde854936cdd00b982a17");
    let bytes = std::fs::read(path).expect("read artifact");
    let mut b = board();
    let before = b.view_with(true);
    assert!(matches!(
        b.apply_remote_update(&bytes),
        Err(ModelError::MissingHistory {
            client: 1,
            have: 0,
            ..
        })
    ));
    assert_eq!(b.view_with(true), before);
}
