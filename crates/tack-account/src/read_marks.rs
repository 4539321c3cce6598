//! Read marks that follow me across my devices (DESIGN §4 "Read marks"), the same for
//! `tackctl sync` and the desktop app: one round sends the read/unread changes this device
//! made that the relay has not taken, then gets what my other devices stored since this
//! device last asked and merges it (the later change wins per entry; a mark for an entry not
//! derived here yet waits for it). The store is locked only between requests, never while
//! one is on the network.

use std::sync::{Mutex, PoisonError};

use board_store::{ReadMark, Store, StoreError};
use tack_api::{NewReadMarks, ReadMarkEntry, ReadMarks, ReadMarksStored};

use crate::{Account, AccountError, Method, RelayClient, NO_BODY};

/// Marks per `PUT`: keeps a request well under the relay's 64 KiB body limit with keys of up
/// to 256 bytes.
const SEND_CHUNK: u32 = 100;
/// Requests of each kind in one round at most (bounded; the next round goes on).
const MAX_REQUESTS: usize = 50;

/// Why a round failed.
#[derive(Debug, thiserror::Error)]
pub enum ReadMarksError {
    #[error(transparent)]
    Relay(#[from] AccountError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    /// Marks made here that the relay took.
    pub sent: usize,
    /// Entries here whose read state changed to another device's mark.
    pub changed: usize,
}

/// Which account's marks a store's cursor counts: a relay and a user on it.
fn account_key(account: &Account) -> String {
    format!("{} {}", account.server, account.user_id)
}

fn lock(store: &Mutex<Store>) -> std::sync::MutexGuard<'_, Store> {
    store.lock().unwrap_or_else(PoisonError::into_inner)
}

impl RelayClient {
    /// Stores read marks one of my devices changed; how many were newer than the relay's.
    pub fn put_read_marks(&self, marks: Vec<ReadMarkEntry>) -> Result<u32, AccountError> {
        let body = NewReadMarks { marks };
        let stored: ReadMarksStored = self.call(Method::Put, "/me/read-marks", Some(&body))?;
        Ok(stored.changed)
    }

    /// My read marks stored after `after`, oldest first.
    pub fn read_marks(&self, after: i64) -> Result<ReadMarks, AccountError> {
        self.call(
            Method::Get,
            &format!("/me/read-marks?after={after}"),
            NO_BODY,
        )
    }
}

/// One round for `account` (whose token `relay` carries): send, then receive.
pub fn sync(
    store: &Mutex<Store>,
    relay: &RelayClient,
    account: &Account,
) -> Result<Round, ReadMarksError> {
    let mut round = Round::default();
    for _ in 0..MAX_REQUESTS {
        let unsent = lock(store).unsent_read_marks(SEND_CHUNK)?;
        if unsent.is_empty() {
            break;
        }
        let entries = unsent
            .iter()
            .map(|mark| ReadMarkEntry {
                changed_at_ms: mark.changed_at_ms,
                key: mark.key.clone(),
                read: mark.read,
            })
            .collect();
        relay.put_read_marks(entries)?;
        lock(store).read_marks_sent(&unsent)?;
        round.sent += unsent.len();
    }
    let key = account_key(account);
    let mut after = lock(store).read_marks_after(&key)?;
    for _ in 0..MAX_REQUESTS {
        let page = relay.read_marks(after)?;
        let marks: Vec<ReadMark> = page
            .marks
            .into_iter()
            .map(|mark| ReadMark {
                key: mark.key,
                read: mark.read,
                changed_at_ms: mark.changed_at_ms,
            })
            .collect();
        {
            let mut store = lock(store);
            round.changed += store.merge_read_marks(&marks)?;
            store.set_read_marks_after(&key, page.seq)?;
        }
        after = page.seq;
        if !page.more {
            break;
        }
    }
    Ok(round)
}
