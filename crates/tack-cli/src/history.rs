//! `tackctl task history` and `tackctl task restore`: a task's history, newest first, and
//! bringing an earlier value back as an ordinary (undoable) edit (DESIGN "History").
//!
//! A board never shared has this profile's own changes only (`Store::task_history`, ids
//! `l<n>`). A shared board shows the relay's history (ids `r<seq>.<n>`, each named after the
//! account the relay authenticated for it) after my changes the relay has not acknowledged yet
//! ("not synced yet"); the relay is asked with `TACK_TOKEN`, else the signed-in account's
//! token for that relay. Without either, or offline, it shows my own changes and says why.

use anyhow::{bail, Context, Result};
use board_model::{Board, CommentAction, FieldValue, HistoryField};
use board_store::{member_name, CachedRelayChange, LocalChange, MemberRecord, MAX_HISTORY_PAGE};
use tack_account::{RelayClient, TaskChangeEntry};

use crate::comment::{my_member_id, time_text};
use crate::{print_json, task_id, Invocation};

/// A change as shown: mine from the store, or the relay's.
struct Entry {
    id: String,
    task: String,
    field: HistoryField,
    value: FieldValue,
    truncated: bool,
    /// `None`: me (this profile).
    author: Option<String>,
    at_ms: i64,
    synced: bool,
}

impl Entry {
    fn local(change: LocalChange, shared: bool) -> Self {
        Self {
            id: format!("l{}", change.id),
            task: change.task,
            field: change.field,
            value: change.value,
            truncated: change.truncated,
            author: None,
            at_ms: change.at_ms,
            synced: !shared || change.acknowledged,
        }
    }

    /// A relay entry as last fetched.
    fn cached(entry: CachedRelayChange, task: &str) -> Option<Self> {
        Self::relay(TaskChangeEntry {
            at_ms: entry.at_ms,
            author_id: entry.author_id,
            field: entry.field,
            id: entry.id,
            task_id: task.to_owned(),
            truncated: entry.truncated,
            value: serde_json::from_str(&entry.value).ok()?,
        })
    }

    /// `None` for an entry this build cannot read (a newer field or value shape).
    fn relay(entry: TaskChangeEntry) -> Option<Self> {
        Some(Self {
            field: HistoryField::parse(&entry.field)?,
            value: serde_json::from_value(entry.value).ok()?,
            id: format!("r{}", entry.id),
            task: entry.task_id,
            truncated: entry.truncated,
            author: entry.author_id,
            at_ms: entry.at_ms,
            synced: true,
        })
    }
}

/// My changes the relay has not acknowledged yet: the newest, shown before its history.
fn unacknowledged(session: &Invocation, board: &str, task: &str) -> Result<Vec<Entry>> {
    Ok(session
        .store
        .task_history(board, task, None, MAX_HISTORY_PAGE)?
        .into_iter()
        .filter(|c| !c.acknowledged)
        .map(|c| Entry::local(c, true))
        .collect())
}

fn cached_entry(entry: &TaskChangeEntry) -> CachedRelayChange {
    CachedRelayChange {
        id: entry.id.clone(),
        field: entry.field.clone(),
        value: entry.value.to_string(),
        truncated: entry.truncated,
        author_id: entry.author_id.clone(),
        at_ms: entry.at_ms,
    }
}

/// A change id: mine in the store (`l42`) or the relay's (`r17.0`).
enum ChangeId {
    Local(i64),
    Relay(i64, i32),
}

fn parse_change_id(text: &str) -> Result<ChangeId> {
    let bad =
        || anyhow::anyhow!("{text:?} is not a change id (like l42 or r17.0, from `task history`)");
    if let Some(n) = text.strip_prefix('l') {
        return n
            .parse::<i64>()
            .ok()
            .filter(|n| *n > 0)
            .map(ChangeId::Local)
            .ok_or_else(bad);
    }
    let (seq, n) = text
        .strip_prefix('r')
        .and_then(|rest| rest.split_once('.'))
        .ok_or_else(bad)?;
    match (seq.parse::<i64>(), n.parse::<i32>()) {
        (Ok(seq), Ok(n)) if seq > 0 && n >= 0 => Ok(ChangeId::Relay(seq, n)),
        _ => Err(bad()),
    }
}

/// The relay of a shared board, with a token to ask it: `TACK_TOKEN`, else the signed-in
/// account's when it is on that relay. `Err` says why there is none.
fn relay_for(session: &Invocation, server: &str) -> Result<RelayClient, String> {
    let client = RelayClient::new(server).map_err(|e| e.to_string())?;
    if let Some(token) = std::env::var("TACK_TOKEN").ok().filter(|t| !t.is_empty()) {
        return Ok(client.with_token(&token));
    }
    let account = tack_account::read_account(&session.dir)
        .ok()
        .flatten()
        .filter(|a| tack_account::same_server(&a.server, server))
        .ok_or_else(|| "not logged in to its relay".to_owned())?;
    let token = tack_account::load_token(&account.server)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| "no token in the keychain".to_owned())?;
    Ok(client.with_token(&token))
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Listed<'a> {
    id: String,
    task: &'a str,
    field: HistoryField,
    value: &'a FieldValue,
    truncated: bool,
    /// The author's member id.
    author: &'a str,
    author_name: String,
    at: i64,
    /// The relay has it (always true on a board never shared).
    synced: bool,
}

/// How one value reads in a terminal line: names for ids, short texts.
fn show_value(
    board: &Board,
    members: &[MemberRecord],
    field: HistoryField,
    value: &FieldValue,
) -> String {
    let short = |text: &str| {
        let line = text.lines().next().unwrap_or("");
        let mut cut: String = line.chars().take(60).collect();
        if cut.len() < text.len() {
            cut.push('…');
        }
        format!("{cut:?}")
    };
    match (field, value) {
        (HistoryField::Column, FieldValue::Text(id)) => board
            .columns()
            .into_iter()
            .find(|c| c.id == *id)
            .map_or_else(
                || format!("(deleted column {id})"),
                |c| format!("{:?}", c.title),
            ),
        (HistoryField::Labels, FieldValue::Ids(ids)) => {
            let labels = board.labels();
            let names: Vec<String> = ids
                .iter()
                .map(|id| {
                    labels
                        .iter()
                        .find(|l| l.id == *id)
                        .map_or_else(|| "(deleted label)".to_owned(), |l| l.name.clone())
                })
                .collect();
            format!("[{}]", names.join(", "))
        }
        (HistoryField::Assignees, FieldValue::Ids(ids)) => {
            let names: Vec<String> = ids.iter().map(|id| member_name(members, id)).collect();
            format!("[{}]", names.join(", "))
        }
        (_, FieldValue::Checklist(items)) => {
            let done = items.iter().filter(|i| i.done).count();
            format!("{} items, {done} done", items.len())
        }
        (HistoryField::Checklist, FieldValue::Ids(_)) => "no items".to_owned(),
        (_, FieldValue::Comment(change)) => match change.action {
            CommentAction::Added => format!("added {}", short(&change.body)),
            CommentAction::Edited => format!("edited {}", short(&change.body)),
            CommentAction::Deleted => "deleted a comment".to_owned(),
        },
        (_, FieldValue::Text(text)) => short(text),
        (_, FieldValue::Flag(flag)) => flag.to_string(),
        (_, FieldValue::Absent) => "none".to_owned(),
        (_, FieldValue::Ids(ids)) => format!("[{}]", ids.join(", ")),
    }
}

pub fn history(
    session: &mut Invocation,
    board: &str,
    task: &str,
    json: bool,
    before: Option<&str>,
    limit: u32,
) -> Result<()> {
    let board_id = session.board_id(board)?;
    let b = session.open_board(&board_id)?;
    let task = task_id(&b, task)?;
    let before = before.map(parse_change_id).transpose()?;
    let limit = limit.clamp(1, MAX_HISTORY_PAGE);
    let server = session
        .store
        .board(&board_id)?
        .and_then(|record| record.server);
    let me = my_member_id(&session.dir, &mut session.store)?;
    let members = session.store.members(&board_id)?;
    let my_name = if members.iter().any(|m| m.user_id == me) {
        member_name(&members, &me)
    } else {
        session.config.user.clone()
    };
    let shared = server.is_some();
    let local_page = |session: &Invocation, before: Option<i64>| -> Result<Vec<Entry>> {
        Ok(session
            .store
            .task_history(&board_id, &task, before, limit)?
            .into_iter()
            .map(|c| Entry::local(c, shared))
            .collect())
    };
    let entries: Vec<Entry> = match (&server, &before) {
        (_, Some(ChangeId::Local(id))) => local_page(session, Some(*id))?,
        (None, None) => local_page(session, None)?,
        (None, Some(ChangeId::Relay(..))) => {
            bail!("this board was never shared: it has no relay history")
        }
        (Some(server), relay_before) => {
            let relay_before = match relay_before {
                Some(ChangeId::Relay(seq, n)) => Some((*seq, *n)),
                _ => None,
            };
            let page = relay_for(session, server).and_then(|relay| {
                relay
                    .task_history(&board_id, &task, relay_before, limit)
                    .map_err(|e| e.to_string())
            });
            match page {
                Ok(page) => {
                    if relay_before.is_none() {
                        // Kept, so the history still names people offline.
                        let cached: Vec<CachedRelayChange> =
                            page.changes.iter().map(cached_entry).collect();
                        session
                            .store
                            .cache_relay_history(&board_id, &task, &cached)?;
                    }
                    let mut entries = if relay_before.is_none() {
                        unacknowledged(session, &board_id, &task)?
                    } else {
                        Vec::new()
                    };
                    entries.extend(page.changes.into_iter().filter_map(Entry::relay));
                    entries
                }
                Err(why) => {
                    let cached = session.store.cached_relay_history(&board_id, &task)?;
                    if cached.is_empty() || relay_before.is_some() {
                        eprintln!(
                            "tackctl: the relay's history of this task is unavailable ({why}); \
                             showing this computer's own changes"
                        );
                        local_page(session, None)?
                    } else {
                        eprintln!(
                            "tackctl: the relay's history of this task is unavailable ({why}); \
                             showing it as last fetched"
                        );
                        let mut entries = unacknowledged(session, &board_id, &task)?;
                        entries.extend(cached.into_iter().filter_map(|c| Entry::cached(c, &task)));
                        entries
                    }
                }
            }
        }
    };
    let name = |author: &Option<String>| match author {
        None => my_name.clone(),
        Some(id) if *id == me && !members.iter().any(|m| m.user_id == *id) => my_name.clone(),
        Some(id) => member_name(&members, id),
    };
    if json {
        let rows: Vec<Listed<'_>> = entries
            .iter()
            .map(|e| Listed {
                id: e.id.clone(),
                task: &e.task,
                field: e.field,
                value: &e.value,
                truncated: e.truncated,
                author: e.author.as_deref().unwrap_or(&me),
                author_name: name(&e.author),
                at: e.at_ms,
                synced: e.synced,
            })
            .collect();
        return print_json(&rows);
    }
    for e in &entries {
        let pending = if e.synced { "" } else { "  (not synced yet)" };
        let truncated = if e.truncated { " (cut)" } else { "" };
        println!(
            "{}  {}  {}  {}  {}{truncated}{pending}",
            e.id,
            time_text(e.at_ms),
            name(&e.author),
            e.field.as_str(),
            show_value(&b, &members, e.field, &e.value)
        );
    }
    Ok(())
}

pub fn restore(session: &mut Invocation, board: &str, task: &str, change: &str) -> Result<()> {
    let board_id = session.board_id(board)?;
    let found: Entry = match parse_change_id(change)? {
        ChangeId::Local(id) => {
            let shared = session
                .store
                .board(&board_id)?
                .is_some_and(|record| record.server.is_some());
            let local = session
                .store
                .task_change(&board_id, id)?
                .with_context(|| format!("no change {change} on this board"))?;
            Entry::local(local, shared)
        }
        ChangeId::Relay(seq, n) => {
            let server = session
                .store
                .board(&board_id)?
                .and_then(|record| record.server)
                .context("this board was never shared: it has no relay history")?;
            let relay = relay_for(session, &server)
                .map_err(|why| anyhow::anyhow!("cannot ask the relay for {change}: {why}"))?;
            let board_model_task = {
                let b = session.open_board(&board_id)?;
                task_id(&b, task)?
            };
            let page = relay.task_history(&board_id, &board_model_task, Some((seq, n + 1)), 1)?;
            page.changes
                .into_iter()
                .next()
                .filter(|e| e.id == format!("{seq}.{n}"))
                .and_then(Entry::relay)
                .with_context(|| format!("no change {change} in this task's history"))?
        }
    };
    if found.truncated {
        bail!("change {change} was too long to keep whole in history; it cannot be restored");
    }
    session.change(&board_id, |b| {
        let task = task_id(b, task)?;
        if found.task != task {
            bail!("change {change} is not a change of this task");
        }
        b.restore_field(&task, found.field, &found.value)
            .with_context(|| format!("restoring the {}", found.field.as_str()))
    })
}
