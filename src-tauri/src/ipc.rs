//! The IPC contract with the UI: command arguments and results, board patches and errors.
//! TypeScript declarations of these types are generated (`bindings.rs`) into
//! `ui/src/ipc/bindings/`, and a test fails when the committed ones are stale.

use std::collections::BTreeMap;

use board_model::{ColumnView, LabelView, ModelError, TaskView};
use board_store::StoreError;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Name of the event that carries [`BoardPatchEvent`]s.
pub const BOARD_PATCH_EVENT: &str = "board-patch";
/// [`SyncStatusEvent`], on every change.
pub const SYNC_STATUS_EVENT: &str = "sync-status";
/// [`PresenceEvent`]: who is on a board, the whole list each time.
pub const PRESENCE_EVENT: &str = "presence";
/// [`BoardAccessEvent`]: a board's role or read-only state changed.
pub const BOARD_ACCESS_EVENT: &str = "board-access";
/// [`BoardClosedEvent`]: access to an open board was removed.
pub const BOARD_CLOSED_EVENT: &str = "board-closed";
/// [`ConflictNotice`].
pub const CONFLICT_EVENT: &str = "conflict";
/// [`BoardDirectoryEvent`]: a board's people, after the relay's member list was fetched.
pub const BOARD_DIRECTORY_EVENT: &str = "board-directory";
/// [`CloseRequestedEvent`]: the window was asked to close with changes not on the server.
pub const CLOSE_REQUESTED_EVENT: &str = "close-requested";
/// [`JoinLinkEvent`]: a `tack://join` link opened the app (or reached the running one).
pub const JOIN_LINK_EVENT: &str = "join-link";
/// Payload: [`InboxEvent`].
pub const INBOX_EVENT: &str = "inbox";
/// [`FilesDroppedEvent`]: files were dropped on the window (`attach_dropped` attaches them).
pub const FILES_DROPPED_EVENT: &str = "files-dropped";
/// [`AvailableUpdate`]: a newer signed release is available (nothing downloaded yet).
pub const UPDATE_AVAILABLE_EVENT: &str = "update-available";
/// [`UpdateState`]: what a look for updates asked from the tray found.
pub const UPDATE_CHECKED_EVENT: &str = "update-checked";
/// [`QuickAddShownEvent`]: the quick add window was shown (by its shortcut or the palette).
pub const QUICK_ADD_SHOWN_EVENT: &str = "quick-add-shown";
/// [`MenuCommandEvent`]: a menu bar item was chosen (`menu.rs`).
pub const MENU_COMMAND_EVENT: &str = "menu-command";

/// A file a board comes in from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ImportFormat {
    /// A Trello board exported as JSON.
    Trello,
    /// Tasks as CSV (`tackctl export --format csv`'s header, or at least `title`).
    Csv,
}

impl ImportFormat {
    /// The open dialog's filter: its name and file extensions.
    pub fn filter(self) -> (&'static str, &'static [&'static str]) {
        match self {
            Self::Trello => ("Trello board export (JSON)", &["json"]),
            Self::Csv => ("Tasks as CSV", &["csv"]),
        }
    }
}

/// A file a board goes out to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ExportFormat {
    Markdown,
    /// Every column and task with all fields, archived included.
    Json,
    /// One row per task, the header of `board_import::csv::HEADER`.
    Csv,
    /// The whole document as one Yjs update (v1), for `Y.applyUpdate`.
    Yjs,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            Self::Markdown => "md",
            Self::Json => "json",
            Self::Csv => "csv",
            Self::Yjs => "yjs",
        }
    }
}

/// What an import brought in.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ImportOutcome {
    pub board: BoardSummary,
    pub tasks: u32,
    pub columns: u32,
    pub labels: u32,
    pub comments: u32,
    /// Names kept as written because no member matched them.
    pub unmatched_people: Vec<String>,
}

/// The longest link the app opens.
const MAX_LINK_BYTES: usize = 2048;

/// A link from a rendered description that may be handed to the system's browser: `http` or
/// `https` with a host, no spaces or control characters (the browser, not the app, opens it;
/// `file:`, `javascript:` and every other scheme are refused).
pub fn web_link(url: &str) -> Result<&str, IpcError> {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let host = rest.and_then(|r| r.split(['/', '?', '#']).next());
    let fine = url.len() <= MAX_LINK_BYTES
        && host.is_some_and(|h| !h.is_empty() && !h.starts_with('@'))
        && !url.chars().any(|c| c.is_whitespace() || c.is_control());
    if fine {
        Ok(url)
    } else {
        Err(IpcError::invalid(
            "Only web links (http or https) open from a description.",
        ))
    }
}

/// Copy a task to another board, or move it there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum TransferMode {
    Copy,
    Move,
}

/// What a task moved or copied to another board became there.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TransferOutcome {
    /// The task's id on the other board.
    pub task_id: String,
    pub board_title: String,
    /// Assignees left out: members of the first board who are no members of the other.
    pub left_out: Vec<String>,
    /// Comments by people who are no members there, kept with their names.
    pub reattributed: u32,
}

/// A template to start a board from (`board_store::transfer`).
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Template {
    /// `kanban`, `bug-triage`, `sprint`, or a saved template's id.
    pub id: String,
    pub name: String,
    pub builtin: bool,
    /// Its columns' titles, in order.
    pub columns: Vec<String>,
    pub tasks: u32,
}

impl From<board_store::transfer::TemplateRecord> for Template {
    fn from(t: board_store::transfer::TemplateRecord) -> Self {
        Self {
            id: t.id,
            name: t.name,
            builtin: t.builtin,
            columns: t.columns,
            tasks: u32::try_from(t.tasks).unwrap_or(u32::MAX),
        }
    }
}

/// One change of a task as the task panel's history shows it (DESIGN "History").
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct HistoryEntry {
    /// `l<id>` (mine, on this computer) or `r<seq>.<n>` (the relay's): what `restore_change`
    /// takes.
    pub id: String,
    /// `created`, `title`, `column`, `description`, `labels`, `assignees`, `due`,
    /// `checklist`, `archived`, `deleted` or `comment`.
    pub field: String,
    /// The value after the change, in a line: names for ids, short texts.
    pub shown: String,
    /// "You", or the author's name from the member directory.
    pub author_name: String,
    pub at: i64,
    /// The relay has it (always true on a board never shared).
    pub synced: bool,
    /// Restoring brings the value back (not a cut value, a creation, deletion or comment).
    pub restorable: bool,
}

/// A task's history, newest first, and why it is not the relay's fresh one when it is not.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TaskHistoryView {
    pub entries: Vec<HistoryEntry>,
    pub note: Option<String>,
}

/// One comment on a task as the task panel shows it (DESIGN §1, root `comments`).
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CommentEntry {
    pub id: String,
    pub task_id: String,
    /// The author's member id.
    pub author: String,
    /// The author's name from the member directory ("You" for mine).
    pub author_name: String,
    /// Whether I wrote it (only its author may edit or delete it).
    pub mine: bool,
    /// Markdown; a mention is `@[memberId]` (what an edit starts from).
    pub body: String,
    /// The body as shown: each mention as `@name` from the member directory.
    pub shown_body: String,
    pub created_at: i64,
    pub edited_at: Option<i64>,
}

/// A person who can be assigned or mentioned on a board: the member directory the relay last
/// gave (cached, so it works offline) and me; a board never shared has me alone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DirectoryEntry {
    pub user_id: String,
    /// What to show: the part of the email before `@`, or my own name without an account.
    pub name: String,
    /// Empty for this computer's profile when no account is signed in.
    pub email: String,
    pub me: bool,
}

impl From<&board_store::DirectoryEntry> for DirectoryEntry {
    fn from(entry: &board_store::DirectoryEntry) -> Self {
        Self {
            user_id: entry.user_id.clone(),
            name: entry.name.clone(),
            email: entry.email.clone(),
            me: entry.me,
        }
    }
}

/// `open_board`'s answer: the board, the people who can be assigned or mentioned on it, and
/// its saved views (shared with everyone on it; `list_views` reads them again).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OpenedBoard {
    pub view: board_model::BoardView,
    pub people: Vec<DirectoryEntry>,
    pub views: Vec<board_model::SavedView>,
    /// Not the whole board as it is now (the view kept at the last run, shown while the
    /// document loads, or a first screen): the window asks `reconcile_board` for what changed
    /// since, and the rest.
    #[serde(default)]
    pub cached: bool,
    /// How many tasks of each column this answer holds back (none unless `open_board` was asked
    /// for a first screen): the columns hold their first tasks only, and `reconcile_board`
    /// brings the rest. Absent columns hold back none.
    #[serde(default)]
    pub withheld: BTreeMap<String, u32>,
}

impl OpenedBoard {
    /// Cuts each column to its first `first` tasks (the view's order, so what the window shows
    /// first is exactly the top of each column), counting what it holds back in `withheld`;
    /// answers what it cut off, by column id.
    pub fn cut_to_first_screen(&mut self, first: u32) -> Vec<(String, Vec<TaskView>)> {
        let keep = first as usize;
        let mut rest = Vec::new();
        for column in &mut self.view.columns {
            if column.tasks.len() > keep {
                let tail = column.tasks.split_off(keep);
                let held = u32::try_from(tail.len()).unwrap_or(u32::MAX);
                self.withheld.insert(column.id.clone(), held);
                rest.push((column.id.clone(), tail));
            }
        }
        rest
    }
}

/// Payload of `board-directory`: a board's people changed (the relay's member list, fetched).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BoardDirectoryEvent {
    pub board_id: String,
    pub people: Vec<DirectoryEntry>,
}

/// A board as listed in the sidebar.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BoardSummary {
    pub id: String,
    pub title: String,
    pub created_at: i64,
    /// My role on the relay; `null` for a board that is only on this computer.
    pub role: Option<Role>,
    /// A viewer's board, or one whose access was removed (the local copy stays, read-only).
    pub read_only: bool,
    /// Why it is read-only, to show beside the disabled controls (`null` when it is not).
    pub read_only_reason: Option<String>,
}

/// What a board keeps archived, for the archive view: archived columns, and tasks archived on
/// their own in the columns that are shown. A task archived inside an archived column comes
/// back with its column, so it is listed only once that column is restored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ArchivedItems {
    pub columns: Vec<ArchivedColumn>,
    pub tasks: Vec<ArchivedTask>,
}

/// An archived column, in board order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ArchivedColumn {
    pub id: String,
    pub title: String,
    /// The tasks that come back with it (those not archived on their own).
    pub tasks: u32,
}

/// An archived task of a shown column, in board order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ArchivedTask {
    pub id: String,
    pub title: String,
    pub column_id: String,
    pub column_title: String,
}

/// A member's role on a shared board: the relay's own type (`tack-api`), which the UI sees
/// spelled as on the wire.
pub use tack_api::Role;

/// The relay this app uses and who is signed in to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AccountState {
    /// `http(s)://…`; `null` until one is set.
    pub server: Option<String>,
    pub user: Option<SignedInUser>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignedInUser {
    pub user_id: String,
    pub email: String,
}

/// Which sync indicator to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum SyncKind {
    /// A board never published: nothing to sync.
    Local,
    SignedOut,
    Connecting,
    Offline,
    Syncing,
    Synced,
    /// Served read-only: `pending` local changes could not be saved to the relay and are kept
    /// on this computer (`text` says so).
    ReadOnly,
    Error,
}

/// One sync indicator; `text` is exactly what to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncState {
    pub kind: SyncKind,
    /// Local changes not acknowledged by the relay (the outbox's count).
    pub pending: u64,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BoardSyncState {
    pub board_id: String,
    pub state: SyncState,
    pub role: Option<Role>,
    pub read_only: bool,
    /// Why it is read-only, to show beside the disabled controls (`null` when it is not).
    pub read_only_reason: Option<String>,
}

/// Payload of `sync-status`: the app's indicator and each shared board's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SyncStatusEvent {
    pub overall: SyncState,
    pub boards: Vec<BoardSyncState>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub user_id: String,
    pub email: String,
    pub role: Role,
}

/// The relay's member, in the UI's spelling.
impl From<tack_api::Member> for Member {
    fn from(member: tack_api::Member) -> Self {
        Self {
            user_id: member.user_id,
            email: member.email,
            role: member.role,
        }
    }
}

/// A board shared with me on the relay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct RemoteBoard {
    pub board_id: String,
    pub role: Role,
    /// Known once it is on this computer.
    pub title: Option<String>,
    /// On this computer (so in `list_boards` too).
    pub downloaded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Invite {
    /// What the invited person pastes (`accept_invite` takes it or the whole link).
    pub token: String,
    pub link: String,
    pub role: Role,
    /// Milliseconds since the epoch.
    pub expires_at: i64,
}

impl Invite {
    /// The relay's new invite, with the link to it on `server`.
    pub fn new(invite: tack_api::Invite, server: &str) -> Self {
        Self {
            link: format!("{server}/invite/{}", invite.token),
            token: invite.token,
            role: invite.role,
            expires_at: invite.expires_at.saturating_mul(1000),
        }
    }
}

/// Someone on a board, from awareness (and me).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Person {
    pub user_id: String,
    pub name: String,
    pub initials: String,
    /// `#rrggbb`, derived from the user id: the same on every screen.
    pub color: String,
    pub selected_task_id: Option<String>,
    pub me: bool,
}

/// Payload of `presence`: everyone on the board, me first, then by name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct PresenceEvent {
    pub board_id: String,
    pub people: Vec<Person>,
}

/// Payload of `board-access`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BoardAccessEvent {
    pub board_id: String,
    pub role: Option<Role>,
    pub read_only: bool,
    /// Why editing is off, to show beside the disabled controls.
    pub reason: Option<String>,
}

/// Payload of `board-closed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BoardClosedEvent {
    pub board_id: String,
    pub message: String,
}

/// Payload of `conflict`: a field I changed was changed concurrently and the other value won.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ConflictNotice {
    pub board_id: String,
    pub task_id: String,
    pub field: String,
    /// A person's name, or "someone".
    pub winner: String,
    pub text: String,
}

/// Payload of `close-requested`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CloseRequestedEvent {
    pub pending: u64,
    pub text: String,
}

/// Payload of `join-link`: an invite from a `tack://join` link (`deep_link::parse`), for the
/// window's "Join a board" flow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct JoinLinkEvent {
    /// What `accept_invite` takes: `{relay}/invite/{token}`, or the bare token.
    pub invite: String,
}

/// Payload of `quick-add-shown`: the quick add window was shown; it starts afresh.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QuickAddShownEvent {
    /// The shortcut that opens it, as set (empty: none), for its hint.
    pub shortcut: String,
}

/// The quick add shortcut: what is set, the default, and why it does not work here, if so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QuickAddSettings {
    /// As set (`CommandOrControl+Alt+N`); empty: no shortcut.
    pub shortcut: String,
    pub default_shortcut: String,
    /// Why the shortcut could not be registered at start (another app holds it, no X11 on
    /// Wayland); `null` when it works.
    pub problem: Option<String>,
}

/// A newer release the updater found: its version, release notes and date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AvailableUpdate {
    pub version: String,
    pub notes: String,
    pub date: Option<String>,
}

/// What a look for updates found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct UpdateState {
    pub current_version: String,
    /// A newer release, or `null` when this one is the newest.
    pub available: Option<AvailableUpdate>,
    /// Why no update can be offered (a development build; from the tray: the endpoint could
    /// not be reached), if so.
    pub problem: Option<String>,
}

/// A column a task can be added to (quick add's column choice), in board order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ColumnChoice {
    pub id: String,
    pub title: String,
}

/// Where a task goes within its column, or a column within the board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Place {
    Top,
    Bottom,
    /// Just before the task (or column) `id`.
    Before {
        id: String,
    },
    /// Just after the task (or column) `id`.
    After {
        id: String,
    },
}

impl From<Place> for board_model::Place {
    fn from(place: Place) -> Self {
        match place {
            Place::Top => Self::Top,
            Place::Bottom => Self::Bottom,
            Place::Before { id } => Self::Before(id),
            Place::After { id } => Self::After(id),
        }
    }
}

/// Every change the UI can make to a board; each is one undo step.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum BoardOp {
    RenameBoard {
        title: String,
    },
    /// Returns the new column's id.
    AddColumn {
        title: String,
        wip: Option<u32>,
        place: Place,
    },
    RenameColumn {
        column_id: String,
        title: String,
    },
    MoveColumn {
        column_id: String,
        place: Place,
    },
    /// `null` removes the limit. The limit is shown, never enforced.
    SetWipLimit {
        column_id: String,
        wip: Option<u32>,
    },
    SetColumnArchived {
        column_id: String,
        archived: bool,
    },
    /// Deletes the column and its tasks.
    DeleteColumn {
        column_id: String,
    },
    /// Returns the new task's id.
    AddTask {
        column_id: String,
        title: String,
        place: Place,
        description: Option<String>,
    },
    SetTaskTitle {
        task_id: String,
        title: String,
    },
    /// Replaces the whole description; the model turns it into a minimal Y.Text edit.
    SetDescription {
        task_id: String,
        text: String,
    },
    /// One splice of the description; `at` and `delete` count UTF-8 bytes of the current text
    /// and must fall on character boundaries.
    EditDescription {
        task_id: String,
        at: u32,
        delete: u32,
        insert: String,
    },
    /// The description editor's save: one splice of `base`, the stored text the editor's text
    /// started from, with `at` and `delete` in UTF-16 code units (as the UI counts). The shell
    /// moves it past whatever changed since `base` (a teammate's edit that landed while the
    /// save was on its way is kept, not overwritten); a splice overlapping such a change is
    /// refused with `conflict`, and the editor merges and saves again.
    SpliceDescription {
        task_id: String,
        base: String,
        at: u32,
        delete: u32,
        insert: String,
    },
    MoveTask {
        task_id: String,
        column_id: String,
        place: Place,
    },
    SetTaskArchived {
        task_id: String,
        archived: bool,
    },
    DeleteTask {
        task_id: String,
    },
    SetTaskLabel {
        task_id: String,
        label_id: String,
        present: bool,
    },
    SetTaskAssignee {
        task_id: String,
        user_id: String,
        present: bool,
    },
    /// Puts member `to` where assignee `from` was (an older board's free-text name), in one
    /// undoable step.
    ReplaceTaskAssignee {
        task_id: String,
        from: String,
        to: String,
    },
    /// Moves a task from label `from` to label `to` (a swimlane by label) in one undoable
    /// step; `null` is the "No label" lane.
    ReplaceTaskLabel {
        task_id: String,
        from: Option<String>,
        to: Option<String>,
    },
    /// `due` is an ISO 8601 date (`2026-12-01`) or `null`.
    SetDue {
        task_id: String,
        due: Option<String>,
    },
    /// Returns the new label's id. `color` is `#rrggbb`; one is picked when `null`.
    AddLabel {
        name: String,
        color: Option<String>,
    },
    UpdateLabel {
        label_id: String,
        name: Option<String>,
        color: Option<String>,
    },
    DeleteLabel {
        label_id: String,
    },
    AddChecklistItem {
        task_id: String,
        text: String,
    },
    SetChecklistItemDone {
        task_id: String,
        index: u32,
        done: bool,
    },
    EditChecklistItem {
        task_id: String,
        index: u32,
        text: String,
    },
    RemoveChecklistItem {
        task_id: String,
        index: u32,
    },
}

/// What an operation made: the new column's, task's or label's id, if it made one.
#[derive(Debug, Clone, Default, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct OpResult {
    pub created_id: Option<String>,
}

/// One change to what the UI shows. Patches in an event apply in order: board meta and labels,
/// then columns, then tasks. Archived tasks and columns are removed from view, not upserted.
// Most patches are task upserts: boxing the task would only add an allocation to each.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum Patch {
    BoardMeta {
        title: String,
    },
    /// The whole label catalogue, by name (it is small).
    LabelsReplaced {
        labels: Vec<LabelView>,
    },
    /// A live column's header (its `tasks` is always empty here; tasks come as task patches).
    ColumnUpserted {
        column: ColumnView,
    },
    ColumnRemoved {
        column_id: String,
    },
    /// A live task, shown in `columnId` (normally `task.column`; a task whose column was
    /// deleted concurrently shows in the first live column), ordered by `(rank, id)`.
    TaskUpserted {
        column_id: String,
        task: TaskView,
    },
    TaskRemoved {
        task_id: String,
    },
}

/// Payload of the `board-patch` event.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct BoardPatchEvent {
    pub board_id: String,
    pub patches: Vec<Patch>,
}

/// What kind of failure a command had, for the UI to choose a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ErrorKind {
    /// No such board, column, task, label or checklist item.
    NotFound,
    /// A value the board does not accept (empty title, bad date, bad colour, bad place).
    Invalid,
    /// The local store could not be read or written; nothing was changed.
    Storage,
    /// I may view this board but not edit it; nothing was changed.
    ReadOnly,
    /// Needs a signed-in account.
    SignedOut,
    /// I am no longer a member of this board.
    AccessRemoved,
    /// The relay refused (its message says why).
    Server,
    /// The relay could not be reached.
    Network,
    /// The text changed where the edit applies since the editor read it; nothing was changed.
    Conflict,
}

/// Every command's error: `{kind, message}`, the message fit to show to the user.
#[derive(Debug, Clone, Serialize, TS, thiserror::Error)]
#[error("{message}")]
pub struct IpcError {
    pub kind: ErrorKind,
    pub message: String,
}

impl IpcError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Invalid, message)
    }
}

impl From<tack_account::AccountError> for IpcError {
    fn from(err: tack_account::AccountError) -> Self {
        use tack_account::AccountError as E;
        let kind = match &err {
            E::BadServer(_) => ErrorKind::Invalid,
            E::SignedOut | E::Server { status: 401, .. } => ErrorKind::SignedOut,
            E::Server { status: 404, .. } => ErrorKind::NotFound,
            E::Server { .. } | E::BadAnswer { .. } => ErrorKind::Server,
            E::Network { .. } => ErrorKind::Network,
            E::NoKeychain(_) | E::Keychain(_) | E::File { .. } => ErrorKind::Storage,
        };
        let message = match err {
            E::Server { message, .. } => message,
            E::SignedOut => "Sign in first.".to_owned(),
            other => other.to_string(),
        };
        Self { kind, message }
    }
}

impl From<ModelError> for IpcError {
    fn from(err: ModelError) -> Self {
        let kind = match err {
            ModelError::UnknownColumn(_)
            | ModelError::UnknownTask(_)
            | ModelError::UnknownLabel(_)
            | ModelError::UnknownChecklistItem { .. }
            | ModelError::UnknownComment(_)
            | ModelError::UnknownView(_) => ErrorKind::NotFound,
            _ => ErrorKind::Invalid,
        };
        Self {
            kind,
            message: err.to_string(),
        }
    }
}

impl From<StoreError> for IpcError {
    fn from(err: StoreError) -> Self {
        match err {
            StoreError::Model(model) => model.into(),
            StoreError::Import(import) => Self::invalid(format!("Nothing was imported: {import}")),
            StoreError::UnknownBoard(_) => Self {
                kind: ErrorKind::NotFound,
                message: err.to_string(),
            },
            StoreError::ReadOnly { .. } => Self {
                kind: ErrorKind::ReadOnly,
                message: err.to_string(),
            },
            other => {
                tracing::error!(err = %other, "store failure");
                Self {
                    kind: ErrorKind::Storage,
                    message: other.to_string(),
                }
            }
        }
    }
}

/// One entry of my inbox, as the Inbox view lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InboxItem {
    /// The same on each of my devices (read marks follow it).
    pub key: String,
    pub board_id: String,
    pub board_title: String,
    pub task_id: String,
    /// `mentioned`, `assigned`, `commented`, `moved`, `dueSoon` or `reminder`.
    pub kind: String,
    /// The task's title then.
    pub title: String,
    /// What happened, as a sentence ("Ana mentioned you on “Ship it”").
    pub text: String,
    /// ms since the Unix epoch.
    pub at: i64,
    pub read: bool,
}

/// My inbox, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InboxView {
    pub items: Vec<InboxItem>,
    pub unread: u32,
}

/// Payload of `inbox`: entries were added or read marks changed; reload the view if shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct InboxEvent {
    pub unread: u32,
    pub added: u32,
}

/// My reminder of a task, as its panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ReminderView {
    /// Minutes before the due (0: at due); `null` for a fixed moment.
    pub before_minutes: Option<u32>,
    /// The fixed moment (ms), when it has one.
    pub at: Option<i64>,
    /// When it fires (ms); `null` while the task has no due.
    pub fire_at: Option<i64>,
    pub fired: bool,
    /// "15 min before due", "at due", "waits for a due".
    pub text: String,
}

/// Where an attachment's bytes are, as the task panel's Files section shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum AttachmentState {
    /// On this computer (and, on a shared board, on its relay too).
    Here,
    /// On this computer, waiting to be uploaded to the board's relay.
    Uploading,
    /// On the relay only: downloaded when opened or saved.
    Relay,
    /// The relay refused its upload (the entry's `note` says why); not tried again this run.
    Refused,
}

/// One file attached to a task, as the task panel lists it (DESIGN §1 `attachments`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentEntry {
    pub id: String,
    pub task_id: String,
    pub name: String,
    pub mime: String,
    pub size: u64,
    pub sha256: String,
    /// Who attached it: the member id, and the name from the member directory ("You").
    pub author: String,
    pub author_name: String,
    pub created_at: i64,
    pub state: AttachmentState,
    /// Opening it would run something (`.exe`, a script, a package): the app asks first.
    pub executable: bool,
    /// Why its upload was refused, when it was.
    pub note: Option<String>,
}

/// What `open_attachment` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum OpenedAttachment {
    /// Handed to the system's application for its type.
    Opened,
    /// It would run something: nothing was opened; ask, then call again with `confirmed`.
    Confirm { name: String },
    /// Its bytes are not on the relay yet: they are still on the computer of whoever attached
    /// it (`message`: "Uploading from Ana's computer").
    Uploading { message: String },
}

/// Payload of `files-dropped`: how many files, and where (CSS pixels in the window) they were
/// dropped; their paths stay in Rust.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct FilesDroppedEvent {
    pub count: u32,
    pub x: f64,
    pub y: f64,
}

/// Payload of `menu-command`: the window's command a menu item runs (one of `MENU_COMMANDS`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct MenuCommandEvent {
    #[ts(type = "MenuCommand")]
    pub command: String,
}
