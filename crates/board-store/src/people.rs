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
        tx.commit()?;
        Ok(())
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
