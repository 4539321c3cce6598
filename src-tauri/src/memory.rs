//! Memory the app freed, handed back to the system once things are quiet after a board was
//! opened: decoding a board, building its view and sending it as JSON free tens of MB that
//! glibc would otherwise keep resident (`heap-trim`; BENCHMARKS "Desktop start and memory").

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How long after the last open the memory is handed back: after the answer was sent and the
/// view kept, and not in the middle of the next burst.
const QUIET: Duration = Duration::from_secs(2);

/// Bumped by each request: only the last one of a burst trims.
static REQUESTS: AtomicU64 = AtomicU64::new(0);

/// Hands freed memory back [`QUIET`] after the last call (a thread; returns at once).
pub fn trim_soon() {
    let ticket = REQUESTS.fetch_add(1, Ordering::SeqCst) + 1;
    let spawned = std::thread::Builder::new()
        .name("tack-trim".into())
        .spawn(move || {
            std::thread::sleep(QUIET);
            if REQUESTS.load(Ordering::SeqCst) == ticket {
                let released = heap_trim::release_free_memory();
                tracing::debug!(released, "freed memory handed back to the system");
            }
        });
    if let Err(err) = spawned {
        tracing::debug!(%err, "freed memory is not handed back this time");
    }
}
