// SPDX-License-Identifier: GPL-2.0

//! Checks mmap of a scull device: the mapping shows what read() shows (holes as zeros),
//! writes through a shared mapping land in the device, truncation takes the pages out of the
//! mapping (SIGBUS, then the new data), rmmod is refused while mapped, a page past the end
//! raises SIGBUS, and fault-around maps a fault's neighbours whichever way pages are read.
//! Usage: scull-mmap DEVICE MODULE QUANTUM_BYTES

use scull_user::{sigbus_in_child, Report};
use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::process::ExitCode;

const PAGE: usize = 4096;

struct Mapping {
    ptr: *mut u8,
    len: usize,
}

impl Mapping {
    fn new(f: &File, len: usize, offset: usize, prot: i32) -> Result<Self, i32> {
        Self::with_flags(f, len, offset, prot, libc::MAP_SHARED)
    }

    fn with_flags(f: &File, len: usize, offset: usize, prot: i32, flags: i32) -> Result<Self, i32> {
        // SAFETY: A fresh mapping of the device; the kernel validates the arguments.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                len,
                prot,
                flags,
                f.as_raw_fd(),
                offset as libc::off_t,
            )
        };
        if p == libc::MAP_FAILED {
            return Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0));
        }
        Ok(Mapping { ptr: p.cast(), len })
    }

    /// The first `n` bytes, which must be within the device's size.
    fn bytes(&self, n: usize) -> &[u8] {
        assert!(n <= self.len);
        // SAFETY: The first `n` bytes are mapped pages of the device, alive while `self` is.
        unsafe { std::slice::from_raw_parts(self.ptr, n) }
    }
}

impl Drop for Mapping {
    fn drop(&mut self) {
        // SAFETY: Unmaps what `new` mapped.
        unsafe { libc::munmap(self.ptr.cast(), self.len) };
    }
}

fn read_all(dev: &str) -> Vec<u8> {
    let mut v = Vec::new();
    File::open(dev)
        .and_then(|mut f| f.read_to_end(&mut v))
        .map(|_| v)
        .unwrap_or_default()
}

fn checks(dev: &str, module: &str, quantum: usize, r: &mut Report) -> std::io::Result<()> {
    // Data, a hole of two whole quanta, data again: 4.5 quanta in all.
    OpenOptions::new().write(true).truncate(true).open(dev)?;
    let f = OpenOptions::new().read(true).write(true).open(dev)?;
    let size = 4 * quantum + quantum / 2;
    let data: Vec<u8> = (0..size).map(|i| (i * 31 % 251) as u8 + 1).collect();
    f.write_all_at(&data[..quantum + 100], 0)?;
    f.write_all_at(&data[3 * quantum..], 3 * quantum as u64)?;
    let want = read_all(dev);
    r.check(
        "device holds 4.5 quanta with a hole",
        want.len() == size,
        want.len(),
    );

    let len = size.div_ceil(PAGE) * PAGE;
    match Mapping::new(&f, len, 0, libc::PROT_READ) {
        Ok(m) => {
            r.check(
                "PROT_READ mapping shows what read() shows, hole as zeros",
                m.bytes(size) == want.as_slice(),
                (),
            );
            // Truncation works under the mapping, as on tmpfs: the pages leave it.
            let t = OpenOptions::new().write(true).truncate(true).open(dev);
            r.check("truncation while mapped succeeds", t.is_ok(), t.err());
            r.check(
                "... and the mapping then raises SIGBUS (the device is empty)",
                // SAFETY: The first byte of the mapping: SIGBUS ends the child.
                sigbus_in_child(|| unsafe {
                    std::ptr::read_volatile(m.ptr);
                }),
                (),
            );
            // New content of the same shape: the old mapping faults it in.
            let other: Vec<u8> = data.iter().map(|b| !b).collect();
            f.write_all_at(&other[..quantum + 100], 0)?;
            f.write_all_at(&other[3 * quantum..], 3 * quantum as u64)?;
            let now = read_all(dev);
            r.check(
                "... then shows what the device holds after new writes",
                now.len() == size && m.bytes(size) == now.as_slice(),
                now.len(),
            );
            // Back to the data the checks below expect.
            OpenOptions::new().write(true).truncate(true).open(dev)?;
            f.write_all_at(&data[..quantum + 100], 0)?;
            f.write_all_at(&data[3 * quantum..], 3 * quantum as u64)?;
            r.check(
                "... and again after another truncation",
                m.bytes(size) == want.as_slice(),
                (),
            );
            let out = std::process::Command::new("rmmod").arg(module).output();
            r.check(
                "rmmod while mapped is refused",
                matches!(&out, Ok(o) if !o.status.success()),
                (),
            );
        }
        Err(e) => r.check("PROT_READ mapping of the whole device", false, e),
    }

    // An offset mapping of three pages from page 1, through a new descriptor that is then
    // closed: the mapping keeps working.
    {
        let g = File::open(dev)?;
        let m = Mapping::new(&g, 3 * PAGE, PAGE, libc::PROT_READ);
        drop(g);
        match m {
            Ok(m) => r.check(
                "mapping at an offset, file closed",
                m.bytes(3 * PAGE) == &want[PAGE..4 * PAGE],
                (),
            ),
            Err(e) => r.check("mapping at an offset", false, e),
        }
    }

    // Writes through a shared writable mapping land in the device.
    match Mapping::new(&f, len, 0, libc::PROT_READ | libc::PROT_WRITE) {
        Ok(m) => {
            let at = 2 * quantum + 7;
            // SAFETY: `at` + 5 is within the device, mapped writable.
            unsafe { std::ptr::copy_nonoverlapping(b"HELLO".as_ptr(), m.ptr.add(at), 5) };
            let mut back = [0u8; 5];
            f.read_exact_at(&mut back, at as u64)?;
            r.check(
                "a store through a shared mapping is in the device",
                &back == b"HELLO",
                back,
            );
        }
        Err(e) => r.check("PROT_WRITE shared mapping", false, e),
    }

    // Past the end: the mapping may be longer than the device, but those pages raise SIGBUS.
    match Mapping::new(&f, len + 2 * PAGE, 0, libc::PROT_READ) {
        Ok(m) => {
            let past = m.ptr as usize + len + PAGE;
            // SAFETY: The child reads a mapped address; the kernel answers with SIGBUS.
            let bus = sigbus_in_child(|| unsafe {
                std::ptr::read_volatile(past as *const u8);
            });
            r.check("touching a page past the end raises SIGBUS", bus, ());
            let last = m.ptr as usize + size - 1;
            // SAFETY: As above, within the device this time.
            let ok = !sigbus_in_child(|| unsafe {
                std::ptr::read_volatile(last as *const u8);
            });
            r.check("... while the last byte of the device reads fine", ok, ());
        }
        Err(e) => r.check("mapping longer than the device", false, e),
    }

    // MADV_DONTNEED drops the mapping's pages; touching them again faults them back in from
    // the device, data intact.
    match Mapping::new(&f, len, 0, libc::PROT_READ | libc::PROT_WRITE) {
        Ok(m) => {
            let before = m.bytes(size).to_vec();
            // SAFETY: Advice on the mapping made above.
            let rc = unsafe { libc::madvise(m.ptr.cast(), len, libc::MADV_DONTNEED) };
            let rc = (rc, std::io::Error::last_os_error());
            let now = read_all(dev);
            r.check(
                "MADV_DONTNEED, then the mapping faults the data back in",
                rc.0 == 0 && m.bytes(size) == before.as_slice() && before == now,
                rc,
            );
        }
        Err(e) => r.check("mapping for MADV_DONTNEED", false, e),
    }

    // A mapping sees the device as it is when a page is touched: grown after mmap, the new
    // bytes are there; past the new end, SIGBUS still.
    match Mapping::new(&f, len + 2 * PAGE, 0, libc::PROT_READ) {
        Ok(m) => {
            let grown = len + 10;
            f.write_all_at(b"grown", grown as u64)?;
            let mut back = [0u8; 5];
            // SAFETY: The page holding `grown` is within the device now, and mapped.
            unsafe { std::ptr::copy_nonoverlapping(m.ptr.add(grown), back.as_mut_ptr(), 5) };
            r.check(
                "a device grown after mmap shows its new bytes",
                &back == b"grown",
                back,
            );
            let past = m.ptr as usize + len + PAGE + 1;
            // SAFETY: The child reads a mapped address; the kernel answers with SIGBUS.
            let bus = sigbus_in_child(|| unsafe {
                std::ptr::read_volatile(past as *const u8);
            });
            r.check("... and SIGBUS past its new end", bus, ());
        }
        Err(e) => r.check("mapping before growth", false, e),
    }

    // mmap does not fail on a busy device: a writer keeps the data lock busy meanwhile.
    {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let g = OpenOptions::new().write(true).open(dev)?;
        let chunk = vec![0x77u8; 256 << 10];
        let stop2 = stop.clone();
        let busy = std::thread::spawn(move || {
            while !stop2.load(std::sync::atomic::Ordering::Relaxed) {
                let _ = g.write_all_at(&chunk, (8 * quantum) as u64);
            }
        });
        let mut failures = Vec::new();
        for _ in 0..50 {
            if let Err(e) = Mapping::new(&f, len, 0, libc::PROT_READ) {
                failures.push(e);
            }
        }
        stop.store(true, std::sync::atomic::Ordering::Relaxed);
        let _ = busy.join();
        r.check(
            "50 mmaps while a writer keeps the device busy all succeed",
            failures.is_empty(),
            failures,
        );
    }

    let e = Mapping::new(&f, PAGE, 100, libc::PROT_READ).err();
    r.check(
        "an offset that is not a page multiple is EINVAL",
        e == Some(libc::EINVAL),
        e,
    );

    // With every mapping gone, truncation works again.
    let res = OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(dev)
        .map(|_| ());
    r.check(
        "truncation after munmap",
        res.is_ok() && read_all(dev).is_empty(),
        res,
    );
    Ok(())
}

/// Minor faults of this process so far.
fn minor_faults() -> i64 {
    // SAFETY: `getrusage` fills the zeroed struct it is given.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: As above.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    usage.ru_minflt
}

/// Fault-around maps a fault's neighbours on both sides, as filemap does for a file: reading
/// 256 pages forwards or backwards (glibc's memcpy copies backwards when the destination lies
/// above the source) takes about one fault in 16, at any offset of the mapping, and every
/// page shows the device's bytes at its own offset.
fn fault_around(dev: &str, r: &mut Report) -> std::io::Result<()> {
    const PAGES: usize = 256;
    OpenOptions::new().write(true).truncate(true).open(dev)?;
    let f = OpenOptions::new().read(true).write(true).open(dev)?;
    // Every page different, so that a page mapped at the wrong place shows.
    let data: Vec<u8> = (0..(PAGES + 8) * PAGE)
        .map(|i| (i / PAGE * 7 + i % 251) as u8)
        .collect();
    f.write_all_at(&data, 0)?;
    for (offset, backwards) in [(0, false), (0, true), (3, false), (3, true)] {
        let m = match Mapping::new(&f, PAGES * PAGE, offset * PAGE, libc::PROT_READ) {
            Ok(m) => m,
            Err(e) => {
                r.check("fault-around: a 256-page mapping", false, e);
                continue;
            }
        };
        let mut pages: Vec<usize> = (0..PAGES).collect();
        if backwards {
            pages.reverse();
        }
        let before = minor_faults();
        let mut first_bytes = vec![0u8; PAGES];
        for &page in &pages {
            // SAFETY: Page `page` of the mapping, inside the device's data.
            first_bytes[page] = unsafe { std::ptr::read_volatile(m.ptr.add(page * PAGE)) };
        }
        let faults = minor_faults() - before;
        let way = if backwards { "backwards" } else { "forwards" };
        r.check(
            &format!(
                "fault-around: 256 pages read {way} from page {offset} take at most 32 faults"
            ),
            faults <= 32,
            faults,
        );
        let want = &data[offset * PAGE..(offset + PAGES) * PAGE];
        r.check(
            &format!("... and every page shows the device's bytes at its offset ({way})"),
            m.bytes(PAGES * PAGE) == want && (0..PAGES).all(|p| first_bytes[p] == want[p * PAGE]),
            (),
        );
    }
    fault_around_edges(&f, &data, r);
    OpenOptions::new().write(true).truncate(true).open(dev)?;
    Ok(())
}

/// Fault-around next to pages it must leave alone: a private copy in a `MAP_PRIVATE` mapping,
/// a page already mapped inside the window, and mappings smaller than the window at an odd
/// offset. The device holds `data`.
fn fault_around_edges(f: &File, data: &[u8], r: &mut Report) {
    let rw = libc::PROT_READ | libc::PROT_WRITE;
    match Mapping::with_flags(f, 32 * PAGE, 0, rw, libc::MAP_PRIVATE) {
        Ok(m) => {
            // SAFETY: Pages of the 32-page mapping: a store copies page 5 (COW); every other
            // page is dropped from the mapping, so that a load of page 8 faults, with page 5's
            // copy in its window.
            let (copy, later) = unsafe {
                std::ptr::write_volatile(m.ptr.add(5 * PAGE), !data[5 * PAGE]);
                libc::madvise(m.ptr.cast(), 5 * PAGE, libc::MADV_DONTNEED);
                libc::madvise(m.ptr.add(6 * PAGE).cast(), 26 * PAGE, libc::MADV_DONTNEED);
                let later = std::ptr::read_volatile(m.ptr.add(8 * PAGE));
                (std::ptr::read_volatile(m.ptr.add(5 * PAGE)), later)
            };
            let mut want = data[..32 * PAGE].to_vec();
            want[5 * PAGE] = !data[5 * PAGE];
            let mut first = [0u8; 1];
            let device_kept =
                f.read_exact_at(&mut first, 5 * PAGE as u64).is_ok() && first[0] == data[5 * PAGE];
            r.check(
                "fault-around keeps a private copy in a MAP_PRIVATE mapping, and the device's byte",
                copy == !data[5 * PAGE]
                    && later == data[8 * PAGE]
                    && m.bytes(32 * PAGE) == want.as_slice()
                    && device_kept,
                (copy, later, device_kept),
            );
        }
        Err(e) => r.check("a private 32-page mapping", false, e),
    }
    match Mapping::new(f, 32 * PAGE, 0, libc::PROT_READ) {
        Ok(m) => {
            // SAFETY: Pages 7 and then 3 of the mapping: the second fault's window holds the
            // page the first one mapped.
            unsafe {
                std::ptr::read_volatile(m.ptr.add(7 * PAGE));
                std::ptr::read_volatile(m.ptr.add(3 * PAGE));
            }
            r.check(
                "fault-around skips a page already mapped inside its window",
                m.bytes(32 * PAGE) == &data[..32 * PAGE],
                (),
            );
        }
        Err(e) => r.check("a 32-page mapping", false, e),
    }
    for pages in [1, 3] {
        match Mapping::new(f, pages * PAGE, 5 * PAGE, libc::PROT_READ) {
            Ok(m) => r.check(
                &format!("a {pages}-page mapping at page 5 shows pages 5.. (fault-around clamped)"),
                m.bytes(pages * PAGE) == &data[5 * PAGE..(5 + pages) * PAGE],
                (),
            ),
            Err(e) => r.check("a small mapping", false, e),
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dev), Some(module), Some(Ok(quantum))) = (
        args.get(1),
        args.get(2),
        args.get(3).map(|q| q.parse::<usize>()),
    ) else {
        eprintln!("usage: scull-mmap DEVICE MODULE QUANTUM_BYTES");
        return ExitCode::from(2);
    };
    let mut r = Report::new(&format!("{dev} mmap (quantum {quantum}):"));
    if let Err(e) = checks(dev, module, quantum, &mut r) {
        r.check("mmap checks ran", false, e);
    }
    if let Err(e) = fault_around(dev, &mut r) {
        r.check("fault-around checks ran", false, e);
    }
    r.exit_code()
}
