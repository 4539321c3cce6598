//! Admission at the relay's edge, before anyone has proved who they are: a bounded pool for
//! password hashing, token buckets per client address (logins, signups), and a cap on the
//! connections one address holds before authenticating a board.
//!
//! Each bound answers an attacker who needs no account: argon2 hashes cost ~19 MiB each, and
//! an unauthenticated socket or a dripping request costs a task and buffers for as long as it
//! is allowed to live.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::Semaphore;
use tokio::time::Instant;

/// Settings of the admission bounds.
#[derive(Debug, Clone)]
pub struct AdmissionConfig {
    /// Password hashes (argon2id, ~19 MiB each) computed at once; their memory is bounded by
    /// `hash_permits` x 19 MiB. Default: the machine's available parallelism.
    pub hash_permits: usize,
    /// Requests that may wait for a hashing permit (at most `hash_wait` each); beyond, or
    /// after the wait, they are answered 503 with `Retry-After` at once.
    pub hash_queue: usize,
    pub hash_wait: Duration,
    /// Login and signup attempts per client address: a burst, then a steady rate.
    pub logins_per_address: AddressRate,
    pub signups_per_address: AddressRate,
    /// Connections one address may hold that have not authenticated a board: HTTP requests
    /// in flight and upgraded sockets before their first successful Auth.
    pub max_unauthenticated_per_address: usize,
    /// Time a client has to send a request's headers (also bounds an idle keep-alive).
    pub header_read_timeout: Duration,
    /// Time a client has to send a `/v1` request's body, and its largest size.
    pub request_body_timeout: Duration,
    pub max_request_body_bytes: usize,
    /// Refused Auths one socket may receive; the last of them also closes it (1008).
    pub max_failed_auths_per_socket: u32,
}

impl Default for AdmissionConfig {
    fn default() -> Self {
        let parallelism = std::thread::available_parallelism().map_or(1, usize::from);
        Self {
            hash_permits: parallelism,
            hash_queue: parallelism * 4,
            hash_wait: Duration::from_secs(2),
            logins_per_address: AddressRate {
                burst: 30,
                per_minute: 30,
            },
            signups_per_address: AddressRate {
                burst: 20,
                per_minute: 5,
            },
            max_unauthenticated_per_address: 512,
            header_read_timeout: Duration::from_secs(10),
            request_body_timeout: Duration::from_secs(10),
            max_request_body_bytes: 64 * 1024,
            max_failed_auths_per_socket: 8,
        }
    }
}

/// A token bucket's shape: `burst` attempts at once, refilled at `per_minute`.
#[derive(Debug, Clone, Copy)]
pub struct AddressRate {
    pub burst: u32,
    pub per_minute: u32,
}

/// The admission state of one relay instance.
#[derive(Debug)]
pub struct Admission {
    pub hashing: HashingPool,
    pub logins: AddressBuckets,
    pub signups: AddressBuckets,
    pub unauthenticated: UnauthenticatedSlots,
}

impl Admission {
    pub fn new(config: &AdmissionConfig) -> Self {
        Self {
            hashing: HashingPool::new(config),
            logins: AddressBuckets::new(config.logins_per_address),
            signups: AddressBuckets::new(config.signups_per_address),
            unauthenticated: UnauthenticatedSlots::new(config.max_unauthenticated_per_address),
        }
    }
}

/// The hashing pool is full and its queue too: try again after about this many seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    pub retry_after_secs: u64,
}

/// Work for a hashing thread, given that thread's argon2 memory to reuse.
type HashJob = Box<dyn FnOnce(&mut Vec<argon2::Block>) + Send>;

/// Password hashing on its own threads, one per permit.
///
/// Its own threads, each with one argon2 memory buffer it reuses: allocating 19 MiB per hash
/// left glibc's per-thread arenas holding several such blocks (fragmented), and spread over
/// tokio's blocking pool (up to 512 threads) that reached a peak RSS of 368 MiB for 192 logins
/// with two permits. Now the hashing memory is `hash_permits` x 19 MiB, allocated once.
#[derive(Debug)]
pub struct HashingPool {
    permits: Arc<Semaphore>,
    waiting: AtomicUsize,
    queue: usize,
    wait: Duration,
    /// To the hashing threads, which end when the pool is dropped.
    jobs: std::sync::mpsc::Sender<HashJob>,
}

impl HashingPool {
    fn new(config: &AdmissionConfig) -> Self {
        let (jobs, incoming) = std::sync::mpsc::channel::<HashJob>();
        let incoming = Arc::new(Mutex::new(incoming));
        let mut threads = 0;
        for index in 0..config.hash_permits.max(1) {
            let incoming = incoming.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("tack-hash-{index}"))
                .spawn(move || {
                    let mut memory = Vec::new();
                    loop {
                        // The lock is held only while waiting for a job, not while running it.
                        let job = incoming
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .recv();
                        let Ok(job) = job else { break };
                        let ran = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                            job(&mut memory);
                        }));
                        if ran.is_err() {
                            tracing::error!("a password-hashing job panicked");
                        }
                    }
                });
            match spawned {
                Ok(_) => threads += 1,
                Err(error) => tracing::error!(?error, "cannot start a password-hashing thread"),
            }
        }
        Self {
            permits: Arc::new(Semaphore::new(threads)),
            waiting: AtomicUsize::new(0),
            queue: config.hash_queue,
            wait: config.hash_wait,
            jobs,
        }
    }

    /// Runs `work` on a hashing thread once a permit is free. The permit stays held until
    /// `work` ends, even if the caller's request is dropped meanwhile.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Vec<argon2::Block>) -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let busy = Busy {
            retry_after_secs: self.wait.as_secs().max(1),
        };
        let permit = match self.permits.clone().try_acquire_owned() {
            Ok(permit) => permit,
            Err(_) => {
                let _waiting = Waiting::join(&self.waiting, self.queue).ok_or(busy)?;
                match tokio::time::timeout(self.wait, self.permits.clone().acquire_owned()).await {
                    Ok(Ok(permit)) => permit,
                    _ => return Err(busy),
                }
            }
        };
        let (done, result) = tokio::sync::oneshot::channel();
        let job: HashJob = Box::new(move |memory| {
            let output = work(memory);
            // Free before answering: whoever hears the answer may find the permit free.
            drop(permit);
            let _ = done.send(output);
        });
        self.jobs.send(job).map_err(|_| busy)?;
        result.await.map_err(|_| busy)
    }
}

/// A place in the hashing queue, left when dropped.
struct Waiting<'a>(&'a AtomicUsize);

impl<'a> Waiting<'a> {
    fn join(waiting: &'a AtomicUsize, queue: usize) -> Option<Self> {
        let before = waiting.fetch_add(1, Ordering::SeqCst);
        let place = Self(waiting);
        (before < queue).then_some(place)
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Token buckets are the protocol core's (`relay_core::rate`), with the time passed in.
pub use relay_core::TokenBucket;

/// Addresses tracked per bucket map; beyond, full (forgotten) buckets are dropped first, then
/// the longest-untouched one.
const MAX_TRACKED_ADDRESSES: usize = 10_000;

/// One token bucket per client address (IPv6 by its /64, what one host usually holds).
#[derive(Debug)]
pub struct AddressBuckets {
    rate: AddressRate,
    buckets: Mutex<HashMap<IpAddr, TokenBucket>>,
}

impl AddressBuckets {
    fn new(rate: AddressRate) -> Self {
        Self {
            rate,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one attempt for `address`: `Err(seconds to wait)` when its bucket is empty.
    pub fn take(&self, address: IpAddr) -> Result<(), u64> {
        self.take_at(address, Instant::now())
    }

    fn take_at(&self, address: IpAddr, now: Instant) -> Result<(), u64> {
        let now = now.into_std();
        let burst = f64::from(self.rate.burst.max(1));
        let per_second = f64::from(self.rate.per_minute) / 60.0;
        let key = host_of(address);
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        if buckets.len() >= MAX_TRACKED_ADDRESSES && !buckets.contains_key(&key) {
            buckets.retain(|_, bucket| bucket.level(now, per_second, burst) < burst);
            if buckets.len() >= MAX_TRACKED_ADDRESSES {
                let oldest = buckets
                    .iter()
                    .min_by_key(|(_, bucket)| bucket.last())
                    .map(|(a, _)| *a);
                if let Some(oldest) = oldest {
                    buckets.remove(&oldest);
                }
            }
        }
        let bucket = buckets
            .entry(key)
            .or_insert_with(|| TokenBucket::full(burst, now));
        bucket.take(now, per_second, burst).map_err(|wait| {
            let wait = if wait.is_finite() { wait.ceil() } else { 60.0 };
            (wait as u64).max(1)
        })
    }
}

/// The part of an address that names one client host.
fn host_of(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !((1_u128 << 64) - 1);
                IpAddr::V6(prefix.into())
            }
        },
    }
}

/// Unauthenticated connections per client address.
#[derive(Debug)]
pub struct UnauthenticatedSlots {
    cap: usize,
    counts: Arc<Mutex<HashMap<IpAddr, usize>>>,
}

impl UnauthenticatedSlots {
    fn new(cap: usize) -> Self {
        Self {
            cap,
            counts: Arc::new(Mutex::new(HashMap::new())),
        }
    }

    /// A slot for one more unauthenticated connection from `address`, or `None` at the cap.
    pub fn admit(&self, address: IpAddr) -> Option<UnauthenticatedSlot> {
        let key = host_of(address);
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let count = counts.entry(key).or_insert(0);
        if *count >= self.cap {
            if *count == 0 {
                counts.remove(&key);
            }
            return None;
        }
        *count += 1;
        Some(UnauthenticatedSlot {
            counts: self.counts.clone(),
            address: key,
        })
    }

    /// Unauthenticated connections `address` holds now.
    pub fn held_by(&self, address: IpAddr) -> usize {
        let counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.get(&host_of(address)).copied().unwrap_or(0)
    }
}

/// One unauthenticated connection's place under its address's cap; freed when dropped (on
/// its first successful Auth, or when it ends).
#[derive(Debug)]
pub struct UnauthenticatedSlot {
    counts: Arc<Mutex<HashMap<IpAddr, usize>>>,
    address: IpAddr,
}

impl Drop for UnauthenticatedSlot {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.address) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(&self.address);
            }
        }
    }
}

/// A request's slot, in its extensions (which must be `Clone`): the handler that keeps the
/// connection open past the response (the `/sync` upgrade) takes it; otherwise it is freed
/// with the request.
#[derive(Debug, Clone)]
pub struct HeldSlot(Arc<Mutex<Option<UnauthenticatedSlot>>>);

impl HeldSlot {
    pub fn new(slot: UnauthenticatedSlot) -> Self {
        Self(Arc::new(Mutex::new(Some(slot))))
    }

    pub fn take(&self) -> Option<UnauthenticatedSlot> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_burst_then_its_rate() {
        let buckets = AddressBuckets::new(AddressRate {
            burst: 3,
            per_minute: 60,
        });
        let address: IpAddr = [192, 0, 2, 1].into();
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(buckets.take_at(address, start), Ok(()));
        }
        assert_eq!(buckets.take_at(address, start), Err(1));
        assert_eq!(buckets.take_at([192, 0, 2, 2].into(), start), Ok(()));
        let later = start + Duration::from_secs(1);
        assert_eq!(buckets.take_at(address, later), Ok(()));
        assert_eq!(buckets.take_at(address, later), Err(1));
    }

    #[test]
    fn ipv6_addresses_share_a_bucket_per_64_and_mapped_ipv4_is_ipv4() {
        use std::net::{Ipv4Addr, Ipv6Addr};
        let a = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 1));
        let b = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0xffff, 2));
        let elsewhere = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 1, 0, 0, 0, 1));
        assert_eq!(host_of(a), host_of(b));
        assert_ne!(host_of(a), host_of(elsewhere));
        let mapped = IpAddr::V6(Ipv4Addr::new(192, 0, 2, 7).to_ipv6_mapped());
        assert_eq!(host_of(mapped), IpAddr::V4(Ipv4Addr::new(192, 0, 2, 7)));
    }

    #[test]
    fn slots_are_capped_per_address_and_freed_when_dropped() {
        let slots = UnauthenticatedSlots::new(2);
        let address: IpAddr = [192, 0, 2, 1].into();
        let first = slots.admit(address);
        let second = slots.admit(address);
        assert!(first.is_some() && second.is_some());
        assert!(slots.admit(address).is_none());
        assert!(slots.admit([192, 0, 2, 2].into()).is_some());
        drop(first);
        assert!(slots.admit(address).is_some());
        drop(second);
        assert_eq!(slots.held_by(address), 0);
    }

    #[tokio::test]
    async fn hashing_beyond_the_permits_and_queue_is_refused_at_once() {
        let pool = HashingPool::new(&AdmissionConfig {
            hash_permits: 1,
            hash_queue: 0,
            ..AdmissionConfig::default()
        });
        let (started_tx, started) = std::sync::mpsc::channel::<()>();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let pool = Arc::new(pool);
        let holder = {
            let pool = pool.clone();
            tokio::spawn(async move {
                pool.run(move |_| {
                    let _ = started_tx.send(());
                    let _ = released.recv_timeout(Duration::from_secs(10));
                })
                .await
            })
        };
        let _ = tokio::task::spawn_blocking(move || started.recv_timeout(Duration::from_secs(10)))
            .await;
        assert_eq!(
            pool.run(|_| ()).await,
            Err(Busy {
                retry_after_secs: 2
            })
        );
        let _ = release.send(());
        assert_eq!(holder.await.ok(), Some(Ok(())));
        assert_eq!(pool.run(|_| 7).await, Ok(7));
    }
}
