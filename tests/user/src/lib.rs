// SPDX-License-Identifier: GPL-2.0

//! What user programs need to drive the scull devices: the ioctl numbers of LDD3's
//! scullp.h (the same for scullv), and a few helpers the test programs share.

/// The ioctl numbers: magic 'K'; RESET, then order (1..6) and qset (7..12), each as
/// Set (pointer), Tell (value), Get (pointer), Query (return), eXchange (pointer),
/// sHift (value, returns the old one).
pub mod ioctl {
    const MAGIC: u32 = b'K' as u32;
    const WRITE: u32 = 1;
    const READ: u32 = 2;
    const INT: u32 = std::mem::size_of::<i32>() as u32;

    /// `_IOC(dir, type, nr, size)` as in the kernel's uapi.
    pub const fn ioc(dir: u32, ty: u32, nr: u32, size: u32) -> u32 {
        (dir << 30) | (size << 16) | (ty << 8) | nr
    }
    const fn io(nr: u32) -> u32 {
        ioc(0, MAGIC, nr, 0)
    }
    const fn iow(nr: u32) -> u32 {
        ioc(WRITE, MAGIC, nr, INT)
    }
    const fn ior(nr: u32) -> u32 {
        ioc(READ, MAGIC, nr, INT)
    }
    const fn iowr(nr: u32) -> u32 {
        ioc(READ | WRITE, MAGIC, nr, INT)
    }

    pub const RESET: u32 = io(0);
    pub const S_ORDER: u32 = iow(1);
    pub const T_ORDER: u32 = io(2);
    pub const G_ORDER: u32 = ior(3);
    pub const Q_ORDER: u32 = io(4);
    pub const X_ORDER: u32 = iowr(5);
    pub const H_ORDER: u32 = io(6);
    pub const S_QSET: u32 = iow(7);
    pub const T_QSET: u32 = io(8);
    pub const G_QSET: u32 = ior(9);
    pub const Q_QSET: u32 = io(10);
    pub const X_QSET: u32 = iowr(11);
    pub const H_QSET: u32 = io(12);
    /// The highest command number.
    pub const MAXNR: u32 = 12;
}

/// SplitMix64's finalizer: spreads `z`'s bits over all 64 (seeds, pattern keys).
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// A small deterministic generator (xorshift64*): the same seed, the same run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(mix(seed) | 1)
    }

    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform in `0..n` (0 if n is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((self.next() as u128 * n as u128) >> 64) as u64
    }
}

/// Prints one `TEST PASS:` or `TEST FAIL:` line per check, as the VM runner counts them.
pub struct Report {
    prefix: String,
    failed: bool,
}

impl Report {
    pub fn new(prefix: &str) -> Self {
        Report {
            prefix: prefix.to_string(),
            failed: false,
        }
    }

    pub fn check(&mut self, name: &str, ok: bool, detail: impl std::fmt::Debug) {
        if ok {
            println!("TEST PASS: {} {}", self.prefix, name);
        } else {
            println!("TEST FAIL: {} {}: {:?}", self.prefix, name, detail);
            self.failed = true;
        }
    }

    pub fn exit_code(&self) -> std::process::ExitCode {
        if self.failed {
            std::process::ExitCode::FAILURE
        } else {
            std::process::ExitCode::SUCCESS
        }
    }
}

/// Runs `child` in a forked process (its return value is the exit code) and returns the
/// child's wait status. For checks that need to drop privileges or to die of a signal.
pub fn in_child(child: impl FnOnce() -> i32) -> i32 {
    // SAFETY: The test programs fork while single-threaded; the child runs `child`, which
    // makes syscalls or touches memory, and leaves by `_exit`.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        let code = child();
        // SAFETY: Ends the child without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    let mut status = 0;
    // SAFETY: Waits for the child forked above.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    status
}

/// Runs `touch` in a forked child and says whether SIGBUS ended it: for a touch of a mapped
/// page that should (or should not) be past the end of the file.
pub fn sigbus_in_child(touch: impl FnOnce()) -> bool {
    let status = in_child(|| {
        touch();
        0
    });
    libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGBUS
}

/// Whether a wait status is a normal exit with code 0.
pub fn exited_ok(status: i32) -> bool {
    libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0
}

/// Drops to user `nobody` (65534), without CAP_SYS_ADMIN; false if that failed.
pub fn become_nobody() -> bool {
    // SAFETY: A plain syscall.
    unsafe { libc::setuid(65534) == 0 }
}

/// What the system has free, in KiB: `MemFree` plus the pages waiting on the per-cpu lists
/// (the `count:` lines of /proc/zoneinfo), which `MemFree` does not count.
pub fn free_memory() -> std::io::Result<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo")?;
    let free: u64 = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemFree:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0);
    let zoneinfo = std::fs::read_to_string("/proc/zoneinfo")?;
    let pcp_pages: u64 = zoneinfo
        .lines()
        .filter_map(|l| l.trim().strip_prefix("count:"))
        .filter_map(|v| v.trim().parse::<u64>().ok())
        .sum();
    Ok(free + pcp_pages * 4)
}

/// The resident set of this process in KiB (`VmRSS` of /proc/self/status).
pub fn vm_rss_kib() -> std::io::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| std::io::Error::other("no VmRSS in /proc/self/status"))
}

/// The first `len` bytes of this process's memory at `p` (a mapping, typically), read by the
/// kernel rather than by a load: copied into a memfd with `pwrite`, so a page that cannot be
/// mapped (past the end of a file) ends the copy short, or is EFAULT, instead of raising
/// SIGBUS. Gives the count or the errno, and the bytes copied.
#[allow(
    clippy::not_unsafe_ptr_arg_deref,
    reason = "only the kernel reads through `p`, and a bad pointer is EFAULT there"
)]
pub fn read_by_kernel(p: *const libc::c_void, len: usize) -> (Result<usize, i32>, Vec<u8>) {
    let errno = || std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
    // SAFETY: A new memfd, closed below.
    let fd = unsafe { libc::memfd_create(c"scull-read".as_ptr(), 0) };
    if fd < 0 {
        return (Err(errno()), Vec::new());
    }
    // SAFETY: The kernel reads `len` bytes at `p`, faulting as a syscall does.
    let n = unsafe { libc::pwrite(fd, p, len, 0) };
    let got = if n < 0 { Err(errno()) } else { Ok(n as usize) };
    let mut buf = vec![0u8; *got.as_ref().unwrap_or(&0)];
    // SAFETY: Reads back what was written into a buffer of that size.
    unsafe { libc::pread(fd, buf.as_mut_ptr().cast(), buf.len(), 0) };
    // SAFETY: Closes the memfd made above.
    unsafe { libc::close(fd) };
    (got, buf)
}
