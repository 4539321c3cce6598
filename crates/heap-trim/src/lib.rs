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

#[cfg(test)]
mod tests {
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
