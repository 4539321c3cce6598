//! `tackctl task history` and `tackctl task restore`: a task's history, newest first, and
//! bringing an earlier value back as an ordinary (undoable) edit (DESIGN "History").
//!
//! A board never shared has this profile's own changes only (`Store::task_history`, ids
//! `l<n>`). A shared board shows the relay's history (ids `r<seq>.<n>`, each named after the
//! account the relay authenticated for it) after my changes the relay has not acknowledged yet
//! ("not synced yet"); the relay is asked with `TACK_TOKEN`, else the signed-in account's
//! token for that relay. Without either, or offline, it shows my own changes and says why.

use anyhow::{bail, Context, Result};
use board_model::{FieldValue, HistoryField};
use board_store::history_view::{describe_value, ShownChange};
use board_store::{member_name, MAX_HISTORY_PAGE};
use tack_account::RelayClient;

use crate::comment::{my_member_id, time_text};
use crate::{print_json, task_id, Invocation};

/// A change as shown (one definition with the desktop: `board_store::history_view`).
type Entry = ShownChange;

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
    let people = session.directory(&board_id)?;
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
        (Some(server), None) => {
            let answer = relay_for(session, server).and_then(|relay| {
                relay
                    .task_history(&board_id, &task, None, limit)
                    .map(|page| page.changes)
                    .map_err(|e| e.to_string())
            });
            let page = session
                .store
                .first_history_page(&board_id, &task, Some(answer), limit)?;
            if let Some(note) = &page.note {
                eprintln!("tackctl: {note}");
            }
            page.changes
        }
        (Some(server), Some(ChangeId::Relay(seq, n))) => {
            let relay = relay_for(session, server).map_err(|why| {
                anyhow::anyhow!("the relay's history of this task is unavailable ({why})")
            })?;
            relay
                .task_history(&board_id, &task, Some((*seq, *n)), limit)?
                .changes
                .into_iter()
                .filter_map(Entry::relay)
                .collect()
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
            describe_value(&b, &people, e.field, &e.value)
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
