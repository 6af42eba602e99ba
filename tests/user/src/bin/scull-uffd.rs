// SPDX-License-Identifier: GPL-2.0

//! A writer and a GET ioctl stalled on a userfaultfd page that is not served: meanwhile
//! other processes' reads, page faults, truncating opens of other devices and ioctls on the
//! same module finish within a second, while a truncation or a write of the writer's device
//! waits until SIGKILL ends it; then the page is served, both stalled calls complete, and the
//! device holds exactly what they wrote.
//! Usage: scull-uffd DEVICE OTHER_DEVICE

use scull_user::{ioctl, Report};
use std::fs::OpenOptions;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::process::ExitCode;
use std::time::{Duration, Instant};

const PAGE: usize = 4096;
const UFFD: u32 = 0xAA;

const fn iowr(nr: u32, size: usize) -> u64 {
    ioctl::ioc(3, UFFD, nr, size as u32) as u64
}

#[repr(C)]
struct UffdioApi {
    api: u64,
    features: u64,
    ioctls: u64,
}

#[repr(C)]
struct UffdioRegister {
    start: u64,
    len: u64,
    mode: u64,
    ioctls: u64,
}

#[repr(C)]
struct UffdioCopy {
    dst: u64,
    src: u64,
    len: u64,
    mode: u64,
    copy: i64,
}

const UFFDIO_API: u64 = iowr(0x3f, std::mem::size_of::<UffdioApi>());
const UFFDIO_REGISTER: u64 = iowr(0x00, std::mem::size_of::<UffdioRegister>());
const UFFDIO_COPY: u64 = iowr(0x03, std::mem::size_of::<UffdioCopy>());
const UFFDIO_REGISTER_MODE_MISSING: u64 = 1;

/// A userfaultfd with registered pages that nobody serves until `serve`.
struct Stall {
    uffd: i32,
}

impl Stall {
    fn new(start: usize, pages: usize) -> std::io::Result<Self> {
        // SAFETY: Plain syscalls and ioctls on structures of the uapi's layout.
        unsafe {
            let uffd = libc::syscall(libc::SYS_userfaultfd, libc::O_CLOEXEC) as i32;
            if uffd < 0 {
                return Err(std::io::Error::last_os_error());
            }
            let mut api = UffdioApi {
                api: UFFD as u64,
                features: 0,
                ioctls: 0,
            };
            let mut reg = UffdioRegister {
                start: start as u64,
                len: (pages * PAGE) as u64,
                mode: UFFDIO_REGISTER_MODE_MISSING,
                ioctls: 0,
            };
            if libc::ioctl(uffd, UFFDIO_API as _, &mut api) != 0
                || libc::ioctl(uffd, UFFDIO_REGISTER as _, &mut reg) != 0
            {
                return Err(std::io::Error::last_os_error());
            }
            Ok(Stall { uffd })
        }
    }

    /// Fills the registered page at `page` with `byte`, waking whoever waits on it.
    fn serve(&self, page: usize, byte: u8) -> std::io::Result<()> {
        let src = vec![byte; PAGE];
        let mut copy = UffdioCopy {
            dst: page as u64,
            src: src.as_ptr() as u64,
            len: PAGE as u64,
            mode: 0,
            copy: 0,
        };
        // SAFETY: The ioctl reads `src` (a page) and the structure, and writes `copy`.
        if unsafe { libc::ioctl(self.uffd, UFFDIO_COPY as _, &mut copy) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        Ok(())
    }
}

/// Runs `op` in a new process and gives it a second; if it is still running it gets SIGKILL
/// and another second to die. Returns what happened, for the report.
fn bounded(op: impl FnOnce() -> bool) -> &'static str {
    // SAFETY: The child runs `op` (syscalls only) and leaves by `_exit`.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        let ok = op();
        // SAFETY: Ends the child.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let wait = |limit: Duration| {
        let start = Instant::now();
        while start.elapsed() < limit {
            let mut status = 0;
            // SAFETY: Polls the child forked above.
            if unsafe { libc::waitpid(pid, &mut status, libc::WNOHANG) } == pid {
                return Some(status);
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        None
    };
    match wait(Duration::from_secs(1)) {
        Some(s) if libc::WIFEXITED(s) && libc::WEXITSTATUS(s) == 0 => "completed",
        Some(_) => "failed",
        None => {
            // SAFETY: Signals the child forked above.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            match wait(Duration::from_secs(1)) {
                Some(_) => "killed by SIGKILL",
                None => "stuck: SIGKILL did not end it",
            }
        }
    }
}

fn checks(dev: &str, other: &str, r: &mut Report) -> std::io::Result<()> {
    let old: Vec<u8> = (0..4 * PAGE).map(|i| (i % 253) as u8 + 1).collect();
    OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(dev)?
        .write_all_at(&old, 0)?;
    // Three pages: the first filled, the others registered with the userfaultfd: the second
    // ends the writer's buffer, the third takes the GET ioctl's result.
    // SAFETY: A fresh private anonymous mapping of three pages.
    let region = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            3 * PAGE,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    } as usize;
    // SAFETY: The first page is mapped, readable and writable.
    unsafe { std::ptr::write_bytes(region as *mut u8, b'W', PAGE) };
    let stall = Stall::new(region + PAGE, 2)?;

    // A writer thread (a thread: the registration is this process's) writes both pages at 100;
    // a GET ioctl thread puts the order into the unserved page.
    let f = OpenOptions::new().read(true).write(true).open(dev)?;
    let fd = f.as_raw_fd();
    let writer = std::thread::spawn(move || {
        // SAFETY: The buffer is the two pages mapped above, which stay mapped.
        unsafe { libc::pwrite(fd, region as *const libc::c_void, 2 * PAGE, 100) }
    });
    let getter = std::thread::spawn(move || {
        // SAFETY: The argument points into the registered page, which stays mapped.
        unsafe {
            libc::ioctl(
                fd,
                ioctl::G_ORDER as _,
                (region + 2 * PAGE + 64) as *mut i32,
            )
        }
    });
    std::thread::sleep(Duration::from_millis(300));
    r.check(
        "the writer is stalled on the unserved page",
        !writer.is_finished(),
        (),
    );
    r.check(
        "the GET ioctl is stalled on the unserved page",
        !getter.is_finished(),
        (),
    );

    let dev_s = dev.to_string();
    let read = bounded(move || {
        let mut buf = vec![0u8; 4 * PAGE];
        OpenOptions::new()
            .read(true)
            .open(&dev_s)
            .and_then(|f| f.read_exact_at(&mut buf, 0))
            .is_ok()
    });
    r.check(
        "meanwhile another process's read of the device completes",
        read == "completed",
        read,
    );
    let other_s = other.to_string();
    let open = bounded(move || {
        OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&other_s)
            .and_then(|f| f.write_all_at(b"x", 0))
            .is_ok()
    });
    r.check(
        "... and a truncating open and write of another device of the module",
        open == "completed",
        open,
    );
    let dev_s = dev.to_string();
    let query = bounded(move || {
        OpenOptions::new().read(true).open(&dev_s).is_ok_and(|f| {
            // SAFETY: A query ioctl: the argument is not used.
            unsafe { libc::ioctl(f.as_raw_fd(), ioctl::Q_QSET as _, 0) >= 0 }
        })
    });
    r.check("... and a query ioctl", query == "completed", query);
    let dev_s = dev.to_string();
    let fault = bounded(move || {
        OpenOptions::new().read(true).open(&dev_s).is_ok_and(|f| {
            // SAFETY: A new shared read-only mapping of the device's first page, read once
            // (the device holds four pages) and unmapped.
            unsafe {
                let p = libc::mmap(
                    std::ptr::null_mut(),
                    PAGE,
                    libc::PROT_READ,
                    libc::MAP_SHARED,
                    f.as_raw_fd(),
                    0,
                );
                let ok = p != libc::MAP_FAILED && std::ptr::read_volatile(p as *const u8) == 1;
                libc::munmap(p, PAGE);
                ok
            }
        })
    });
    r.check(
        "... and a page fault on a mapping of the device",
        fault == "completed",
        fault,
    );
    // A write is one operation against truncation and other writes, as on tmpfs: they wait
    // for it, and SIGKILL ends the wait.
    let dev_s = dev.to_string();
    let truncate = bounded(move || {
        OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(&dev_s)
            .is_ok()
    });
    r.check(
        "a truncating open of the same device waits for the write, killable",
        truncate == "killed by SIGKILL",
        truncate,
    );
    let dev_s = dev.to_string();
    let append = bounded(move || {
        OpenOptions::new()
            .append(true)
            .open(&dev_s)
            .and_then(|mut f| std::io::Write::write_all(&mut f, b"late"))
            .is_ok()
    });
    r.check(
        "... and so does another write of it",
        append == "killed by SIGKILL",
        append,
    );

    stall.serve(region + PAGE, b'U')?;
    stall.serve(region + 2 * PAGE, 0)?;
    let wrote = writer.join().unwrap_or(-1);
    let got = getter.join().unwrap_or(-1);
    r.check(
        "once the page is served the writer completes, whole",
        wrote == 2 * PAGE as isize,
        wrote,
    );
    // SAFETY: The registered page is now served and mapped.
    let order = unsafe { std::ptr::read((region + 2 * PAGE + 64) as *const i32) };
    r.check(
        "... and the GET ioctl, with the order",
        got == 0 && (0..=10).contains(&order),
        (got, order),
    );
    let mut want = old.clone();
    want[100..100 + PAGE].fill(b'W');
    want[100 + PAGE..100 + 2 * PAGE].fill(b'U');
    let mut back = vec![0u8; 4 * PAGE];
    let n = f.read_at(&mut back, 0)?;
    r.check(
        "the device holds exactly what was written",
        n == back.len() && back == want,
        n,
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dev), Some(other)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: scull-uffd DEVICE OTHER_DEVICE");
        return ExitCode::from(2);
    };
    let mut r = Report::new(&format!("{dev} userfaultfd:"));
    if let Err(e) = checks(dev, other, &mut r) {
        r.check("userfaultfd checks ran", false, e);
    }
    r.exit_code()
}
