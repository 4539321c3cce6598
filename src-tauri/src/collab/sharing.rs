//! Sharing on the relay: publishing a board, its members and invites, the boards shared with
//! me (downloaded on first open), and leaving one.

use std::time::{Duration, Instant};

use board_store::LocalAccess;

use super::{lock, AppEvent, Collab};
use crate::ipc::{
    BoardAccessEvent, BoardDirectoryEvent, BoardSummary, ErrorKind, Invite, IpcError, Member,
    RemoteBoard, Role, SignedInUser,
};

/// How long `open_remote_board` waits for a board's first download.
const DOWNLOAD_WAIT: Duration = Duration::from_secs(30);

/// The access a member with `role` has on this computer.
fn local_access(role: Role) -> LocalAccess {
    LocalAccess::from_role(role)
}

/// Entries of a task's history the task panel shows.
const HISTORY_PAGE: u32 = 100;

impl Collab {
    pub fn publish_board(&self, board_id: &str) -> Result<Role, IpcError> {
        let (relay, account) = self.relay()?;
        lock(&self.context.session).board_summary(board_id)?;
        let role = relay.publish(board_id)?;
        lock(&self.context.session).set_board_access(
            board_id,
            Some(&account.server),
            Some(local_access(role)),
        )?;
        self.subscribe(board_id)?;
        Ok(role)
    }

    /// Fetches a shared board's members in the background (on open): the cached directory
    /// the window has is refreshed and, when it changed, sent as `board-directory`. Nothing to
    /// do for a board only on this computer, or signed out; offline, the cache stays.
    pub fn refresh_directory_soon(&self, board_id: &str) {
        let shared = lock(&self.context.session)
            .store()
            .board(board_id)
            .ok()
            .flatten()
            .is_some_and(|record| record.server.is_some());
        if !shared || self.signed_in_user().is_none() {
            return;
        }
        let collab = self.clone();
        let board_id = board_id.to_owned();
        self.runtime.spawn_blocking(move || {
            if let Err(err) = collab.list_members(&board_id) {
                tracing::debug!(?err, board = %board_id, "member list not refreshed");
            }
        });
    }

    /// The relay's first page of a task's history (DESIGN "History"), or why it cannot be had
    /// (signed out, offline, refused): the session then shows it as last fetched.
    pub fn task_history_page(
        &self,
        board_id: &str,
        task_id: &str,
    ) -> board_store::history_view::RelayAnswer {
        let (relay, _) = self.relay().map_err(|err| err.message)?;
        relay
            .task_history(board_id, task_id, None, HISTORY_PAGE)
            .map(|page| page.changes)
            .map_err(|err| err.to_string())
    }

    pub fn list_members(&self, board_id: &str) -> Result<Vec<Member>, IpcError> {
        let (relay, account) = self.relay()?;
        let members = relay.members(board_id)?;
        // Kept so authors, assignees and mentions have names offline (DESIGN §2).
        let mut cached: Vec<board_store::MemberRecord> = members
            .iter()
            .map(|m| board_store::MemberRecord {
                user_id: m.user_id.clone(),
                email: m.email.clone(),
                role: m.role.as_str().to_owned(),
            })
            .collect();
        // In the store's order, to tell a changed list from the same one.
        cached.sort_by(|a, b| (&a.email, &a.user_id).cmp(&(&b.email, &b.user_id)));
        let me = Some(SignedInUser {
            user_id: account.user_id,
            email: account.email,
        });
        let changed = {
            let mut session = lock(&self.context.session);
            let before = session.store().members(board_id).unwrap_or_default();
            let cached_now = if before == cached {
                false
            } else {
                let stored = session.store().cache_members(board_id, &cached);
                if let Err(err) = &stored {
                    tracing::warn!(%err, board = %board_id, "could not cache the member list");
                }
                stored.is_ok()
            };
            if cached_now {
                session.directory(board_id, me).ok()
            } else {
                None
            }
        };
        if let Some(people) = changed {
            self.context
                .sink
                .emit(AppEvent::Directory(BoardDirectoryEvent {
                    board_id: board_id.to_owned(),
                    people,
                }));
        }
        Ok(members.into_iter().map(Member::from).collect())
    }

    pub fn share_board(&self, board_id: &str, email: &str, role: Role) -> Result<Member, IpcError> {
        let (relay, _) = self.relay()?;
        Ok(relay.add_member(board_id, email, role)?.into())
    }

    pub fn set_member_role(
        &self,
        board_id: &str,
        user_id: &str,
        role: Role,
    ) -> Result<(), IpcError> {
        let (relay, _) = self.relay()?;
        Ok(relay.set_role(board_id, user_id, role)?)
    }

    pub fn remove_member(&self, board_id: &str, user_id: &str) -> Result<(), IpcError> {
        let (relay, _) = self.relay()?;
        Ok(relay.remove_member(board_id, user_id)?)
    }

    pub fn create_invite(&self, board_id: &str, role: Role) -> Result<Invite, IpcError> {
        let (relay, account) = self.relay()?;
        let invite = relay.create_invite(board_id, role)?;
        Ok(Invite::new(invite, &account.server))
    }

    pub fn accept_invite(&self, invite: &str) -> Result<RemoteBoard, IpcError> {
        let (relay, _) = self.relay()?;
        let token = invite
            .trim()
            .rsplit('/')
            .next()
            .unwrap_or_default()
            .to_owned();
        let joined = relay.accept_invite(&token)?;
        Ok(self.remote_board(joined.board_id, joined.role))
    }

    fn remote_board(&self, board_id: String, role: Role) -> RemoteBoard {
        let local = lock(&self.context.session).board_summary(&board_id).ok();
        RemoteBoard {
            board_id,
            role,
            title: local.as_ref().map(|b| b.title.clone()),
            downloaded: local.is_some(),
        }
    }

    pub fn list_remote_boards(&self) -> Result<Vec<RemoteBoard>, IpcError> {
        let (relay, _) = self.relay()?;
        Ok(relay
            .my_boards()?
            .into_iter()
            .map(|b| self.remote_board(b.board_id, b.role))
            .collect())
    }

    /// Downloads a board shared with me (first open), then it is a board of this computer.
    pub fn open_remote_board(&self, board_id: &str) -> Result<BoardSummary, IpcError> {
        let (relay, account) = self.relay()?;
        let role: Role = relay
            .my_boards()?
            .into_iter()
            .find(|b| b.board_id == board_id)
            .map(|b| b.role)
            .ok_or_else(|| {
                IpcError::new(
                    ErrorKind::AccessRemoved,
                    "That board is not shared with you.",
                )
            })?;
        self.subscribe(board_id)?;
        let deadline = Instant::now() + DOWNLOAD_WAIT;
        loop {
            let found = lock(&self.context.session).board_summary(board_id).is_ok();
            if found {
                break;
            }
            if Instant::now() > deadline {
                return Err(IpcError::new(
                    ErrorKind::Network,
                    "The board did not download in time; it will appear once it has.",
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let session = lock(&self.context.session);
        session.set_board_access(board_id, Some(&account.server), Some(local_access(role)))?;
        session.board_summary(board_id)
    }

    /// Leaves a shared board; the local copy stays, read-only, and stops syncing.
    pub fn leave_board(&self, board_id: &str) -> Result<(), IpcError> {
        let (relay, account) = self.relay()?;
        relay.leave(board_id)?;
        let removed = LocalAccess::Removed;
        lock(&self.context.session).set_board_access(
            board_id,
            Some(&account.server),
            Some(removed),
        )?;
        self.unsubscribe(board_id);
        self.context.sink.emit(AppEvent::Access(BoardAccessEvent {
            board_id: board_id.to_owned(),
            role: None,
            read_only: true,
            reason: removed.read_only_reason().map(str::to_owned),
        }));
        Ok(())
    }
}
