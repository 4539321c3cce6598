//! `tackctl comment add|list|edit|delete`: a task's conversation (DESIGN §1, root `comments`).
//!
//! Who I am on a board is the signed-in account's member id, else this profile's own member
//! id (`Store::local_member_id`); names come from the board's cached member directory.

use std::path::Path;

use anyhow::{Context, Result};
use board_model::{Board, CommentView};
use board_store::{display_name, member_name, MemberRecord, Store};

use crate::args::CommentCommand;
use crate::resolve::resolve;
use crate::{print_json, task_id, Invocation};

/// My member id: the signed-in account's, else this profile's own.
pub fn my_member_id(data_dir: &Path, store: &mut Store) -> Result<String> {
    if let Some(account) = tack_account::read_account(data_dir)? {
        if !account.user_id.is_empty() {
            return Ok(account.user_id);
        }
    }
    Ok(store.local_member_id()?)
}

/// Names for member ids: the cached directory, then "me" for my own id.
struct Names {
    members: Vec<MemberRecord>,
    me: String,
    my_name: String,
}

impl Names {
    fn name(&self, id: &str) -> String {
        if id == self.me && !self.members.iter().any(|m| m.user_id == id) {
            return self.my_name.clone();
        }
        member_name(&self.members, id)
    }

    /// Who wrote a comment: the name an imported one carries, else the member's.
    fn author(&self, comment: &CommentView) -> String {
        match &comment.author_name {
            Some(name) => board_store::imported_author_name(name),
            None => self.name(&comment.author),
        }
    }

    /// The body with `@[id]` mentions shown as `@name`.
    fn render(&self, body: &str) -> String {
        board_model::show_mentions(body, |id| self.name(id))
    }
}

/// What a person typed, with `@email` and `@name` of known members stored as `@[id]`.
pub fn encode_mentions(text: &str, members: &[MemberRecord]) -> String {
    let mut by_length: Vec<&MemberRecord> = members.iter().collect();
    by_length.sort_by_key(|m| std::cmp::Reverse(m.email.len()));
    let mut out = text.to_owned();
    for member in &by_length {
        out = out.replace(
            &format!("@{}", member.email),
            &format!("@[{}]", member.user_id),
        );
    }
    for member in &by_length {
        let name = display_name(&member.email);
        let unique = members
            .iter()
            .filter(|m| display_name(&m.email).eq_ignore_ascii_case(name))
            .count()
            == 1;
        if unique && !name.is_empty() {
            out = replace_word(&out, &format!("@{name}"), &format!("@[{}]", member.user_id));
        }
    }
    out
}

/// Replaces `word` where it is not followed by a character that could continue a name.
fn replace_word(text: &str, word: &str, with: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(word) {
        let after = &rest[at + word.len()..];
        let continues = after
            .chars()
            .next()
            .is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '@'));
        out.push_str(&rest[..at]);
        out.push_str(if continues { word } else { with });
        rest = after;
    }
    out.push_str(rest);
    out
}

fn comment_id(board: &Board, task_ids: &[String], query: &str) -> Result<String> {
    let ids: Vec<String> = task_ids
        .iter()
        .flat_map(|task| board.comments(task))
        .map(|c| c.id)
        .collect();
    resolve(
        "comment",
        query,
        ids.iter().map(|id| (id.as_str(), id.as_str())),
    )
}

pub fn time_text(ms: i64) -> String {
    // UTC, minutes: enough to read a conversation in a terminal; --json has the exact number.
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(
        || ms.to_string(),
        |at| at.format("%Y-%m-%d %H:%MZ").to_string(),
    )
}

#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct Listed<'a> {
    id: &'a str,
    task: &'a str,
    author: &'a str,
    /// The member's name, or the name an imported comment carries.
    author_name: String,
    body: &'a str,
    mentions: &'a [String],
    created_at: i64,
    edited_at: Option<i64>,
}

pub fn run(session: &mut Invocation, command: CommentCommand) -> Result<()> {
    let me = my_member_id(&session.dir, &mut session.store)?;
    match command {
        CommentCommand::Add { board, task, text } => {
            let board_id = session.board_id(&board)?;
            let members = session.store.members(&board_id)?;
            let body = encode_mentions(&text, &members);
            let id = session.change(&board_id, |b| {
                let task = task_id(b, &task)?;
                Ok(b.add_comment(&task, &me, &body)?)
            })?;
            println!("{id}");
        }
        CommentCommand::List { board, task, json } => {
            let board_id = session.board_id(&board)?;
            let b = session.open_board(&board_id)?;
            let task = task_id(&b, &task)?;
            let names = Names {
                members: session.store.members(&board_id)?,
                me: me.clone(),
                my_name: session.config.user.clone(),
            };
            let comments = b.comments(&task);
            if json {
                let rows: Vec<Listed<'_>> = comments
                    .iter()
                    .map(|comment| Listed {
                        id: &comment.id,
                        task: &comment.task,
                        author: &comment.author,
                        author_name: names.author(comment),
                        body: &comment.body,
                        mentions: &comment.mentions,
                        created_at: comment.created_at,
                        edited_at: comment.edited_at,
                    })
                    .collect();
                print_json(&rows)?;
            } else {
                for c in &comments {
                    let edited = if c.edited_at.is_some() {
                        " (edited)"
                    } else {
                        ""
                    };
                    println!(
                        "{}  {}  {}{edited}",
                        time_text(c.created_at),
                        names.author(c),
                        c.id
                    );
                    for line in names.render(&c.body).lines() {
                        println!("    {line}");
                    }
                }
            }
        }
        CommentCommand::Edit {
            board,
            comment,
            text,
        } => {
            let board_id = session.board_id(&board)?;
            let members = session.store.members(&board_id)?;
            let body = encode_mentions(&text, &members);
            session.change(&board_id, |b| {
                let id = comment_id(b, &b.task_ids(), &comment)?;
                b.edit_comment(&id, &me, &body)
                    .context("editing the comment")
            })?;
        }
        CommentCommand::Delete { board, comment } => {
            session.change(&board, |b| {
                let id = comment_id(b, &b.task_ids(), &comment)?;
                b.delete_comment(&id, &me).context("deleting the comment")
            })?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(id: &str, email: &str) -> MemberRecord {
        MemberRecord {
            user_id: id.to_owned(),
            email: email.to_owned(),
            role: "editor".to_owned(),
        }
    }

    #[test]
    fn mentions_of_known_members_are_stored_as_ids() {
        let members = [
            member("u1", "ana@example.com"),
            member("u2", "bo@example.com"),
        ];
        assert_eq!(
            encode_mentions(
                "@ana and @bo@example.com, not @anabel or me@ana.org",
                &members
            ),
            "@[u1] and @[u2], not @anabel or me@ana.org"
        );
        let twins = [member("u1", "ana@a.com"), member("u3", "ana@b.com")];
        assert_eq!(
            encode_mentions("@ana", &twins),
            "@ana",
            "ambiguous names stay text"
        );
    }

    #[test]
    fn times_are_readable_utc() {
        assert_eq!(time_text(0), "1970-01-01 00:00Z");
        assert_eq!(time_text(1_796_398_200_000), "2026-12-04 15:30Z");
    }
}
