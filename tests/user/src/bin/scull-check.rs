// SPDX-License-Identifier: GPL-2.0

//! Checks of a scull device that need more than a shell. Prints one `TEST PASS: ...` or
//! `TEST FAIL: ...` line per check.
//!   scull-check seek DEVICE          seeks, holes, full-size transfers, truncation
//!   scull-check limits DEVICE BYTES  bad user pointers, huge offsets, the size limit
//!   scull-check integrity DEVICE QUANTUM  faulting writes change exactly what they report
//!   scull-check far DEVICE           one byte at far offsets: memory follows the data

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::process::ExitCode;

use scull_user::{free_memory, Report};

fn errno(r: std::io::Result<u64>) -> Option<i32> {
    r.err().and_then(|e| e.raw_os_error())
}

fn read_to_end(path: &str) -> std::io::Result<Vec<u8>> {
    let mut v = Vec::new();
    File::open(path)?.read_to_end(&mut v)?;
    Ok(v)
}

fn seek_checks(dev: &str, r: &mut Report) -> std::io::Result<()> {
    // O_TRUNC empties the device; an open without it does not.
    OpenOptions::new().write(true).truncate(true).open(dev)?;
    let mut f = OpenOptions::new().read(true).write(true).open(dev)?;
    r.check(
        "empty after an O_TRUNC open",
        f.seek(SeekFrom::End(0))? == 0,
        (),
    );

    f.seek(SeekFrom::Start(0))?;
    f.write_all(b"A")?;
    let hole_end = 3 * 1024 * 1024 + 12345;
    r.check(
        "seek past the end",
        f.seek(SeekFrom::Start(hole_end))? == hole_end,
        (),
    );
    f.write_all(b"B")?;
    r.check(
        "SEEK_END gives the size",
        f.seek(SeekFrom::End(0))? == hole_end + 1,
        (),
    );
    r.check(
        "SEEK_CUR moves relative",
        f.seek(SeekFrom::Current(-1))? == hole_end,
        (),
    );
    r.check(
        "SEEK_END with a negative offset",
        f.seek(SeekFrom::End(-2))? == hole_end - 1,
        (),
    );
    let e = errno(f.seek(SeekFrom::Current(-(hole_end as i64) - 10)));
    r.check("negative result is EINVAL", e == Some(libc::EINVAL), e);
    let e = errno(f.seek(SeekFrom::End(-(hole_end as i64) - 2)));
    r.check("negative SEEK_END is EINVAL", e == Some(libc::EINVAL), e);
    r.check(
        "position kept after a failed seek",
        f.stream_position()? == hole_end - 1,
        (),
    );

    // A hole reads as zeros; data stays across opens.
    let all = read_to_end(dev)?;
    let ok = all.len() as u64 == hole_end + 1
        && all[0] == b'A'
        && all[all.len() - 1] == b'B'
        && all[1..all.len() - 1].iter().all(|&b| b == 0);
    r.check("hole reads as zeros, data kept across opens", ok, all.len());

    // Reading at or past the end returns 0.
    let mut buf = [0u8; 16];
    f.seek(SeekFrom::Start(hole_end + 1))?;
    r.check("read at the end returns 0", f.read(&mut buf)? == 0, ());
    f.seek(SeekFrom::Start(hole_end + 100_000))?;
    r.check("read past the end returns 0", f.read(&mut buf)? == 0, ());

    // One read call moves the whole buffer across quanta and sets.
    let mut big = vec![0xffu8; all.len()];
    f.seek(SeekFrom::Start(0))?;
    let n = f.read(&mut big)?;
    r.check("one read spans quanta and sets", n == all.len(), n);
    let pattern: Vec<u8> = (0..all.len()).map(|i| (i * 7 % 253) as u8).collect();
    f.seek(SeekFrom::Start(0))?;
    let n = f.write(&pattern)?;
    r.check("one write spans quanta and sets", n == pattern.len(), n);
    r.check("its data reads back", read_to_end(dev)? == pattern, ());

    // A write-only open keeps what was there (as for a file); O_TRUNC empties it.
    drop(f);
    OpenOptions::new().write(true).open(dev)?;
    let e = read_to_end(dev)?.len();
    r.check(
        "a write-only open without O_TRUNC keeps the data",
        e == pattern.len(),
        e,
    );
    OpenOptions::new().write(true).truncate(true).open(dev)?;
    let e = read_to_end(dev)?.len();
    r.check("a write-only open with O_TRUNC empties it", e == 0, e);
    Ok(())
}

/// A page of memory whose next page is unmapped: a buffer that runs off its end faults.
fn page_before_a_hole() -> &'static mut [u8] {
    // SAFETY: Maps two fresh anonymous pages and unmaps the second; only the first, which
    // stays mapped for the life of the program, is returned.
    unsafe {
        let p = libc::mmap(
            std::ptr::null_mut(),
            8192,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        );
        assert!(p != libc::MAP_FAILED);
        libc::munmap(p.cast::<u8>().add(4096).cast(), 4096);
        std::slice::from_raw_parts_mut(p.cast::<u8>(), 4096)
    }
}

/// A raw read or write through libc, so that bad buffers reach the driver.
fn raw(f: &File, write: bool, buf: usize, len: usize) -> Result<usize, i32> {
    // SAFETY: The kernel checks the buffer; a bad one is an error, never touched here.
    let n = unsafe {
        if write {
            libc::write(f.as_raw_fd(), buf as *const libc::c_void, len)
        } else {
            libc::read(f.as_raw_fd(), buf as *mut libc::c_void, len)
        }
    };
    if n < 0 {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    } else {
        Ok(n as usize)
    }
}

fn size_of(f: &mut File) -> std::io::Result<u64> {
    let pos = f.stream_position()?;
    let size = f.seek(SeekFrom::End(0))?;
    f.seek(SeekFrom::Start(pos))?;
    Ok(size)
}

fn limit_checks(dev: &str, limit: u64, r: &mut Report) -> std::io::Result<()> {
    OpenOptions::new().write(true).truncate(true).open(dev)?;
    let mut f = OpenOptions::new().read(true).write(true).open(dev)?;
    f.write_all(&[7u8; 1000])?;
    f.seek(SeekFrom::Start(0))?;
    let kernel = 0xffff_ffff_8100_0000usize;
    let efault = Err(libc::EFAULT);
    for (name, write, buf) in [
        ("read into NULL", false, 0),
        ("read into a kernel address", false, kernel),
        ("read into an unmapped address", false, 4096),
        ("write from NULL", true, 0),
        ("write from a kernel address", true, kernel),
        ("write from an unmapped address", true, 4096),
    ] {
        let res = raw(&f, write, buf, 100);
        r.check(&format!("{name} is EFAULT"), res == efault, res);
    }
    r.check("bad buffers changed nothing", size_of(&mut f)? == 1000, ());
    r.check(
        "position unchanged by EFAULT",
        f.stream_position()? == 0,
        (),
    );

    // A buffer whose second page is unmapped: what is reported written is there, whole.
    let page = page_before_a_hole();
    page.fill(0x42);
    let res = raw(&f, true, page.as_ptr() as usize, 8192);
    let size = size_of(&mut f)?;
    let ok = match res {
        Ok(n) => {
            n < 8192 && size == 1000.max(n as u64) && {
                let mut back = vec![0u8; n];
                f.seek(SeekFrom::Start(0))?;
                f.read_exact(&mut back)?;
                back.iter().all(|&b| b == 0x42)
            }
        }
        Err(e) => e == libc::EFAULT && size == 1000,
    };
    r.check(
        "half-bad buffer: short write or EFAULT, and no byte lost",
        ok,
        (res, size),
    );

    // Offsets at the edges.
    let top = i64::MAX as u64;
    let mut buf = [0u8; 10];
    let near = f.seek(SeekFrom::Start(top - 100))?;
    r.check("seek near the largest loff_t", near == top - 100, near);
    r.check("read there returns 0", f.read(&mut buf)? == 0, ());
    let res = raw(&f, true, buf.as_ptr() as usize, 10);
    let want = if limit == 0 {
        libc::EFBIG
    } else {
        libc::ENOSPC
    };
    r.check(
        "write there is ENOSPC (limit) or EFBIG (none)",
        res == Err(want),
        res,
    );
    let at = f.seek(SeekFrom::Start(top))?;
    r.check("seek to the largest loff_t", at == top, at);
    let res = raw(&f, false, buf.as_mut_ptr() as usize, 10);
    r.check(
        "read at the largest loff_t is EINVAL (the VFS's check)",
        res == Err(libc::EINVAL),
        res,
    );
    let e = f
        .seek(SeekFrom::Current(1))
        .err()
        .and_then(|e| e.raw_os_error());
    r.check(
        "SEEK_CUR past the largest loff_t is EINVAL",
        e == Some(libc::EINVAL),
        e,
    );
    if limit != 0 {
        f.seek(SeekFrom::Start(limit - 10))?;
        let n = f.write(&[1u8; 100])?;
        r.check("write across the limit is short, up to it", n == 10, n);
        let res = raw(&f, true, buf.as_ptr() as usize, 10);
        r.check(
            "write at the limit is ENOSPC",
            res == Err(libc::ENOSPC),
            res,
        );
        r.check("size is the limit", size_of(&mut f)? == limit, ());
    }
    Ok(())
}

/// A raw `pwrite`, so that bad buffers reach the driver.
fn pwrite(f: &File, buf: usize, len: usize, pos: u64) -> Result<usize, i32> {
    // SAFETY: The kernel checks the buffer; a bad one is an error, never touched here.
    let n = unsafe { libc::pwrite(f.as_raw_fd(), buf as *const libc::c_void, len, pos as i64) };
    if n < 0 {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    } else {
        Ok(n as usize)
    }
}

/// Bytes that differ at every position, from a seed.
fn pattern(len: usize, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2654435761) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

/// Writes from buffers that fault (NULL, a kernel address, a buffer running into an unmapped
/// page) over existing data, at offsets around quantum boundaries, and after each compares
/// the whole device with a model that applies exactly the bytes each call reported.
fn integrity_checks(dev: &str, quantum: usize, r: &mut Report) -> std::io::Result<()> {
    OpenOptions::new().write(true).truncate(true).open(dev)?;
    let f = OpenOptions::new().read(true).write(true).open(dev)?;
    let mut model = pattern(2 * quantum + 5000, 1);
    f.write_all_at(&model, 0)?;
    // Two pages, the second unmapped: a buffer that runs off the end of the first faults.
    let page = page_before_a_hole();
    page.copy_from_slice(&pattern(4096, 2));
    let base = page.as_ptr() as usize;
    let kernel = 0xffff_ffff_8100_0000usize;
    let mut all_ok = true;
    let mut cases = 0;
    for pos in [
        0,
        1,
        quantum - 100,
        quantum - 1,
        quantum,
        2 * quantum - 3000,
    ] {
        let in_page = [0usize, 1000, 4095];
        let mut bufs = vec![(0usize, 4usize, "NULL"), (kernel, 100, "kernel pointer")];
        for off in in_page {
            bufs.push((base + off, 8192 - off, "buffer into an unmapped page"));
        }
        for (buf, len, what) in bufs {
            cases += 1;
            let res = pwrite(&f, buf, len, pos as u64);
            let fits = match res {
                Err(libc::EFAULT) => true,
                Ok(n) if buf >= base && buf < base + 4096 => {
                    let off = buf - base;
                    if n > 4096 - off {
                        r.check(&format!("{what}: count within the buffer"), false, n);
                        return Ok(());
                    }
                    if pos + n > model.len() {
                        model.resize(pos + n, 0);
                    }
                    model[pos..pos + n].copy_from_slice(&page[off..off + n]);
                    n > 0
                }
                _ => false,
            };
            let back = read_to_end(dev)?;
            if !fits || back != model {
                let first = back.iter().zip(&model).position(|(a, b)| a != b);
                r.check(
                    &format!("write from a {what} at {pos}: result and content"),
                    false,
                    (res, back.len(), model.len(), first),
                );
                all_ok = false;
            }
        }
    }
    r.check(
        &format!("{cases} faulting writes over data changed exactly the bytes they reported"),
        all_ok,
        (),
    );
    Ok(())
}

/// What the system has free now, in KiB, after a moment for per-cpu lists to settle.
fn free_kib() -> std::io::Result<u64> {
    std::thread::sleep(std::time::Duration::from_millis(200));
    free_memory()
}

/// One byte at 16 GiB, at 1 TiB and at the last byte a file can have, on an empty device
/// with no size limit: each succeeds, and what the system has free drops by little.
fn far_checks(dev: &str, module: &str, r: &mut Report) -> std::io::Result<()> {
    OpenOptions::new().write(true).truncate(true).open(dev)?;
    let f = OpenOptions::new().read(true).write(true).open(dev)?;
    let before = free_kib()?;
    let res = f.write_at(b"x", 16 << 30).map_err(|e| e.raw_os_error());
    let used = before.saturating_sub(free_kib()?);
    println!("{dev}: one byte at 16 GiB took {used} KiB of free memory");
    r.check("one byte at 16 GiB is written", res == Ok(1), res);
    r.check(
        "one byte at 16 GiB holds under 1 MiB of memory",
        used < 1024,
        format!("{used} KiB"),
    );
    let dump = std::fs::read_to_string(format!("/sys/kernel/debug/{module}/mem"))?;
    let name = dev.trim_start_matches("/dev/");
    let line = dump.lines().find(|l| l.starts_with(&format!("{name} ")));
    println!("{dev}: dump after it: {line:?}");
    let held: Option<u64> = line.map(|l| {
        l.split(' ')
            .skip(6)
            .filter_map(|w| w.parse::<u64>().ok())
            .sum()
    });
    r.check(
        "the dump counts under 1 MiB held (data and metadata)",
        held.is_some_and(|h| h < 1 << 20),
        line,
    );
    for (what, pos) in [
        ("1 TiB", 1u64 << 40),
        ("the largest loff_t", i64::MAX as u64 - 1),
    ] {
        let res = f.write_at(b"y", pos).map_err(|e| e.raw_os_error());
        r.check(&format!("one byte at {what} is written"), res == Ok(1), res);
        let mut back = [0u8; 1];
        let got = f.read_at(&mut back, pos).map_err(|e| e.raw_os_error());
        r.check(
            "... and reads back",
            got == Ok(1) && back[0] == b'y',
            (got, back),
        );
    }
    let used = before.saturating_sub(free_kib()?);
    println!("{dev}: three far bytes took {used} KiB of free memory");
    r.check(
        "three far bytes hold under 1 MiB of memory",
        used < 1024,
        format!("{used} KiB"),
    );
    let mut mid = [1u8; 4096];
    f.read_exact_at(&mut mid, (1 << 40) - 4096)?;
    r.check(
        "the hole before 1 TiB reads as zeros",
        mid.iter().all(|&b| b == 0),
        (),
    );
    drop(f);
    OpenOptions::new().write(true).truncate(true).open(dev)?;
    let back = before.abs_diff(free_kib()?);
    r.check(
        "truncation gives it back",
        back < 1024,
        format!("{back} KiB off"),
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(cmd), Some(dev)) = (args.get(1), args.get(2)) else {
        eprintln!(
            "usage: scull-check seek DEVICE | limits DEVICE BYTES | integrity DEVICE QUANTUM \
             | far DEVICE MODULE"
        );
        return ExitCode::from(2);
    };
    let mut r = Report::new(&format!("{dev}:"));
    let result = match (cmd.as_str(), args.get(3)) {
        ("seek", _) => seek_checks(dev, &mut r),
        ("limits", Some(limit)) => match limit.parse() {
            Ok(limit) => limit_checks(dev, limit, &mut r),
            Err(_) => return ExitCode::from(2),
        },
        ("integrity", Some(quantum)) => match quantum.parse() {
            Ok(quantum) => integrity_checks(dev, quantum, &mut r),
            Err(_) => return ExitCode::from(2),
        },
        ("far", Some(module)) => far_checks(dev, module, &mut r),
        _ => return ExitCode::from(2),
    };
    if let Err(e) = result {
        r.check(&format!("{cmd} checks ran"), false, e);
    }
    r.exit_code()
}
