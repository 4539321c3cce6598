//! People in the store: the local profile's member id, and each shared board's member
//! directory as the relay last gave it, so that authors, assignees and mentions show names
//! offline.

use rusqlite::{params, OptionalExtension};

use crate::{require_board, Store, StoreError};

/// One member of a board, as cached from the relay's member list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRecord {
    pub user_id: String,
    pub email: String,
    /// `owner`, `editor` or `viewer`, as the relay said.
    pub role: String,
}

impl MemberRecord {
    /// What to call the member on screen: the part of the email before `@`.
    pub fn display_name(&self) -> &str {
        display_name(&self.email)
    }
}

/// What to call member `id`: their name from the board's directory, or, for someone no longer
/// in it, a short and stable handle.
pub fn member_name(members: &[MemberRecord], id: &str) -> String {
    members
        .iter()
        .find(|m| m.user_id == id)
        .map(|m| m.display_name().to_owned())
        .unwrap_or_else(|| format!("member {}", id.get(..8).unwrap_or(id)))
}

/// What to call the author of a comment imported from another tool, who is no member here
/// (`authorName` in the document): marked, so a name written into the document can never
/// pass for a member's.
pub fn imported_author_name(name: &str) -> String {
    format!("{name} (imported)")
}

/// The part of an email before `@` (the whole text when there is none).
pub fn display_name(email: &str) -> &str {
    email
        .split_once('@')
        .map(|(name, _)| name)
        .filter(|name| !name.is_empty())
        .unwrap_or(email)
}

/// Who "me" is when a board's directory is read: the signed-in account (id and email), else
/// this profile's own member id with a name to show for it.
#[derive(Debug, Clone, Copy)]
pub struct Me<'a> {
    pub user_id: &'a str,
    /// The signed-in account's email; `None` on a profile with no account.
    pub email: Option<&'a str>,
    /// What to call me when there is no email (the desktop says "You", `tackctl` the user).
    pub name: &'a str,
}

/// A person who can be assigned or mentioned on a board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirectoryEntry {
    pub user_id: String,
    /// What to show: the part of the email before `@`, or my own name without an account.
    pub name: String,
    /// Empty for the local profile of a computer with no account.
    pub email: String,
    pub me: bool,
}

/// A board's people: the member directory the relay last gave (cached, so it works offline)
/// and me, whether or not the relay listed me yet. A board never shared has me alone. The one
/// place `tackctl` and the desktop turn what a person typed into a member id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directory {
    entries: Vec<DirectoryEntry>,
}

/// Why what a person typed names no single member.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum PersonError {
    #[error("no member of this board matches {0:?}")]
    Unknown(String),
    #[error("{query:?} matches several members: {}; give an email or id", candidates.join(", "))]
    Ambiguous {
        query: String,
        /// `name <email>` of each match.
        candidates: Vec<String>,
    },
}

impl Directory {
    pub fn new(members: &[MemberRecord], me: Me<'_>) -> Self {
        let mut entries: Vec<DirectoryEntry> = members
            .iter()
            .map(|m| DirectoryEntry {
                user_id: m.user_id.clone(),
                name: m.display_name().to_owned(),
                email: m.email.clone(),
                me: m.user_id == me.user_id,
            })
            .collect();
        if !entries.iter().any(|e| e.me) {
            entries.push(DirectoryEntry {
                user_id: me.user_id.to_owned(),
                name: me.email.map_or(me.name, display_name).to_owned(),
                email: me.email.unwrap_or_default().to_owned(),
                me: true,
            });
        }
        entries.sort_by(|a, b| {
            (a.name.to_lowercase(), &a.email, &a.user_id).cmp(&(
                b.name.to_lowercase(),
                &b.email,
                &b.user_id,
            ))
        });
        Self { entries }
    }

    /// Everyone, by name.
    pub fn entries(&self) -> &[DirectoryEntry] {
        &self.entries
    }

    pub fn get(&self, user_id: &str) -> Option<&DirectoryEntry> {
        self.entries.iter().find(|e| e.user_id == user_id)
    }

    /// What a file calls member `id`: their name, or the key as it is written (a free-text
    /// assignee of an older board), so an export read back matches the same people.
    pub fn name_or_key(&self, id: &str) -> String {
        self.get(id)
            .map_or_else(|| id.to_owned(), |entry| entry.name.clone())
    }

    /// A board view with each assignee shown by name, for text (JSON keeps the member ids). A
    /// free-text assignee of an older board, matching no member, is shown quoted: `"Ana"`.
    pub fn name_assignees(&self, mut view: board_model::BoardView) -> board_model::BoardView {
        for column in &mut view.columns {
            for task in &mut column.tasks {
                for assignee in &mut task.assignees {
                    *assignee = match self.get(assignee) {
                        Some(member) => member.name.clone(),
                        None => format!("{assignee:?}"),
                    };
                }
            }
        }
        view
    }

    /// The one member whose id, email or name is exactly one of `names` (case-insensitive):
    /// how people named in an imported file are matched. No prefixes, and several matches
    /// are none: an import must not pick someone by luck.
    pub fn find_exact<'n>(
        &self,
        names: impl IntoIterator<Item = &'n str>,
    ) -> Option<&DirectoryEntry> {
        let names: Vec<String> = names
            .into_iter()
            .map(|n| n.trim().to_lowercase())
            .filter(|n| !n.is_empty())
            .collect();
        let mut matches = self.entries.iter().filter(|e| {
            [&e.user_id, &e.email, &e.name]
                .iter()
                .any(|field| !field.is_empty() && names.contains(&field.to_lowercase()))
        });
        match (matches.next(), matches.next()) {
            (Some(one), None) => Some(one),
            _ => None,
        }
    }

    /// The one member `query` names: `me`, an id, an email or a name (case-insensitive, exact
    /// before prefix). Several matches are an error listing them, so nobody is picked by luck.
    pub fn find(&self, query: &str) -> Result<&DirectoryEntry, PersonError> {
        let wanted = query.trim().to_lowercase();
        if wanted.is_empty() {
            return Err(PersonError::Unknown(query.to_owned()));
        }
        if wanted == "me" {
            if let Some(me) = self.entries.iter().find(|e| e.me) {
                return Ok(me);
            }
        }
        type Rule = fn(&DirectoryEntry, &str) -> bool;
        let rules: [Rule; 4] = [
            |e, q| e.user_id.to_lowercase() == q || e.email.to_lowercase() == q,
            |e, q| e.name.to_lowercase() == q,
            |e, q| q.len() >= 4 && e.user_id.to_lowercase().starts_with(q),
            |e, q| e.name.to_lowercase().starts_with(q) || e.email.to_lowercase().starts_with(q),
        ];
        for rule in rules {
            let matches: Vec<&DirectoryEntry> =
                self.entries.iter().filter(|e| rule(e, &wanted)).collect();
            match matches.as_slice() {
                [] => continue,
                [one] => return Ok(one),
                several => {
                    return Err(PersonError::Ambiguous {
                        query: query.to_owned(),
                        candidates: several
                            .iter()
                            .map(|e| format!("{} <{}>", e.name, e.email))
                            .collect(),
                    })
                }
            }
        }
        Err(PersonError::Unknown(query.to_owned()))
    }
}

const MEMBER_ID_KEY: &str = "member_id";

impl Store {
    /// This profile's own member id, made once (a UUID v7) and kept: the author and assignee
    /// id on boards never shared while no account is signed in.
    pub fn local_member_id(&mut self) -> Result<String, StoreError> {
        let existing = self
            .conn
            .query_row(
                "SELECT value FROM profile WHERE key = ?1",
                [MEMBER_ID_KEY],
                |row| row.get::<_, String>(0),
            )
            .optional()?;
        if let Some(id) = existing {
            return Ok(id);
        }
        let fresh = board_model::Sources::system().new_id();
        let tx = self.write_transaction()?;
        // Another process may have made one meanwhile: the first one made wins.
        tx.execute(
            "INSERT OR IGNORE INTO profile (key, value) VALUES (?1, ?2)",
            params![MEMBER_ID_KEY, fresh],
        )?;
        let id = tx.query_row(
            "SELECT value FROM profile WHERE key = ?1",
            [MEMBER_ID_KEY],
            |row| row.get::<_, String>(0),
        )?;
        tx.commit()?;
        Ok(id)
    }

    /// Replaces a board's cached member list with what the relay just said.
    pub fn cache_members(
        &mut self,
        board: &str,
        members: &[MemberRecord],
    ) -> Result<(), StoreError> {
        let tx = self.write_transaction()?;
        require_board(&tx, board)?;
        tx.execute("DELETE FROM members WHERE board_id = ?1", [board])?;
        {
            let mut insert = tx.prepare(
                "INSERT OR REPLACE INTO members (board_id, user_id, email, role) \
                 VALUES (?1, ?2, ?3, ?4)",
            )?;
            for member in members {
                insert.execute(params![board, member.user_id, member.email, member.role])?;
            }
        }
        crate::search::refresh_people(&tx, board)?;
        tx.commit()?;
        Ok(())
    }

    /// A board's people (the cached member directory and me), for assignees and mentions.
    pub fn directory(&self, board: &str, me: Me<'_>) -> Result<Directory, StoreError> {
        Ok(Directory::new(&self.members(board)?, me))
    }

    /// A board's cached members, by email.
    pub fn members(&self, board: &str) -> Result<Vec<MemberRecord>, StoreError> {
        let mut query = self.conn.prepare(
            "SELECT user_id, email, role FROM members WHERE board_id = ?1 ORDER BY email, user_id",
        )?;
        let rows = query.query_map([board], |row| {
            Ok(MemberRecord {
                user_id: row.get(0)?,
                email: row.get(1)?,
                role: row.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
