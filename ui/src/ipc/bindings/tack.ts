// Generated from src-tauri/src/ipc.rs, board-model's view types (ts-rs) and the command
// functions' signatures (src-tauri/src/commands.rs).
// Do not edit: run `UPDATE_BINDINGS=1 cargo test -p tack --test it bindings`.

import { command } from "../backend";

export type BoardSummary = { id: string, title: string, createdAt: number, 
/**
 * My role on the relay; `null` for a board that is only on this computer.
 */
role: Role | null, 
/**
 * A viewer's board, or one whose access was removed (the local copy stays, read-only).
 */
readOnly: boolean, 
/**
 * Why it is read-only, to show beside the disabled controls (`null` when it is not).
 */
readOnlyReason: string | null, };

export type CommentEntry = { id: string, taskId: string, 
/**
 * The author's member id.
 */
author: string, 
/**
 * The author's name from the member directory ("You" for mine).
 */
authorName: string, 
/**
 * Whether I wrote it (only its author may edit or delete it).
 */
mine: boolean, 
/**
 * Markdown; a mention is `@[memberId]` (what an edit starts from).
 */
body: string, 
/**
 * The body as shown: each mention as `@name` from the member directory.
 */
shownBody: string, createdAt: number, editedAt: number | null, };

export type ImportFormat = "trello" | "csv";

export type ExportFormat = "markdown" | "json" | "csv" | "yjs";

export type ImportOutcome = { board: BoardSummary, tasks: number, columns: number, labels: number, comments: number, 
/**
 * Names kept as written because no member matched them.
 */
unmatchedPeople: Array<string>, };

export type TransferMode = "copy" | "move";

export type TransferOutcome = { 
/**
 * The task's id on the other board.
 */
taskId: string, boardTitle: string, 
/**
 * Assignees left out: members of the first board who are no members of the other.
 */
leftOut: Array<string>, 
/**
 * Comments by people who are no members there, kept with their names.
 */
reattributed: number, };

export type Template = { 
/**
 * `kanban`, `bug-triage`, `sprint`, or a saved template's id.
 */
id: string, name: string, builtin: boolean, 
/**
 * Its columns' titles, in order.
 */
columns: Array<string>, tasks: number, };

export type HistoryEntry = { 
/**
 * `l<id>` (mine, on this computer) or `r<seq>.<n>` (the relay's): what `restore_change`
 * takes.
 */
id: string, 
/**
 * `created`, `title`, `column`, `description`, `labels`, `assignees`, `due`,
 * `checklist`, `archived`, `deleted` or `comment`.
 */
field: string, 
/**
 * The value after the change, in a line: names for ids, short texts.
 */
shown: string, 
/**
 * "You", or the author's name from the member directory.
 */
authorName: string, at: number, 
/**
 * The relay has it (always true on a board never shared).
 */
synced: boolean, 
/**
 * Restoring brings the value back (not a cut value, a creation, deletion or comment).
 */
restorable: boolean, };

export type TaskHistoryView = { entries: Array<HistoryEntry>, note: string | null, };

export type BoardView = { id: string, title: string, createdAt: number, 
/**
 * Columns in rank order; archived ones only when asked for.
 */
columns: Array<ColumnView>, 
/**
 * The label catalogue, by name.
 */
labels: Array<LabelView>, };

export type ArchivedItems = { columns: Array<ArchivedColumn>, tasks: Array<ArchivedTask>, };

export type ArchivedColumn = { id: string, title: string, 
/**
 * The tasks that come back with it (those not archived on their own).
 */
tasks: number, };

export type ArchivedTask = { id: string, title: string, columnId: string, columnTitle: string, };

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
assignees: Array<string>, due: string | null, checklist: Array<ChecklistItem>, createdAt: number, updatedAt: number, createdBy: string, archived: boolean, 
/**
 * Live comments on the task (root `comments`).
 */
commentCount: number, 
/**
 * Changes whenever one of the task's comments is posted, edited or deleted (a hash of
 * their ids and change times, so equal on every replica that holds the same comments): a
 * panel showing the conversation reads it again then.
 */
commentStamp: number, 
/**
 * Files attached to the task (its `attachments` map).
 */
attachmentCount: number, 
/**
 * The SHA-256 of its first image attachment (PNG, JPEG, GIF or WebP), whose thumbnail
 * the card shows; absent without one.
 */
coverImage?: string, };

export type ChecklistItem = { text: string, done: boolean, };

export type LabelView = { id: string, name: string, color: string, };

export type Place = { "kind": "top" } | { "kind": "bottom" } | { "kind": "before", id: string, } | { "kind": "after", id: string, };

export type BoardOp = { "type": "renameBoard", title: string, } | { "type": "addColumn", title: string, wip: number | null, place: Place, } | { "type": "renameColumn", columnId: string, title: string, } | { "type": "moveColumn", columnId: string, place: Place, } | { "type": "setWipLimit", columnId: string, wip: number | null, } | { "type": "setColumnArchived", columnId: string, archived: boolean, } | { "type": "deleteColumn", columnId: string, } | { "type": "addTask", columnId: string, title: string, place: Place, description: string | null, } | { "type": "setTaskTitle", taskId: string, title: string, } | { "type": "setDescription", taskId: string, text: string, } | { "type": "editDescription", taskId: string, at: number, delete: number, insert: string, } | { "type": "spliceDescription", taskId: string, base: string, at: number, delete: number, insert: string, } | { "type": "moveTask", taskId: string, columnId: string, place: Place, } | { "type": "setTaskArchived", taskId: string, archived: boolean, } | { "type": "deleteTask", taskId: string, } | { "type": "setTaskLabel", taskId: string, labelId: string, present: boolean, } | { "type": "setTaskAssignee", taskId: string, userId: string, present: boolean, } | { "type": "replaceTaskAssignee", taskId: string, from: string, to: string, } | { "type": "replaceTaskLabel", taskId: string, from: string | null, to: string | null, } | { "type": "setDue", taskId: string, due: string | null, } | { "type": "addLabel", name: string, color: string | null, } | { "type": "updateLabel", labelId: string, name: string | null, color: string | null, } | { "type": "deleteLabel", labelId: string, } | { "type": "addChecklistItem", taskId: string, text: string, } | { "type": "setChecklistItemDone", taskId: string, index: number, done: boolean, } | { "type": "editChecklistItem", taskId: string, index: number, text: string, } | { "type": "removeChecklistItem", taskId: string, index: number, };

export type OpResult = { createdId: string | null, };

export type Patch = { "type": "boardMeta", title: string, } | { "type": "labelsReplaced", labels: Array<LabelView>, } | { "type": "columnUpserted", column: ColumnView, } | { "type": "columnRemoved", columnId: string, } | { "type": "taskUpserted", columnId: string, task: TaskView, } | { "type": "taskRemoved", taskId: string, };

export type BoardPatchEvent = { boardId: string, patches: Array<Patch>, };

export type ErrorKind = "notFound" | "invalid" | "storage" | "readOnly" | "signedOut" | "accessRemoved" | "server" | "network" | "conflict";

export type IpcError = { kind: ErrorKind, message: string, };

export type Role = "owner" | "editor" | "viewer";

export type AccountState = { 
/**
 * `http(s)://…`; `null` until one is set.
 */
server: string | null, user: SignedInUser | null, };

export type SignedInUser = { userId: string, email: string, };

export type SyncKind = "local" | "signedOut" | "connecting" | "offline" | "syncing" | "synced" | "readOnly" | "error";

export type SyncState = { kind: SyncKind, 
/**
 * Local changes not acknowledged by the relay (the outbox's count).
 */
pending: number, text: string, };

export type BoardSyncState = { boardId: string, state: SyncState, role: Role | null, readOnly: boolean, 
/**
 * Why it is read-only, to show beside the disabled controls (`null` when it is not).
 */
readOnlyReason: string | null, };

export type SyncStatusEvent = { overall: SyncState, boards: Array<BoardSyncState>, };

export type Member = { userId: string, email: string, role: Role, };

export type DirectoryEntry = { userId: string, 
/**
 * What to show: the part of the email before `@`, or my own name without an account.
 */
name: string, 
/**
 * Empty for this computer's profile when no account is signed in.
 */
email: string, me: boolean, };

export type OpenedBoard = { view: BoardView, people: Array<DirectoryEntry>, views: Array<SavedView>, 
/**
 * Not the whole board as it is now (the view kept at the last run, shown while the
 * document loads, or a first screen): the window asks `reconcile_board` for what changed
 * since, and the rest.
 */
cached: boolean, 
/**
 * How many tasks of each column this answer holds back (none unless `open_board` was asked
 * for a first screen): the columns hold their first tasks only, and `reconcile_board`
 * brings the rest. Absent columns hold back none.
 */
withheld: { [key in string]: number }, };

export type BoardDirectoryEvent = { boardId: string, people: Array<DirectoryEntry>, };

export type RemoteBoard = { boardId: string, role: Role, 
/**
 * Known once it is on this computer.
 */
title: string | null, 
/**
 * On this computer (so in `list_boards` too).
 */
downloaded: boolean, };

export type Invite = { 
/**
 * What the invited person pastes (`accept_invite` takes it or the whole link).
 */
token: string, link: string, role: Role, 
/**
 * Milliseconds since the epoch.
 */
expiresAt: number, };

export type Person = { userId: string, name: string, initials: string, 
/**
 * `#rrggbb`, derived from the user id: the same on every screen.
 */
color: string, selectedTaskId: string | null, me: boolean, };

export type PresenceEvent = { boardId: string, people: Array<Person>, };

export type BoardAccessEvent = { boardId: string, role: Role | null, readOnly: boolean, 
/**
 * Why editing is off, to show beside the disabled controls.
 */
reason: string | null, };

export type BoardClosedEvent = { boardId: string, message: string, };

export type ConflictNotice = { boardId: string, taskId: string, field: string, 
/**
 * A person's name, or "someone".
 */
winner: string, text: string, };

export type CloseRequestedEvent = { pending: number, text: string, };

export type JoinLinkEvent = { 
/**
 * What `accept_invite` takes: `{relay}/invite/{token}`, or the bare token.
 */
invite: string, };

export type SearchResults = { hits: Array<SearchHit>, errors: Array<QueryError>, };

export type SearchHit = { boardId: string, boardTitle: string, taskId: string, columnId: string, columnTitle: string, title: string, 
/**
 * The title in parts, the matched words marked.
 */
titleParts: Array<TextPart>, 
/**
 * Where else the words matched (description, comments, …), marked; empty when only the
 * title matched or the query has no words.
 */
snippet: Array<TextPart>, due: string | null, archived: boolean, 
/**
 * Lower is better (SQLite FTS5 bm25); 0 for queries without words, and for the older
 * matches of a search past its scored ones ([`SCORED_AT_MOST`]).
 */
rank: number, };

export type TextPart = { text: string, hit: boolean, };

export type QueryError = { 
/**
 * Byte offsets into the query text (on character boundaries).
 */
start: number, end: number, message: string, };

export type BoardFilter = { 
/**
 * False when the query has no term it could read: the board is shown whole.
 */
narrows: boolean, 
/**
 * The matching tasks (archived ones only for `is:archived`).
 */
tasks: TaskMatches, 
/**
 * The free words, lower case, each the start of a word to mark.
 */
words: Array<string>, errors: Array<QueryError>, };

export type TaskMatches = { "only": Array<string> } | { "allBut": Array<string> };

export type SavedView = { id: string, name: string, 
/**
 * The filter, in the grammar of `board_model::query` (may be empty).
 */
query: string, 
/**
 * One of [`SORT_KEYS`] (a value written by a newer client is shown as it is).
 */
sort: string, 
/**
 * `assignee` or `label`; `None` for no swimlanes.
 */
groupBy: string | null, };

export type MyTask = { group: DueGroup, boardId: string, boardTitle: string, taskId: string, columnId: string, columnTitle: string, title: string, due: string | null, labels: Array<string>, };

export type DueGroup = "overdue" | "today" | "thisWeek" | "later" | "noDate";

export type InboxItem = { 
/**
 * The same on each of my devices (read marks follow it).
 */
key: string, boardId: string, boardTitle: string, taskId: string, 
/**
 * `mentioned`, `assigned`, `commented`, `moved`, `dueSoon` or `reminder`.
 */
kind: string, 
/**
 * The task's title then.
 */
title: string, 
/**
 * What happened, as a sentence ("Ana mentioned you on “Ship it”").
 */
text: string, 
/**
 * ms since the Unix epoch.
 */
at: number, read: boolean, };

export type InboxView = { items: Array<InboxItem>, unread: number, };

export type InboxEvent = { unread: number, added: number, };

export type ReminderView = { 
/**
 * Minutes before the due (0: at due); `null` for a fixed moment.
 */
beforeMinutes: number | null, 
/**
 * The fixed moment (ms), when it has one.
 */
at: number | null, 
/**
 * When it fires (ms); `null` while the task has no due.
 */
fireAt: number | null, fired: boolean, 
/**
 * "15 min before due", "at due", "waits for a due".
 */
text: string, };

export type AttachmentState = "here" | "uploading" | "relay" | "refused";

export type AttachmentEntry = { id: string, taskId: string, name: string, mime: string, size: number, sha256: string, 
/**
 * Who attached it: the member id, and the name from the member directory ("You").
 */
author: string, authorName: string, createdAt: number, state: AttachmentState, 
/**
 * Opening it would run something (`.exe`, a script, a package): the app asks first.
 */
executable: boolean, 
/**
 * Why its upload was refused, when it was.
 */
note: string | null, };

export type OpenedAttachment = { "type": "opened" } | { "type": "confirm", name: string, } | { "type": "uploading", message: string, };

export type FilesDroppedEvent = { count: number, x: number, y: number, };

export type QuickAddShownEvent = { 
/**
 * The shortcut that opens it, as set (empty: none), for its hint.
 */
shortcut: string, };

export type MenuCommandEvent = { command: MenuCommand, };

export type QuickAddSettings = { 
/**
 * As set (`CommandOrControl+Alt+N`); empty: no shortcut.
 */
shortcut: string, defaultShortcut: string, 
/**
 * Why the shortcut could not be registered at start (another app holds it, no X11 on
 * Wayland); `null` when it works.
 */
problem: string | null, };

export type ColumnChoice = { id: string, title: string, };

export type AvailableUpdate = { version: string, notes: string, date: string | null, };

export type UpdateState = { currentVersion: string, 
/**
 * A newer release, or `null` when this one is the newest.
 */
available: AvailableUpdate | null, 
/**
 * Why no update can be offered (a development build; from the tray: the endpoint could
 * not be reached), if so.
 */
problem: string | null, };

/** Every command: its arguments and what it resolves to. It rejects with an `IpcError`. */
export type Commands = {
  list_boards: { args: {}; result: Array<BoardSummary> };
  create_board: { args: { title: string }; result: BoardSummary };
  search: { args: { query: string; includeArchived: boolean; limit: number }; result: SearchResults };
  filter_board: { args: { boardId: string; query: string }; result: BoardFilter };
  list_views: { args: { boardId: string }; result: Array<SavedView> };
  save_view: { args: { boardId: string; name: string; query: string; sort: string; groupBy: string | null }; result: Array<SavedView> };
  rename_view: { args: { boardId: string; viewId: string; name: string }; result: Array<SavedView> };
  delete_view: { args: { boardId: string; viewId: string }; result: Array<SavedView> };
  my_tasks: { args: {}; result: Array<MyTask> };
  delete_board: { args: { boardId: string }; result: null };
  open_board: { args: { boardId: string; firstScreen: number | null }; result: OpenedBoard };
  reconcile_board: { args: { boardId: string }; result: Array<Patch> };
  list_archived: { args: { boardId: string }; result: ArchivedItems };
  apply: { args: { boardId: string; op: BoardOp }; result: OpResult };
  apply_together: { args: { boardId: string; ops: Array<BoardOp> }; result: Array<OpResult> };
  undo: { args: { boardId: string }; result: boolean };
  redo: { args: { boardId: string }; result: boolean };
  read_due: { args: { text: string }; result: string };
  list_comments: { args: { boardId: string; taskId: string }; result: Array<CommentEntry> };
  add_comment: { args: { boardId: string; taskId: string; body: string }; result: CommentEntry };
  edit_comment: { args: { boardId: string; commentId: string; body: string }; result: null };
  delete_comment: { args: { boardId: string; commentId: string }; result: null };
  generate_demo_board: { args: { title: string; columns: number; tasks: number }; result: BoardSummary };
  task_history: { args: { boardId: string; taskId: string }; result: TaskHistoryView };
  restore_change: { args: { boardId: string; taskId: string; changeId: string }; result: null };
  yank_task: { args: { boardId: string; taskId: string }; result: string };
  paste_task: { args: { boardId: string; columnId: string; place: Place }; result: OpResult };
  transfer_task: { args: { boardId: string; taskId: string; toBoardId: string; mode: TransferMode }; result: TransferOutcome };
  duplicate_board: { args: { boardId: string; title: string }; result: BoardSummary };
  list_templates: { args: {}; result: Array<Template> };
  save_template: { args: { boardId: string; name: string }; result: Template };
  delete_template: { args: { templateId: string }; result: null };
  create_board_from_template: { args: { title: string; templateId: string }; result: BoardSummary };
  import_board: { args: { format: ImportFormat }; result: ImportOutcome | null };
  import_into_board: { args: { boardId: string }; result: ImportOutcome | null };
  export_board: { args: { boardId: string; format: ExportFormat }; result: string | null };
  open_link: { args: { url: string }; result: null };
  get_account: { args: {}; result: AccountState };
  set_server_url: { args: { url: string }; result: AccountState };
  sign_up: { args: { email: string; password: string }; result: AccountState };
  sign_in: { args: { email: string; password: string }; result: AccountState };
  sign_out: { args: {}; result: AccountState };
  sync_status: { args: {}; result: SyncStatusEvent };
  confirm_close: { args: {}; result: null };
  publish_board: { args: { boardId: string }; result: Role };
  list_members: { args: { boardId: string }; result: Array<Member> };
  share_board: { args: { boardId: string; email: string; role: Role }; result: Member };
  set_member_role: { args: { boardId: string; userId: string; role: Role }; result: null };
  remove_member: { args: { boardId: string; userId: string }; result: null };
  create_invite: { args: { boardId: string; role: Role }; result: Invite };
  accept_invite: { args: { invite: string }; result: RemoteBoard };
  list_remote_boards: { args: {}; result: Array<RemoteBoard> };
  open_remote_board: { args: { boardId: string }; result: BoardSummary };
  leave_board: { args: { boardId: string }; result: null };
  set_selection: { args: { boardId: string; taskId: string | null }; result: null };
  check_for_update: { args: {}; result: UpdateState };
  install_update: { args: {}; result: string };
  restart_app: { args: {}; result: null };
  first_painted: { args: {}; result: null };
  open_quick_add: { args: {}; result: null };
  hide_quick_add: { args: {}; result: null };
  board_columns: { args: { boardId: string }; result: Array<ColumnChoice> };
  quick_add_settings: { args: {}; result: QuickAddSettings };
  set_quick_add_shortcut: { args: { shortcut: string }; result: QuickAddSettings };
  inbox: { args: {}; result: InboxView };
  set_inbox_read: { args: { keys: Array<string>; read: boolean }; result: InboxView };
  mark_inbox_read: { args: {}; result: InboxView };
  task_reminder: { args: { boardId: string; taskId: string }; result: ReminderView | null };
  set_task_reminder: { args: { boardId: string; taskId: string; beforeMinutes: number | null }; result: ReminderView | null };
  list_attachments: { args: { boardId: string; taskId: string }; result: Array<AttachmentEntry> };
  attachment_thumbnail: { args: { sha256: string }; result: string | null };
  attach_files: { args: { boardId: string; taskId: string }; result: Array<AttachmentEntry> };
  attach_dropped: { args: { boardId: string; taskId: string }; result: Array<AttachmentEntry> };
  attach_pasted: { args: { boardId: string; taskId: string; name: string; bytes: Array<number> }; result: AttachmentEntry };
  remove_attachment: { args: { boardId: string; taskId: string; attachmentId: string }; result: null };
  open_attachment: { args: { boardId: string; taskId: string; attachmentId: string; confirmed: boolean }; result: OpenedAttachment };
  save_attachment_as: { args: { boardId: string; taskId: string; attachmentId: string }; result: string | null };
};

/** Every event the app emits, and its payload. */
export type Events = {
  "board-patch": BoardPatchEvent;
  "sync-status": SyncStatusEvent;
  "presence": PresenceEvent;
  "board-access": BoardAccessEvent;
  "board-closed": BoardClosedEvent;
  "conflict": ConflictNotice;
  "board-directory": BoardDirectoryEvent;
  "close-requested": CloseRequestedEvent;
  "join-link": JoinLinkEvent;
  "inbox": InboxEvent;
  "files-dropped": FilesDroppedEvent;
  "quick-add-shown": QuickAddShownEvent;
  "menu-command": MenuCommandEvent;
  "update-available": AvailableUpdate;
  "update-checked": UpdateState;
};

export const BOARD_PATCH_EVENT = "board-patch";
export const SYNC_STATUS_EVENT = "sync-status";
export const PRESENCE_EVENT = "presence";
export const BOARD_ACCESS_EVENT = "board-access";
export const BOARD_CLOSED_EVENT = "board-closed";
export const CONFLICT_EVENT = "conflict";
export const BOARD_DIRECTORY_EVENT = "board-directory";
export const CLOSE_REQUESTED_EVENT = "close-requested";
export const JOIN_LINK_EVENT = "join-link";
export const INBOX_EVENT = "inbox";
export const FILES_DROPPED_EVENT = "files-dropped";
export const QUICK_ADD_SHOWN_EVENT = "quick-add-shown";
export const MENU_COMMAND_EVENT = "menu-command";
export const UPDATE_AVAILABLE_EVENT = "update-available";
export const UPDATE_CHECKED_EVENT = "update-checked";

export const SORT_KEYS = ["rank", "due", "created", "updated", "title"] as const;
export const GROUP_KEYS = ["assignee", "label"] as const;
export const MENU_COMMANDS = ["account.settings", "app.check_update", "board.new", "app.quick_add", "board.import_trello", "board.import_csv", "board.import_csv_here", "board.export_markdown", "board.export_csv", "board.export_json", "board.export_yjs", "view.filter", "view.search", "view.palette", "view.sidebar", "view.density", "view.sort", "view.lanes", "view.views", "view.inbox", "view.my_tasks", "board.next", "board.previous", "board.share", "board.archived", "board.rename", "board.duplicate", "board.save_template", "board.delete", "board.new_task", "task.edit", "task.comment", "task.attach", "task.duplicate", "task.archive", "task.delete", "view.cheatsheet"] as const;
export type MenuCommand = (typeof MENU_COMMANDS)[number];

// One typed wrapper per command, named after it; UI code calls these, never `invoke`.

export const listBoards = command<() => Promise<Array<BoardSummary>>>("list_boards");

export const createBoard = command<(title: string) => Promise<BoardSummary>>("create_board", "title");

export const search = command<(query: string, includeArchived: boolean, limit: number) => Promise<SearchResults>>("search", "query", "includeArchived", "limit");

export const filterBoard = command<(boardId: string, query: string) => Promise<BoardFilter>>("filter_board", "boardId", "query");

export const listViews = command<(boardId: string) => Promise<Array<SavedView>>>("list_views", "boardId");

export const saveView = command<(boardId: string, name: string, query: string, sort: string, groupBy: string | null) => Promise<Array<SavedView>>>("save_view", "boardId", "name", "query", "sort", "groupBy");

export const renameView = command<(boardId: string, viewId: string, name: string) => Promise<Array<SavedView>>>("rename_view", "boardId", "viewId", "name");

export const deleteView = command<(boardId: string, viewId: string) => Promise<Array<SavedView>>>("delete_view", "boardId", "viewId");

export const myTasks = command<() => Promise<Array<MyTask>>>("my_tasks");

export const deleteBoard = command<(boardId: string) => Promise<null>>("delete_board", "boardId");

export const openBoard = command<(boardId: string, firstScreen: number | null) => Promise<OpenedBoard>>("open_board", "boardId", "firstScreen");

export const reconcileBoard = command<(boardId: string) => Promise<Array<Patch>>>("reconcile_board", "boardId");

export const listArchived = command<(boardId: string) => Promise<ArchivedItems>>("list_archived", "boardId");

export const apply = command<(boardId: string, op: BoardOp) => Promise<OpResult>>("apply", "boardId", "op");

export const applyTogether = command<(boardId: string, ops: Array<BoardOp>) => Promise<Array<OpResult>>>("apply_together", "boardId", "ops");

export const undo = command<(boardId: string) => Promise<boolean>>("undo", "boardId");

export const redo = command<(boardId: string) => Promise<boolean>>("redo", "boardId");

export const readDue = command<(text: string) => Promise<string>>("read_due", "text");

export const listComments = command<(boardId: string, taskId: string) => Promise<Array<CommentEntry>>>("list_comments", "boardId", "taskId");

export const addComment = command<(boardId: string, taskId: string, body: string) => Promise<CommentEntry>>("add_comment", "boardId", "taskId", "body");

export const editComment = command<(boardId: string, commentId: string, body: string) => Promise<null>>("edit_comment", "boardId", "commentId", "body");

export const deleteComment = command<(boardId: string, commentId: string) => Promise<null>>("delete_comment", "boardId", "commentId");

export const generateDemoBoard = command<(title: string, columns: number, tasks: number) => Promise<BoardSummary>>("generate_demo_board", "title", "columns", "tasks");

export const taskHistory = command<(boardId: string, taskId: string) => Promise<TaskHistoryView>>("task_history", "boardId", "taskId");

export const restoreChange = command<(boardId: string, taskId: string, changeId: string) => Promise<null>>("restore_change", "boardId", "taskId", "changeId");

export const yankTask = command<(boardId: string, taskId: string) => Promise<string>>("yank_task", "boardId", "taskId");

export const pasteTask = command<(boardId: string, columnId: string, place: Place) => Promise<OpResult>>("paste_task", "boardId", "columnId", "place");

export const transferTask = command<(boardId: string, taskId: string, toBoardId: string, mode: TransferMode) => Promise<TransferOutcome>>("transfer_task", "boardId", "taskId", "toBoardId", "mode");

export const duplicateBoard = command<(boardId: string, title: string) => Promise<BoardSummary>>("duplicate_board", "boardId", "title");

export const listTemplates = command<() => Promise<Array<Template>>>("list_templates");

export const saveTemplate = command<(boardId: string, name: string) => Promise<Template>>("save_template", "boardId", "name");

export const deleteTemplate = command<(templateId: string) => Promise<null>>("delete_template", "templateId");

export const createBoardFromTemplate = command<(title: string, templateId: string) => Promise<BoardSummary>>("create_board_from_template", "title", "templateId");

export const importBoard = command<(format: ImportFormat) => Promise<ImportOutcome | null>>("import_board", "format");

export const importIntoBoard = command<(boardId: string) => Promise<ImportOutcome | null>>("import_into_board", "boardId");

export const exportBoard = command<(boardId: string, format: ExportFormat) => Promise<string | null>>("export_board", "boardId", "format");

export const openLink = command<(url: string) => Promise<null>>("open_link", "url");

export const getAccount = command<() => Promise<AccountState>>("get_account");

export const setServerUrl = command<(url: string) => Promise<AccountState>>("set_server_url", "url");

export const signUp = command<(email: string, password: string) => Promise<AccountState>>("sign_up", "email", "password");

export const signIn = command<(email: string, password: string) => Promise<AccountState>>("sign_in", "email", "password");

export const signOut = command<() => Promise<AccountState>>("sign_out");

export const syncStatus = command<() => Promise<SyncStatusEvent>>("sync_status");

export const confirmClose = command<() => Promise<null>>("confirm_close");

export const publishBoard = command<(boardId: string) => Promise<Role>>("publish_board", "boardId");

export const listMembers = command<(boardId: string) => Promise<Array<Member>>>("list_members", "boardId");

export const shareBoard = command<(boardId: string, email: string, role: Role) => Promise<Member>>("share_board", "boardId", "email", "role");

export const setMemberRole = command<(boardId: string, userId: string, role: Role) => Promise<null>>("set_member_role", "boardId", "userId", "role");

export const removeMember = command<(boardId: string, userId: string) => Promise<null>>("remove_member", "boardId", "userId");

export const createInvite = command<(boardId: string, role: Role) => Promise<Invite>>("create_invite", "boardId", "role");

export const acceptInvite = command<(invite: string) => Promise<RemoteBoard>>("accept_invite", "invite");

export const listRemoteBoards = command<() => Promise<Array<RemoteBoard>>>("list_remote_boards");

export const openRemoteBoard = command<(boardId: string) => Promise<BoardSummary>>("open_remote_board", "boardId");

export const leaveBoard = command<(boardId: string) => Promise<null>>("leave_board", "boardId");

export const setSelection = command<(boardId: string, taskId: string | null) => Promise<null>>("set_selection", "boardId", "taskId");

export const checkForUpdate = command<() => Promise<UpdateState>>("check_for_update");

export const installUpdate = command<() => Promise<string>>("install_update");

export const restartApp = command<() => Promise<null>>("restart_app");

export const firstPainted = command<() => Promise<null>>("first_painted");

export const openQuickAdd = command<() => Promise<null>>("open_quick_add");

export const hideQuickAdd = command<() => Promise<null>>("hide_quick_add");

export const boardColumns = command<(boardId: string) => Promise<Array<ColumnChoice>>>("board_columns", "boardId");

export const quickAddSettings = command<() => Promise<QuickAddSettings>>("quick_add_settings");

export const setQuickAddShortcut = command<(shortcut: string) => Promise<QuickAddSettings>>("set_quick_add_shortcut", "shortcut");

export const inbox = command<() => Promise<InboxView>>("inbox");

export const setInboxRead = command<(keys: Array<string>, read: boolean) => Promise<InboxView>>("set_inbox_read", "keys", "read");

export const markInboxRead = command<() => Promise<InboxView>>("mark_inbox_read");

export const taskReminder = command<(boardId: string, taskId: string) => Promise<ReminderView | null>>("task_reminder", "boardId", "taskId");

export const setTaskReminder = command<(boardId: string, taskId: string, beforeMinutes: number | null) => Promise<ReminderView | null>>("set_task_reminder", "boardId", "taskId", "beforeMinutes");

export const listAttachments = command<(boardId: string, taskId: string) => Promise<Array<AttachmentEntry>>>("list_attachments", "boardId", "taskId");

export const attachmentThumbnail = command<(sha256: string) => Promise<string | null>>("attachment_thumbnail", "sha256");

export const attachFiles = command<(boardId: string, taskId: string) => Promise<Array<AttachmentEntry>>>("attach_files", "boardId", "taskId");

export const attachDropped = command<(boardId: string, taskId: string) => Promise<Array<AttachmentEntry>>>("attach_dropped", "boardId", "taskId");

export const attachPasted = command<(boardId: string, taskId: string, name: string, bytes: Array<number>) => Promise<AttachmentEntry>>("attach_pasted", "boardId", "taskId", "name", "bytes");

export const removeAttachment = command<(boardId: string, taskId: string, attachmentId: string) => Promise<null>>("remove_attachment", "boardId", "taskId", "attachmentId");

export const openAttachment = command<(boardId: string, taskId: string, attachmentId: string, confirmed: boolean) => Promise<OpenedAttachment>>("open_attachment", "boardId", "taskId", "attachmentId", "confirmed");

export const saveAttachmentAs = command<(boardId: string, taskId: string, attachmentId: string) => Promise<string | null>>("save_attachment_as", "boardId", "taskId", "attachmentId");
