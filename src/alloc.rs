//! The process's allocator: the system's, with large blocks backed by
//! transparent huge pages where the kernel offers them on request.
//!
//! Mining makes a few large vectors (a message entry a line, a key a
//! message, tables of tokens), written once, soon after they are made.
//! Each 4 KiB page of new memory is a fault when first written: a
//! million raw OpenSSH lines grouped took 57k faults, and a fault cost 2
//! to 14 µs on the virtual machines this was measured on. A block of at
//! least [`HUGE_MIN`] bytes made while [`with_huge_pages`] runs (mining,
//! and the header split that `signatures` mines) is marked
//! `MADV_HUGEPAGE`, so that each aligned 2 MiB of it is one fault, not
//! 512. With every large block of the process advised (the first
//! version), the same grouping took 24.6k faults (`perf stat -e
//! page-faults`, one thread, reading the file included), and its time at
//! two threads fell by about a tenth (2026-12-05, under load: 278 -> 246
//! ms OpenSSH, 162 -> 143 ms BGL, least of five runs a build).
//!
//! # Limitations
//!
//! - Linux only, and only where transparent huge pages are `madvise` or
//!   `always` (`/sys/kernel/mm/transparent_hugepage/enabled`); elsewhere
//!   the advice is ignored and blocks are the system's as they were.
//! - Only the 2 MiB-aligned inside of a block is marked: a block under
//!   4 MiB may hold no such stretch, and its ends stay in small pages.
//! - A huge page is resident whole once touched: a vector that reserves
//!   more than it writes holds up to 2 MiB more than it uses. Peak RSS of
//!   grouping the four raw 1M-line files moved by less than 1 MiB, but
//!   `signatures` of 50k keys of 30 new words each peaked 8% higher
//!   (170 -> 184 MB, two threads, the tester's `growth.log`; the new
//!   interning table is part of it). Work outside [`with_huge_pages`] is
//!   not advised: with every large block advised, `timeline` of a
//!   500k-line file and a one-line one peaked at 408 MB against 305.
//! - Blocks under [`HUGE_MIN`] (most of the heap, and each thread's
//!   arena) are left alone.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

/// How many [`with_huge_pages`] calls are running, in any thread.
static HUGE_SCOPES: AtomicUsize = AtomicUsize::new(0);

/// Runs `f` with large blocks advised to use huge pages (in every thread
/// while it runs): for work that fills its large vectors whole, as
/// mining does. Outside such calls blocks are the system's as they were:
/// a huge page is resident whole once touched, and work that touches
/// large blocks here and there held more (`timeline` of a 500k-line file
/// and a one-line one: 305 -> 408 MB peak RSS with every large block
/// advised).
pub fn with_huge_pages<R>(f: impl FnOnce() -> R) -> R {
    struct Scope;
    impl Drop for Scope {
        fn drop(&mut self) {
            HUGE_SCOPES.fetch_sub(1, Ordering::Relaxed);
        }
    }
    HUGE_SCOPES.fetch_add(1, Ordering::Relaxed);
    let _scope = Scope;
    f()
}

/// Blocks of at least this many bytes are advised to use huge pages: a
/// smaller one holds no whole huge page.
pub const HUGE_MIN: usize = HUGE_PAGE;

/// Size of a transparent huge page on x86-64 and most arm64 kernels.
const HUGE_PAGE: usize = 2 << 20;

/// `slots` cut into stretches as long as `lens`, in order (the slots after
/// them left out): the spare room of one vector handed to parallel
/// writers, each filling its stretch, so that the vector's new pages are
/// written once and by every thread, not grown a piece at a time and
/// copied.
pub(crate) fn stretches<T>(
    mut slots: &mut [T],
    lens: impl IntoIterator<Item = usize>,
) -> Vec<&mut [T]> {
    let mut out = vec![];
    for n in lens {
        let (stretch, rest) = slots.split_at_mut(n);
        out.push(stretch);
        slots = rest;
    }
    out
}

/// [`System`], with blocks of [`HUGE_MIN`] bytes and more advised to use
/// transparent huge pages while [`with_huge_pages`] runs (see the
/// module).
pub struct HugeBlocks;

// SAFETY: every call is passed on to `System` unchanged; the advice only
// changes how the kernel backs pages of a block the caller now owns.
unsafe impl GlobalAlloc for HugeBlocks {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `System`'s.
        let p = unsafe { System.alloc(layout) };
        advise(p, layout.size());
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as `alloc`.
        let p = unsafe { System.alloc_zeroed(layout) };
        advise(p, layout.size());
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as `alloc`.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as `alloc`.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        // A block that grew past the size, or moved, is advised again;
        // advice given before stays with pages that did not move.
        if new_size > layout.size() {
            advise(p, new_size);
        }
        p
    }
}

/// Marks the huge-page-aligned inside of the block at `p` of `size`
/// bytes `MADV_HUGEPAGE` when the block is large enough.
#[inline]
fn advise(p: *mut u8, size: usize) {
    if size < HUGE_MIN || p.is_null() || HUGE_SCOPES.load(Ordering::Relaxed) == 0 {
        return;
    }
    if let Some((start, end)) = aligned_inside(p as usize, size) {
        madvise(start, end - start, Advice::Huge);
    }
}

/// The whole huge pages inside `size` bytes at `p`, as a range of
/// addresses, if there is one.
fn aligned_inside(p: usize, size: usize) -> Option<(usize, usize)> {
    let start = p.next_multiple_of(HUGE_PAGE);
    let end = (p + size) / HUGE_PAGE * HUGE_PAGE;
    (end > start).then_some((start, end))
}

/// What [`madvise`] asks of the kernel for a range of pages.
#[derive(Clone, Copy)]
enum Advice {
    /// Back it with transparent huge pages (`MADV_HUGEPAGE`).
    Huge,
    /// Fault it in writable now (`MADV_POPULATE_WRITE`).
    PopulateWrite,
}

/// Gives `advice` for the pages from `start` (page-aligned) over `len`
/// bytes, pages of a block the caller owns (or that hold a byte of one).
/// Neither advice changes a byte of the pages; a kernel without one fails
/// the call, which is ignored. Linux only: elsewhere nothing is done.
#[cfg(target_os = "linux")]
fn madvise(start: usize, len: usize, advice: Advice) {
    let advice = match advice {
        Advice::Huge => libc::MADV_HUGEPAGE,
        Advice::PopulateWrite => libc::MADV_POPULATE_WRITE,
    };
    // SAFETY: the pages are mapped and the caller's (see above), and the
    // advice changes how they are backed, not their contents.
    unsafe {
        libc::madvise(start as *mut libc::c_void, len, advice);
    }
}

#[cfg(not(target_os = "linux"))]
fn madvise(_start: usize, _len: usize, _advice: Advice) {}

/// Faults in the pages of `v` writable in one call
/// (`MADV_POPULATE_WRITE`), their contents unchanged: for a zeroed table
/// that is read before it is written. Fresh zeroed memory (`calloc`'s, not
/// yet touched) maps the shared zero page on its first read, and the
/// write after copies it, each copy flushing the page from the other
/// processors' TLBs: in the interning table of a million OpenSSH lines
/// those copies were about 11 ms of CPU a run, a fifth of merging (two
/// threads, `perf record` of one run a process). Linux 5.14 and later,
/// 4 KiB pages; elsewhere nothing is done, and pages fault as before.
pub(crate) fn populate<T>(v: &mut [T]) {
    const PAGE: usize = 4 << 10;
    let size = std::mem::size_of_val(v);
    if size == 0 {
        return;
    }
    // From the page that holds `v`'s first byte: each page to its end
    // holds a byte of `v`.
    let p = v.as_mut_ptr() as usize;
    let start = p / PAGE * PAGE;
    madvise(start, p + size - start, Advice::PopulateWrite);
}

/// An empty vector with room for `n` items, the room faulted in writable
/// by one call ([`populate`]): for a vector about to be filled whole,
/// whose pages would otherwise fault one at a time as they are first
/// written.
pub(crate) fn populated_vec<T>(n: usize) -> Vec<T> {
    let mut v = Vec::with_capacity(n);
    populate(v.spare_capacity_mut());
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn populated_memory_keeps_its_contents() {
        let mut zeros = vec![0u64; 3 << 20];
        populate(&mut zeros);
        assert!(zeros.iter().all(|&z| z == 0));
        let mut v: Vec<u32> = (0..100_000).collect();
        populate(&mut v[7..50_000]);
        assert!(v.iter().zip(0..).all(|(&a, b)| a == b));
        populate(&mut v[..0]);
    }

    /// Blocks of every size around the threshold keep what is written in
    /// them through growth and shrinking (the advice changes no content).
    #[test]
    fn large_blocks_keep_their_contents() {
        for n in [HUGE_MIN - 1, HUGE_MIN, HUGE_MIN + 4097, 3 * HUGE_MIN] {
            let mut v: Vec<u8> = (0..n).map(|i| (i % 251) as u8).collect();
            v.extend((0..n).map(|i| (i % 241) as u8));
            assert!(v[..n]
                .iter()
                .enumerate()
                .all(|(i, &b)| b == (i % 251) as u8));
            assert!(v[n..]
                .iter()
                .enumerate()
                .all(|(i, &b)| b == (i % 241) as u8));
            v.truncate(n / 2);
            v.shrink_to_fit();
            assert_eq!(v.len(), n / 2);
            assert_eq!(v[n / 2 - 1], ((n / 2 - 1) % 251) as u8);
            let z = vec![0u64; n / 8];
            assert!(z.iter().all(|&x| x == 0));
        }
    }

    /// Only the whole huge pages inside a block are advised.
    #[test]
    fn the_advised_range_is_the_aligned_inside() {
        let page = HUGE_PAGE;
        assert_eq!(
            aligned_inside(page + 16, 2 * page),
            Some((2 * page, 3 * page))
        );
        assert_eq!(aligned_inside(page + 16, 2 * page - 17), None);
        assert_eq!(
            aligned_inside(page + 16, 3 * page),
            Some((2 * page, 4 * page))
        );
        assert_eq!(aligned_inside(page, 2 * page), Some((page, 3 * page)));
        assert_eq!(aligned_inside(page - 1, page + 1), Some((page, 2 * page)));
        assert_eq!(aligned_inside(page - 1, page), None);
    }

    /// Where the kernel offers huge pages on request, a large vector
    /// written whole is backed by them (`AnonHugePages` of its mapping in
    /// /proc/self/smaps).
    #[cfg(target_os = "linux")]
    #[test]
    fn a_large_vector_gets_huge_pages_where_the_kernel_offers_them() {
        let thp = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled");
        if thp.is_err() || thp.as_deref().is_ok_and(|t| t.contains("[never]")) {
            eprintln!("skipped: transparent huge pages are off");
            return;
        }
        let v = with_huge_pages(|| vec![1u8; 16 << 20]);
        let (lo, hi) = (v.as_ptr() as usize, v.as_ptr() as usize + v.len());
        // The block's mappings (the advice splits it in three: the
        // unaligned ends and the aligned inside), summed.
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let (mut huge_kib, mut overlaps) = (0, false);
        for line in smaps.lines() {
            let head = line.split(' ').next().and_then(|r| r.split_once('-'));
            let range = head.and_then(|(a, b)| {
                let a = usize::from_str_radix(a, 16).ok()?;
                Some((a, usize::from_str_radix(b, 16).ok()?))
            });
            if let Some((a, b)) = range {
                overlaps = a < hi && lo < b;
            } else if let Some(kib) = line.strip_prefix("AnonHugePages:").filter(|_| overlaps) {
                huge_kib += kib.trim().trim_end_matches(" kB").parse::<u64>().unwrap();
            }
        }
        assert!(v.iter().all(|&b| b == 1));
        // 16 MiB hold at least seven aligned 2 MiB pages.
        assert!(huge_kib >= 7 * 2048, "{huge_kib} KiB of huge pages");
    }
}
