//! The relay's protocol policy, one script per rule: frames in, what each connection is sent
//! and what the sessions decide out (see `harness.rs` for the script language).

use expect_test::{expect, Expect};
use relay_core::SessionLimits;

use crate::harness::World;

fn check(script: &str, expect: Expect) {
    check_with(SessionLimits::default(), script, expect);
}

fn check_with(limits: SessionLimits, script: &str, expect: Expect) {
    expect.assert_eq(&World::new(limits).run(script));
}

// Handshake.

#[test]
fn an_editor_authenticates_and_syncs_both_ways() {
    check(
        "
        connect a
        a auth b1 ann/editor
        a step1 b1
        ",
        expect![[r#"
            > connect a
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > a step1 b1
              a <- b1 Step2 {}
              a <- b1 Step1 {}
        "#]],
    );
}

#[test]
fn a_refused_token_is_told_why_and_gets_nothing_of_the_board() {
    check(
        "
        connect a
        a auth b1 nobody
        a step1 b1
        ",
        expect![[r#"
            > connect a
            > a auth b1 nobody
              a: refused permission_denied
              a <- b1 PermissionDenied("invalid token")
            > a step1 b1
        "#]],
    );
}

#[test]
fn frames_sent_before_the_auth_are_taken_once_it_succeeds() {
    check(
        "
        connect a
        a step1 b1
        a edit b1 title hello
        a auth b1 ann/editor
        commit ok
        ",
        expect![[r#"
            > connect a
            > a step1 b1
            > a edit b1 title hello
            > a auth b1 ann/editor
              a: commit b1#0 by ann
              a <- b1 Authenticated(read-write)
              a <- b1 Step2 {}
              a <- b1 Step1 {}
            > commit ok
              a <- b1 SyncStatus(1)
        "#]],
    );
}

#[test]
fn frames_held_for_a_refused_board_are_dropped() {
    check(
        "
        connect a
        a edit b1 title hello
        a auth b1 nobody
        a auth b1 ann/editor
        ",
        expect![[r#"
            > connect a
            > a edit b1 title hello
            > a auth b1 nobody
              a: refused permission_denied
              a <- b1 PermissionDenied("invalid token")
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
        "#]],
    );
}

#[test]
fn too_many_frames_before_an_auth_close_the_socket() {
    let limits = SessionLimits {
        max_pending_frames: 2,
        ..SessionLimits::default()
    };
    check_with(
        limits,
        "
        connect a
        a step1 b1
        a step1 b2
        a step1 b3
        ",
        expect![[r#"
            > connect a
            > a step1 b1
            > a step1 b2
            > a step1 b3
              a: refused unauthenticated_flood
              a: closed 1008 UnauthenticatedFlood "too much traffic for boards that are not authenticated"
        "#]],
    );
}

#[test]
fn refused_auths_beyond_the_budget_close_the_socket() {
    let limits = SessionLimits {
        max_failed_auths: 2,
        ..SessionLimits::default()
    };
    check_with(
        limits,
        "
        connect a
        a auth b1 nobody
        a auth b2 nobody
        a auth b3 ann/editor
        ",
        expect![[r#"
            > connect a
            > a auth b1 nobody
              a: refused permission_denied
              a <- b1 PermissionDenied("invalid token")
            > a auth b2 nobody
              a: refused permission_denied
              a: refused auth_budget
              a: closed 1008 AuthBudget "too many refused Auth attempts on this socket"
              a <- b2 PermissionDenied("invalid token")
            > a auth b3 ann/editor
        "#]],
    );
}

#[test]
fn a_second_auth_for_a_joined_board_is_ignored() {
    check(
        "
        connect a
        a auth b1 ann/viewer
        a auth b1 ann/editor
        ",
        expect![[r#"
            > connect a
            > a auth b1 ann/viewer
              a <- b1 Authenticated(read-only)
            > a auth b1 ann/editor
        "#]],
    );
}

#[test]
fn more_boards_than_allowed_on_one_socket_close_it() {
    let limits = SessionLimits {
        max_boards_per_socket: 1,
        ..SessionLimits::default()
    };
    check_with(
        limits,
        "
        connect a
        a auth b1 ann/editor
        a auth b2 ann/editor
        ",
        expect![[r#"
            > connect a
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > a auth b2 ann/editor
              a: closed 1008 TooManyBoards "too many boards on one socket"
        "#]],
    );
}

#[test]
fn a_y_websocket_client_hears_the_relays_step1_on_joining() {
    check(
        "
        connect a
        a auth b1 ann/editor
        a edit b1 title hello
        commit ok
        connect y yws b1 bob/editor
        y step1 b1
        ",
        expect![[r#"
            > connect a
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > a edit b1 title hello
              a: commit b1#0 by ann
            > commit ok
              a <- b1 SyncStatus(1)
            > connect y yws b1 bob/editor
              y <- Step1 {1:1}
            > y step1 b1
              y <- Step2 {1:1}
              y <- Step1 {1:1}
        "#]],
    );
}

#[test]
fn ping_is_answered_with_pong() {
    check(
        "
        connect a
        a ping
        ",
        expect![[r#"
            > connect a
            > a ping
              a <- pong
        "#]],
    );
}

// Acknowledgements only after commit, in order; broadcast only after commit.

#[test]
fn an_update_is_acknowledged_and_relayed_only_after_its_commit() {
    check(
        "
        connect a
        connect b
        a auth b1 ann/editor
        b auth b1 bob/editor
        a edit b1 title hello
        commit ok
        ",
        expect![[r#"
            > connect a
            > connect b
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > b auth b1 bob/editor
              b <- b1 Authenticated(read-write)
            > a edit b1 title hello
              a: commit b1#0 by ann
            > commit ok
              a <- b1 SyncStatus(1)
              b <- b1 Update {1:1}
        "#]],
    );
}

#[test]
fn acknowledgements_keep_the_order_updates_arrived_in() {
    check(
        "
        connect a
        a auth b1 ann/editor
        a edit b1 one 1
        a edit b1 two 2
        a empty-step2 b1
        commit ok
        commit ok
        ",
        expect![[r#"
            > connect a
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > a edit b1 one 1
              a: commit b1#0 by ann
            > a edit b1 two 2
              a: commit b1#1 by ann
            > a empty-step2 b1
            > commit ok
              a <- b1 SyncStatus(1)
            > commit ok
              a <- b1 SyncStatus(1)
              a <- b1 SyncStatus(1)
        "#]],
    );
}

#[test]
fn a_refused_commit_is_answered_0_relayed_to_no_one_and_retracted() {
    check(
        "
        connect a
        connect b
        a auth b1 ann/editor
        b auth b1 bob/editor
        a edit b1 title hello
        commit refused
        reload b1
        b step1 b1
        ",
        expect![[r#"
            > connect a
            > connect b
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > b auth b1 bob/editor
              b <- b1 Authenticated(read-write)
            > a edit b1 title hello
              a: commit b1#0 by ann
            > commit refused
              b1: stale, reloading
              a <- b1 SyncStatus(0)
              a: refused membership_revoked
              a: left b1
              a <- b1 Close("revoked: access to this board was revoked")
              a <- b1 PermissionDenied("revoked: access to this board was revoked")
            > reload b1
              b1: reloaded; Step1 to [a]
            > b step1 b1
              b <- b1 Step2 {}
              b <- b1 Step1 {}
        "#]],
    );
}

#[test]
fn a_later_commit_is_relayed_only_after_an_earlier_one_resolves() {
    check(
        "
        connect a
        connect b
        connect c
        a auth b1 ann/editor
        b auth b1 bob/editor
        c auth b1 cat/viewer
        a edit b1 first 1
        b edit b1 second 2
        commit ok
        commit ok
        ",
        expect![[r#"
            > connect a
            > connect b
            > connect c
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > b auth b1 bob/editor
              b <- b1 Authenticated(read-write)
            > c auth b1 cat/viewer
              c <- b1 Authenticated(read-only)
            > a edit b1 first 1
              a: commit b1#0 by ann
            > b edit b1 second 2
              b: commit b1#1 by bob
            > commit ok
              a <- b1 SyncStatus(1)
              b <- b1 Update {1:1}
              c <- b1 Update {1:1}
            > commit ok
              a <- b1 Update {2:1}
              b <- b1 SyncStatus(1)
              c <- b1 Update {2:1}
        "#]],
    );
}

#[test]
fn an_update_the_room_already_holds_waits_for_the_open_commits() {
    check(
        "
        connect a
        connect b
        a auth b1 ann/editor
        b auth b1 ann/editor
        a edit b1 title hello
        a step2 b1
        commit ok
        ",
        expect![[r#"
            > connect a
            > connect b
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > b auth b1 ann/editor
              b <- b1 Authenticated(read-write)
            > a edit b1 title hello
              a: commit b1#0 by ann
            > a step2 b1
              a: ack after b1#0
            > commit ok
              a <- b1 SyncStatus(1)
              a <- b1 SyncStatus(1)
              b <- b1 Update {1:1}
        "#]],
    );
}

#[test]
fn an_echo_of_a_commit_that_failed_is_answered_0() {
    check(
        "
        connect a
        a auth b1 ann/editor
        a edit b1 title hello
        a step2 b1
        commit fail
        ",
        expect![[r#"
            > connect a
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > a edit b1 title hello
              a: commit b1#0 by ann
            > a step2 b1
              a: ack after b1#0
            > commit fail
              b1: stale, reloading
              a <- b1 SyncStatus(0)
              a <- b1 SyncStatus(0)
        "#]],
    );
}

#[test]
fn a_stale_room_answers_0_to_what_it_holds_until_reloaded_then_asks_again() {
    check(
        "
        connect a
        connect b
        a auth b1 ann/editor
        b auth b1 bob/editor
        a edit b1 title hello
        commit fail
        a step2 b1
        reload b1
        a step2 b1
        commit ok
        ",
        expect![[r#"
            > connect a
            > connect b
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > b auth b1 bob/editor
              b <- b1 Authenticated(read-write)
            > a edit b1 title hello
              a: commit b1#0 by ann
            > commit fail
              b1: stale, reloading
              a <- b1 SyncStatus(0)
            > a step2 b1
              a: refused room_reloading
              a <- b1 SyncStatus(0)
            > reload b1
              b1: reloaded; Step1 to [a]
              a <- b1 Step1 {}
            > a step2 b1
              a: commit b1#1 by ann
            > commit ok
              a <- b1 SyncStatus(1)
              b <- b1 Update {1:1}
        "#]],
    );
}

#[test]
fn another_failure_during_a_reload_makes_it_reload_again() {
    check(
        "
        connect a
        a auth b1 ann/editor
        a edit b1 one 1
        a edit b1 two 2
        commit fail
        commit fail
        reload b1
        reload b1
        ",
        expect![[r#"
            > connect a
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > a edit b1 one 1
              a: commit b1#0 by ann
            > a edit b1 two 2
              a: commit b1#1 by ann
            > commit fail
              b1: stale, reloading
              a <- b1 SyncStatus(0)
            > commit fail
              a <- b1 SyncStatus(0)
            > reload b1
              b1: reload again
            > reload b1
              b1: reloaded; Step1 to [a]
              a <- b1 Step1 {}
        "#]],
    );
}

// Gaps.

#[test]
fn an_update_with_a_clock_gap_is_answered_0_and_the_writer_asked_for_what_is_missing() {
    check(
        "
        connect a
        a auth b1 ann/editor
        a gap b1 title hello
        a step2 b1
        commit ok
        ",
        expect![[r#"
            > connect a
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > a gap b1 title hello
              a: refused missing_history
              a <- b1 Step1 {}
              a <- b1 SyncStatus(0)
            > a step2 b1
              a: commit b1#0 by ann
            > commit ok
              a <- b1 SyncStatus(1)
        "#]],
    );
}

#[test]
fn a_clock_gap_on_a_read_only_channel_is_answered_0_without_a_step1() {
    check(
        "
        connect a
        a auth b1 ann/viewer
        a gap b1 title hello
        ",
        expect![[r#"
            > connect a
            > a auth b1 ann/viewer
              a <- b1 Authenticated(read-only)
            > a gap b1 title hello
              a: refused missing_history
              a <- b1 SyncStatus(0)
        "#]],
    );
}

// Viewers.

#[test]
fn a_viewers_write_is_answered_0_neither_applied_nor_relayed() {
    check(
        "
        connect a
        connect v
        a auth b1 ann/editor
        v auth b1 vic/viewer
        v edit b1 title defaced
        a step1 b1
        ",
        expect![[r#"
            > connect a
            > connect v
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > v auth b1 vic/viewer
              v <- b1 Authenticated(read-only)
            > v edit b1 title defaced
              v: refused read_only
              v <- b1 SyncStatus(0)
            > a step1 b1
              a <- b1 Step2 {}
              a <- b1 Step1 {}
        "#]],
    );
}

#[test]
fn a_viewers_echo_of_what_the_room_holds_is_answered_1() {
    check(
        "
        connect a
        connect v
        a auth b1 ann/editor
        a edit b1 title hello
        a delete b1 title
        commit ok
        commit ok
        v auth b1 vic/viewer
        v step1 b1
        v step2 b1
        ",
        expect![[r#"
            > connect a
            > connect v
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > a edit b1 title hello
              a: commit b1#0 by ann
            > a delete b1 title
              a: commit b1#1 by ann
            > commit ok
              a <- b1 SyncStatus(1)
            > commit ok
              a <- b1 SyncStatus(1)
            > v auth b1 vic/viewer
              v <- b1 Authenticated(read-only)
            > v step1 b1
              v <- b1 Step2 {1:1} +deletes
              v <- b1 Step1 {1:1}
            > v step2 b1
              v <- b1 SyncStatus(1)
        "#]],
    );
}

#[test]
fn a_viewers_deletion_the_room_has_not_made_is_refused() {
    check(
        "
        connect a
        a auth b1 ann/editor
        a edit b1 title hello
        commit ok
        connect v
        v auth b1 vic/viewer
        v step1 b1
        v delete b1 title
        ",
        expect![[r#"
            > connect a
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > a edit b1 title hello
              a: commit b1#0 by ann
            > commit ok
              a <- b1 SyncStatus(1)
            > connect v
            > v auth b1 vic/viewer
              v <- b1 Authenticated(read-only)
            > v step1 b1
              v <- b1 Step2 {1:1}
              v <- b1 Step1 {1:1}
            > v delete b1 title
              v: refused read_only
              v <- b1 SyncStatus(0)
        "#]],
    );
}

#[test]
fn a_viewers_empty_step2_is_answered_1() {
    check(
        "
        connect v
        v auth b1 vic/viewer
        v empty-step2 b1
        ",
        expect![[r#"
            > connect v
            > v auth b1 vic/viewer
              v <- b1 Authenticated(read-only)
            > v empty-step2 b1
              v <- b1 SyncStatus(1)
        "#]],
    );
}

// Revocation and downgrade mid-stream.

#[test]
fn an_editor_lowered_to_viewer_mid_stream_has_later_writes_refused() {
    check(
        "
        connect a
        a auth b1 ann/editor
        a edit b1 one 1
        role b1 ann viewer
        a edit b1 two 2
        commit ok
        role b1 ann editor
        a edit b1 three 3
        a step2 b1
        commit ok
        ",
        expect![[r#"
            > connect a
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > a edit b1 one 1
              a: commit b1#0 by ann
            > role b1 ann viewer
              a <- b1 Authenticated(read-only)
            > a edit b1 two 2
              a: refused read_only
            > commit ok
              a <- b1 SyncStatus(1)
              a <- b1 SyncStatus(0)
            > role b1 ann editor
              a <- b1 Authenticated(read-write)
            > a edit b1 three 3
              a: refused missing_history
              a <- b1 Step1 {1:1}
              a <- b1 SyncStatus(0)
            > a step2 b1
              a: commit b1#1 by ann
            > commit ok
              a <- b1 SyncStatus(1)
        "#]],
    );
}

#[test]
fn a_removed_member_loses_the_channel_but_keeps_the_socket() {
    check(
        "
        connect a
        a auth b1 ann/editor
        a auth b2 ann/editor
        role b1 ann none
        a edit b1 title hello
        a edit b2 title hello
        ",
        expect![[r#"
            > connect a
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > a auth b2 ann/editor
              a <- b2 Authenticated(read-write)
            > role b1 ann none
              a: refused membership_revoked
              a: left b1
              a <- b1 Close("revoked: access to this board was revoked")
              a <- b1 PermissionDenied("revoked: access to this board was revoked")
            > a edit b1 title hello
            > a edit b2 title hello
              a: commit b2#0 by ann
        "#]],
    );
}

#[test]
fn a_removed_y_websocket_member_loses_the_socket() {
    check(
        "
        connect y yws b1 ann/editor
        role b1 ann none
        ",
        expect![[r#"
            > connect y yws b1 ann/editor
              y <- Step1 {}
            > role b1 ann none
              y: refused membership_revoked
              y: closed 4410 Revoked "revoked: access to this board was revoked"
        "#]],
    );
}

#[test]
fn a_membership_change_of_someone_else_changes_nothing() {
    check(
        "
        connect a
        a auth b1 ann/editor
        role b1 bob none
        role b2 ann none
        ",
        expect![[r#"
            > connect a
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > role b1 bob none
            > role b2 ann none
        "#]],
    );
}

#[test]
fn a_logout_closes_the_channels_its_session_opened() {
    check(
        "
        connect a
        connect b
        a auth b1 ann/editor
        a auth b2 ann/viewer
        b auth b1 bob/editor
        logout ann
        ",
        expect![[r#"
            > connect a
            > connect b
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > a auth b2 ann/viewer
              a <- b2 Authenticated(read-only)
            > b auth b1 bob/editor
              b <- b1 Authenticated(read-write)
            > logout ann
              a: refused session_revoked
              a: left b1
              a: refused session_revoked
              a: left b2
              a <- b1 Close("session-ended: your session ended; sign in again")
              a <- b1 PermissionDenied("session-ended: your session ended; sign in again")
              a <- b2 Close("session-ended: your session ended; sign in again")
              a <- b2 PermissionDenied("session-ended: your session ended; sign in again")
        "#]],
    );
}

#[test]
fn a_write_refused_at_commit_makes_the_authors_role_read_again() {
    check(
        "
        connect a
        a auth b1 ann/editor
        a edit b1 title hello
        role b1 ann viewer
        commit refused
        ",
        expect![[r#"
            > connect a
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > a edit b1 title hello
              a: commit b1#0 by ann
            > role b1 ann viewer
              a <- b1 Authenticated(read-only)
            > commit refused
              b1: stale, reloading
              a <- b1 SyncStatus(0)
        "#]],
    );
}

// Awareness.

#[test]
fn awareness_is_relayed_to_others_and_served_to_newcomers() {
    check(
        "
        connect a
        connect b
        a auth b1 ann/editor
        b auth b1 bob/viewer
        a awareness b1 7 1 {\"name\":\"ann\"}
        connect c
        c auth b1 cat/viewer
        c query b1
        c query b1
        ",
        expect![[r#"
            > connect a
            > connect b
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > b auth b1 bob/viewer
              b <- b1 Authenticated(read-only)
            > a awareness b1 7 1 {"name":"ann"}
              a: publish awareness b1 [7@1 {"name":"ann"}]
              b <- b1 Awareness [7@1 {"name":"ann"}]
            > connect c
            > c auth b1 cat/viewer
              c <- b1 Authenticated(read-only)
            > c query b1
              c <- b1 Awareness [7@1 {"name":"ann"}]
            > c query b1
              c <- b1 Awareness [7@1 {"name":"ann"}]
        "#]],
    );
}

#[test]
fn a_joiner_sees_everyone_present_after_its_handshake_without_anyone_moving() {
    check(
        "
        connect a
        a auth b1 ann/editor
        a awareness b1 7 1 {\"name\":\"ann\"}
        connect b
        b auth b1 bob/viewer
        b step1 b1
        connect y yws b1 yan/viewer
        y step1 b1
        ",
        expect![[r#"
            > connect a
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > a awareness b1 7 1 {"name":"ann"}
              a: publish awareness b1 [7@1 {"name":"ann"}]
            > connect b
            > b auth b1 bob/viewer
              b <- b1 Authenticated(read-only)
            > b step1 b1
              b <- b1 Step2 {}
              b <- b1 Step1 {}
              b <- b1 Awareness [7@1 {"name":"ann"}]
            > connect y yws b1 yan/viewer
              y <- Step1 {}
              y <- Awareness [7@1 {"name":"ann"}]
            > y step1 b1
              y <- Step2 {}
              y <- Step1 {}
        "#]],
    );
}

#[test]
fn a_connection_cannot_overwrite_or_clear_another_members_presence() {
    check(
        "
        connect a
        connect b
        a auth b1 ann/editor
        b auth b1 bob/viewer
        a awareness b1 7 1 {\"name\":\"ann\"}
        b awareness b1 7 2 {\"name\":\"mallory\"}
        b awareness b1 7 3 null
        ",
        expect![[r#"
            > connect a
            > connect b
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > b auth b1 bob/viewer
              b <- b1 Authenticated(read-only)
            > a awareness b1 7 1 {"name":"ann"}
              a: publish awareness b1 [7@1 {"name":"ann"}]
              b <- b1 Awareness [7@1 {"name":"ann"}]
            > b awareness b1 7 2 {"name":"mallory"}
              b: refused awareness_spoof
            > b awareness b1 7 3 null
              b: refused awareness_spoof
        "#]],
    );
}

#[test]
fn leaving_clears_the_leavers_presence_for_everyone() {
    check(
        "
        connect a
        connect b
        a auth b1 ann/editor
        b auth b1 bob/viewer
        a awareness b1 7 1 {\"name\":\"ann\"}
        a close b1
        ",
        expect![[r#"
            > connect a
            > connect b
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > b auth b1 bob/viewer
              b <- b1 Authenticated(read-only)
            > a awareness b1 7 1 {"name":"ann"}
              a: publish awareness b1 [7@1 {"name":"ann"}]
              b <- b1 Awareness [7@1 {"name":"ann"}]
            > a close b1
              a: left b1
              b <- b1 Awareness [7@2 null]
        "#]],
    );
}

#[test]
fn awareness_that_is_not_a_json_object_is_refused() {
    check(
        "
        connect a
        connect b
        a auth b1 ann/editor
        b auth b1 bob/viewer
        a awareness b1 7 1 [1,2,3]
        ",
        expect![[r#"
            > connect a
            > connect b
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > b auth b1 bob/viewer
              b <- b1 Authenticated(read-only)
            > a awareness b1 7 1 [1,2,3]
              a: refused awareness_limit
        "#]],
    );
}

#[test]
fn too_many_refused_awareness_messages_close_the_channel() {
    let mut limits = SessionLimits::default();
    limits.awareness.refusals_before_close = 1;
    check_with(
        limits,
        "
        connect a
        a auth b1 ann/editor
        a bad-awareness b1
        a bad-awareness b1
        ",
        expect![[r#"
            > connect a
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > a bad-awareness b1
              a: refused malformed_awareness
            > a bad-awareness b1
              a: refused malformed_awareness
              a: refused awareness_abuse
              a: left b1
              a <- b1 Close("limit: too many refused awareness updates")
        "#]],
    );
}

#[test]
fn client_ids_beyond_a_connections_share_are_refused() {
    let mut limits = SessionLimits::default();
    limits.awareness.states_per_connection = 1;
    check_with(
        limits,
        "
        connect a
        a auth b1 ann/editor
        a awareness b1 7 1 {}
        a awareness b1 8 1 {}
        ",
        expect![[r#"
            > connect a
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > a awareness b1 7 1 {}
              a: publish awareness b1 [7@1 {}]
            > a awareness b1 8 1 {}
              a: refused awareness_limit
        "#]],
    );
}

// Limits.

#[test]
fn updates_beyond_the_rate_are_answered_0_and_close_the_socket() {
    let limits = SessionLimits {
        updates_per_second: 1,
        rate_burst: 2,
        ..SessionLimits::default()
    };
    check_with(
        limits,
        "
        connect a
        a auth b1 ann/editor
        a edit b1 one 1
        a edit b1 two 2
        a edit b1 three 3
        ",
        expect![[r#"
            > connect a
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > a edit b1 one 1
              a: commit b1#0 by ann
            > a edit b1 two 2
              a: commit b1#1 by ann
            > a edit b1 three 3
              a: refused update_rate
              a: closed 1008 UpdateRate "too many updates; slow down and reconnect"
        "#]],
    );
}

#[test]
fn the_update_rate_refills_with_time() {
    let limits = SessionLimits {
        updates_per_second: 1,
        rate_burst: 1,
        ..SessionLimits::default()
    };
    check_with(
        limits,
        "
        connect a
        a auth b1 ann/editor
        a edit b1 one 1
        commit ok
        wait 1000
        a edit b1 two 2
        commit ok
        ",
        expect![[r#"
            > connect a
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > a edit b1 one 1
              a: commit b1#0 by ann
            > commit ok
              a <- b1 SyncStatus(1)
            > wait 1000
            > a edit b1 two 2
              a: commit b1#1 by ann
            > commit ok
              a <- b1 SyncStatus(1)
        "#]],
    );
}

#[test]
fn awareness_beyond_its_rate_is_dropped_without_closing() {
    let limits = SessionLimits {
        awareness_per_second: 1,
        rate_burst: 1,
        ..SessionLimits::default()
    };
    check_with(
        limits,
        "
        connect a
        connect b
        a auth b1 ann/editor
        b auth b1 bob/editor
        a awareness b1 7 1 {}
        a awareness b1 7 2 {}
        a query b1
        ",
        expect![[r#"
            > connect a
            > connect b
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > b auth b1 bob/editor
              b <- b1 Authenticated(read-write)
            > a awareness b1 7 1 {}
              a: publish awareness b1 [7@1 {}]
              b <- b1 Awareness [7@1 {}]
            > a awareness b1 7 2 {}
              a: refused awareness_rate
            > a query b1
              a: refused awareness_rate
        "#]],
    );
}

// Malformed frames.

#[test]
fn a_frame_that_does_not_decode_closes_the_socket_1007() {
    check(
        "
        connect a
        a raw 05ff
        ",
        expect![[r#"
            > connect a
            > a raw 05ff
              a: refused malformed_frame
              a: closed 1007 MalformedFrame "malformed frame: declared board name count 5 exceeds what 1 remaining byte(s) can hold"
        "#]],
    );
}

#[test]
fn a_frame_naming_no_board_closes_the_socket_1002() {
    check(
        "
        connect a
        a raw 00000000
        ",
        expect![[r#"
            > connect a
            > a raw 00000000
              a: refused empty_board_name
              a: closed 1002 NoBoard "frame names no board"
        "#]],
    );
}

#[test]
fn a_malformed_update_is_answered_0_and_closes_only_its_channel() {
    check(
        "
        connect a
        a auth b1 ann/editor
        a bad-update b1
        a ping
        ",
        expect![[r#"
            > connect a
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > a bad-update b1
              a: refused malformed_update
              a: left b1
              a <- b1 Close("malformed: malformed update: unexpected end of input: needed 1 more byte(s), 0 left")
              a <- b1 SyncStatus(0)
            > a ping
              a <- pong
        "#]],
    );
}

#[test]
fn a_malformed_state_vector_closes_the_channel() {
    check(
        "
        connect a
        a auth b1 ann/editor
        a bad-step1 b1
        ",
        expect![[r#"
            > connect a
            > a auth b1 ann/editor
              a <- b1 Authenticated(read-write)
            > a bad-step1 b1
              a: refused malformed_state_vector
              a: left b1
              a <- b1 Close("malformed: malformed state vector: declared state vector client count 5 exceeds what 1 remaining byte(s) can hold")
        "#]],
    );
}

#[test]
fn a_malformed_y_websocket_frame_closes_the_socket() {
    check(
        "
        connect y yws b1 ann/editor
        y raw 07
        ",
        expect![[r#"
            > connect y yws b1 ann/editor
              y <- Step1 {}
            > y raw 07
              y: refused malformed_frame
              y: closed 1007 MalformedFrame "malformed frame: unknown y-websocket message type tag 7"
        "#]],
    );
}
