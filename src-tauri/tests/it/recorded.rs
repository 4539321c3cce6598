//! The UI's tests replay sessions recorded here from the real shell: each scenario in
//! `src-tauri/tests/scenarios/` (calls the UI makes, and pushes: what teammates and the relay
//! do meanwhile) runs against a real [`Session`] on a real SQLite store, with seeded ids and
//! clock, and every call's real result or error and every event emitted is written to
//! `ui/src/test/recorded/<scenario>.json`. Pushes build their events with the shell's own code
//! (a teammate's edit is a real remote update; sentences are the shell's). Written by
//! `UPDATE_BINDINGS=1 cargo test -p tack --test it bindings`; otherwise stale files fail.
//!
//! In a scenario, a string `@board:Title`, `@column:Title`, `@task:Title` or `@label:name`
//! stands for that item's id, looked up on disk when the step runs. Commands of the account
//! and sharing side (the relay's answers) are given in the scenario as `answer` (or `error`).
//! A setup step `{"cacheMembers": {"boardId", "members": [{userId, email, role}]}}` puts a
//! board's member directory in the store as `list_members` would have cached it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use board_model::{ReplicaConfig, Sources};
use board_store::{replica, LocalAccess, Store, UpdateOrigin};
use serde_json::{json, Value};
use sync_client::{Status, SyncProblem};
use tack::collab;
use tack::ipc::{
    BoardAccessEvent, BoardClosedEvent, BoardOp, BoardPatchEvent, BoardSyncState,
    CloseRequestedEvent, ConflictNotice, IpcError, PresenceEvent, SignedInUser, SyncKind,
    SyncState, SyncStatusEvent, BOARD_ACCESS_EVENT, BOARD_CLOSED_EVENT, BOARD_PATCH_EVENT,
    CLOSE_REQUESTED_EVENT, CONFLICT_EVENT, PRESENCE_EVENT, SYNC_STATUS_EVENT,
};
use tack::ipc::{InboxEvent, INBOX_EVENT};
use tack::notify::{Alerts, ManualClock, Notice, Notifications};
use tack::session::Session;

/// The member id the recordings' comments are posted as.
const RECORDED_ME: &str = "0190a000-0000-7000-8000-0000000000a1";

/// The signed-in account the recordings' boards are opened as (its directory's "me").
fn recorded_me() -> SignedInUser {
    SignedInUser {
        user_id: RECORDED_ME.into(),
        email: "me@example.com".into(),
    }
}

/// The relay the recorded boards are shared on.
const SERVER: &str = "https://tack.example.com";

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs every scenario; returns `(path, text)` of each recording.
pub fn record_all() -> Vec<(PathBuf, String)> {
    let scenarios = repo().join("src-tauri/tests/scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&scenarios)
        .expect("read the scenarios")
        .map(|entry| entry.expect("a scenario").path())
        .filter(|path| {
            path.extension().is_some_and(|e| e == "json")
                && !path
                    .file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('_'))
        })
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path
                .file_stem()
                .expect("a file name")
                .to_string_lossy()
                .into_owned();
            let script = read_json(&path);
            let recording = Recorder::new(&scenarios).run(&name, &script);
            let text = serde_json::to_string_pretty(&recording).expect("json") + "\n";
            (
                repo()
                    .join("ui/src/test/recorded")
                    .join(format!("{name}.json")),
                text,
            )
        })
        .collect()
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("read {}: {err}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|err| panic!("parse {}: {err}", path.display()))
}

struct Recorder {
    scenarios: PathBuf,
    dir: tempfile::TempDir,
    config: ReplicaConfig,
    session: Option<Session>,
    /// A teammate's replica of each board, made on first use.
    teammate: Sources,
}

impl Recorder {
    fn new(scenarios: &Path) -> Self {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let config = ReplicaConfig {
            user: "me@example.com".into(),
            sources: Sources::seeded(7, 1_767_225_600_000),
        };
        Recorder {
            scenarios: scenarios.to_owned(),
            dir,
            config,
            session: None,
            teammate: Sources::seeded(11, 1_767_225_700_000),
        }
    }

    fn session(&mut self) -> &mut Session {
        if self.session.is_none() {
            let session = Session::open(self.dir.path(), self.config.clone()).expect("open");
            self.session = Some(session);
        }
        self.session.as_mut().expect("just opened")
    }

    fn store(&self) -> Store {
        Store::open_in_dir(self.dir.path()).expect("open the store")
    }

    fn run(mut self, name: &str, script: &Value) -> Value {
        for step in self.expand(&script["setup"]) {
            self.step(&step);
        }
        // The app starts: a fresh session on the store the setup left (no undo history).
        self.session = None;
        let mut recorded = Vec::new();
        for step in self.expand(&script["steps"]) {
            recorded.push(self.step(&step));
        }
        json!({
            "scenario": name,
            "steps": recorded,
            "names": self.names(),
        })
    }

    /// Steps, with `"name"` and `{"include": "name"}` replaced by `_name.json`'s steps.
    fn expand(&self, steps: &Value) -> Vec<Value> {
        let mut out = Vec::new();
        for step in steps.as_array().into_iter().flatten() {
            let included = step.as_str().or_else(|| step["include"].as_str());
            match included {
                Some(file) => {
                    let path = self.scenarios.join(format!("_{file}.json"));
                    out.extend(self.expand(&read_json(&path)["steps"]));
                }
                None => out.push(step.clone()),
            }
        }
        out
    }

    /// `id -> "task:Title"` for every board, column, task and label on disk.
    fn names(&self) -> BTreeMap<String, String> {
        let store = self.store();
        let mut names = BTreeMap::new();
        for record in store.list_boards().expect("list") {
            names.insert(record.id.clone(), format!("board:{}", record.title));
            let board =
                replica::open_board(&store, &record.id, ReplicaConfig::default()).expect("open");
            for saved in board.views() {
                names.insert(saved.id, format!("view:{}", saved.name));
            }
            let view = board.view_with(true);
            for label in view.labels {
                names.insert(label.id, format!("label:{}", label.name));
            }
            for column in view.columns {
                names.insert(column.id, format!("column:{}", column.title));
                for task in column.tasks {
                    for comment in board.comments(&task.id) {
                        names.insert(comment.id, format!("comment:{}", comment.body));
                    }
                    for file in board.attachments(&task.id).expect("attachments") {
                        names.insert(file.id, format!("attachment:{}", file.name));
                    }
                    names.insert(task.id, format!("task:{}", task.title));
                }
            }
        }
        // An inbox entry's key, by its task's title: `@inbox:Title`.
        for entry in store.inbox(board_store::MAX_INBOX_PAGE).expect("the inbox") {
            names.insert(entry.key, format!("inbox:{}", entry.title));
        }
        names
    }

    /// Replaces every `@kind:Name` string in `value` by that item's id.
    fn resolve(value: &Value, names: &BTreeMap<String, String>) -> Value {
        match value {
            Value::String(text) if text.starts_with('@') => {
                let wanted = &text[1..];
                names
                    .iter()
                    .find(|(_, name)| *name == wanted)
                    .map(|(id, _)| Value::String(id.clone()))
                    .unwrap_or_else(|| panic!("no {wanted} on disk"))
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| Self::resolve(v, names)).collect())
            }
            Value::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), Self::resolve(v, names)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    fn step(&mut self, step: &Value) -> Value {
        let step = if step.to_string().contains("\"@") {
            Self::resolve(step, &self.names())
        } else {
            step.clone()
        };
        if let Some(cached) = step.get("cacheMembers") {
            // The member directory as the relay last gave it (what `list_members` caches).
            let board = cached["boardId"].as_str().expect("cacheMembers.boardId");
            let members: Vec<board_store::MemberRecord> = cached["members"]
                .as_array()
                .expect("cacheMembers.members")
                .iter()
                .map(|m| board_store::MemberRecord {
                    user_id: m["userId"].as_str().expect("userId").to_owned(),
                    email: m["email"].as_str().expect("email").to_owned(),
                    role: m["role"].as_str().expect("role").to_owned(),
                })
                .collect();
            self.store()
                .cache_members(board, &members)
                .expect("cache the members");
            return json!({ "cacheMembers": board });
        }
        if let Some(label) = step["push"].as_str() {
            let mut out = json!({ "push": label });
            let mut events = self.push(&step, &mut out);
            if let Some(status) = step.get("thenStatus") {
                events.push(event_json(SYNC_STATUS_EVENT, &self.status(status)));
            }
            out["events"] = Value::Array(events);
            return out;
        }
        let name = step["call"]
            .as_str()
            .unwrap_or_else(|| panic!("a step is a call or a push: {step}"));
        let args = step.get("args").cloned().unwrap_or_else(|| json!({}));
        let mut out = json!({ "call": name, "args": args });
        let (result, events) = if let Some(download) = step.get("download") {
            (self.download(download), Vec::new())
        } else if let Some(status) = step.get("status") {
            (Ok(to_json(self.status(status))), Vec::new())
        } else if let Some(answer) = step.get("answer") {
            (Ok(answer.clone()), Vec::new())
        } else if let Some(error) = step.get("error") {
            (Err(error.clone()), Vec::new())
        } else {
            self.call(name, &args)
        };
        let mut events = events;
        if let Some(status) = step.get("thenStatus") {
            // What the sync client reports right after (the outbox grew, say).
            events.push(event_json(SYNC_STATUS_EVENT, &self.status(status)));
        }
        match result {
            Ok(value) => out["ok"] = value,
            Err(error) => out["err"] = error,
        }
        out["events"] = Value::Array(events);
        out
    }

    /// One board command through the real session.
    fn call(&mut self, name: &str, args: &Value) -> (Result<Value, Value>, Vec<Value>) {
        let text = |key: &str| args[key].as_str().unwrap_or_default().to_owned();
        let board_id = text("boardId");
        let session = self.session();
        let mut events = Vec::new();
        let mut patched = |event: BoardPatchEvent| {
            if !event.patches.is_empty() {
                events.push(event_json(BOARD_PATCH_EVENT, &event));
            }
        };
        let result: Result<Value, IpcError> = match name {
            "list_boards" => session.list_boards().map(to_json),
            "create_board" => session.create_board(&text("title")).map(to_json),
            "delete_board" => session.delete_board(&board_id).map(to_json),
            "open_board" => session
                .open_board_with_people(&board_id, Some(recorded_me()))
                .map(to_json),
            "list_archived" => session.archived(&board_id).map(to_json),
            "apply" => {
                let op: BoardOp = serde_json::from_value(args["op"].clone()).expect("an op");
                session.apply(&board_id, op).map(|(result, event)| {
                    patched(event);
                    to_json(result)
                })
            }
            "undo" | "redo" => {
                let done = if name == "undo" {
                    session.undo(&board_id)
                } else {
                    session.redo(&board_id)
                };
                done.map(|(result, event)| {
                    patched(event);
                    to_json(result)
                })
            }
            "generate_demo_board" => {
                let count = |key: &str| u32::try_from(args[key].as_u64().unwrap_or(0)).unwrap_or(0);
                session
                    .generate_demo_board(&text("title"), count("columns"), count("tasks"))
                    .map(to_json)
            }
            // As the signed-in account (a fixed id: the recording must not drift).
            "list_comments" => session
                .list_comments(&board_id, &text("taskId"), Some(RECORDED_ME.into()))
                .map(to_json),
            "add_comment" => session
                .add_comment(
                    &board_id,
                    &text("taskId"),
                    &text("body"),
                    Some(RECORDED_ME.into()),
                )
                .map(|(comment, event)| {
                    patched(event);
                    to_json(comment)
                }),
            "edit_comment" | "delete_comment" => {
                let body = (name == "edit_comment").then(|| text("body"));
                session
                    .change_comment(
                        &board_id,
                        &text("commentId"),
                        body.as_deref(),
                        Some(RECORDED_ME.into()),
                    )
                    .map(|((), event)| {
                        patched(event);
                        Value::Null
                    })
            }
            // Read against a fixed clock in UTC (the recording must not drift with the day).
            "read_due" => board_model::parse_due_input(&text("text"), recorded_now(), |_| {
                chrono::FixedOffset::east_opt(0).expect("UTC is an offset")
            })
            .map(|due| Value::String(due.to_stored()))
            .map_err(IpcError::from),
            // The dialogs are the system's: the recording stands for a person picking the Trello
            // fixture board-import's tests read, and for a save that was written.
            "import_board" => {
                let fixture = concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../crates/board-import/tests/fixtures/trello-launch.json"
                );
                let format = serde_json::from_value(args["format"].clone()).expect("a format");
                let bytes = std::fs::read(fixture).expect("the Trello fixture");
                session
                    .import_board(format, &bytes, "trello-launch", None)
                    .map(to_json)
            }
            "import_into_board" => {
                let fixture = concat!(
                    env!("CARGO_MANIFEST_DIR"),
                    "/../crates/board-import/tests/fixtures/tasks.csv"
                );
                let bytes = std::fs::read(fixture).expect("the CSV fixture");
                session
                    .import_into_board(&board_id, &bytes, None)
                    .map(|(outcome, event)| {
                        patched(event);
                        to_json(outcome)
                    })
            }
            "export_board" => {
                let format = serde_json::from_value(args["format"].clone()).expect("a format");
                session
                    .export_board(&board_id, format, None)
                    .map(|(_, name)| Value::String(format!("/home/me/{name}")))
            }
            // A board never shared: this computer's own history.
            // The store stamps history with the computer's clock: shown as minutes before a
            // fixed time, so the recording does not drift.
            "task_history" => session
                .task_history(&board_id, &text("taskId"), None, None)
                .map(|mut view| {
                    for (minutes, entry) in (1..).zip(view.entries.iter_mut()) {
                        entry.at = RECORDED_HISTORY_AT - minutes * 60_000;
                    }
                    to_json(view)
                }),
            "restore_change" => session
                .restore_change(&board_id, &text("taskId"), &text("changeId"))
                .map(|((), event)| {
                    patched(event);
                    Value::Null
                }),
            // The browser is the system's: the recording checks the link, opens nothing.
            "open_link" => tack::ipc::web_link(&text("url")).map(|_| Value::Null),
            "yank_task" => session.yank_task(&board_id, &text("taskId")).map(to_json),
            "paste_task" => {
                let place: tack::ipc::Place =
                    serde_json::from_value(args["place"].clone()).expect("a place");
                session
                    .paste_task(&board_id, &text("columnId"), place.into(), None)
                    .map(|(result, event)| {
                        patched(event);
                        to_json(result)
                    })
            }
            "transfer_task" => {
                let mode = serde_json::from_value(args["mode"].clone()).expect("a mode");
                session
                    .transfer_task(&board_id, &text("taskId"), &text("toBoardId"), mode, None)
                    .map(|(outcome, board_events)| {
                        board_events.into_iter().for_each(&mut patched);
                        to_json(outcome)
                    })
            }
            "duplicate_board" => session
                .duplicate_board(&board_id, &text("title"), None)
                .map(to_json),
            "list_templates" => session.list_templates().map(to_json),
            "save_template" => session.save_template(&board_id, &text("name")).map(to_json),
            "delete_template" => session.delete_template(&text("templateId")).map(to_json),
            "create_board_from_template" => session
                .create_board_from_template(&text("title"), &text("templateId"))
                .map(to_json),
            // As the signed-in account, against the fixed clock (groups and `is:overdue` must
            // not drift with the day).
            "search" => session
                .search(
                    &text("query"),
                    args["includeArchived"].as_bool().unwrap_or(false),
                    u32::try_from(args["limit"].as_u64().unwrap_or(50)).unwrap_or(50),
                    Some(RECORDED_ME.into()),
                    recorded_now(),
                )
                .map(to_json),
            "filter_board" => session
                .filter_board(
                    &board_id,
                    &text("query"),
                    Some(RECORDED_ME.into()),
                    recorded_now(),
                )
                .map(to_json),
            "list_views" => session.views(&board_id).map(to_json),
            "save_view" => {
                let (query, sort) = (text("query"), text("sort"));
                let settings = board_model::ViewSettings {
                    query: &query,
                    sort: &sort,
                    group_by: args["groupBy"].as_str(),
                };
                session
                    .save_view(&board_id, &text("name"), &settings)
                    .map(to_json)
            }
            "rename_view" => session
                .rename_view(&board_id, &text("viewId"), &text("name"))
                .map(to_json),
            "delete_view" => session.delete_view(&board_id, &text("viewId")).map(to_json),
            "my_tasks" => session
                .my_tasks(Some(RECORDED_ME.into()), recorded_now())
                .map(to_json),
            "inbox" => tack::notify::inbox_view(&session.store()).map(to_json),
            "set_inbox_read" => {
                let keys: Vec<String> =
                    serde_json::from_value(args["keys"].clone()).expect("the keys");
                let read = args["read"].as_bool().expect("read");
                let mut store = session.store();
                let view = store
                    .set_inbox_read(&keys, read)
                    .map_err(IpcError::from)
                    .and_then(|_| tack::notify::inbox_view(&store));
                view.map(to_json)
            }
            "mark_inbox_read" => {
                let mut store = session.store();
                let view = store
                    .mark_inbox_all_read()
                    .map_err(IpcError::from)
                    .and_then(|_| tack::notify::inbox_view(&store));
                view.map(to_json)
            }
            "task_reminder" => session
                .store()
                .reminder(&text("boardId"), &text("taskId"))
                .map_err(IpcError::from)
                .map(|r| to_json(r.as_ref().map(tack::notify::reminder_view))),
            // Against the fixed clock, so what has fired does not drift with the day.
            "set_task_reminder" => tack::notify::set_task_reminder(
                session,
                &text("boardId"),
                &text("taskId"),
                args["beforeMinutes"]
                    .as_u64()
                    .map(|m| u32::try_from(m).expect("minutes")),
                recorded_now().timestamp_millis(),
            )
            .map(to_json),
            // The dialog is the system's: the recording stands for a person picking two files.
            "attach_files" => {
                let picked = self.dir.path().join("picked");
                std::fs::create_dir_all(&picked).expect("a folder to pick from");
                let session = self.session.as_mut().expect("the session is open");
                let mut event = BoardPatchEvent {
                    board_id: board_id.clone(),
                    patches: Vec::new(),
                };
                let mut attached = Vec::new();
                for (name, bytes) in [
                    ("floor plan.pdf", &b"%PDF-1.7 a floor plan"[..]),
                    ("install.sh", &b"#!/bin/sh\necho installing\n"[..]),
                ] {
                    let path = picked.join(name);
                    std::fs::write(&path, bytes).expect("write a file to pick");
                    let (entry, one) = session
                        .attach_file(&board_id, &text("taskId"), &path, Some(recorded_me()))
                        .expect("attach");
                    event.patches.extend(one.patches);
                    attached.push(entry);
                }
                patched(event);
                Ok(to_json(attached))
            }
            "attach_pasted" => {
                let bytes: Vec<u8> = serde_json::from_value(args["bytes"].clone()).expect("bytes");
                session
                    .attach_bytes(
                        &board_id,
                        &text("taskId"),
                        &text("name"),
                        &bytes,
                        Some(recorded_me()),
                    )
                    .map(|(entry, event)| {
                        patched(event);
                        to_json(entry)
                    })
            }
            "attachment_thumbnail" => session
                .blobs()
                .thumbnail(&text("sha256"))
                .map_err(IpcError::from)
                .map(|made| to_json(made.map(|t| tack::session::thumbnail_data_url(&t)))),
            "list_attachments" => session
                .list_attachments(
                    &board_id,
                    &text("taskId"),
                    Some(recorded_me()),
                    &Default::default(),
                )
                .map(to_json),
            // The system's application is not started: the recording says what would open.
            "open_attachment" => session
                .open_attachment_step(
                    &board_id,
                    &text("taskId"),
                    &text("attachmentId"),
                    args["confirmed"].as_bool().unwrap_or(false),
                    Some(recorded_me()),
                )
                .map(|step| match step {
                    tack::session::OpenStep::Answer(answer) => to_json(answer),
                    tack::session::OpenStep::Open(_) => {
                        to_json(tack::ipc::OpenedAttachment::Opened)
                    }
                    tack::session::OpenStep::Download(_) => panic!("the recordings have no relay"),
                }),
            "save_attachment_as" => session
                .attachment_bytes(
                    &board_id,
                    &text("taskId"),
                    &text("attachmentId"),
                    Some(recorded_me()),
                )
                .map(|(entry, _)| Value::String(format!("/home/me/{}", entry.name))),
            "remove_attachment" => session
                .remove_attachment(&board_id, &text("taskId"), &text("attachmentId"))
                .map(|((), event)| {
                    patched(event);
                    Value::Null
                }),
            other => panic!("{other}: a command of the account side needs an `answer`"),
        };
        (result.map_err(to_json), events)
    }

    /// What happens to the app without a call: returns the events it emits.
    fn push(&mut self, step: &Value, out: &mut Value) -> Vec<Value> {
        if let Some(remote) = step.get("remote") {
            return self.remote_edit(remote, step.get("at").and_then(Value::as_i64));
        }
        if let Some(access) = step.get("access") {
            return self.access(access);
        }
        if let Some(status) = step.get("status") {
            return vec![event_json(SYNC_STATUS_EVENT, &self.status(status))];
        }
        if let Some(presence) = step.get("people") {
            let board_id = presence["boardId"].as_str().unwrap_or_default().to_owned();
            let people = presence["people"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    let field = |key: &str| p[key].as_str().unwrap_or_default();
                    let selected = p["taskId"].as_str().map(str::to_owned);
                    collab::person(field("userId"), field("name"), selected, p["me"] == true)
                })
                .collect();
            return vec![event_json(
                PRESENCE_EVENT,
                &PresenceEvent { board_id, people },
            )];
        }
        if let Some(conflict) = step.get("conflict") {
            let field = |key: &str| conflict[key].as_str().unwrap_or_default().to_owned();
            let notice = ConflictNotice {
                text: collab::conflict_text(&field("winner"), &field("field")),
                board_id: field("boardId"),
                task_id: field("taskId"),
                field: field("field"),
                winner: field("winner"),
            };
            return vec![event_json(CONFLICT_EVENT, &notice)];
        }
        if step.get("close").is_some() {
            // What the window's close button does (`lib.rs`): ask while changes are pending.
            let unsent = collab::unsent(&self.store());
            return match collab::close_text(unsent) {
                Some(text) => vec![event_json(
                    CLOSE_REQUESTED_EVENT,
                    &CloseRequestedEvent {
                        pending: unsent.total(),
                        text,
                    },
                )],
                None => {
                    out["windowCloses"] = Value::Bool(true);
                    Vec::new()
                }
            };
        }
        panic!("an unknown push: {step}");
    }

    /// A teammate's edit: made on their own replica, arriving as the relay's update. With
    /// `at` (ms), what in it concerns me (the recordings' signed-in account) goes to the inbox
    /// through the app's own notifications, at that moment, and emits `inbox`.
    fn remote_edit(&mut self, remote: &Value, at: Option<i64>) -> Vec<Value> {
        let board_id = remote["boardId"].as_str().expect("boardId").to_owned();
        let op: BoardOp = serde_json::from_value(remote["op"].clone()).expect("an op");
        let mut store = self.store();
        let config = ReplicaConfig {
            user: "alice@example.com".into(),
            sources: self.teammate.clone(),
        };
        let mut theirs = replica::open_board(&store, &board_id, config).expect("their replica");
        tack::session::apply_op(&mut theirs, op).expect("their edit");
        let mut events = Vec::new();
        for update in theirs.take_local_updates() {
            store
                .append_update(&board_id, UpdateOrigin::Remote, &update)
                .expect("store the update");
            let me = at.map(|_| RECORDED_ME);
            let outcome = self
                .session()
                .apply_remote_noting(&board_id, &update, me, at.unwrap_or(0))
                .expect("apply");
            if let Some(event) = outcome.patch {
                events.push(event_json(BOARD_PATCH_EVENT, &event));
            }
            if let Some(at) = at {
                let alerts = Arc::new(InboxEvents::default());
                let notifications = Notifications::new(
                    self.session().shared_store(),
                    Arc::new(ManualClock::starting_at(at)),
                    alerts.clone(),
                );
                notifications.deliver(&outcome.concerns);
                events.extend(
                    alerts
                        .0
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .drain(..)
                        .map(|event| event_json(INBOX_EVENT, &event)),
                );
            }
        }
        events
    }

    /// A board shared with me arrives from the relay (what `open_remote_board` waits for):
    /// made on the sharer's replica, stored as the sync client stores a download.
    fn download(&mut self, download: &Value) -> Result<Value, Value> {
        let field = |key: &str| download[key].as_str().expect("a field").to_owned();
        let (board_id, title) = (field("boardId"), field("title"));
        let theirs = tempfile::tempdir().expect("a temporary directory");
        let mut their_store = Store::open_in_dir(theirs.path()).expect("their store");
        let config = ReplicaConfig {
            user: "alice@example.com".into(),
            sources: self.teammate.clone(),
        };
        let board = replica::create_board(&mut their_store, &board_id, &title, config)
            .expect("their board");
        let record = board_store::BoardRecord {
            id: board_id.clone(),
            title,
            created_at_ms: board.view_with(false).created_at,
            server: Some(SERVER.to_owned()),
            role: Some(field("role")),
            last_synced_at_ms: None,
        };
        self.store()
            .create_board_from_remote(&record, &board.encode_state())
            .expect("store the download");
        self.session()
            .board_summary(&board_id)
            .map(to_json)
            .map_err(to_json)
    }

    /// My role on a board changes (or ends), as the relay reports it and the shell records it.
    fn access(&mut self, access: &Value) -> Vec<Value> {
        let board_id = access["boardId"].as_str().expect("boardId").to_owned();
        let role = access["role"].as_str().expect("role");
        let granted = LocalAccess::parse(role).unwrap_or(LocalAccess::Removed);
        self.session()
            .set_board_access(&board_id, Some(SERVER), Some(granted))
            .expect("record the role");
        let removed = granted == LocalAccess::Removed;
        let parsed = granted.role();
        let reason = granted.read_only_reason();
        let mut events = vec![event_json(
            BOARD_ACCESS_EVENT,
            &BoardAccessEvent {
                board_id: board_id.clone(),
                role: parsed,
                read_only: reason.is_some(),
                reason: reason.map(str::to_owned),
            },
        )];
        if removed {
            events.push(event_json(
                BOARD_CLOSED_EVENT,
                &BoardClosedEvent {
                    board_id,
                    message: reason.unwrap_or_default().to_owned(),
                },
            ));
        }
        events
    }

    /// The sync status the shell emits for these boards' client statuses.
    fn status(&mut self, status: &Value) -> SyncStatusEvent {
        if status["signedIn"] == false {
            return SyncStatusEvent {
                overall: SyncState {
                    kind: SyncKind::SignedOut,
                    pending: 0,
                    text: collab::kind_text(SyncKind::SignedOut, 0),
                },
                boards: Vec::new(),
            };
        }
        let mut boards = Vec::new();
        for board in status["boards"].as_array().into_iter().flatten() {
            let board_id = board["boardId"].as_str().expect("boardId").to_owned();
            let pending = self.store().pending_count(&board_id).expect("pending");
            let client = match board["status"].as_str().expect("status") {
                "synced" => Status::Synced,
                "offline" => Status::Offline { pending },
                "syncing" => Status::Syncing { pending },
                other => panic!("status {other}?"),
            };
            if matches!(client, Status::Synced) {
                // The relay acknowledged everything.
                let mut store = self.store();
                let seqs: Vec<_> = store
                    .outbox(&board_id)
                    .expect("outbox")
                    .into_iter()
                    .map(|(seq, _)| seq)
                    .collect();
                store.acknowledge(&board_id, &seqs).expect("acknowledge");
            }
            let record = self.store().board(&board_id).expect("read").expect("board");
            let access = record.access();
            let role = access.and_then(LocalAccess::role);
            let reason = access.and_then(LocalAccess::read_only_reason);
            let state = if access == Some(LocalAccess::Removed) {
                collab::board_state(&Status::Problem(SyncProblem::AccessRevoked))
            } else {
                collab::board_state(&client)
            };
            boards.push(BoardSyncState {
                board_id,
                state,
                role,
                read_only: reason.is_some(),
                read_only_reason: reason.map(str::to_owned),
            });
        }
        let overall = boards
            .first()
            .map(|b| b.state.clone())
            .unwrap_or_else(|| collab::board_state(&Status::Synced));
        SyncStatusEvent { overall, boards }
    }
}

fn to_json<T: serde::Serialize>(value: T) -> Value {
    serde_json::to_value(value).expect("serialize")
}

fn event_json<T: serde::Serialize>(event: &str, payload: &T) -> Value {
    json!({ "event": event, "payload": to_json(payload) })
}

/// The clock the recorded `read_due`, `search`, `filter_board` and `my_tasks` answer against: Friday 4 December 2026, 10:30 UTC.
fn recorded_now() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339("2026-12-04T10:30:00+00:00").expect("a valid time")
}

/// The time the recorded `task_history` answers before: 2026-12-04 10:30 UTC.
const RECORDED_HISTORY_AT: i64 = 1_796_380_200_000;

/// The `inbox` events the app would emit; native notifications are not recorded.
#[derive(Default)]
struct InboxEvents(Mutex<Vec<InboxEvent>>);

impl Alerts for InboxEvents {
    fn show(&self, _notice: &Notice) {}

    fn inbox_changed(&self, added: &[board_store::InboxEntry], unread: u64) {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(tack::notify::inbox_event(added, unread));
    }
}
