//! TypeScript for the UI, generated from the Rust IPC types (ts-rs): every type that crosses
//! the bridge, the command table (name, arguments, result) and the event table. Written to
//! `ui/src/ipc/bindings/tack.ts` by `UPDATE_BINDINGS=1 cargo test -p tack --test it bindings`;
//! the same test fails when the committed file is stale.

use board_model::{BoardView, ChecklistItem, ColumnView, LabelView, TaskView};
use ts_rs::{Config, TS};

use crate::ipc::{
    AccountState, ArchivedColumn, ArchivedItems, ArchivedTask, BoardAccessEvent, BoardClosedEvent,
    BoardOp, BoardPatchEvent, BoardSummary, BoardSyncState, CloseRequestedEvent, ConflictNotice,
    ErrorKind, Invite, IpcError, Member, OpResult, Patch, Person, Place, PresenceEvent,
    RemoteBoard, Role, SignedInUser, SyncKind, SyncState, SyncStatusEvent, BOARD_ACCESS_EVENT,
    BOARD_CLOSED_EVENT, BOARD_PATCH_EVENT, CLOSE_REQUESTED_EVENT, CONFLICT_EVENT, PRESENCE_EVENT,
    SYNC_STATUS_EVENT,
};

/// Path of the generated file, relative to the repository root.
pub const BINDINGS_PATH: &str = "ui/src/ipc/bindings/tack.ts";

/// The generated file's full text.
pub fn typescript() -> String {
    // Milliseconds since the epoch fit a JavaScript number exactly.
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from src-tauri/src/ipc.rs and board-model's view types by ts-rs.\n\
         // Do not edit: run `UPDATE_BINDINGS=1 cargo test -p tack --test it bindings`.\n\n",
    );
    let declarations = [
        BoardSummary::decl(&cfg),
        BoardView::decl(&cfg),
        ArchivedItems::decl(&cfg),
        ArchivedColumn::decl(&cfg),
        ArchivedTask::decl(&cfg),
        ColumnView::decl(&cfg),
        TaskView::decl(&cfg),
        ChecklistItem::decl(&cfg),
        LabelView::decl(&cfg),
        Place::decl(&cfg),
        BoardOp::decl(&cfg),
        OpResult::decl(&cfg),
        Patch::decl(&cfg),
        BoardPatchEvent::decl(&cfg),
        ErrorKind::decl(&cfg),
        IpcError::decl(&cfg),
        Role::decl(&cfg),
        AccountState::decl(&cfg),
        SignedInUser::decl(&cfg),
        SyncKind::decl(&cfg),
        SyncState::decl(&cfg),
        BoardSyncState::decl(&cfg),
        SyncStatusEvent::decl(&cfg),
        Member::decl(&cfg),
        RemoteBoard::decl(&cfg),
        Invite::decl(&cfg),
        Person::decl(&cfg),
        PresenceEvent::decl(&cfg),
        BoardAccessEvent::decl(&cfg),
        BoardClosedEvent::decl(&cfg),
        ConflictNotice::decl(&cfg),
        CloseRequestedEvent::decl(&cfg),
    ];
    for declaration in declarations {
        out.push_str("export ");
        out.push_str(&declaration);
        out.push_str("\n\n");
    }

    // Arguments are camelCase, as Tauri converts them to the Rust parameters' snake_case.
    let account = || AccountState::name(&cfg);
    let commands: [(&str, &str, String); 27] = [
        (
            "list_boards",
            "{}",
            format!("Array<{}>", BoardSummary::name(&cfg)),
        ),
        (
            "create_board",
            "{ title: string }",
            BoardSummary::name(&cfg),
        ),
        ("delete_board", "{ boardId: string }", "null".to_owned()),
        ("open_board", "{ boardId: string }", BoardView::name(&cfg)),
        (
            "list_archived",
            "{ boardId: string }",
            ArchivedItems::name(&cfg),
        ),
        (
            "apply",
            "{ boardId: string; op: BoardOp }",
            OpResult::name(&cfg),
        ),
        ("undo", "{ boardId: string }", "boolean".to_owned()),
        ("redo", "{ boardId: string }", "boolean".to_owned()),
        (
            "generate_demo_board",
            "{ title: string; columns: number; tasks: number }",
            BoardSummary::name(&cfg),
        ),
        ("get_account", "{}", account()),
        ("set_server_url", "{ url: string }", account()),
        ("sign_up", "{ email: string; password: string }", account()),
        ("sign_in", "{ email: string; password: string }", account()),
        ("sign_out", "{}", account()),
        ("sync_status", "{}", SyncStatusEvent::name(&cfg)),
        ("confirm_close", "{}", "null".to_owned()),
        ("publish_board", "{ boardId: string }", Role::name(&cfg)),
        (
            "list_members",
            "{ boardId: string }",
            format!("Array<{}>", Member::name(&cfg)),
        ),
        (
            "share_board",
            "{ boardId: string; email: string; role: Role }",
            Member::name(&cfg),
        ),
        (
            "set_member_role",
            "{ boardId: string; userId: string; role: Role }",
            "null".to_owned(),
        ),
        (
            "remove_member",
            "{ boardId: string; userId: string }",
            "null".to_owned(),
        ),
        (
            "create_invite",
            "{ boardId: string; role: Role }",
            Invite::name(&cfg),
        ),
        (
            "accept_invite",
            "{ invite: string }",
            RemoteBoard::name(&cfg),
        ),
        (
            "list_remote_boards",
            "{}",
            format!("Array<{}>", RemoteBoard::name(&cfg)),
        ),
        (
            "open_remote_board",
            "{ boardId: string }",
            BoardSummary::name(&cfg),
        ),
        ("leave_board", "{ boardId: string }", "null".to_owned()),
        (
            "set_selection",
            "{ boardId: string; taskId: string | null }",
            "null".to_owned(),
        ),
    ];
    out.push_str(
        "/** Every command: its arguments and what it resolves to. It rejects with an `IpcError`. */\n\
         export type Commands = {\n",
    );
    for (name, args, result) in commands {
        out.push_str(&format!(
            "  {name}: {{ args: {args}; result: {result} }};\n"
        ));
    }
    out.push_str("};\n\n");
    let events = [
        (BOARD_PATCH_EVENT, BoardPatchEvent::name(&cfg)),
        (SYNC_STATUS_EVENT, SyncStatusEvent::name(&cfg)),
        (PRESENCE_EVENT, PresenceEvent::name(&cfg)),
        (BOARD_ACCESS_EVENT, BoardAccessEvent::name(&cfg)),
        (BOARD_CLOSED_EVENT, BoardClosedEvent::name(&cfg)),
        (CONFLICT_EVENT, ConflictNotice::name(&cfg)),
        (CLOSE_REQUESTED_EVENT, CloseRequestedEvent::name(&cfg)),
    ];
    out.push_str("/** Every event the app emits, and its payload. */\nexport type Events = {\n");
    for (name, payload) in &events {
        out.push_str(&format!("  \"{name}\": {payload};\n"));
    }
    out.push_str("};\n\n");
    for (name, _) in &events {
        let constant = format!("{}_EVENT", name.replace('-', "_").to_uppercase());
        out.push_str(&format!("export const {constant} = \"{name}\";\n"));
    }
    out
}
