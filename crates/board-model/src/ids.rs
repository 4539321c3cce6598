//! Where ids and timestamps come from: UUID v7 and the wall clock in production, a seeded
//! deterministic source in tests and simulations so a failing seed replays exactly.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Produces ids (UUID v7 text) and millisecond timestamps for one replica.
#[derive(Clone)]
pub struct Sources {
    inner: Arc<SourcesInner>,
}

enum SourcesInner {
    System,
    Seeded {
        counter: AtomicU64,
        seed: u64,
        now_ms: AtomicU64,
    },
}

impl std::fmt::Debug for Sources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &*self.inner {
            SourcesInner::System => f.write_str("Sources::System"),
            SourcesInner::Seeded { seed, .. } => write!(f, "Sources::Seeded({seed})"),
        }
    }
}

impl Default for Sources {
    fn default() -> Self {
        Self::system()
    }
}

impl Sources {
    /// Real UUID v7 ids and the system clock.
    pub fn system() -> Self {
        Self {
            inner: Arc::new(SourcesInner::System),
        }
    }

    /// Deterministic ids and a clock that starts at `start_ms` and advances 1 ms per reading.
    pub fn seeded(seed: u64, start_ms: u64) -> Self {
        Self {
            inner: Arc::new(SourcesInner::Seeded {
                counter: AtomicU64::new(0),
                seed,
                now_ms: AtomicU64::new(start_ms),
            }),
        }
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        match &*self.inner {
            SourcesInner::System => std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
            SourcesInner::Seeded { now_ms, .. } => {
                i64::try_from(now_ms.fetch_add(1, Ordering::Relaxed)).unwrap_or(i64::MAX)
            }
        }
    }

    /// A fresh UUID v7 string.
    pub fn new_id(&self) -> String {
        match &*self.inner {
            SourcesInner::System => uuid::Uuid::now_v7().to_string(),
            SourcesInner::Seeded {
                counter,
                seed,
                now_ms,
            } => {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let mixed = splitmix64(seed ^ n.rotate_left(32));
                let mut random = [0u8; 10];
                random[..8].copy_from_slice(&mixed.to_be_bytes());
                random[8..].copy_from_slice(&(n as u16).to_be_bytes());
                let ms = now_ms.load(Ordering::Relaxed);
                uuid::Builder::from_unix_timestamp_millis(ms, &random)
                    .into_uuid()
                    .to_string()
            }
        }
    }

    /// A Yjs client id (uint32, as JavaScript clients use).
    pub fn new_client_id(&self) -> u64 {
        match &*self.inner {
            SourcesInner::System => u64::from(uuid::Uuid::new_v4().as_u128() as u32),
            SourcesInner::Seeded { counter, seed, .. } => {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                splitmix64(seed.wrapping_add(n)) & 0xffff_ffff
            }
        }
    }
}

fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}
