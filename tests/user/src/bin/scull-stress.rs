// SPDX-License-Identifier: GPL-2.0

//! Load and fault tests of the scull devices.
//!   scull-stress mix SECONDS DEVICE...   writers, readers, seekers, truncating opens,
//!                                        ioctls and page faults on a mapping on every
//!                                        device at once; each record a reader or the final
//!                                        check sees is whole or absent
//!   scull-stress fill DEVICE             writes until an error and exits with its errno,
//!                                        printing nothing (in a full memory cgroup, even
//!                                        a message would need memory)
//!   scull-stress fault DEVICE MIB        writes MIB with this task's allocations failing
//!                                        (fail_page_alloc/failslab set up by the caller);
//!                                        only successes and ENOMEM; what was reported
//!                                        written reads back identical
//!   scull-stress kill DEVICE MIB         one write of MIB from untouched memory, killed
//!                                        with SIGKILL once under way: it must end at once,
//!                                        having written part of it

use scull_user::ioctl;
use scull_user::{read_by_kernel, Report, Rng};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom};
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// Records straddle quanta (not a divisor of any quantum size).
const RECORD: usize = 5000;
const SLOTS: u64 = 400;
const WRITERS_PER_DEVICE: u64 = 2;

/// The record a writer puts in `slot` at generation `gen`: a header, then bytes derived
/// from all three, so that a torn or misplaced record cannot pass for a whole one.
fn record(slot: u64, gen: u64) -> Vec<u8> {
    let mut v = Vec::with_capacity(RECORD);
    v.extend_from_slice(&slot.to_le_bytes());
    v.extend_from_slice(&gen.to_le_bytes());
    let mut x = slot.wrapping_mul(0x9e37_79b9_7f4a_7c15) ^ gen;
    while v.len() < RECORD {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        v.push((x >> 56) as u8);
    }
    v
}

/// Whether `bytes` (the record at `slot`) is whole: all zeros (absent) or a valid record.
fn whole(slot: u64, bytes: &[u8]) -> bool {
    if bytes.iter().all(|&b| b == 0) {
        return true;
    }
    let gen = u64::from_le_bytes(bytes[8..16].try_into().unwrap());
    bytes == record(slot, gen).as_slice()
}

fn open_rw(path: &str) -> std::io::Result<File> {
    OpenOptions::new().read(true).write(true).open(path)
}

struct Counts {
    writes: AtomicU64,
    reads: AtomicU64,
    seeks: AtomicU64,
    truncations: AtomicU64,
    ioctls: AtomicU64,
    faults: AtomicU64,
    torn: AtomicU64,
    errors: AtomicU64,
}

fn mix(seconds: u64, devices: &[String], r: &mut Report) {
    // Start empty: whatever an earlier test left is no record.
    for dev in devices {
        OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(dev)
            .unwrap();
    }
    let stop = AtomicBool::new(false);
    let c = Counts {
        writes: AtomicU64::new(0),
        reads: AtomicU64::new(0),
        seeks: AtomicU64::new(0),
        truncations: AtomicU64::new(0),
        ioctls: AtomicU64::new(0),
        faults: AtomicU64::new(0),
        torn: AtomicU64::new(0),
        errors: AtomicU64::new(0),
    };
    let err = |c: &Counts, what: &str, e: &dyn std::fmt::Debug| {
        eprintln!("stress: {what}: {e:?}");
        c.errors.fetch_add(1, Ordering::Relaxed);
    };
    std::thread::scope(|s| {
        for (d, dev) in devices.iter().enumerate() {
            let (stop, c) = (&stop, &c);
            for w in 0..WRITERS_PER_DEVICE {
                s.spawn(move || {
                    let f = open_rw(dev).unwrap();
                    let mut rng = Rng::new(0x1234 + w + 17 * d as u64);
                    let mut gen = 0;
                    while !stop.load(Ordering::Relaxed) {
                        // Writers own interleaved slots: writes never overlap.
                        let slot = rng.below(SLOTS / WRITERS_PER_DEVICE) * WRITERS_PER_DEVICE + w;
                        gen += 1;
                        match f.write_at(&record(slot, gen), slot * RECORD as u64) {
                            Ok(RECORD) => c.writes.fetch_add(1, Ordering::Relaxed),
                            other => {
                                err(c, "write", &other);
                                0
                            }
                        };
                    }
                });
            }
            s.spawn(move || {
                let f = open_rw(dev).unwrap();
                let mut rng = Rng::new(0x777 + d as u64);
                let mut buf = vec![0u8; 16 * RECORD];
                while !stop.load(Ordering::Relaxed) {
                    let first = rng.below(SLOTS - 16);
                    match f.read_at(&mut buf, first * RECORD as u64) {
                        Ok(n) => {
                            c.reads.fetch_add(1, Ordering::Relaxed);
                            for (i, rec) in buf[..n - n % RECORD].chunks(RECORD).enumerate() {
                                if !whole(first + i as u64, rec) {
                                    c.torn.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                        }
                        Err(e) => err(c, "read", &e),
                    }
                }
            });
            s.spawn(move || {
                let f = open_rw(dev).unwrap();
                let mut rng = Rng::new(0x4242 + d as u64);
                while !stop.load(Ordering::Relaxed) {
                    let whence =
                        [libc::SEEK_SET, libc::SEEK_CUR, libc::SEEK_END][rng.below(3) as usize];
                    let off = rng.below(4 << 20) as i64 - (2 << 20);
                    // SAFETY: lseek on an open descriptor.
                    let res = unsafe { libc::lseek(f.as_raw_fd(), off, whence) };
                    let errno = std::io::Error::last_os_error().raw_os_error();
                    if res < 0 && errno != Some(libc::EINVAL) {
                        err(c, "lseek", &errno);
                    }
                    c.seeks.fetch_add(1, Ordering::Relaxed);
                }
            });
            s.spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    std::thread::sleep(Duration::from_millis(150));
                    match OpenOptions::new().write(true).truncate(true).open(dev) {
                        Ok(_) => c.truncations.fetch_add(1, Ordering::Relaxed),
                        Err(e) => {
                            err(c, "truncating open", &e);
                            0
                        }
                    };
                }
            });
            s.spawn(move || {
                let f = open_rw(dev).unwrap();
                let mut rng = Rng::new(0x99 + d as u64);
                while !stop.load(Ordering::Relaxed) {
                    let (cmd, arg) = match rng.below(4) {
                        0 => (ioctl::T_ORDER, rng.below(4)),
                        1 => (ioctl::T_QSET, 1 + rng.below(50)),
                        2 => (ioctl::Q_ORDER, 0),
                        _ => (ioctl::Q_QSET, 0),
                    };
                    // SAFETY: These commands take their argument by value.
                    let res = unsafe { libc::ioctl(f.as_raw_fd(), cmd as _, arg as libc::c_ulong) };
                    if res < 0 {
                        err(c, "ioctl", &std::io::Error::last_os_error());
                    }
                    c.ioctls.fetch_add(1, Ordering::Relaxed);
                    std::thread::sleep(Duration::from_millis(1));
                }
            });
            s.spawn(move || {
                // Faults on a shared mapping of the records, racing all of the above: the
                // kernel reads the mapping, so a page past the end after a truncation is
                // EFAULT (or a short count) rather than SIGBUS; the pages are dropped after
                // each pass, so each pass faults them all again.
                let f = open_rw(dev).unwrap();
                let len = SLOTS as usize * RECORD;
                // SAFETY: A new shared read-only mapping of the device, unmapped below.
                let p = unsafe {
                    libc::mmap(
                        std::ptr::null_mut(),
                        len,
                        libc::PROT_READ,
                        libc::MAP_SHARED,
                        f.as_raw_fd(),
                        0,
                    )
                };
                if p == libc::MAP_FAILED {
                    err(c, "mmap", &std::io::Error::last_os_error());
                    return;
                }
                while !stop.load(Ordering::Relaxed) {
                    let (res, _) = read_by_kernel(p, len);
                    if matches!(res, Err(e) if e != libc::EFAULT) {
                        err(c, "reading a mapping", &res);
                    }
                    // SAFETY: Drops the mapping's pages: the next pass faults them again.
                    unsafe { libc::madvise(p, len, libc::MADV_DONTNEED) };
                    c.faults.fetch_add(1, Ordering::Relaxed);
                }
                // SAFETY: Unmaps the mapping made above.
                unsafe { libc::munmap(p, len) };
            });
        }
        std::thread::sleep(Duration::from_secs(seconds));
        stop.store(true, Ordering::Relaxed);
    });

    // The final content: every slot whole or absent.
    let mut final_torn = 0;
    for dev in devices {
        let f = open_rw(dev).unwrap();
        // SAFETY: RESET takes no argument.
        unsafe { libc::ioctl(f.as_raw_fd(), ioctl::RESET as _, 0) };
        let mut all = Vec::new();
        File::open(dev).unwrap().read_to_end(&mut all).unwrap();
        for (i, rec) in all.chunks(RECORD).enumerate() {
            if rec.len() == RECORD && !whole(i as u64, rec) {
                final_torn += 1;
            }
        }
    }
    let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
    println!(
        "stress: {seconds} s on {} devices: {} writes, {} reads, {} seeks, {} truncations, {} ioctls, {} passes over a mapping",
        devices.len(),
        get(&c.writes),
        get(&c.reads),
        get(&c.seeks),
        get(&c.truncations),
        get(&c.ioctls),
        get(&c.faults)
    );
    r.check(
        "every call succeeded (or EINVAL for negative seeks)",
        get(&c.errors) == 0,
        get(&c.errors),
    );
    r.check(
        "each thread kind made progress",
        get(&c.writes) > 0
            && get(&c.reads) > 0
            && get(&c.truncations) > 0
            && get(&c.ioctls) > 0
            && get(&c.faults) > 0
            && get(&c.seeks) > 0,
        (),
    );
    r.check(
        "readers saw only whole or absent records",
        get(&c.torn) == 0,
        get(&c.torn),
    );
    r.check(
        "final content: only whole or absent records",
        final_torn == 0,
        final_torn,
    );
}

/// The byte at `pos` of the fault test's data.
fn byte_at(pos: u64) -> u8 {
    (pos.wrapping_mul(2654435761) >> 13) as u8 ^ (pos >> 20) as u8
}

fn set_make_it_fail(on: bool) -> std::io::Result<()> {
    std::fs::write("/proc/thread-self/make-it-fail", if on { "1" } else { "0" })
}

fn fault(dev: &str, mib: u64, r: &mut Report) -> std::io::Result<()> {
    const CHUNK: u64 = 64 << 10;
    let total = mib << 20;
    let data: Vec<u8> = (0..total).map(byte_at).collect();
    OpenOptions::new().write(true).truncate(true).open(dev)?;
    let f = open_rw(dev)?;
    let (mut pos, mut calls, mut ok, mut short, mut enomem, mut other) = (0u64, 0, 0, 0, 0, 0);
    set_make_it_fail(true)?;
    while pos < total && calls < 100_000 {
        calls += 1;
        let end = (pos + CHUNK).min(total);
        match f.write_at(&data[pos as usize..end as usize], pos) {
            Ok(n) => {
                ok += 1;
                if (n as u64) < end - pos {
                    short += 1;
                }
                pos += n as u64;
            }
            Err(e) if e.raw_os_error() == Some(libc::ENOMEM) => enomem += 1,
            Err(e) => {
                eprintln!("fault: unexpected {e}");
                other += 1;
            }
        }
    }
    // Turning it off may itself need an allocation that fails: retry.
    while set_make_it_fail(false).is_err() {}
    println!("fault: {dev}: {calls} writes: {ok} succeeded ({short} short), {enomem} ENOMEM, {other} other");
    r.check(
        "writes under fault injection: only successes and ENOMEM",
        other == 0,
        other,
    );
    r.check(
        "some allocations failed (the injection took effect)",
        enomem > 0 || short > 0,
        enomem,
    );
    r.check(
        "the whole data set was written in the end",
        pos == total,
        pos,
    );
    let mut back = Vec::new();
    File::open(dev)?.read_to_end(&mut back)?;
    r.check(
        "what was reported written reads back identical",
        back == data,
        back.len(),
    );
    Ok(())
}

fn fill(dev: &str) -> ExitCode {
    let buf = vec![0x33u8; 64 << 10];
    let Ok(f) = OpenOptions::new().write(true).open(dev) else {
        return ExitCode::from(255);
    };
    let mut pos = 0u64;
    loop {
        match f.write_at(&buf, pos) {
            Ok(n) => pos += n as u64,
            Err(e) => return ExitCode::from(e.raw_os_error().unwrap_or(255) as u8),
        }
    }
}

/// One `write` of `mib` MiB in a child, SIGKILLed once it has taken 32 MiB; the child must be
/// gone within a second, part of the write done.
fn kill(dev: &str, mib: usize, r: &mut Report) -> std::io::Result<()> {
    let len = mib << 20;
    let f = OpenOptions::new().write(true).truncate(true).open(dev)?;
    // SAFETY: A fresh private anonymous mapping, never touched here: the kernel reads it as
    // the zero page, so the source costs no memory.
    let buf = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if buf == libc::MAP_FAILED {
        return Err(std::io::Error::last_os_error());
    }
    let before = scull_user::free_memory()?;
    // SAFETY: The child makes one syscall and leaves by `_exit`.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        // SAFETY: `buf` is `len` readable bytes.
        unsafe {
            libc::write(f.as_raw_fd(), buf, len);
            libc::_exit(0);
        }
    }
    let start = std::time::Instant::now();
    while scull_user::free_memory()? + (32 << 10) > before {
        if start.elapsed() > Duration::from_secs(60) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let under_way = start.elapsed();
    // SAFETY: Signals and reaps the child forked above.
    let (status, died_in) = unsafe {
        libc::kill(pid, libc::SIGKILL);
        let killed = std::time::Instant::now();
        let mut status = 0;
        libc::waitpid(pid, &mut status, 0);
        (status, killed.elapsed())
    };
    let size = File::open(dev)?.seek(SeekFrom::End(0))?;
    println!(
        "kill {dev}: under way after {under_way:?}, gone {died_in:?} after SIGKILL, {size} of {len} bytes written"
    );
    r.check(
        "SIGKILL ends a long write at once",
        libc::WIFSIGNALED(status)
            && libc::WTERMSIG(status) == libc::SIGKILL
            && died_in < Duration::from_secs(1),
        (status, died_in),
    );
    r.check(
        "... part of it written",
        size > 0 && size < len as u64,
        (size, len),
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let mut r = Report::new("stress:");
    match (args.get(1).map(String::as_str), args.get(2)) {
        (Some("mix"), Some(secs)) if args.len() > 3 => match secs.parse() {
            Ok(secs) => mix(secs, &args[3..], &mut r),
            Err(_) => return ExitCode::from(2),
        },
        (Some("fill"), Some(dev)) => return fill(dev),
        (Some("kill"), Some(dev)) => {
            let Some(mib) = args.get(3).and_then(|m| m.parse().ok()) else {
                return ExitCode::from(2);
            };
            r = Report::new(&format!("{dev}:"));
            if let Err(e) = kill(dev, mib, &mut r) {
                r.check("kill test ran", false, e);
            }
        }
        (Some("fault"), Some(dev)) => {
            let Some(mib) = args.get(3).and_then(|m| m.parse().ok()) else {
                return ExitCode::from(2);
            };
            r = Report::new(&format!("fault {dev}:"));
            if let Err(e) = fault(dev, mib, &mut r) {
                r.check("fault test ran", false, e);
            }
        }
        _ => {
            eprintln!("usage: scull-stress mix SECONDS DEVICE... | fault DEVICE MIB");
            return ExitCode::from(2);
        }
    }
    r.exit_code()
}
