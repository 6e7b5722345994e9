//! Larger pipes for chatty children.
//!
//! A child that writes as fast as it can keeps a 64 KiB pipe full, and every 64 KiB costs
//! the daemon a wake-up, a splice and a wake-up of the blocked writer. Growing that pipe
//! to 1 MiB (`fcntl(F_SETPIPE_SZ)`) lets each wake-up move much more. Pipe memory counts
//! against the user's `fs.pipe-user-pages-soft` (16,384 pages by default): past it, Linux
//! gives every new pipe of that user only two pages, and refuses `F_SETPIPE_SZ` to users
//! without `CAP_SYS_RESOURCE`. So only pipes that proved busy grow (one readiness event
//! moved a whole default pipe's worth), and all grown pipes together stay within a quarter
//! of that limit, leaving the rest to quiet programs and everything else the user runs.

use std::os::fd::BorrowedFd;

use nix::fcntl::{FcntlArg, fcntl};

/// What Linux gives a new pipe, in bytes.
pub const DEFAULT_PIPE: usize = 64 * 1024;
/// The size a busy pipe grows to (if `fs.pipe-max-size` allows).
const GROWN_PIPE: usize = 1024 * 1024;
/// The budget when the soft limit is off (0): 64 MiB of grown pipes.
const UNLIMITED_BUDGET_PAGES: usize = 16 * 1024;
const PAGE: usize = 4096;

/// How many pages of pipe buffer the daemon may still add by growing pipes.
#[derive(Debug)]
pub struct PipeBudget {
    left_pages: usize,
    grown_size: usize,
}

impl PipeBudget {
    /// The budget for this system: a quarter of `fs.pipe-user-pages-soft`, pipes grown to
    /// at most `fs.pipe-max-size`.
    pub fn from_system() -> PipeBudget {
        let read = |path: &str| -> Option<usize> {
            std::fs::read_to_string(path).ok()?.trim().parse().ok()
        };
        PipeBudget::new(
            read("/proc/sys/fs/pipe-user-pages-soft").unwrap_or(UNLIMITED_BUDGET_PAGES * 4),
            read("/proc/sys/fs/pipe-max-size").unwrap_or(GROWN_PIPE),
        )
    }

    fn new(soft_limit_pages: usize, max_size: usize) -> PipeBudget {
        let left_pages = match soft_limit_pages {
            0 => UNLIMITED_BUDGET_PAGES,
            pages => pages / 4,
        };
        PipeBudget {
            left_pages,
            grown_size: GROWN_PIPE.min(max_size),
        }
    }

    /// The pages one grown pipe adds to a default one.
    fn extra_pages(&self) -> usize {
        self.grown_size.saturating_sub(DEFAULT_PIPE) / PAGE
    }

    /// After a readiness event moved `moved` bytes out of the default-sized pipe `fd`:
    /// grows it when it was full and the budget allows. Returns the pages taken, to be
    /// given back with [`release`](Self::release) when the pipe closes; `None` when the
    /// pipe was not busy enough to try.
    pub fn grow_if_busy(&mut self, fd: BorrowedFd<'_>, moved: u64) -> Option<usize> {
        if moved < DEFAULT_PIPE as u64 {
            return None;
        }
        let extra = self.extra_pages();
        if extra == 0 || extra > self.left_pages {
            return Some(0);
        }
        let size = i32::try_from(self.grown_size).unwrap_or(i32::MAX);
        match fcntl(fd, FcntlArg::F_SETPIPE_SZ(size)) {
            Ok(_) => {
                self.left_pages -= extra;
                Some(extra)
            }
            Err(_) => Some(0),
        }
    }

    /// Gives back the pages of a grown pipe that closed.
    pub fn release(&mut self, pages: usize) {
        self.left_pages += pages;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::fd::AsFd;

    fn capacity(fd: BorrowedFd<'_>) -> i32 {
        fcntl(fd, FcntlArg::F_GETPIPE_SZ).unwrap()
    }

    #[test]
    fn only_a_full_pipe_grows_and_the_budget_is_given_back() {
        let mut budget = PipeBudget::new(16384, 1 << 20);
        assert_eq!(budget.left_pages, 4096);
        let (r, _w) = nix::unistd::pipe().unwrap();
        assert_eq!(budget.grow_if_busy(r.as_fd(), 65535), None);
        assert_eq!(capacity(r.as_fd()), 65536);
        assert_eq!(budget.grow_if_busy(r.as_fd(), 65536), Some(240));
        assert_eq!(capacity(r.as_fd()), 1 << 20);
        assert_eq!(budget.left_pages, 4096 - 240);
        budget.release(240);
        assert_eq!(budget.left_pages, 4096);
    }

    #[test]
    fn an_exhausted_budget_leaves_pipes_as_they_are() {
        let mut budget = PipeBudget::new(4 * 300, 1 << 20);
        let (a, _aw) = nix::unistd::pipe().unwrap();
        let (b, _bw) = nix::unistd::pipe().unwrap();
        assert_eq!(budget.grow_if_busy(a.as_fd(), 1 << 20), Some(240));
        assert_eq!(budget.grow_if_busy(b.as_fd(), 1 << 20), Some(0));
        assert_eq!(capacity(b.as_fd()), 65536);
    }

    #[test]
    fn no_soft_limit_still_bounds_the_growth_and_max_size_caps_it() {
        assert_eq!(PipeBudget::new(0, 1 << 20).left_pages, 16384);
        let budget = PipeBudget::new(16384, 256 * 1024);
        assert_eq!(budget.extra_pages(), 48);
        assert_eq!(PipeBudget::new(16384, 4096).extra_pages(), 0);
    }
}
