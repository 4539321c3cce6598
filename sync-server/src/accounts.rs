//! Accounts and board membership in the relay's database: users (argon2id password hashes),
//! session and invite tokens (random, only their SHA-256 stored), members and roles, and the
//! `AccountVerifier` that turns a token into a role per board for the sync endpoints.
//!
//! Every board-table query runs in a transaction whose acting user is set (`ActAs`), so on
//! PostgreSQL row-level security decides what it may see and change; the checks written here
//! (owner-only operations, the last owner) are the same on both backends, and are the only
//! ones on SQLite, which has no policies.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use sqlx::Row as _;
use sync_protocol::Cause;

use crate::auth::{Denied, Grant, Verdict, Verifier};
use crate::storage::{
    ActAs as _, BeginWrite as _, PostgresStorage, SqliteStorage, Storage, StorageError,
    StorageFuture,
};

/// Bytes of randomness in a session or invite token.
const TOKEN_BYTES: usize = 32;

/// A member's role on a board (one spelling for the relay and its clients).
pub use tack_api::Role;
use tack_api::{Member, MyBoard, SessionInfo};

/// Why an account operation failed. Each maps to one HTTP status; none carries internals
/// except `Storage`, which is logged and never sent.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("an account with this email already exists")]
    EmailTaken,
    #[error("not found")]
    NotFound,
    #[error("not allowed")]
    Forbidden,
    #[error("this board id is already published by someone else")]
    BoardTaken,
    #[error("a board must keep at least one owner")]
    LastOwner,
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// `user`'s role on `board` as the transaction `$tx` sees it (its acting user already set, so
/// row-level security applies), for PostgreSQL and SQLite transactions alike.
macro_rules! role_in {
    ($tx:expr, $board:expr, $user:expr) => {
        sqlx::query_scalar::<_, String>(
            "SELECT role FROM board_members WHERE board_id = $1 AND user_id = $2",
        )
        .bind($board)
        .bind($user)
        .fetch_optional(&mut *$tx)
        .await
        .map_err(failed("reading a role"))
        .map(|role| role.as_deref().and_then(Role::parse))
    };
}

/// Opens a write transaction on `$pool` acting as `$actor` and checks that they own `$board`:
/// `Forbidden` for another member, `NotFound` for anyone else (who may not learn the board
/// exists). Evaluates to the transaction.
macro_rules! begin_as_owner {
    ($pool:expr, $actor:expr, $board:expr, $starting:literal) => {{
        let mut tx = $pool.begin_write().await.map_err(failed($starting))?;
        tx.act_as(Some($actor))
            .await
            .map_err(failed("setting the user"))?;
        match role_in!(tx, $board, $actor)? {
            Some(Role::Owner) => {}
            Some(_) => return Err(AccountError::Forbidden),
            None => return Err(AccountError::NotFound),
        }
        tx
    }};
}

fn failed(action: &'static str) -> impl FnOnce(sqlx::Error) -> AccountError {
    move |source| AccountError::Storage(StorageError::Query { action, source })
}

fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|error| error.is_unique_violation())
}

fn is_rls_refusal(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .and_then(|error| error.code())
        .is_some_and(|code| code == "42501")
}

/// Seconds since the epoch.
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        })
}

fn secs(duration: Duration) -> i64 {
    i64::try_from(duration.as_secs()).unwrap_or(i64::MAX)
}

/// A new token: the text handed to the client once, and the digest stored.
pub fn new_token() -> (String, Vec<u8>) {
    let mut bytes = [0_u8; TOKEN_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    (
        URL_SAFE_NO_PAD.encode(bytes),
        Sha256::digest(bytes).to_vec(),
    )
}

/// The stored digest of a token's text, or `None` when the text cannot be a token.
pub fn token_digest(text: &str) -> Option<Vec<u8>> {
    if text.len() != 43 {
        return None;
    }
    let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
    (bytes.len() == TOKEN_BYTES).then(|| Sha256::digest(&bytes).to_vec())
}

/// Whether `board` can be a published board's id: 1 to 128 characters of `A-Z a-z 0-9 - _ .`
/// (a board's id is its document's UUID v7; older boards and tests use plain names). Anything
/// else is refused before it reaches the database.
pub fn is_board_id(board: &str) -> bool {
    !board.is_empty()
        && board.len() <= 128
        && board
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
}

/// A signed-in user, as resolved from a session token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionUser {
    pub user_id: String,
    pub email: String,
    pub session_id: String,
}

/// Accounts in the relay's database (users, sessions, members and roles, invites): the
/// account half of [`StorageBackend`](crate::storage::StorageBackend), for the `/v1` API, the
/// verifier and the rooms. Every query is written once (`shared_account_queries!`) for both
/// backends; accepting an invite differs (PostgreSQL runs it as a SECURITY DEFINER function).
pub trait AccountStorage: Send + Sync + 'static {
    /// What the page behind an invite link shows (`crate::invite_page`): the board, the role
    /// offered, who invited and until when, for an invite still usable at `now`; `None` for an
    /// unknown, expired or used-up one. On PostgreSQL through `tack_invite_preview`, a
    /// SECURITY DEFINER function (nobody who may see the invite is acting).
    fn invite_preview<'a>(
        &'a self,
        digest: &'a [u8],
        now: i64,
    ) -> StorageFuture<'a, Result<Option<InvitePreview>, AccountError>>;

    /// Creates a user; `email` must already be normalised (trimmed, lower-cased).
    fn create_user<'a>(
        &'a self,
        email: &'a str,
        password_hash: &'a str,
    ) -> StorageFuture<'a, Result<String, AccountError>>;

    /// `(user id, password hash)` of the account with this (normalised) email.
    fn user_by_email<'a>(
        &'a self,
        email: &'a str,
    ) -> StorageFuture<'a, Result<Option<(String, String)>, AccountError>>;

    /// Stores a new session for `user`, valid for `lifetime`; returns its id.
    fn create_session<'a>(
        &'a self,
        user: &'a str,
        token_digest: &'a [u8],
        lifetime: Duration,
    ) -> StorageFuture<'a, Result<String, AccountError>>;

    /// The user of an unexpired session, read from the database every time (a revoked
    /// session stops working at once).
    fn session_user<'a>(
        &'a self,
        token_digest: &'a [u8],
    ) -> StorageFuture<'a, Result<Option<SessionUser>, AccountError>>;

    /// The user's unexpired sessions, oldest first (`current`: the one whose id is given).
    fn sessions_of<'a>(
        &'a self,
        user: &'a str,
        current: &'a str,
    ) -> StorageFuture<'a, Result<Vec<SessionInfo>, AccountError>>;

    /// Revokes one of the user's sessions; `NotFound` if it has no such session.
    fn revoke_session<'a>(
        &'a self,
        user: &'a str,
        session: &'a str,
    ) -> StorageFuture<'a, Result<(), AccountError>>;

    /// The user's role on a board (`None`: not a member, or no such board).
    fn role_of<'a>(
        &'a self,
        user: &'a str,
        board: &'a str,
    ) -> StorageFuture<'a, Result<Option<Role>, AccountError>>;

    /// Which of `ids` are accounts' ids (a comment's author must be its writer when it is one:
    /// DESIGN §4 "Comment authors").
    fn accounts_among<'a>(
        &'a self,
        ids: &'a [String],
    ) -> StorageFuture<'a, Result<Vec<String>, AccountError>>;

    /// Publishes a board under its existing id: the caller becomes its owner. Idempotent for
    /// its owner; `BoardTaken` when someone else holds it.
    fn publish_board<'a>(
        &'a self,
        user: &'a str,
        board: &'a str,
    ) -> StorageFuture<'a, Result<Role, AccountError>>;

    /// The boards the user is a member of, by id.
    fn boards_of<'a>(
        &'a self,
        user: &'a str,
    ) -> StorageFuture<'a, Result<Vec<MyBoard>, AccountError>>;

    /// A board's members, for one of its members (`NotFound` for anyone else, so a stranger
    /// cannot tell a board exists).
    fn members<'a>(
        &'a self,
        user: &'a str,
        board: &'a str,
    ) -> StorageFuture<'a, Result<Vec<Member>, AccountError>>;

    /// Adds the account with `email` to a board with `role`, or changes its role (owners
    /// only). Refuses to demote the last owner.
    fn put_member<'a>(
        &'a self,
        actor: &'a str,
        board: &'a str,
        email: &'a str,
        role: Role,
    ) -> StorageFuture<'a, Result<Member, AccountError>> {
        Box::pin(async move {
            let Some((user_id, _)) = self.user_by_email(email).await? else {
                return Err(AccountError::NotFound);
            };
            self.change_membership(actor, board, &user_id, Some(role))
                .await?;
            Ok(Member {
                user_id,
                email: email.to_owned(),
                role,
            })
        })
    }

    /// Deletes a board and everything the relay holds for it (its updates, snapshot, members,
    /// invites, history and blob records go with it: foreign keys), in one transaction as
    /// `actor`, who must be an owner (`Forbidden` for another member, `NotFound` for anyone
    /// else). Returns the members it had, whose connections must hear of it.
    fn delete_board<'a>(
        &'a self,
        actor: &'a str,
        board: &'a str,
    ) -> StorageFuture<'a, Result<Vec<String>, AccountError>>;

    /// Sets (`Some`) or removes (`None`) a member's role, in one transaction as `actor`:
    /// owners change anyone; anyone may remove themselves (leave); a board keeps an owner.
    fn change_membership<'a>(
        &'a self,
        actor: &'a str,
        board: &'a str,
        target: &'a str,
        role: Option<Role>,
    ) -> StorageFuture<'a, Result<(), AccountError>>;

    /// Creates an invite link's token for a board (owners only).
    fn create_invite<'a>(
        &'a self,
        actor: &'a str,
        board: &'a str,
        role: Role,
        lifetime: Duration,
        max_uses: i64,
    ) -> StorageFuture<'a, Result<(String, i64), AccountError>>;

    /// Accepts an invite: the user becomes a member (an existing member keeps the higher
    /// role). `NotFound` for an unknown, expired or used-up invite.
    fn accept_invite<'a>(
        &'a self,
        user: &'a str,
        invite_token: &'a str,
    ) -> StorageFuture<'a, Result<MyBoard, AccountError>>;
}

/// `AccountStorage` for a backend type with `reader()` and `writer()` pools and its own
/// `accept_invite_token`: every other query written once for both databases.
macro_rules! shared_account_queries {
    ($backend:ty) => {
        impl AccountStorage for $backend {
            fn invite_preview<'a>(
                &'a self,
                digest: &'a [u8],
                now: i64,
            ) -> StorageFuture<'a, Result<Option<InvitePreview>, AccountError>> {
                Box::pin(self.preview_invite(digest, now))
            }

    fn create_user<'a>(&'a self, email: &'a str, password_hash: &'a str) -> StorageFuture<'a, Result<String, AccountError>> {
 Box::pin(async move {        let id = uuid::Uuid::now_v7().to_string();
        {
 let pool = self.writer();
            // In a transaction, as every statement, so it also runs through a transaction-mode
            // pooler (a statement's Parse and Bind must reach one server connection).
            let mut tx = pool.begin().await.map_err(failed("starting a signup"))?;
            let inserted = sqlx::query(
                "INSERT INTO users (id, email, password_hash, created_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(&id)
            .bind(email)
            .bind(password_hash)
            .bind(now_secs())
            .execute(&mut *tx)
            .await;
            match inserted {
                Ok(_) => {
                    tx.commit().await.map_err(failed("creating a user"))?;
                    Ok(id)
                }
                Err(error) if is_unique_violation(&error) => Err(AccountError::EmailTaken),
                Err(error) => Err(failed("creating a user")(error)),
            }
        }
    })
 }

    fn user_by_email<'a>(&'a self, email: &'a str) -> StorageFuture<'a, Result<Option<(String, String)>, AccountError>> {
 Box::pin(async move {        {
 let pool = self.reader();
            let mut tx = pool.begin().await.map_err(failed("starting a read"))?;
            let user = sqlx::query_as("SELECT id, password_hash FROM users WHERE email = $1")
                .bind(email)
                .fetch_optional(&mut *tx)
                .await
                .map_err(failed("finding a user"))?;
            tx.commit().await.map_err(failed("ending a read"))?;
            Ok(user)
        }
    })
 }

    fn create_session<'a>(&'a self, user: &'a str, token_digest: &'a [u8], lifetime: Duration) -> StorageFuture<'a, Result<String, AccountError>> {
 Box::pin(async move {        let id = uuid::Uuid::now_v7().to_string();
        let now = now_secs();
        {
 let pool = self.writer();
            let mut tx = pool.begin().await.map_err(failed("starting a login"))?;
            sqlx::query(
                "INSERT INTO sessions (id, token_hash, user_id, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(&id)
            .bind(token_digest)
            .bind(user)
            .bind(now)
            .bind(now.saturating_add(secs(lifetime)))
            .execute(&mut *tx)
            .await
            .map_err(failed("creating a session"))?;
            tx.commit().await.map_err(failed("creating a session"))?;
        };
        Ok(id)
    })
 }

    fn session_user<'a>(&'a self, token_digest: &'a [u8]) -> StorageFuture<'a, Result<Option<SessionUser>, AccountError>> {
 Box::pin(async move {        {
 let pool = self.reader();
            let mut tx = pool.begin().await.map_err(failed("starting a read"))?;
            let row = sqlx::query(
                "SELECT s.user_id, u.email, s.id FROM sessions s \
                 JOIN users u ON u.id = s.user_id \
                 WHERE s.token_hash = $1 AND s.expires_at > $2",
            )
            .bind(token_digest)
            .bind(now_secs())
            .fetch_optional(&mut *tx)
            .await
            .map_err(failed("reading a session"))?;
            tx.commit().await.map_err(failed("ending a read"))?;
            row.map(|row| -> Result<SessionUser, sqlx::Error> {
                Ok(SessionUser {
                    user_id: row.try_get(0)?,
                    email: row.try_get(1)?,
                    session_id: row.try_get(2)?,
                })
            })
            .transpose()
            .map_err(failed("decoding a session"))
        }
    })
 }

    fn sessions_of<'a>(&'a self, user: &'a str, current: &'a str) -> StorageFuture<'a, Result<Vec<SessionInfo>, AccountError>> {
 Box::pin(async move {        let rows: Vec<(String, i64, i64)> = {
 let pool = self.reader();
            let mut tx = pool.begin().await.map_err(failed("starting a read"))?;
            let rows = sqlx::query_as(
                "SELECT id, created_at, expires_at FROM sessions \
                 WHERE user_id = $1 AND expires_at > $2 ORDER BY created_at, id",
            )
            .bind(user)
            .bind(now_secs())
            .fetch_all(&mut *tx)
            .await
            .map_err(failed("listing sessions"))?;
            tx.commit().await.map_err(failed("ending a read"))?;
            rows
        };
        Ok(rows
            .into_iter()
            .map(|(id, created_at, expires_at)| SessionInfo {
                current: id == current,
                id,
                created_at,
                expires_at,
            })
            .collect())
    })
 }

    fn revoke_session<'a>(&'a self, user: &'a str, session: &'a str) -> StorageFuture<'a, Result<(), AccountError>> {
 Box::pin(async move {        let deleted = {
 let pool = self.writer();
            let mut tx = pool
                .begin()
                .await
                .map_err(failed("starting a revocation"))?;
            let deleted = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
                .bind(session)
                .bind(user)
                .execute(&mut *tx)
                .await
                .map_err(failed("revoking a session"))?
                .rows_affected();
            tx.commit().await.map_err(failed("revoking a session"))?;
            deleted
        };
        if deleted == 0 {
            return Err(AccountError::NotFound);
        }
        Ok(())
    })
 }

    fn accounts_among<'a>(&'a self, ids: &'a [String]) -> StorageFuture<'a, Result<Vec<String>, AccountError>> {
        Box::pin(async move {
            let pool = self.reader();
            let mut tx = pool.begin().await.map_err(failed("starting a read"))?;
            let mut found = Vec::new();
            for id in ids {
                let row: Option<(String,)> = sqlx::query_as("SELECT id FROM users WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(failed("finding an account"))?;
                found.extend(row.map(|(id,)| id));
            }
            tx.commit().await.map_err(failed("ending a read"))?;
            Ok(found)
        })
    }

    fn role_of<'a>(&'a self, user: &'a str, board: &'a str) -> StorageFuture<'a, Result<Option<Role>, AccountError>> {
 Box::pin(async move {        let role = {
 let pool = self.reader();
            let mut tx = pool.begin().await.map_err(failed("starting a read"))?;
            tx.act_as(Some(user))
                .await
                .map_err(failed("setting the user"))?;
            let role = role_in!(tx, board, user)?;
            tx.commit().await.map_err(failed("ending a read"))?;
            role
        };
        Ok(role)
    })
 }

    fn publish_board<'a>(&'a self, user: &'a str, board: &'a str) -> StorageFuture<'a, Result<Role, AccountError>> {
 Box::pin(async move {        {
 let pool = self.writer();
            let mut tx = pool
                .begin_write()
                .await
                .map_err(failed("starting a publish"))?;
            tx.act_as(Some(user))
                .await
                .map_err(failed("setting the user"))?;
            match role_in!(tx, board, user)? {
                Some(Role::Owner) => return Ok(Role::Owner),
                Some(_) => return Err(AccountError::BoardTaken),
                None => {}
            }
            // Not `ON CONFLICT DO NOTHING`: under row-level security that also checks the
            // SELECT policy, which a board without members fails. A savepoint instead.
            sqlx::query("SAVEPOINT publish_board")
                .execute(&mut *tx)
                .await
                .map_err(failed("creating a board"))?;
            let created = sqlx::query("INSERT INTO boards (id) VALUES ($1)")
                .bind(board)
                .execute(&mut *tx)
                .await;
            match created {
                Ok(_) => {}
                Err(error) if is_unique_violation(&error) => {
                    sqlx::query("ROLLBACK TO SAVEPOINT publish_board")
                        .execute(&mut *tx)
                        .await
                        .map_err(failed("creating a board"))?;
                }
                Err(error) => return Err(failed("creating a board")(error)),
            }
            // SQLite has no policy to refuse a claimed board: check here (on PostgreSQL the
            // other members are invisible and the policy refuses the insert below).
            let members: i64 =
                sqlx::query_scalar("SELECT COUNT(*) FROM board_members WHERE board_id = $1")
                    .bind(board)
                    .fetch_one(&mut *tx)
                    .await
                    .map_err(failed("counting members"))?;
            if members > 0 {
                return Err(AccountError::BoardTaken);
            }
            let claimed = sqlx::query(
                "INSERT INTO board_members (board_id, user_id, role) VALUES ($1, $2, 'owner')",
            )
            .bind(board)
            .bind(user)
            .execute(&mut *tx)
            .await;
            match claimed {
                Ok(_) => {}
                Err(error) if is_rls_refusal(&error) || is_unique_violation(&error) => {
                    return Err(AccountError::BoardTaken);
                }
                Err(error) => return Err(failed("claiming a board")(error)),
            }
            tx.commit().await.map_err(failed("committing a publish"))?;
            Ok(Role::Owner)
        }
    })
 }

    fn boards_of<'a>(&'a self, user: &'a str) -> StorageFuture<'a, Result<Vec<MyBoard>, AccountError>> {
 Box::pin(async move {        let rows: Vec<(String, String)> = {
 let pool = self.reader();
            let mut tx = pool.begin().await.map_err(failed("starting a read"))?;
            tx.act_as(Some(user))
                .await
                .map_err(failed("setting the user"))?;
            let rows = sqlx::query_as(
                "SELECT board_id, role FROM board_members WHERE user_id = $1 ORDER BY board_id",
            )
            .bind(user)
            .fetch_all(&mut *tx)
            .await
            .map_err(failed("listing boards"))?;
            tx.commit().await.map_err(failed("ending a read"))?;
            rows
        };
        Ok(rows
            .into_iter()
            .filter_map(|(board_id, role)| {
                Role::parse(&role).map(|role| MyBoard { board_id, role })
            })
            .collect())
    })
 }

    fn members<'a>(&'a self, user: &'a str, board: &'a str) -> StorageFuture<'a, Result<Vec<Member>, AccountError>> {
 Box::pin(async move {        let rows: Vec<(String, String, String)> = {
 let pool = self.reader();
            let mut tx = pool.begin().await.map_err(failed("starting a read"))?;
            tx.act_as(Some(user))
                .await
                .map_err(failed("setting the user"))?;
            let rows = sqlx::query_as(
                "SELECT m.user_id, u.email, m.role FROM board_members m \
                 JOIN users u ON u.id = m.user_id \
                 WHERE m.board_id = $1 \
                   AND EXISTS (SELECT 1 FROM board_members me \
                                WHERE me.board_id = $1 AND me.user_id = $2) \
                 ORDER BY u.email",
            )
            .bind(board)
            .bind(user)
            .fetch_all(&mut *tx)
            .await
            .map_err(failed("listing members"))?;
            tx.commit().await.map_err(failed("ending a read"))?;
            rows
        };
        if rows.is_empty() {
            return Err(AccountError::NotFound);
        }
        Ok(rows
            .into_iter()
            .filter_map(|(user_id, email, role)| {
                Role::parse(&role).map(|role| Member {
                    user_id,
                    email,
                    role,
                })
            })
            .collect())
    })
 }

    fn change_membership<'a>(&'a self, actor: &'a str, board: &'a str, target: &'a str, role: Option<Role>) -> StorageFuture<'a, Result<(), AccountError>> {
 Box::pin(async move {        {
 let pool = self.writer();
            let mut tx = pool
                .begin_write()
                .await
                .map_err(failed("starting a membership change"))?;
            tx.act_as(Some(actor))
                .await
                .map_err(failed("setting the user"))?;
            let roles: Vec<(String, String)> = sqlx::query_as(
                "SELECT user_id, role FROM board_members WHERE board_id = $1 \
                   AND (user_id = $2 OR user_id = $3 OR role = 'owner')",
            )
            .bind(board)
            .bind(actor)
            .bind(target)
            .fetch_all(&mut *tx)
            .await
            .map_err(failed("reading roles"))?;
            let role_of = |user: &str| {
                roles
                    .iter()
                    .find(|(id, _)| id == user)
                    .and_then(|(_, role)| Role::parse(role))
            };
            let owners = roles.iter().filter(|(_, role)| role == "owner").count();
            let actor_role = role_of(actor).ok_or(AccountError::NotFound)?;
            let leaving = role.is_none() && actor == target;
            if actor_role != Role::Owner && !leaving {
                return Err(AccountError::Forbidden);
            }
            let target_role = role_of(target);
            if target_role == Some(Role::Owner) && role != Some(Role::Owner) && owners <= 1 {
                return Err(AccountError::LastOwner);
            }
            let changed = match role {
                Some(role) => sqlx::query(
                    "INSERT INTO board_members (board_id, user_id, role) VALUES ($1, $2, $3) \
                     ON CONFLICT (board_id, user_id) DO UPDATE SET role = excluded.role",
                )
                .bind(board)
                .bind(target)
                .bind(role.as_str())
                .execute(&mut *tx)
                .await
                .map(|_| ()),
                None => {
                    if target_role.is_none() {
                        return Err(AccountError::NotFound);
                    }
                    sqlx::query("DELETE FROM board_members WHERE board_id = $1 AND user_id = $2")
                        .bind(board)
                        .bind(target)
                        .execute(&mut *tx)
                        .await
                        .map(|_| ())
                }
            };
            match changed {
                Ok(()) => {}
                Err(error) if is_rls_refusal(&error) => return Err(AccountError::Forbidden),
                Err(error) => return Err(failed("changing a membership")(error)),
            }
            tx.commit()
                .await
                .map_err(failed("committing a membership change"))?;
            Ok(())
        }
    })
 }

    fn delete_board<'a>(&'a self, actor: &'a str, board: &'a str) -> StorageFuture<'a, Result<Vec<String>, AccountError>> {
 Box::pin(async move {        {
 let pool = self.writer();
            let mut tx = begin_as_owner!(pool, actor, board, "starting to delete a board");
            let members: Vec<String> =
                sqlx::query_scalar("SELECT user_id FROM board_members WHERE board_id = $1")
                    .bind(board)
                    .fetch_all(&mut *tx)
                    .await
                    .map_err(failed("listing members"))?;
            // One statement: the foreign keys cascade to every table of the board.
            let deleted = sqlx::query("DELETE FROM boards WHERE id = $1")
                .bind(board)
                .execute(&mut *tx)
                .await;
            match deleted {
                Ok(_) => {}
                Err(error) if is_rls_refusal(&error) => return Err(AccountError::Forbidden),
                Err(error) => return Err(failed("deleting a board")(error)),
            }
            tx.commit()
                .await
                .map_err(failed("committing a board's deletion"))?;
            Ok(members)
        }
    })
 }

    fn create_invite<'a>(&'a self, actor: &'a str, board: &'a str, role: Role, lifetime: Duration, max_uses: i64) -> StorageFuture<'a, Result<(String, i64), AccountError>> {
 Box::pin(async move {        if role == Role::Owner {
            return Err(AccountError::Forbidden);
        }
        let (token, digest) = new_token();
        let expires_at = now_secs().saturating_add(secs(lifetime));
        let id = uuid::Uuid::now_v7().to_string();
        {
 let pool = self.writer();
            let mut tx = begin_as_owner!(pool, actor, board, "starting an invite");
            sqlx::query(
                "INSERT INTO board_invites \
                 (id, token_hash, board_id, role, created_by, expires_at, max_uses) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(&id)
            .bind(&digest)
            .bind(board)
            .bind(role.as_str())
            .bind(actor)
            .bind(expires_at)
            .bind(max_uses.max(1))
            .execute(&mut *tx)
            .await
            .map_err(failed("creating an invite"))?;
            tx.commit().await.map_err(failed("committing an invite"))?;
        };
        Ok((token, expires_at))
    })
 }

    fn accept_invite<'a>(&'a self, user: &'a str, invite_token: &'a str) -> StorageFuture<'a, Result<MyBoard, AccountError>> {
 Box::pin(self.accept_invite_token(user, invite_token))
 }
        }
    };
}

shared_account_queries!(PostgresStorage);
shared_account_queries!(SqliteStorage);

impl PostgresStorage {
    /// Accepting an invite on PostgreSQL: `tack_accept_invite`, a SECURITY DEFINER function
    /// (the invitee cannot see the invite or the board under row-level security yet).
    async fn accept_invite_token(
        &self,
        user: &str,
        invite_token: &str,
    ) -> Result<MyBoard, AccountError> {
        let digest = token_digest(invite_token).ok_or(AccountError::NotFound)?;
        let mut tx = self
            .writer()
            .begin()
            .await
            .map_err(failed("starting an accept"))?;
        tx.act_as(Some(user))
            .await
            .map_err(failed("setting the user"))?;
        let accepted: Option<(String, String)> =
            sqlx::query_as("SELECT board_id, role FROM tack_accept_invite($1, $2)")
                .bind(&digest)
                .bind(now_secs())
                .fetch_optional(&mut *tx)
                .await
                .map_err(failed("accepting an invite"))?;
        tx.commit().await.map_err(failed("committing an accept"))?;
        joined(accepted)
    }
}

impl SqliteStorage {
    /// Accepting an invite on SQLite: the same steps as `tack_accept_invite`, in one
    /// `IMMEDIATE` transaction.
    async fn accept_invite_token(
        &self,
        user: &str,
        invite_token: &str,
    ) -> Result<MyBoard, AccountError> {
        let digest = token_digest(invite_token).ok_or(AccountError::NotFound)?;
        let mut tx = self
            .writer()
            .begin_write()
            .await
            .map_err(failed("starting an accept"))?;
        let invite: Option<(String, String, String)> = sqlx::query_as(
            "SELECT id, board_id, role FROM board_invites \
             WHERE token_hash = $1 AND expires_at > $2 AND uses < max_uses",
        )
        .bind(&digest)
        .bind(now_secs())
        .fetch_optional(&mut *tx)
        .await
        .map_err(failed("reading an invite"))?;
        let Some((id, board, role)) = invite else {
            return Err(AccountError::NotFound);
        };
        sqlx::query("UPDATE board_invites SET uses = uses + 1 WHERE id = $1")
            .bind(&id)
            .execute(&mut *tx)
            .await
            .map_err(failed("using an invite"))?;
        sqlx::query(
            "INSERT INTO board_members (board_id, user_id, role) VALUES ($1, $2, $3) \
             ON CONFLICT (board_id, user_id) DO UPDATE SET role = CASE \
               WHEN board_members.role = 'viewer' THEN excluded.role \
               ELSE board_members.role END",
        )
        .bind(&board)
        .bind(user)
        .bind(&role)
        .execute(&mut *tx)
        .await
        .map_err(failed("joining a board"))?;
        let role: String = sqlx::query_scalar(
            "SELECT role FROM board_members WHERE board_id = $1 AND user_id = $2",
        )
        .bind(&board)
        .bind(user)
        .fetch_one(&mut *tx)
        .await
        .map_err(failed("reading a role"))?;
        tx.commit().await.map_err(failed("committing an accept"))?;
        joined(Some((board, role)))
    }
}

/// An invite as the page behind its link shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvitePreview {
    pub board_id: String,
    pub role: Role,
    pub inviter_id: String,
    pub inviter_email: String,
    /// Seconds since the epoch.
    pub expires_at: i64,
}

type PreviewRow = (String, String, String, String, i64);

fn preview_of(row: Option<PreviewRow>) -> Option<InvitePreview> {
    let (board_id, role, inviter_id, inviter_email, expires_at) = row?;
    Some(InvitePreview {
        board_id,
        role: Role::parse(&role)?,
        inviter_id,
        inviter_email,
        expires_at,
    })
}

impl PostgresStorage {
    async fn preview_invite(
        &self,
        digest: &[u8],
        now: i64,
    ) -> Result<Option<InvitePreview>, AccountError> {
        let mut tx = self
            .reader()
            .begin()
            .await
            .map_err(failed("starting a read"))?;
        let row: Option<PreviewRow> = sqlx::query_as(
            "SELECT board_id, role, inviter_id, inviter_email, expires_at \
             FROM tack_invite_preview($1, $2)",
        )
        .bind(digest)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(failed("reading an invite"))?;
        tx.commit().await.map_err(failed("ending a read"))?;
        Ok(preview_of(row))
    }
}

impl SqliteStorage {
    async fn preview_invite(
        &self,
        digest: &[u8],
        now: i64,
    ) -> Result<Option<InvitePreview>, AccountError> {
        let mut tx = self
            .reader()
            .begin()
            .await
            .map_err(failed("starting a read"))?;
        let row: Option<PreviewRow> = sqlx::query_as(
            "SELECT i.board_id, i.role, i.created_by, u.email, i.expires_at \
             FROM board_invites i JOIN users u ON u.id = i.created_by \
             WHERE i.token_hash = $1 AND i.expires_at > $2 AND i.uses < i.max_uses",
        )
        .bind(digest)
        .bind(now)
        .fetch_optional(&mut *tx)
        .await
        .map_err(failed("reading an invite"))?;
        tx.commit().await.map_err(failed("ending a read"))?;
        Ok(preview_of(row))
    }
}

/// The board an accepted invite joined, with my role on it.
fn joined(accepted: Option<(String, String)>) -> Result<MyBoard, AccountError> {
    let (board_id, role) = accepted.ok_or(AccountError::NotFound)?;
    let role = Role::parse(&role).ok_or(AccountError::NotFound)?;
    Ok(MyBoard { board_id, role })
}

/// The relay's verifier with accounts: a session token and the user's role on the board,
/// both read from the database at every Auth (so expiry and revocation apply at once).
pub struct AccountVerifier {
    storage: Storage,
}

impl AccountVerifier {
    pub fn new(storage: Storage) -> Self {
        Self { storage }
    }
}

/// One refusal for "no such board" and "not a member" alike, so a stranger learns nothing
/// about which boards exist.
fn not_allowed() -> Denied {
    Denied::because(
        Cause::Forbidden,
        "not allowed: sign in with an account that is a member of this board",
    )
}

/// A token that names no live session (logged out, expired, malformed, none). Checked before
/// the board is looked at, so saying so reveals nothing about the board (`/v1/me` answers 401
/// for the same token anyway).
fn session_ended() -> Denied {
    Denied::because(
        Cause::SessionEnded,
        "not allowed: your session ended or is not valid; sign in again",
    )
}

fn unavailable() -> Denied {
    Denied::because(
        Cause::Unavailable,
        "the relay cannot check accounts now; retry",
    )
}

impl Verifier for AccountVerifier {
    fn verify<'a>(&'a self, token: &'a str, board: &'a str) -> Verdict<'a> {
        Box::pin(async move {
            // A board that cannot have been published has no members: no lookup needed.
            if !is_board_id(board) {
                return Err(not_allowed());
            }
            let Some(digest) = token_digest(token) else {
                return Err(session_ended());
            };
            let user = match self.storage.session_user(&digest).await {
                Ok(Some(user)) => user,
                Ok(None) => return Err(session_ended()),
                Err(error) => {
                    tracing::error!(%error, "verifying a session failed");
                    return Err(unavailable());
                }
            };
            match self.storage.role_of(&user.user_id, board).await {
                Ok(Some(role)) => Ok(Grant {
                    access: crate::auth::access_of(role),
                    user: Some(user.user_id),
                }),
                Ok(None) => Err(not_allowed()),
                Err(error) => {
                    tracing::error!(%error, "reading a role failed");
                    Err(unavailable())
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_43_url_safe_characters_and_only_their_digest_matches() {
        let (token, digest) = new_token();
        assert_eq!(token.len(), 43);
        assert!(token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'));
        assert_eq!(token_digest(&token), Some(digest));
        let (other, _) = new_token();
        assert_ne!(token, other);
        assert_eq!(token_digest("short"), None);
        assert_eq!(token_digest(&"!".repeat(43)), None);
    }
}
