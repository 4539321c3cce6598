//! Command-line grammar of `tackctl`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "tackctl",
    version,
    about = "Script Tack boards from the shell.",
    long_about = "Script Tack boards from the shell. Works on the same local store as the \
                  desktop app. BOARD, COLUMN, TASK and LABEL accept an id or an unambiguous \
                  title prefix (case-insensitive)."
)]
pub struct Cli {
    /// Where the local store lives [default: the desktop app's data directory]
    #[arg(long, global = true, env = "TACK_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// Who new tasks are created by [default: $USER]
    #[arg(long, global = true, env = "TACK_USER", value_name = "NAME")]
    pub user: Option<String>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, list, show, rename and delete boards
    #[command(subcommand)]
    Board(BoardCommand),
    /// Add, rename, reorder, limit, archive and delete columns
    #[command(subcommand)]
    Column(ColumnCommand),
    /// Add, edit, move, archive and delete tasks
    #[command(subcommand)]
    Task(TaskCommand),
    /// The board's label catalogue
    #[command(subcommand)]
    Label(LabelCommand),
    /// Talk about a task: add, list, edit and delete comments (`@[member id]` mentions)
    #[command(subcommand)]
    Comment(CommentCommand),
    /// Board templates: list them, save a board as one, delete a saved one
    #[command(subcommand)]
    Template(TemplateCommand),
    /// Files attached to a task: add, list, get (downloaded on demand), remove
    #[command(subcommand)]
    Attach(AttachCommand),
    /// Saved views of a board (a named filter, sort and grouping the team shares): list,
    /// save, rename, delete; `board show BOARD --view NAME` shows one
    #[command(subcommand)]
    View(ViewCommand),
    /// Undo this computer's last change to a board
    Undo { board: String },
    /// Redo what `undo` reverted
    Redo { board: String },
    /// Write a board to stdout
    Export {
        board: String,
        #[arg(long, value_enum, default_value = "json")]
        format: ExportFormat,
    },
    /// Bring a board in from Trello (JSON export) or CSV; prints the board's id
    #[command(subcommand)]
    Import(ImportCommand),
    /// Fold a board's change log into a snapshot (happens on its own as the log grows)
    Compact { board: String },
    /// Log in to a relay; the session token is kept in the OS keychain only
    Login {
        /// The relay, e.g. https://tack.example.com
        #[arg(long, env = "TACK_SERVER")]
        server: String,
        #[arg(long)]
        email: String,
        /// Read the password from stdin instead of prompting
        #[arg(long)]
        password_stdin: bool,
    },
    /// Log out: revoke the session on the relay and forget its token
    Logout,
    /// Show which account this computer is logged in as
    Whoami,
    /// Sync boards with a relay (until every local change is acknowledged, or with --watch)
    Sync(crate::sync_command::SyncArgs),
    /// Write a consistent copy of the whole local store (every board) to FILE, even while the
    /// app is running
    Backup {
        file: PathBuf,
        /// Replace FILE if it exists
        #[arg(long)]
        force: bool,
    },
    /// Replace the local store with a backup made by `tackctl backup`; quit the app first
    Restore {
        file: PathBuf,
        /// Replace an existing store (it is kept as tack.sqlite3.before-restore-<time>)
        #[arg(long)]
        force: bool,
    },
    /// Find tasks on every board: words, "phrases", label:X, @person, @me, is:overdue,
    /// due:<7d, has:checklist, ... (the --filter grammar); best first, matched words marked.
    /// Options go before the query (everything after its first word is the query)
    Search {
        #[arg(required = true, num_args = 1.., allow_hyphen_values = true, value_name = "QUERY")]
        query: Vec<String>,
        #[arg(long)]
        json: bool,
        /// Include archived tasks
        #[arg(long)]
        archived: bool,
        /// At most this many results
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Every task assigned to me on every board: overdue, today, this week, later, no date
    Mine {
        #[arg(long)]
        json: bool,
    },
    /// Remind me of a task (this profile only): at its due by default, or some time before it,
    /// or at a fixed time; the desktop app rings it
    Remind {
        board: String,
        task: String,
        /// This long before the due (15m, 2h, 1d; follows the due when it changes)
        #[arg(long, value_name = "OFFSET", conflicts_with_all = ["at", "off"])]
        before: Option<String>,
        /// At a fixed time, typed like a due (tomorrow 9:00, fri 15:00, 2026-12-05T15:00)
        #[arg(long, value_name = "TIME", conflicts_with = "off")]
        at: Option<String>,
        /// Remove the reminder
        #[arg(long)]
        off: bool,
    },
    /// My reminders: still to come (soonest first), waiting for a due, fired
    Reminders {
        #[arg(long)]
        json: bool,
    },
    /// Per board: local changes waiting for the server, and when it last synced
    Status {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// The built-in templates and the ones saved on this computer
    List {
        #[arg(long)]
        json: bool,
    },
    /// Save a board's columns, labels and live tasks (no assignees, dates or comments) as a
    /// template; prints its id
    Save {
        board: String,
        /// [default: the board's title]
        #[arg(long)]
        name: Option<String>,
    },
    /// Delete a saved template
    Delete { template: String },
}

#[derive(Debug, Subcommand)]
pub enum ViewCommand {
    /// The board's saved views, by name
    List {
        board: String,
        #[arg(long)]
        json: bool,
    },
    /// Save a view under NAME (the view of that name is replaced); prints its id
    Save {
        board: String,
        name: String,
        /// The filter (the --filter grammar of `board show`)
        #[arg(
            long,
            value_name = "QUERY",
            allow_hyphen_values = true,
            default_value = ""
        )]
        filter: String,
        /// The order within columns
        #[arg(long, default_value = "rank", value_parser = ["rank", "due", "created", "updated", "title"])]
        sort: String,
        /// Swimlanes by
        #[arg(long, value_parser = ["assignee", "label"])]
        group_by: Option<String>,
    },
    /// Rename a saved view (VIEW: its name or id)
    Rename {
        board: String,
        view: String,
        name: String,
    },
    /// Delete a saved view (VIEW: its name or id)
    Delete { board: String, view: String },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    /// Every column and task with all fields, archived included
    Json,
    /// A readable Markdown document
    Md,
    /// The whole document as one Yjs update (v1), for `Y.applyUpdate`
    Yjs,
    /// One row per task: title,column,description,labels,assignees,due,checklist,archived,created,updated,id
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A board exported from Trello as JSON (board menu → Print, export and share → Export as JSON)
    Trello { file: PathBuf },
    /// Tasks as CSV (the header of `tackctl export --format csv`, or at least `title`)
    Csv {
        file: PathBuf,
        /// The board to add the tasks to (id or title prefix); a new board of this title when none matches
        #[arg(long)]
        board: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum BoardCommand {
    /// Create a board; prints its id
    Create {
        title: String,
        /// Start from a template (name or id, see `tackctl template list`)
        #[arg(long, value_name = "TEMPLATE")]
        template: Option<String>,
    },
    /// Copy a whole board (columns, labels, tasks, comments, views) to a new board; prints its id
    Duplicate {
        board: String,
        /// The new board's title [default: "<title> (copy)"]
        #[arg(long)]
        title: Option<String>,
    },
    /// List boards on this computer
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show columns and tasks in order
    Show {
        board: String,
        #[arg(long)]
        json: bool,
        /// Include archived columns and tasks
        #[arg(long)]
        archived: bool,
        /// Only tasks matching QUERY: words, "phrases", label:X, -label:X, @person, @me,
        /// is:overdue|unassigned|archived, due:<7d|>2w|today|none|<2026-12-31,
        /// has:attachment|checklist|due|comment (all must match; `-` negates a term)
        #[arg(long, value_name = "QUERY", allow_hyphen_values = true)]
        filter: Option<String>,
        /// Through a saved view: its filter (and --filter's) and its sort within columns
        #[arg(long, value_name = "NAME")]
        view: Option<String>,
    },
    Rename {
        board: String,
        title: String,
    },
    /// Delete a board and its history from this computer
    Delete {
        board: String,
    },
}

/// Where to put a task in a column, or a column on the board (default: bottom).
#[derive(Debug, Args, Default)]
#[group(multiple = false)]
pub struct PlaceArgs {
    #[arg(long)]
    pub top: bool,
    #[arg(long)]
    pub bottom: bool,
    #[arg(long, value_name = "ANCHOR")]
    pub before: Option<String>,
    #[arg(long, value_name = "ANCHOR")]
    pub after: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ColumnCommand {
    /// Add a column; prints its id
    Add {
        board: String,
        title: String,
        /// Work-in-progress limit
        #[arg(long)]
        wip: Option<u32>,
        #[command(flatten)]
        place: PlaceArgs,
    },
    Rename {
        board: String,
        column: String,
        title: String,
    },
    /// Reorder a column (--top, --bottom, --before COLUMN, --after COLUMN)
    Move {
        board: String,
        column: String,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Set the WIP limit, or `none` to clear it
    Wip {
        board: String,
        column: String,
        limit: String,
    },
    Archive {
        board: String,
        column: String,
    },
    Unarchive {
        board: String,
        column: String,
    },
    /// Delete a column and every task in it (undo brings them back)
    Delete {
        board: String,
        column: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum TaskCommand {
    /// Add a task; prints its id
    Add {
        board: String,
        column: String,
        title: String,
        #[arg(long)]
        description: Option<String>,
        /// A label name (created if the board has none by that name); repeatable
        #[arg(long = "label", value_name = "NAME")]
        labels: Vec<String>,
        /// Due: a date or a time, as typed (`tomorrow`, `fri 15:00`, `+3d`, `2026-12-05T15:00`)
        #[arg(long)]
        due: Option<String>,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Move a task to a column (default: its bottom), of another board with --to-board
    /// (labels matched by name; checklist, comments and attachments go with it)
    Move {
        board: String,
        task: String,
        column: String,
        /// The board to move it to (COLUMN is then that board's)
        #[arg(long, value_name = "BOARD")]
        to_board: Option<String>,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Copy a task, with every field, below itself or into COLUMN (of --to-board's board:
    /// with its comments); prints the copy's id
    Copy {
        board: String,
        task: String,
        /// [default: right below the task; on another board, the column of the same title,
        /// else the first one]
        column: Option<String>,
        #[arg(long, value_name = "BOARD")]
        to_board: Option<String>,
        #[command(flatten)]
        place: PlaceArgs,
    },
    /// Change a task's fields
    Edit(EditArgs),
    /// Show one task
    Show {
        board: String,
        task: String,
        #[arg(long)]
        json: bool,
    },
    /// Checklist items: add TEXT, toggle N, edit N TEXT, remove N (N counts from 1)
    Checklist {
        board: String,
        task: String,
        #[command(subcommand)]
        action: ChecklistAction,
    },
    Archive {
        board: String,
        task: String,
    },
    Unarchive {
        board: String,
        task: String,
    },
    Delete {
        board: String,
        task: String,
    },
    /// Who changed what on a task, newest first; prints change ids for `task restore`
    History {
        board: String,
        task: String,
        #[arg(long)]
        json: bool,
        /// Show the page after this change id (the last id of the previous page)
        #[arg(long, value_name = "CHANGE_ID")]
        before: Option<String>,
        /// Entries per page (at most 500)
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Bring back the value a field had after an earlier change (one undoable edit)
    Restore {
        board: String,
        task: String,
        /// A change id from `task history`
        change: String,
    },
}

#[derive(Debug, Args)]
pub struct EditArgs {
    pub board: String,
    pub task: String,
    #[arg(long)]
    pub title: Option<String>,
    #[arg(long)]
    pub description: Option<String>,
    /// Due: a date or a time, as typed (`tomorrow`, `fri 15:00`, `+3d`, `2026-12-05T15:00`)
    #[arg(long, conflicts_with = "no_due")]
    pub due: Option<String>,
    #[arg(long)]
    pub no_due: bool,
    #[arg(long = "label", value_name = "NAME")]
    pub add_labels: Vec<String>,
    #[arg(long = "unlabel", value_name = "NAME")]
    pub remove_labels: Vec<String>,
    /// A member of the board: `me`, an email, a name or an id (from the cached directory).
    #[arg(long = "assign", value_name = "PERSON")]
    pub assign: Vec<String>,
    /// A member as for --assign, or an older board's free-text assignee exactly as shown.
    #[arg(long = "unassign", value_name = "PERSON")]
    pub unassign: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum ChecklistAction {
    Add { text: String },
    Toggle { item: u32 },
    Edit { item: u32, text: String },
    Remove { item: u32 },
}

#[derive(Debug, Subcommand)]
pub enum LabelCommand {
    /// Add a label; prints its id
    Add {
        board: String,
        name: String,
        /// #rrggbb
        #[arg(long)]
        color: Option<String>,
    },
    List {
        board: String,
        #[arg(long)]
        json: bool,
    },
    /// Rename or recolour a label
    Edit {
        board: String,
        label: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        color: Option<String>,
    },
    /// Delete a label and take it off every task
    Delete { board: String, label: String },
}

#[derive(Debug, Subcommand)]
pub enum CommentCommand {
    /// Comment on a task (Markdown; mention a member as @[their id] or @email); prints its id
    Add {
        board: String,
        task: String,
        text: String,
    },
    /// A task's comments, oldest first
    List {
        board: String,
        task: String,
        #[arg(long)]
        json: bool,
    },
    /// Replace the text of one of your comments
    Edit {
        board: String,
        /// The comment's id, or an unambiguous prefix of it
        comment: String,
        text: String,
    },
    /// Delete one of your comments
    Delete {
        board: String,
        /// The comment's id, or an unambiguous prefix of it
        comment: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AttachCommand {
    /// Attach FILE to a task (its bytes are kept in this profile and uploaded by `tackctl
    /// sync`); prints the attachment's id
    Add {
        board: String,
        task: String,
        file: PathBuf,
        /// The name shown (default: the file's name)
        #[arg(long)]
        name: Option<String>,
        /// The media type (default: guessed from the name's extension)
        #[arg(long)]
        mime: Option<String>,
    },
    /// A task's attachments, oldest first
    List {
        board: String,
        task: String,
        #[arg(long)]
        json: bool,
    },
    /// Write an attachment's bytes to PATH, downloading them from the board's relay if this
    /// computer does not have them (kept for next time)
    Get {
        board: String,
        task: String,
        /// The attachment's name or id (or an unambiguous prefix)
        attachment: String,
        #[arg(short = 'o', long = "output", value_name = "PATH")]
        output: PathBuf,
        /// The relay (default: the one the board syncs with)
        #[arg(long, env = "TACK_SERVER", value_name = "URL")]
        server: Option<String>,
        /// Session token (default: the signed-in account's)
        #[arg(
            long,
            env = "TACK_TOKEN",
            value_name = "T",
            hide_env_values = true,
            allow_hyphen_values = true
        )]
        token: Option<String>,
    },
    /// Remove an attachment from a task (undoable)
    Rm {
        board: String,
        task: String,
        /// The attachment's name or id (or an unambiguous prefix)
        attachment: String,
    },
}
