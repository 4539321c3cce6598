// Generated from src-tauri/src/ipc.rs and board-model's view types by ts-rs.
// Do not edit: run `UPDATE_BINDINGS=1 cargo test -p tack --test it bindings`.

export type BoardSummary = { id: string, title: string, createdAt: number, };

export type BoardView = { id: string, title: string, createdAt: number, 
/**
 * Columns in rank order; archived ones only when asked for.
 */
columns: Array<ColumnView>, 
/**
 * The label catalogue, by name.
 */
labels: Array<LabelView>, };

export type ColumnView = { id: string, title: string, rank: string, wip: number | null, archived: boolean, 
/**
 * Tasks in rank order (ties broken by id).
 */
tasks: Array<TaskView>, };

export type TaskView = { id: string, title: string, 
/**
 * The column the task says it is in. A task whose column was deleted concurrently is
 * shown in the first live column, and `column` still names the missing one.
 */
column: string, rank: string, description: string, 
/**
 * Label ids, sorted.
 */
labels: Array<string>, 
/**
 * User ids, sorted.
 */
assignees: Array<string>, due: string | null, checklist: Array<ChecklistItem>, createdAt: number, updatedAt: number, createdBy: string, archived: boolean, };

export type ChecklistItem = { text: string, done: boolean, };

export type LabelView = { id: string, name: string, color: string, };

export type Place = { "kind": "top" } | { "kind": "bottom" } | { "kind": "before", id: string, } | { "kind": "after", id: string, };

export type BoardOp = { "type": "renameBoard", title: string, } | { "type": "addColumn", title: string, wip: number | null, place: Place, } | { "type": "renameColumn", columnId: string, title: string, } | { "type": "moveColumn", columnId: string, place: Place, } | { "type": "setWipLimit", columnId: string, wip: number | null, } | { "type": "setColumnArchived", columnId: string, archived: boolean, } | { "type": "deleteColumn", columnId: string, } | { "type": "addTask", columnId: string, title: string, place: Place, description: string | null, } | { "type": "setTaskTitle", taskId: string, title: string, } | { "type": "setDescription", taskId: string, text: string, } | { "type": "editDescription", taskId: string, at: number, delete: number, insert: string, } | { "type": "moveTask", taskId: string, columnId: string, place: Place, } | { "type": "setTaskArchived", taskId: string, archived: boolean, } | { "type": "deleteTask", taskId: string, } | { "type": "setTaskLabel", taskId: string, labelId: string, present: boolean, } | { "type": "setTaskAssignee", taskId: string, userId: string, present: boolean, } | { "type": "setDue", taskId: string, due: string | null, } | { "type": "addLabel", name: string, color: string | null, } | { "type": "updateLabel", labelId: string, name: string | null, color: string | null, } | { "type": "deleteLabel", labelId: string, } | { "type": "addChecklistItem", taskId: string, text: string, } | { "type": "setChecklistItemDone", taskId: string, index: number, done: boolean, } | { "type": "editChecklistItem", taskId: string, index: number, text: string, } | { "type": "removeChecklistItem", taskId: string, index: number, };

export type OpResult = { createdId: string | null, };

export type Patch = { "type": "boardMeta", title: string, } | { "type": "labelsReplaced", labels: Array<LabelView>, } | { "type": "columnUpserted", column: ColumnView, } | { "type": "columnRemoved", columnId: string, } | { "type": "taskUpserted", columnId: string, task: TaskView, } | { "type": "taskRemoved", taskId: string, };

export type BoardPatchEvent = { boardId: string, patches: Array<Patch>, };

export type ErrorKind = "notFound" | "invalid" | "storage";

export type IpcError = { kind: ErrorKind, message: string, };

/** Every command: its arguments and what it resolves to. It rejects with an `IpcError`. */
export type Commands = {
  list_boards: { args: {}; result: Array<BoardSummary> };
  create_board: { args: { title: string }; result: BoardSummary };
  delete_board: { args: { boardId: string }; result: null };
  open_board: { args: { boardId: string }; result: BoardView };
  apply: { args: { boardId: string; op: BoardOp }; result: OpResult };
  undo: { args: { boardId: string }; result: boolean };
  redo: { args: { boardId: string }; result: boolean };
  generate_demo_board: { args: { title: string; columns: number; tasks: number }; result: BoardSummary };
};

/** Every event the app emits, and its payload. */
export type Events = {
  "board-patch": BoardPatchEvent;
};

export const BOARD_PATCH_EVENT = "board-patch";
