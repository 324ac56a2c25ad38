//! Allocator settings for a process with many threads that each allocate large page buffers.
//!
//! glibc's malloc gives every thread that contends for the heap an arena of its own (up to eight
//! per core), and memory freed in one arena is kept there for that arena's next allocations, so
//! with 128 workers the resident set holds many partly used arenas. It also raises its mmap
//! threshold each time a large block is freed, after which large page bodies come from those
//! arenas too and stay resident. Measured on the static-d2 benchmark at 128 workers (README,
//! Performance): peak RSS 105 MB with the defaults, 80 MB with two arenas and a fixed 256 KiB
//! mmap threshold, 88 MB with a 1 MiB threshold; at 32 workers 64, 40 and 44 MB. The 1 MiB
//! threshold costs a little memory and saves the page faults of mapping every body between
//! 256 KiB and 1 MiB afresh (system CPU 0.25-0.33 s -> 0.14-0.17 s per crawl, about 8% of its
//! CPU). mimalloc (389 MB) and jemalloc (146 MB) did worse.

/// Use at most two malloc arenas and serve blocks of 1 MiB or more with mmap (returned to the
/// system when freed). Call before any thread is started. A no-op on other C libraries.
#[allow(unsafe_code)]
pub fn tune_for_many_threads() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        // SAFETY: mallopt only changes malloc's tunables; it is called before the crawl starts
        // its threads. A setting the C library refuses returns 0 and is left at its default.
        unsafe {
            libc::mallopt(libc::M_ARENA_MAX, 2);
            libc::mallopt(libc::M_MMAP_THRESHOLD, 1024 * 1024);
        }
    }
}
