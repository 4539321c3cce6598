//! `tackctl attach add|list|get|rm`: files on a task (DESIGN §1 `attachments`, §2 "Blobs").
//! Adding takes the file into the profile's blob store (durable) and queues its upload before
//! the metadata is committed; `tackctl sync` uploads it before the board's changes go out;
//! `get` downloads on demand from the board's relay and keeps the bytes.

use anyhow::{Context, Result};
use board_model::{Attachment, Board, NewAttachment};
use board_store::Store;

use crate::args::AttachCommand;
use crate::resolve::resolve;
use crate::{print_json, task_id, Invocation};

fn attachment_of(board: &Board, task: &str, query: &str) -> Result<Attachment> {
    let list = board.attachments(task)?;
    let id = resolve(
        "attachment",
        query,
        list.iter().map(|a| (a.id.as_str(), a.name.as_str())),
    )?;
    list.into_iter()
        .find(|a| a.id == id)
        .context("the attachment vanished")
}

pub fn run(session: &mut Invocation, command: AttachCommand) -> Result<()> {
    match command {
        AttachCommand::Add {
            board,
            task,
            file,
            name,
            mime,
        } => {
            let board_id = session.board_id(&board)?;
            board_store::replica::ensure_writable(&session.store, &board_id)?;
            let name = match name {
                Some(name) => name,
                None => file
                    .file_name()
                    .and_then(|n| n.to_str())
                    .map(str::to_owned)
                    .with_context(|| format!("{} has no file name; pass --name", file.display()))?,
            };
            let mime = mime.unwrap_or_else(|| board_store::guess_mime(&name).to_owned());
            // The bytes first, durable; then the upload queued; only then the metadata.
            let stored = session
                .store
                .import_blob(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            session
                .store
                .queue_blob_upload(&board_id, &stored.sha256, stored.size)?;
            let author = crate::comment::my_member_id(&session.dir, &mut session.store)?;
            let id = session.change(&board_id, |b| {
                let task = task_id(b, &task)?;
                Ok(b.add_attachment(
                    &task,
                    NewAttachment {
                        author: &author,
                        name: &name,
                        mime: &mime,
                        size: stored.size,
                        sha256: &stored.sha256,
                    },
                )?)
            })?;
            println!("{id}");
        }
        AttachCommand::List { board, task, json } => {
            let board = session.open_board(&board)?;
            let task = task_id(&board, &task)?;
            let list = board.attachments(&task)?;
            if json {
                let rows: Vec<serde_json::Value> = list
                    .iter()
                    .map(|a| {
                        let mut row = serde_json::to_value(a).unwrap_or_default();
                        row["local"] = session.store.local_blob(&a.sha256).is_some().into();
                        row
                    })
                    .collect();
                print_json(&rows)?;
            } else {
                for a in &list {
                    let local = if session.store.local_blob(&a.sha256).is_some() {
                        "here"
                    } else {
                        "on the relay"
                    };
                    println!(
                        "{}  {}  {}  {} bytes  {local}",
                        a.id, a.name, a.mime, a.size
                    );
                }
            }
        }
        AttachCommand::Get {
            board,
            task,
            attachment,
            output,
            server,
            token,
        } => {
            let board = session.open_board(&board)?;
            let task = task_id(&board, &task)?;
            let found = attachment_of(&board, &task, &attachment)?;
            let local = match session.store.local_blob(&found.sha256) {
                Some(path) => path,
                None => download(session, board.id(), &found, server, token)?,
            };
            std::fs::copy(&local, &output)
                .with_context(|| format!("writing {}", output.display()))?;
        }
        AttachCommand::Rm {
            board,
            task,
            attachment,
        } => {
            session.change(&board, |b| {
                let task = task_id(b, &task)?;
                let found = attachment_of(b, &task, &attachment)?;
                Ok(b.remove_attachment(&task, &found.id)?)
            })?;
        }
    }
    Ok(())
}

/// The relay and token for `board`: the flags, else the board's relay and the signed-in
/// account's token for it.
fn relay_for(
    session: &Invocation,
    board: &str,
    server: Option<String>,
    token: Option<String>,
) -> Result<tack_account::RelayClient> {
    let server = match server {
        Some(server) => server,
        None => session
            .store
            .board(board)?
            .and_then(|record| record.server)
            .context("this board has not synced with a relay; pass --server")?,
    };
    let token = match token.filter(|t| !t.is_empty()) {
        Some(token) => token,
        None => crate::account::token_for_sync(&session.dir, &server)?
            .context("not signed in to this relay; pass --token or run tackctl login")?,
    };
    Ok(tack_account::RelayClient::new(&server)?.with_token(&token))
}

fn download(
    session: &Invocation,
    board: &str,
    attachment: &Attachment,
    server: Option<String>,
    token: Option<String>,
) -> Result<std::path::PathBuf> {
    let relay = relay_for(session, board, server, token)?;
    tack_account::blobs::fetch(&session.store.blobs(), &relay, board, &attachment.sha256)
        .with_context(|| format!("downloading {}", attachment.name))
}

/// Uploads every attachment of `boards` queued on this computer (resuming what the relay
/// holds of an interrupted upload), before the boards' changes are sent: returns the boards
/// whose uploads all succeeded; the others are named on stderr and left out of this sync, so
/// their metadata never reaches the relay before their bytes.
pub fn upload_pending(
    store: &mut Store,
    server: &str,
    token: &str,
    boards: &[String],
) -> Result<Vec<String>> {
    let mut ready = Vec::new();
    for board in boards {
        let pending = store.pending_blob_uploads(board)?;
        if pending.is_empty() {
            ready.push(board.clone());
            continue;
        }
        if token.is_empty() {
            eprintln!(
                "tackctl: board {board}: {} attachment(s) wait to be uploaded, which needs an \
                 account on the relay; not syncing this board",
                pending.len()
            );
            continue;
        }
        let relay = tack_account::RelayClient::new(server)?.with_token(token);
        let mut all = true;
        for upload in pending {
            match tack_account::blobs::upload(&store.blobs(), &relay, &upload) {
                Ok(()) => store.blob_uploaded(board, &upload.sha256)?,
                Err(error) => {
                    // As every tackctl error is told: the cause's chain after it.
                    let error = anyhow::Error::from(error);
                    eprintln!(
                        "tackctl: board {board}: uploading attachment {}: {error:#}",
                        upload.sha256
                    );
                    all = false;
                }
            }
        }
        if all {
            ready.push(board.clone());
        }
    }
    Ok(ready)
}
