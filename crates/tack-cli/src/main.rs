//! `tackctl`: a command-line client over the same board model and local store as the app.

mod account;
mod args;
mod attach;
mod backup;
mod comment;
mod history;
mod import;
mod remind;
mod resolve;
mod sync_command;
mod transfer;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use board_model::{Board, BoardView, NewTask, Place, ReplicaConfig, Sources};
use board_store::local_time::typed_due;
use board_store::transfer::Transfer;
use board_store::{replica, Store};
use clap::Parser;

use args::{
    BoardCommand, ChecklistAction, Cli, ColumnCommand, Command, EditArgs, ExportFormat,
    ImportCommand, LabelCommand, PlaceArgs, TaskCommand, ViewCommand,
};
use resolve::resolve;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line, whole cause chain: "tackctl: error: opening ...: not a Tack data file".
            eprintln!("tackctl: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// `login`, `logout`, `whoami`, `backup` and `restore` (they need the data directory, not an
/// open store).
fn account_command(cli: &Cli) -> Option<Result<()>> {
    let data_dir = || -> Result<PathBuf> {
        match &cli.data_dir {
            Some(dir) => Ok(dir.clone()),
            None => board_store::default_data_dir()
                .context("no platform data directory; pass --data-dir"),
        }
    };
    let outcome = match &cli.command {
        Command::Login {
            server,
            email,
            password_stdin,
        } => data_dir().and_then(|dir| account::login(&dir, server, email, *password_stdin)),
        Command::Logout => data_dir().and_then(|dir| account::logout(&dir)),
        Command::Whoami => data_dir().and_then(|dir| account::whoami(&dir)),
        Command::Backup { file, force } => {
            data_dir().and_then(|dir| backup::backup(&dir, file, *force))
        }
        Command::Restore { file, force } => {
            data_dir().and_then(|dir| backup::restore(&dir, file, *force))
        }
        _ => return None,
    };
    Some(outcome)
}

/// The store and who is acting, for one invocation.
struct Invocation {
    store: Store,
    config: ReplicaConfig,
    dir: PathBuf,
}

impl Invocation {
    fn open(cli: &Cli) -> Result<Self> {
        let dir: PathBuf = match &cli.data_dir {
            Some(dir) => dir.clone(),
            None => board_store::default_data_dir()
                .context("no platform data directory; pass --data-dir")?,
        };
        let store = Store::open_in_dir(&dir)
            .with_context(|| format!("opening the store in {}", dir.display()))?;
        let user = cli
            .user
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| "local".to_owned());
        let config = ReplicaConfig {
            user,
            sources: Sources::system(),
        };
        Ok(Self { store, config, dir })
    }

    fn board_id(&self, query: &str) -> Result<String> {
        let boards = self.store.list_boards()?;
        resolve(
            "board",
            query,
            boards.iter().map(|b| (b.id.as_str(), b.title.as_str())),
        )
    }

    fn open_board(&self, query: &str) -> Result<Board> {
        let id = self.board_id(query)?;
        replica::open_board(&self.store, &id, self.config.clone())
            .with_context(|| format!("opening board {id}"))
    }

    /// The board's people (cached member directory and me), for `--assign` and names.
    fn directory(&mut self, board_id: &str) -> Result<board_store::Directory> {
        let me = comment::my_member_id(&self.dir, &mut self.store)?;
        let email = tack_account::read_account(&self.dir)?
            .map(|account| account.email)
            .filter(|email| !email.is_empty());
        let me = board_store::Me {
            user_id: &me,
            email: email.as_deref(),
            name: &self.config.user,
        };
        Ok(self.store.directory(board_id, me)?)
    }

    /// Who "me" is: the signed-in account, else this profile's own member id (as `--assign me`).
    fn me(&mut self) -> Result<String> {
        comment::my_member_id(&self.dir, &mut self.store)
    }

    /// Runs one change on a board and makes it durable before returning.
    fn change<T>(&mut self, query: &str, f: impl FnOnce(&mut Board) -> Result<T>) -> Result<T> {
        let id = self.board_id(query)?;
        replica::ensure_writable(&self.store, &id)?;
        let mut board = self.open_board(&id)?;
        let out = f(&mut board)?;
        replica::save_local_changes(&mut self.store, &mut board).context("saving the change")?;
        Ok(out)
    }
}

fn column_id(board: &Board, query: &str) -> Result<String> {
    let view = board.view_with(true);
    resolve(
        "column",
        query,
        view.columns
            .iter()
            .map(|c| (c.id.as_str(), c.title.as_str())),
    )
}

fn task_id(board: &Board, query: &str) -> Result<String> {
    let view = board.view_with(true);
    let live: Vec<(&str, &str)> = view
        .tasks()
        .filter(|t| !t.archived)
        .map(|t| (t.id.as_str(), t.title.as_str()))
        .collect();
    // Live tasks first, so an archived namesake does not make a title ambiguous.
    resolve("task", query, live).or_else(|_| {
        resolve(
            "task",
            query,
            view.tasks().map(|t| (t.id.as_str(), t.title.as_str())),
        )
    })
}

fn label_id(board: &Board, query: &str) -> Result<String> {
    let view = board.view();
    resolve(
        "label",
        query,
        view.labels.iter().map(|l| (l.id.as_str(), l.name.as_str())),
    )
}

fn place(args: &PlaceArgs, anchor: impl Fn(&str) -> Result<String>) -> Result<Place> {
    Ok(match (args.top, &args.before, &args.after) {
        (true, _, _) => Place::Top,
        (_, Some(before), _) => Place::Before(anchor(before)?),
        (_, _, Some(after)) => Place::After(anchor(after)?),
        _ => Place::Bottom,
    })
}

/// `tackctl search`: hits across boards, best first, matched words in `[brackets]`.
fn search(
    session: &mut Invocation,
    text: &str,
    json: bool,
    archived: bool,
    limit: usize,
) -> Result<()> {
    let options = board_store::SearchOptions {
        include_archived: archived,
        limit,
        now: chrono::Local::now().fixed_offset(),
        me: Some(session.me()?),
    };
    let results = session.store.search(text, &options)?;
    for error in &results.errors {
        let part = text.get(error.start..error.end).unwrap_or_default();
        eprintln!(
            "tackctl: warning: ignored {part:?} in the query: {}",
            error.message
        );
    }
    if json {
        return print_json(&results);
    }
    let marked = |parts: &[board_store::TextPart]| -> String {
        parts
            .iter()
            .map(|p| {
                if p.hit {
                    format!("[{}]", p.text)
                } else {
                    p.text.clone()
                }
            })
            .collect()
    };
    let mut out = std::io::stdout().lock();
    for hit in &results.hits {
        write!(
            out,
            "{}  ({} › {})",
            marked(&hit.title_parts),
            hit.board_title,
            hit.column_title
        )?;
        if let Some(due) = &hit.due {
            write!(out, " due:{due}")?;
        }
        if hit.archived {
            write!(out, " (archived)")?;
        }
        writeln!(out)?;
        if !hit.snippet.is_empty() {
            writeln!(out, "    {}", marked(&hit.snippet).replace('\n', " "))?;
        }
    }
    Ok(())
}

/// `tackctl mine`: the tasks assigned to me on every board, grouped by when they are due.
fn mine(session: &mut Invocation, json: bool) -> Result<()> {
    let me = session.me()?;
    let tasks = session
        .store
        .my_tasks(&me, chrono::Local::now().fixed_offset())?;
    if json {
        return print_json(&tasks);
    }
    let mut out = std::io::stdout().lock();
    let mut group = None;
    for task in &tasks {
        if group != Some(task.group) {
            group = Some(task.group);
            let heading = match task.group {
                board_store::DueGroup::Overdue => "Overdue",
                board_store::DueGroup::Today => "Today",
                board_store::DueGroup::ThisWeek => "This week",
                board_store::DueGroup::Later => "Later",
                board_store::DueGroup::NoDate => "No date",
            };
            writeln!(out, "## {heading}")?;
        }
        write!(
            out,
            "- {}  ({} › {})",
            task.title, task.board_title, task.column_title
        )?;
        if let Some(due) = &task.due {
            write!(out, " due:{due}")?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// Reads a filter query; what it cannot read is explained on stderr and left out (the rest
/// still runs, and the exit status stays 0).
fn parse_query(text: &str) -> board_model::query::Query {
    let parsed = board_model::query::parse(text);
    for error in &parsed.errors {
        let part = text.get(error.start..error.end).unwrap_or_default();
        eprintln!(
            "tackctl: warning: ignored {part:?} in the query: {}",
            error.message
        );
    }
    parsed.query
}

/// Names and email of a member id, for `@person` and free text.
fn people_names(people: &board_store::Directory, id: &str) -> Vec<String> {
    people
        .get(id)
        .map(|entry| vec![entry.name.clone(), entry.email.clone()])
        .unwrap_or_default()
}

fn print_json<T: serde::Serialize>(value: &T) -> Result<()> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

fn print_view(view: &BoardView, json: bool) -> Result<()> {
    if json {
        print_json(view)
    } else {
        print!("{}", view.render());
        Ok(())
    }
}

fn run(cli: Cli) -> Result<()> {
    if let Some(outcome) = account_command(&cli) {
        return outcome;
    }
    let mut session = Invocation::open(&cli)?;
    match cli.command {
        Command::Board(command) => board_command(&mut session, command),
        Command::Column(command) => column_command(&mut session, command),
        Command::Task(command) => task_command(&mut session, command),
        Command::Label(command) => label_command(&mut session, command),
        Command::Comment(command) => comment::run(&mut session, command),
        Command::Template(command) => transfer::template_command(&mut session, command),
        Command::Attach(command) => attach::run(&mut session, command),
        Command::View(command) => view_command(&mut session, command),
        Command::Undo { board } => {
            if !session.change(&board, |b| Ok(b.undo()))? {
                bail!("nothing to undo on this computer");
            }
            Ok(())
        }
        Command::Redo { board } => {
            if !session.change(&board, |b| Ok(b.redo()))? {
                bail!("nothing to redo");
            }
            Ok(())
        }
        Command::Export { board, format } => {
            let board = session.open_board(&board)?;
            match format {
                ExportFormat::Json => print_json(&board.view_with(true)),
                ExportFormat::Md => {
                    let people = session.directory(board.id())?;
                    let view = people.name_assignees(board.view());
                    print!("{}", board_import::markdown::render(&view));
                    Ok(())
                }
                ExportFormat::Csv => {
                    let people = session.directory(board.id())?;
                    print!("{}", import::export_csv(&board.view_with(true), &people));
                    Ok(())
                }
                ExportFormat::Yjs => {
                    let mut out = std::io::stdout().lock();
                    out.write_all(&board.encode_state())?;
                    out.flush()?;
                    Ok(())
                }
            }
        }
        Command::Sync(mut args) => {
            // No --token / TACK_TOKEN: the signed-in account's, from the keychain.
            if args.token.is_empty() {
                if let Some(token) = account::token_for_sync(&session.dir, &args.server)? {
                    args.token = token;
                }
            }
            let boards = sync_command::boards_to_sync(&session.store, &args.board)?;
            // Attachments' bytes go up before the changes that name them.
            let ready =
                attach::upload_pending(&mut session.store, &args.server, &args.token, &boards)?;
            let held_back = boards.len() - ready.len();
            let boards = ready;
            let not_synced = || {
                anyhow::anyhow!(
                    "{held_back} board(s) not synced: their attachments could not be uploaded \
                     (see above); their changes wait on this computer"
                )
            };
            if boards.is_empty() {
                return Err(not_synced());
            }
            let dir = session.dir.clone();
            sync_command::sync(session.store, session.config, boards.clone(), &args)?;
            if !args.watch && !args.token.is_empty() {
                // The synced boards' member directories, cached for --assign and names.
                let mut store = Store::open_in_dir(&dir)?;
                sync_command::cache_directories(&mut store, &args.server, &args.token, &boards);
            }
            if held_back > 0 {
                return Err(not_synced());
            }
            Ok(())
        }
        Command::Status { json } => sync_command::status(&session.store, json),
        Command::Search {
            query,
            json,
            archived,
            limit,
        } => search(&mut session, &query.join(" "), json, archived, limit),
        Command::Mine { json } => mine(&mut session, json),
        Command::Remind {
            board,
            task,
            before,
            at,
            off,
        } => remind::remind(
            &mut session,
            remind::RemindArgs {
                board,
                task,
                before,
                at,
                off,
            },
        ),
        Command::Reminders { json } => remind::list(&session, json),
        Command::Import(ImportCommand::Trello { file }) => {
            println!("{}", import::import_trello(&mut session, &file)?);
            Ok(())
        }
        Command::Import(ImportCommand::Csv { file, board }) => {
            println!("{}", import::import_csv(&mut session, &file, &board)?);
            Ok(())
        }
        Command::Compact { board } => {
            let id = session.board_id(&board)?;
            let report = session.store.compact(&id)?;
            println!(
                "folded {} updates into a {}-byte snapshot",
                report.folded_updates, report.snapshot_bytes
            );
            Ok(())
        }
        Command::Login { .. }
        | Command::Logout
        | Command::Whoami
        | Command::Backup { .. }
        | Command::Restore { .. } => {
            bail!("account, backup and restore commands are handled before the store is opened")
        }
    }
}

fn board_command(session: &mut Invocation, command: BoardCommand) -> Result<()> {
    match command {
        BoardCommand::Create {
            title,
            template: Some(template),
        } => transfer::create_from_template(session, &title, &template)?,
        BoardCommand::Duplicate { board, title } => {
            transfer::duplicate_board(session, &board, title)?
        }
        BoardCommand::Create {
            title,
            template: None,
        } => {
            let id = session.config.sources.new_id();
            replica::create_board(&mut session.store, &id, &title, session.config.clone())?;
            println!("{id}");
        }
        BoardCommand::List { json } => {
            let boards = session.store.list_boards()?;
            if json {
                let rows: Vec<serde_json::Value> = boards
                    .iter()
                    .map(|b| {
                        let pending = session.store.pending_count(&b.id).unwrap_or(0);
                        serde_json::json!({"id": b.id, "title": b.title, "createdAt": b.created_at_ms,
                            "server": b.server, "pendingChanges": pending})
                    })
                    .collect();
                print_json(&rows)?;
            } else {
                for b in boards {
                    println!("{}  {}", b.id, b.title);
                }
            }
        }
        BoardCommand::Show {
            board,
            json,
            archived,
            filter,
            view,
        } => {
            let board = session.open_board(&board)?;
            let saved = match view {
                Some(name) => Some(
                    board
                        .find_view(&name)
                        .with_context(|| format!("no saved view {name:?} on this board"))?,
                ),
                None => None,
            };
            // The view's filter and --filter both apply.
            let text = [saved.as_ref().map(|v| v.query.as_str()), filter.as_deref()]
                .into_iter()
                .flatten()
                .filter(|q| !q.trim().is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let now = chrono::Local::now().fixed_offset();
            let mut shown = if text.is_empty() {
                board.view_with(archived)
            } else {
                let query = parse_query(&text);
                let people = session.directory(board.id())?;
                let me = session.me()?;
                let names_of = |id: &str| people_names(&people, id);
                let context = board_model::query::MatchContext {
                    now,
                    me: Some(&me),
                    names_of: &names_of,
                    text_matched: false,
                };
                let view = board.view_with(archived || query.wants_archived());
                board_model::query::filter_view(&board, view, &query, &context)
            };
            if let Some(saved) = &saved {
                board_model::sort_view(&mut shown, &saved.sort, *now.offset());
            }
            if json {
                print_view(&shown, true)?;
            } else {
                let people = session.directory(board.id())?;
                print_view(&people.name_assignees(shown), false)?;
            }
        }
        BoardCommand::Rename { board, title } => {
            session.change(&board, |b| Ok(b.rename(&title)?))?;
        }
        BoardCommand::Delete { board } => {
            let id = session.board_id(&board)?;
            session.store.delete_board(&id)?;
        }
    }
    Ok(())
}

fn view_command(session: &mut Invocation, command: ViewCommand) -> Result<()> {
    let find = |board: &Board, view: &str| -> Result<String> {
        board
            .find_view(view)
            .map(|v| v.id)
            .with_context(|| format!("no saved view {view:?} on this board"))
    };
    match command {
        ViewCommand::List { board, json } => {
            let views = session.open_board(&board)?.views();
            if json {
                print_json(&views)?;
            } else {
                for v in views {
                    let group = v
                        .group_by
                        .map(|g| format!("  lanes by {g}"))
                        .unwrap_or_default();
                    println!("{}  {}  [{}] sort {}{group}", v.id, v.name, v.query, v.sort);
                }
            }
        }
        ViewCommand::Save {
            board,
            name,
            filter,
            sort,
            group_by,
        } => {
            // What the filter cannot read is said now, not when the view is opened.
            parse_query(&filter);
            let id = session.change(&board, |b| {
                Ok(b.save_view(
                    &name,
                    &board_model::ViewSettings {
                        query: &filter,
                        sort: &sort,
                        group_by: group_by.as_deref(),
                    },
                )?)
            })?;
            println!("{id}");
        }
        ViewCommand::Rename { board, view, name } => session.change(&board, |b| {
            let id = find(&*b, &view)?;
            Ok(b.rename_view(&id, &name)?)
        })?,
        ViewCommand::Delete { board, view } => session.change(&board, |b| {
            let id = find(&*b, &view)?;
            Ok(b.delete_view(&id)?)
        })?,
    }
    Ok(())
}

fn column_command(session: &mut Invocation, command: ColumnCommand) -> Result<()> {
    match command {
        ColumnCommand::Add {
            board,
            title,
            wip,
            place: at,
        } => {
            let id = session.change(&board, |b| {
                let p = place(&at, |q| column_id(b, q))?;
                Ok(b.add_column(&title, wip, p)?)
            })?;
            println!("{id}");
        }
        ColumnCommand::Rename {
            board,
            column,
            title,
        } => session.change(&board, |b| {
            let c = column_id(b, &column)?;
            Ok(b.rename_column(&c, &title)?)
        })?,
        ColumnCommand::Move {
            board,
            column,
            place: at,
        } => session.change(&board, |b| {
            let c = column_id(b, &column)?;
            let p = place(&at, |q| column_id(b, q))?;
            Ok(b.move_column(&c, p)?)
        })?,
        ColumnCommand::Wip {
            board,
            column,
            limit,
        } => {
            let limit =
                match limit.as_str() {
                    "none" | "off" | "-" => None,
                    n => Some(n.parse::<u32>().with_context(|| {
                        format!("WIP limit {n:?} is not a whole number or `none`")
                    })?),
                };
            session.change(&board, |b| {
                let c = column_id(b, &column)?;
                Ok(b.set_wip_limit(&c, limit)?)
            })?
        }
        ColumnCommand::Archive { board, column } => session.change(&board, |b| {
            let c = column_id(b, &column)?;
            Ok(b.set_column_archived(&c, true)?)
        })?,
        ColumnCommand::Unarchive { board, column } => session.change(&board, |b| {
            let c = column_id(b, &column)?;
            Ok(b.set_column_archived(&c, false)?)
        })?,
        ColumnCommand::Delete { board, column } => session.change(&board, |b| {
            let c = column_id(b, &column)?;
            Ok(b.delete_column(&c)?)
        })?,
    }
    Ok(())
}

fn task_command(session: &mut Invocation, command: TaskCommand) -> Result<()> {
    match command {
        TaskCommand::Add {
            board,
            column,
            title,
            description,
            labels,
            due,
            place: at,
        } => {
            let id = session.change(&board, |b| {
                let c = column_id(b, &column)?;
                let p = place(&at, |q| task_id(b, q))?;
                let label_ids = labels
                    .iter()
                    .map(|name| b.ensure_label(name))
                    .collect::<Result<Vec<_>, _>>()?;
                let extra = NewTask {
                    description: description.unwrap_or_default(),
                    label_ids,
                    due: due.as_deref().map(typed_due).transpose()?,
                };
                Ok(b.add_task(&c, &title, p, extra)?)
            })?;
            println!("{id}");
        }
        TaskCommand::Move {
            board,
            task,
            column,
            to_board: Some(to_board),
            place: at,
        } => {
            let to = Some(to_board.as_str());
            transfer::copy_or_move(
                session,
                &board,
                &task,
                Some(&column),
                to,
                &at,
                Transfer::Move,
            )?;
        }
        TaskCommand::Copy {
            board,
            task,
            column,
            to_board,
            place: at,
        } => {
            let (column, to) = (column.as_deref(), to_board.as_deref());
            if let Some(id) =
                transfer::copy_or_move(session, &board, &task, column, to, &at, Transfer::Copy)?
            {
                println!("{id}");
            }
        }
        TaskCommand::Move {
            board,
            task,
            column,
            to_board: None,
            place: at,
        } => session.change(&board, |b| {
            let t = task_id(b, &task)?;
            let c = column_id(b, &column)?;
            let p = place(&at, |q| task_id(b, q))?;
            Ok(b.move_task(&t, &c, p)?)
        })?,
        TaskCommand::Edit(edit) => {
            let board = session.board_id(&edit.board)?;
            let people = session.directory(&board)?;
            session.change(&board, |b| edit_task(b, &people, edit))?
        }
        TaskCommand::Show { board, task, json } => {
            let b = session.open_board(&board)?;
            let t = task_id(&b, &task)?;
            let view = b.task(&t).context("task vanished")?;
            if json {
                print_json(&view)?;
            } else {
                let single = BoardView {
                    columns: b
                        .view_with(true)
                        .columns
                        .into_iter()
                        .filter(|c| c.tasks.iter().any(|x| x.id == t))
                        .map(|mut c| {
                            c.tasks.retain(|x| x.id == t);
                            c
                        })
                        .collect(),
                    ..b.view()
                };
                let people = session.directory(b.id())?;
                print!("{}", people.name_assignees(single).render());
            }
        }
        TaskCommand::Checklist {
            board,
            task,
            action,
        } => session.change(&board, |b| {
            let t = task_id(b, &task)?;
            let index = |n: u32| {
                n.checked_sub(1)
                    .context("checklist items are numbered from 1")
            };
            match action {
                ChecklistAction::Add { text } => {
                    let at = b.add_checklist_item(&t, &text)?;
                    println!("{}", at + 1);
                }
                ChecklistAction::Toggle { item } => {
                    b.toggle_checklist_item(&t, index(item)?)?;
                }
                ChecklistAction::Edit { item, text } => {
                    b.edit_checklist_item(&t, index(item)?, &text)?;
                }
                ChecklistAction::Remove { item } => b.remove_checklist_item(&t, index(item)?)?,
            }
            Ok(())
        })?,
        TaskCommand::Archive { board, task } => session.change(&board, |b| {
            let t = task_id(b, &task)?;
            Ok(b.set_task_archived(&t, true)?)
        })?,
        TaskCommand::Unarchive { board, task } => session.change(&board, |b| {
            let t = task_id(b, &task)?;
            Ok(b.set_task_archived(&t, false)?)
        })?,
        TaskCommand::Delete { board, task } => session.change(&board, |b| {
            let t = task_id(b, &task)?;
            Ok(b.delete_task(&t)?)
        })?,
        TaskCommand::History {
            board,
            task,
            json,
            before,
            limit,
        } => history::history(session, &board, &task, json, before.as_deref(), limit)?,
        TaskCommand::Restore {
            board,
            task,
            change,
        } => history::restore(session, &board, &task, &change)?,
    }
    Ok(())
}

/// The assignee `--unassign` means: one the task has under exactly that text (a member id, or
/// a free-text name from an older board), else the member the directory finds.
fn assignee_to_remove(
    b: &Board,
    task: &str,
    people: &board_store::Directory,
    query: &str,
) -> Result<String> {
    let assigned = b.task(task).map(|t| t.assignees).unwrap_or_default();
    if let Some(exact) = assigned.iter().find(|a| a.as_str() == query) {
        return Ok(exact.clone());
    }
    Ok(people.find(query)?.user_id.clone())
}

fn edit_task(b: &mut Board, people: &board_store::Directory, edit: EditArgs) -> Result<()> {
    let t = task_id(b, &edit.task)?;
    let mut changed = false;
    if let Some(title) = &edit.title {
        b.set_task_title(&t, title)?;
        changed = true;
    }
    if let Some(text) = &edit.description {
        b.set_description(&t, text)?;
        changed = true;
    }
    if let Some(due) = &edit.due {
        b.set_due(&t, Some(&typed_due(due)?))?;
        changed = true;
    }
    if edit.no_due {
        b.set_due(&t, None)?;
        changed = true;
    }
    for name in &edit.add_labels {
        let label = b.ensure_label(name)?;
        b.set_task_label(&t, &label, true)?;
        changed = true;
    }
    for name in &edit.remove_labels {
        let label = label_id(b, name)?;
        b.set_task_label(&t, &label, false)?;
        changed = true;
    }
    for person in &edit.assign {
        // Assignees are members (DESIGN §1): `me`, an email, a name or an id of the directory.
        let member = people.find(person)?;
        b.set_task_assignee(&t, &member.user_id, true)?;
        changed = true;
    }
    for person in &edit.unassign {
        let assignee = assignee_to_remove(b, &t, people, person)?;
        b.set_task_assignee(&t, &assignee, false)?;
        changed = true;
    }
    if !changed {
        bail!("nothing to change: give --title, --description, --due, --label, --assign, ...");
    }
    Ok(())
}

fn label_command(session: &mut Invocation, command: LabelCommand) -> Result<()> {
    match command {
        LabelCommand::Add { board, name, color } => {
            let id = session.change(&board, |b| Ok(b.add_label(&name, color.as_deref())?))?;
            println!("{id}");
        }
        LabelCommand::List { board, json } => {
            let view = session.open_board(&board)?.view();
            if json {
                print_json(&view.labels)?;
            } else {
                for label in view.labels {
                    println!("{}  {}  {}", label.id, label.color, label.name);
                }
            }
        }
        LabelCommand::Edit {
            board,
            label,
            name,
            color,
        } => {
            if name.is_none() && color.is_none() {
                bail!("nothing to change: give --name or --color");
            }
            session.change(&board, |b| {
                let l = label_id(b, &label)?;
                Ok(b.update_label(&l, name.as_deref(), color.as_deref())?)
            })?
        }
        LabelCommand::Delete { board, label } => session.change(&board, |b| {
            let l = label_id(b, &label)?;
            Ok(b.delete_label(&l)?)
        })?,
    }
    Ok(())
}
