//! TypeScript for the UI, generated from the Rust IPC types (ts-rs): every type that crosses
//! the bridge, the command table (name, arguments, result) and the event table. Written to
//! `ui/src/ipc/bindings/tack.ts` by `UPDATE_BINDINGS=1 cargo test -p tack --test it bindings`;
//! the same test fails when the committed file is stale.

use board_model::{BoardView, ChecklistItem, ColumnView, LabelView, TaskView};
use ts_rs::{Config, TS};

use crate::ipc::{
    BoardOp, BoardPatchEvent, BoardSummary, ErrorKind, IpcError, OpResult, Patch, Place,
    BOARD_PATCH_EVENT,
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
    ];
    for declaration in declarations {
        out.push_str("export ");
        out.push_str(&declaration);
        out.push_str("\n\n");
    }

    // Arguments are camelCase, as Tauri converts them to the Rust parameters' snake_case.
    let commands: [(&str, &str, String); 8] = [
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
    out.push_str(&format!(
        "/** Every event the app emits, and its payload. */\n\
         export type Events = {{\n  \"{BOARD_PATCH_EVENT}\": {};\n}};\n\n\
         export const BOARD_PATCH_EVENT = \"{BOARD_PATCH_EVENT}\";\n",
        BoardPatchEvent::name(&cfg)
    ));
    out
}
