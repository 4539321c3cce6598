//! TypeScript for the UI, generated from the Rust IPC types (ts-rs) and the command functions'
//! signatures (`command_list`): every type that crosses the bridge, the command table (name,
//! arguments, result), the event table and one typed wrapper per command. Written to
//! `ui/src/ipc/bindings/tack.ts` by `UPDATE_BINDINGS=1 cargo test -p tack --test it bindings`;
//! the same test fails when the committed file is stale.

use board_model::query::QueryError;
use board_model::{BoardView, ChecklistItem, ColumnView, LabelView, SavedView, TaskView};
use board_store::{BoardFilter, DueGroup, MyTask, SearchHit, SearchResults, TaskMatches, TextPart};
use ts_rs::{Config, TS};

use crate::ipc::{
    AccountState, ArchivedColumn, ArchivedItems, ArchivedTask, BoardAccessEvent, BoardClosedEvent,
    BoardDirectoryEvent, BoardOp, BoardPatchEvent, BoardSummary, BoardSyncState,
    CloseRequestedEvent, CommentEntry, ConflictNotice, DirectoryEntry, ErrorKind, ExportFormat,
    HistoryEntry, ImportFormat, ImportOutcome, InboxEvent, InboxItem, InboxView, Invite, IpcError,
    JoinLinkEvent, Member, OpResult, OpenedBoard, Patch, Person, Place, PresenceEvent,
    ReminderView, RemoteBoard, Role, SignedInUser, SyncKind, SyncState, SyncStatusEvent,
    TaskHistoryView, Template, TransferMode, TransferOutcome, BOARD_ACCESS_EVENT,
    BOARD_CLOSED_EVENT, BOARD_DIRECTORY_EVENT, BOARD_PATCH_EVENT, CLOSE_REQUESTED_EVENT,
    CONFLICT_EVENT, INBOX_EVENT, JOIN_LINK_EVENT, PRESENCE_EVENT, SYNC_STATUS_EVENT,
};
use crate::ipc::{
    AttachmentEntry, AttachmentState, AvailableUpdate, ColumnChoice, FilesDroppedEvent,
    MenuCommandEvent, OpenedAttachment, QuickAddSettings, QuickAddShownEvent, UpdateState,
    FILES_DROPPED_EVENT, MENU_COMMAND_EVENT, QUICK_ADD_SHOWN_EVENT, UPDATE_AVAILABLE_EVENT,
    UPDATE_CHECKED_EVENT,
};

/// Path of the generated file, relative to the repository root.
pub const BINDINGS_PATH: &str = "ui/src/ipc/bindings/tack.ts";

/// The generated file's full text.
pub fn typescript() -> String {
    // Milliseconds since the epoch fit a JavaScript number exactly.
    let cfg = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from src-tauri/src/ipc.rs, board-model's view types (ts-rs) and the command\n\
         // functions' signatures (src-tauri/src/commands.rs).\n\
         // Do not edit: run `UPDATE_BINDINGS=1 cargo test -p tack --test it bindings`.\n\n\
         import { command } from \"../backend\";\n\n",
    );
    let declarations = [
        BoardSummary::decl(&cfg),
        CommentEntry::decl(&cfg),
        ImportFormat::decl(&cfg),
        ExportFormat::decl(&cfg),
        ImportOutcome::decl(&cfg),
        TransferMode::decl(&cfg),
        TransferOutcome::decl(&cfg),
        Template::decl(&cfg),
        HistoryEntry::decl(&cfg),
        TaskHistoryView::decl(&cfg),
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
        DirectoryEntry::decl(&cfg),
        OpenedBoard::decl(&cfg),
        BoardDirectoryEvent::decl(&cfg),
        RemoteBoard::decl(&cfg),
        Invite::decl(&cfg),
        Person::decl(&cfg),
        PresenceEvent::decl(&cfg),
        BoardAccessEvent::decl(&cfg),
        BoardClosedEvent::decl(&cfg),
        ConflictNotice::decl(&cfg),
        CloseRequestedEvent::decl(&cfg),
        JoinLinkEvent::decl(&cfg),
        SearchResults::decl(&cfg),
        SearchHit::decl(&cfg),
        TextPart::decl(&cfg),
        QueryError::decl(&cfg),
        BoardFilter::decl(&cfg),
        TaskMatches::decl(&cfg),
        SavedView::decl(&cfg),
        MyTask::decl(&cfg),
        DueGroup::decl(&cfg),
        InboxItem::decl(&cfg),
        InboxView::decl(&cfg),
        InboxEvent::decl(&cfg),
        ReminderView::decl(&cfg),
        AttachmentState::decl(&cfg),
        AttachmentEntry::decl(&cfg),
        OpenedAttachment::decl(&cfg),
        FilesDroppedEvent::decl(&cfg),
        QuickAddShownEvent::decl(&cfg),
        MenuCommandEvent::decl(&cfg),
        QuickAddSettings::decl(&cfg),
        ColumnChoice::decl(&cfg),
        AvailableUpdate::decl(&cfg),
        UpdateState::decl(&cfg),
    ];
    for declaration in declarations {
        out.push_str("export ");
        out.push_str(&declaration);
        out.push_str("\n\n");
    }

    let commands = crate::commands::signatures(&cfg);
    out.push_str(
        "/** Every command: its arguments and what it resolves to. It rejects with an `IpcError`. */\n\
         export type Commands = {\n",
    );
    for command in &commands {
        let args = if command.args.is_empty() {
            "{}".to_owned()
        } else {
            let fields: Vec<String> = command
                .args
                .iter()
                .map(|(name, ts)| format!("{name}: {ts}"))
                .collect();
            format!("{{ {} }}", fields.join("; "))
        };
        out.push_str(&format!(
            "  {}: {{ args: {args}; result: {} }};\n",
            command.name, command.result
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
        (BOARD_DIRECTORY_EVENT, BoardDirectoryEvent::name(&cfg)),
        (CLOSE_REQUESTED_EVENT, CloseRequestedEvent::name(&cfg)),
        (JOIN_LINK_EVENT, JoinLinkEvent::name(&cfg)),
        (INBOX_EVENT, InboxEvent::name(&cfg)),
        (FILES_DROPPED_EVENT, FilesDroppedEvent::name(&cfg)),
        (QUICK_ADD_SHOWN_EVENT, QuickAddShownEvent::name(&cfg)),
        (MENU_COMMAND_EVENT, MenuCommandEvent::name(&cfg)),
        (UPDATE_AVAILABLE_EVENT, AvailableUpdate::name(&cfg)),
        (UPDATE_CHECKED_EVENT, UpdateState::name(&cfg)),
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
    // What a saved view's `sort` and `groupBy` may be (board-model's lists, DESIGN §1).
    for (constant, keys) in [
        ("SORT_KEYS", &board_model::SORT_KEYS[..]),
        ("GROUP_KEYS", &board_model::GROUP_KEYS[..]),
        // The window's commands the menu bar runs (`menu.rs`): the UI's type checker refuses
        // one it has no command for.
        ("MENU_COMMANDS", &crate::menu::command_ids()[..]),
    ] {
        let quoted: Vec<String> = keys.iter().map(|k| format!("\"{k}\"")).collect();
        out.push_str(&format!(
            "\nexport const {constant} = [{}] as const;",
            quoted.join(", ")
        ));
    }
    out.push_str("\nexport type MenuCommand = (typeof MENU_COMMANDS)[number];\n");
    out.push_str(
        "\n// One typed wrapper per command, named after it; UI code calls these, never `invoke`.\n",
    );
    for command in &commands {
        let params: Vec<String> = command
            .args
            .iter()
            .map(|(name, ts)| format!("{name}: {ts}"))
            .collect();
        let keys: String = command
            .args
            .iter()
            .map(|(name, _)| format!(", \"{name}\""))
            .collect();
        out.push_str(&format!(
            "\nexport const {} = command<({}) => Promise<{}>>(\"{}\"{keys});\n",
            crate::command_list::camel_case(command.name),
            params.join(", "),
            command.result,
            command.name,
        ));
    }
    out
}
