//! Hands back to the system the memory the allocator keeps after the program freed it.
//!
//! glibc keeps freed memory in its arenas for reuse and returns only what is at the top of a
//! heap, so after a burst (a 10,000-task board decoded, its view serialized as 3.5 MB of JSON,
//! a kept view read) tens of MB stay resident that nothing uses: in the desktop app ~20 MB of
//! its own ~125 MB with the 20 × 500 demo board open (BENCHMARKS "Desktop start and memory").
//! Other allocators (macOS, Windows, musl) return large blocks themselves: there this does
//! nothing.

/// Asks the allocator to return the free pages of every arena to the system; true when it
/// returned some. It walks and locks every arena in turn: call it when the app is quiet, not
/// on a hot path.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn release_free_memory() -> bool {
    // SAFETY: `malloc_trim` takes no pointers and touches only glibc's own free lists, under
    // the same locks as every other allocator call; any thread may call it at any time.
    unsafe { libc::malloc_trim(0) == 1 }
}

/// Elsewhere the allocator returns memory itself.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn release_free_memory() -> bool {
    false
}

/// Lets the allocator keep at most `arenas` arenas (glibc's `M_ARENA_MAX`; its default is 8 per
/// processor). Each thread that allocates while the others hold theirs may get an arena of its
/// own, and what a burst on a short-lived worker thread leaves in one stays resident beside
/// the others: in the desktop app the rest of a first screen, built and sent on a blocking
/// worker, left 9–16 MB (BENCHMARKS "First screen first"). Call it first thing in `main`,
/// before threads start; true when the allocator took the limit.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code)]
pub fn limit_arenas(arenas: u8) -> bool {
    // SAFETY: `mallopt` takes no pointers; glibc applies `M_ARENA_MAX` under its own lock and
    // it only bounds arenas made from now on.
    unsafe { libc::mallopt(libc::M_ARENA_MAX, i32::from(arenas.max(1))) == 1 }
}

/// Elsewhere the allocator manages its own pools.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn limit_arenas(_arenas: u8) -> bool {
    false
}

#[cfg(test)]
mod tests {
    /// The limit is taken by glibc, and allocating on many threads at once still works under
    /// it (elsewhere it reports nothing done).
    #[test]
    fn the_arena_limit_is_taken_and_threads_still_allocate() {
        assert_eq!(
            super::limit_arenas(2),
            cfg!(all(target_os = "linux", target_env = "gnu"))
        );
        let sums: Vec<usize> = std::thread::scope(|scope| {
            let workers: Vec<_> = (0..8)
                .map(|t| {
                    scope.spawn(move || {
                        let data: Vec<Vec<u8>> =
                            (0..10_000).map(|i| vec![t as u8; i % 64]).collect();
                        data.iter().map(Vec::len).sum()
                    })
                })
                .collect();
            workers.into_iter().filter_map(|w| w.join().ok()).collect()
        });
        assert_eq!(sums.len(), 8);
        assert!(sums.iter().all(|&sum| sum == sums[0] && sum > 0));
    }

    /// Freed memory comes back: a large burst of small allocations, freed, leaves resident
    /// memory that the call returns (glibc only; elsewhere it reports nothing done).
    #[test]
    fn a_freed_burst_is_handed_back() {
        let burst: Vec<Vec<u8>> = (0..200_000).map(|i| vec![(i % 251) as u8; 200]).collect();
        // One allocation kept above the burst, so glibc's own trim of the heap's top cannot
        // return the burst by itself.
        let keep = Box::new([1u8; 64]);
        drop(burst);
        let returned = super::release_free_memory();
        assert_eq!(
            returned,
            cfg!(all(target_os = "linux", target_env = "gnu")),
            "the freed burst was handed back where the allocator keeps it"
        );
        assert_eq!(keep[0], 1);
    }
}
