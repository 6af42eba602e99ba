// SPDX-License-Identifier: GPL-2.0

//! Checks pagealloc's addresses against the kernel's own records, and its bad-input handling.
//!   pagealloc-check held             every block in /dev/pagealloc's table: pfn, phys, virt
//!   pagealloc-check freed PFN ORDER  that block is back in the buddy allocator's free lists
//!   pagealloc-check bad              malformed commands: EINVAL, nothing changed, a dmesg line
//!   pagealloc-check nonroot          a user without CAP_SYS_ADMIN gets EPERM (even at mode 666)
//!   pagealloc-check smallreads ROWS  ROWS more blocks; 7-byte reads give the table exactly once
//!   pagealloc-check snapshot         an open file reads the table as it was at its first read
//!   pagealloc-check lines            a write of several commands runs them in order, up to a bad one
//!   pagealloc-check empty            a 0-byte write is 0, a blank line 1: nothing done, nothing logged
//!   pagealloc-check many ROWS        ROWS more order-0 blocks: the table reads back whole, timed

use scull_user::{become_nobody, exited_ok, in_child, Report};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::FileExt;
use std::process::ExitCode;
use std::time::{Duration, Instant};

const NODE: &str = "/dev/pagealloc";
const PAGE_SHIFT: u32 = 12;
/// Bit of /proc/kpageflags set on the first page of a free buddy block.
const KPF_BUDDY: u64 = 1 << 10;
const MAX_ORDER: u32 = 10;

struct Block {
    id: u64,
    order: u32,
    pfn: u64,
    phys: u64,
    virt: u64,
}

fn hex(s: &str) -> Option<u64> {
    u64::from_str_radix(s.strip_prefix("0x")?, 16).ok()
}

/// The value of a `key=value` column.
fn field<'a>(w: &[&'a str], i: usize, key: &str) -> Option<&'a str> {
    w.get(i)?.strip_prefix(key)?.strip_prefix('=')
}

fn table() -> std::io::Result<String> {
    let mut s = String::new();
    File::open(NODE)?.read_to_string(&mut s)?;
    Ok(s)
}

fn blocks(text: &str) -> Option<Vec<Block>> {
    text.lines()
        .skip(1)
        .map(|l| {
            let w: Vec<&str> = l.split(' ').collect();
            Some(Block {
                id: w.first()?.parse().ok()?,
                order: field(&w, 2, "order")?.parse().ok()?,
                pfn: hex(field(&w, 4, "pfn")?)?,
                phys: hex(field(&w, 5, "phys")?)?,
                virt: hex(field(&w, 6, "virt")?)?,
            })
        })
        .collect()
}

fn kpageflags(pfn: u64) -> std::io::Result<u64> {
    let mut f = File::open("/proc/kpageflags")?;
    f.seek(SeekFrom::Start(pfn * 8))?;
    let mut b = [0u8; 8];
    f.read_exact(&mut b)?;
    Ok(u64::from_ne_bytes(b))
}

/// The System RAM ranges of /proc/iomem.
fn system_ram() -> Vec<(u64, u64)> {
    let text = std::fs::read_to_string("/proc/iomem").unwrap_or_default();
    text.lines()
        .filter(|l| l.ends_with(": System RAM"))
        .filter_map(|l| {
            let (a, b) = l.trim().split(' ').next()?.split_once('-')?;
            Some((
                u64::from_str_radix(a, 16).ok()?,
                u64::from_str_radix(b, 16).ok()?,
            ))
        })
        .collect()
}

fn held(r: &mut Report) {
    let text = match table() {
        Ok(t) => t,
        Err(e) => return r.check("table readable", false, e),
    };
    let Some(list) = blocks(&text) else {
        return r.check("table parses", false, text);
    };
    r.check("table lists blocks", !list.is_empty(), &text);
    let ram = system_ram();
    r.check("/proc/iomem has System RAM", !ram.is_empty(), ());
    let offset = list.first().map(|b| b.virt.wrapping_sub(b.phys));
    for b in &list {
        let id = b.id;
        r.check(
            &format!("block {id}: phys == pfn << PAGE_SHIFT"),
            b.phys == b.pfn << PAGE_SHIFT,
            (b.pfn, b.phys),
        );
        let end = b.phys + (4096 << b.order) - 1;
        r.check(
            &format!("block {id}: in a System RAM range of /proc/iomem"),
            ram.iter().any(|&(lo, hi)| lo <= b.phys && end <= hi),
            b.phys,
        );
        r.check(
            &format!("block {id}: virt is in the direct map (virt - phys as for every block)"),
            Some(b.virt.wrapping_sub(b.phys)) == offset && b.virt >= 0xff00_0000_0000_0000,
            b.virt,
        );
        let flags: Result<Vec<u64>, _> = (b.pfn..b.pfn + (1 << b.order)).map(kpageflags).collect();
        r.check(
            &format!("block {id}: kpageflags shows every page allocated (buddy clear)"),
            matches!(&flags, Ok(f) if f.iter().all(|&x| x & KPF_BUDDY == 0)),
            flags.map(|f| f.first().copied()),
        );
    }
}

/// A freed block is free again: its first page, or an aligned block around it, is the head
/// of a free buddy block. (Orders below 4 go to per-CPU lists first, where no flag shows.)
/// Each candidate head is read once, and a failure shows what those reads saw.
fn freed(r: &mut Report, pfn: u64, order: u32) {
    let seen: Vec<(u64, Option<u64>)> = (order..=MAX_ORDER)
        .map(|k| {
            let head = pfn & !((1u64 << k) - 1);
            (head, kpageflags(head).ok())
        })
        .collect();
    let covered = seen
        .iter()
        .any(|&(_, flags)| flags.is_some_and(|f| f & KPF_BUDDY != 0));
    let shown: Vec<String> = seen
        .iter()
        .map(|(head, flags)| format!("{head:#x}: {flags:#x?}"))
        .collect();
    r.check(
        &format!("pfn {pfn:#x}: back in the buddy free lists"),
        covered,
        shown,
    );
}

fn write_cmd(cmd: &[u8]) -> Result<usize, i32> {
    let mut f = OpenOptions::new()
        .write(true)
        .open(NODE)
        .map_err(|e| e.raw_os_error().unwrap_or(0))?;
    f.write(cmd).map_err(|e| e.raw_os_error().unwrap_or(0))
}

fn dmesg_lines() -> usize {
    std::process::Command::new("dmesg")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).lines().count())
        .unwrap_or(0)
}

/// The kernel log's last line: a new line changes it even once the log has wrapped.
fn dmesg_last() -> String {
    std::process::Command::new("dmesg")
        .output()
        .map(|o| {
            let text = String::from_utf8_lossy(&o.stdout);
            text.lines().last().unwrap_or_default().to_string()
        })
        .unwrap_or_default()
}

fn bad(r: &mut Report) {
    let long = [b'a'; 100];
    let cases: [(&str, &[u8]); 10] = [
        ("alloc without order", b"alloc\n"),
        ("alloc x", b"alloc x\n"),
        ("alloc 11 (above MAX_PAGE_ORDER)", b"alloc 11\n"),
        ("alloc -1", b"alloc -1\n"),
        ("alloc 2 with an unknown flag", b"alloc 2 bogus\n"),
        ("free of an unknown id", b"free 999\n"),
        ("free without id", b"free\n"),
        ("free all with extra words", b"free all now\n"),
        ("unknown command", b"frob 1\n"),
        ("100-byte command", &long),
    ];
    for (name, cmd) in cases {
        let before = table().ok();
        let lines = dmesg_lines();
        let res = write_cmd(cmd);
        let after = table().ok();
        r.check(
            &format!("{name}: EINVAL, table unchanged, one dmesg line"),
            res == Err(libc::EINVAL) && before == after && dmesg_lines() == lines + 1,
            (res, dmesg_lines() - lines),
        );
    }
}

/// The ids of the table's rows, in order.
fn ids(text: &str) -> Vec<u64> {
    text.lines()
        .skip(1)
        .filter_map(|l| l.split(' ').next()?.parse().ok())
        .collect()
}

/// Whether no id appears twice.
fn distinct(ids: &[u64]) -> bool {
    let mut v = ids.to_vec();
    v.sort_unstable();
    v.windows(2).all(|w| w[0] != w[1])
}

fn open_rw() -> std::io::Result<File> {
    OpenOptions::new().read(true).write(true).open(NODE)
}

fn errno(e: std::io::Error) -> i32 {
    e.raw_os_error().unwrap_or(0)
}

/// One write(2) of `bytes` on `f`: its count or its errno.
fn write_on(f: &mut File, bytes: &[u8]) -> Result<usize, i32> {
    f.write(bytes).map_err(errno)
}

/// Reads `f` to its end in reads of `chunk` bytes; stops at `deadline` (then `Err` with what
/// was read).
fn read_in(f: &mut File, chunk: usize, deadline: Instant) -> Result<Vec<u8>, (String, usize)> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; chunk];
    loop {
        if Instant::now() > deadline {
            return Err(("deadline passed".into(), out.len()));
        }
        match f.read(&mut buf) {
            Ok(0) => return Ok(out),
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) => return Err((e.to_string(), out.len())),
        }
    }
}

/// Allocates `n` order-0 blocks, one command per write (as any version of the node takes).
fn alloc_singly(n: usize) -> Result<(), i32> {
    let mut f = open_rw().map_err(errno)?;
    for _ in 0..n {
        write_on(&mut f, b"alloc 0\n")?;
    }
    Ok(())
}

/// (a) With `rows` more blocks, 7-byte reads return the table exactly once, in well under a
/// second per thousand rows (each read used to format the whole table again).
fn smallreads(r: &mut Report, rows: usize) {
    let made = alloc_singly(rows);
    r.check(&format!("{rows} blocks allocated"), made.is_ok(), made);
    let whole = table().unwrap_or_default();
    let want = ids(&whole);
    r.check(
        "table has a row per block",
        want.len() > rows && distinct(&want),
        want.len(),
    );
    let start = Instant::now();
    let got = File::open(NODE)
        .map_err(|e| (e.to_string(), 0))
        .and_then(|mut f| read_in(&mut f, 7, start + Duration::from_secs(30)));
    let secs = start.elapsed().as_secs_f64();
    println!(
        "pagealloc: {} bytes ({} rows) in 7-byte reads: {secs:.2} s",
        whole.len(),
        want.len()
    );
    match got {
        Ok(bytes) => r.check(
            "7-byte reads give the table exactly once",
            bytes == whole.as_bytes(),
            (bytes.len(), whole.len()),
        ),
        Err(e) => r.check("7-byte reads give the table exactly once", false, e),
    }
}

/// (b) A file reads the table as it was at its first read (or first SEEK_END), whatever
/// changes after; a file opened later, or opened but not yet read, sees the new table.
fn snapshot(r: &mut Report) {
    let made = alloc_singly(20);
    r.check("20 blocks allocated", made.is_ok(), made);
    let old = table().unwrap_or_default();
    let old_ids = ids(&old);
    let (Ok(mut a), Ok(mut e), Ok(mut unread), Ok(mut w)) = (
        File::open(NODE),
        File::open(NODE),
        File::open(NODE),
        open_rw(),
    ) else {
        return r.check("four opens", false, ());
    };
    let mut head = [0u8; 100];
    let part = a.read_exact(&mut head).map_err(errno);
    r.check("first 100 bytes read", part.is_ok(), part);
    let end = e.seek(SeekFrom::End(0)).map_err(errno);
    r.check(
        "SEEK_END is the table's size",
        end == Ok(old.len() as u64),
        (end, old.len()),
    );

    // Change the table: free the second block (every row after it moves up), add two.
    let victim = old_ids.get(1).copied().unwrap_or(0);
    let changed = [
        format!("free {victim}\n"),
        "alloc 0\n".into(),
        "alloc 0\n".into(),
    ]
    .iter()
    .map(|c| write_on(&mut w, c.as_bytes()))
    .collect::<Result<Vec<_>, _>>();
    r.check(
        "table changed through another file",
        changed.is_ok(),
        changed,
    );

    let mut rest = Vec::new();
    let read = a.read_to_end(&mut rest).map_err(errno);
    let mut seen = head.to_vec();
    seen.extend_from_slice(&rest);
    r.check(
        "a file half read when the table changed reads on in the old table",
        read.is_ok() && seen == old.as_bytes(),
        (
            read,
            seen.len(),
            old.len(),
            distinct(&ids(&String::from_utf8_lossy(&seen))),
        ),
    );
    let again = e.seek(SeekFrom::Start(0)).and_then(|_| {
        let mut s = Vec::new();
        e.read_to_end(&mut s)?;
        Ok((s, e.seek(SeekFrom::End(0))?))
    });
    r.check(
        "a file that sought to its end before the change reads the old table",
        matches!(&again, Ok((s, n)) if s == old.as_bytes() && *n == old.len() as u64),
        again.map(|(s, n)| (s.len(), n)).map_err(errno),
    );

    let new = table().unwrap_or_default();
    let new_ids = ids(&new);
    r.check(
        "a new open reads the new table",
        !new_ids.contains(&victim) && new_ids.len() == old_ids.len() + 1 && distinct(&new_ids),
        (new_ids.len(), old_ids.len()),
    );
    let mut s = String::new();
    let read = unread.read_to_string(&mut s).map_err(errno);
    r.check(
        "a file opened before the change but first read after it reads the new table",
        read.is_ok() && s == new,
        (read, s.len(), new.len()),
    );

    // Positions at their extremes: errno or end of file, never a crash.
    let mut b = [0u8; 16];
    r.check(
        "pread at 2^62 is end of file",
        matches!(a.read_at(&mut b, 1 << 62), Ok(0)),
        (),
    );
    for (name, off) in [
        ("SEEK_END + i64::MAX", i64::MAX),
        ("SEEK_END + i64::MIN", i64::MIN),
        ("SEEK_END before the start", -(old.len() as i64) - 1),
    ] {
        let res = a.seek(SeekFrom::End(off)).map_err(errno);
        r.check(&format!("{name}: EINVAL"), res == Err(libc::EINVAL), res);
    }
    let res = a.seek(SeekFrom::End(-1)).map_err(errno);
    r.check(
        "SEEK_END - 1 is in the old table",
        res == Ok(old.len() as u64 - 1),
        res,
    );
}

/// Rows of a table read after `before`, with their orders: the ones added since.
fn added(before: &str) -> Vec<(u64, u32)> {
    let top = ids(before).into_iter().max().unwrap_or(0);
    blocks(&table().unwrap_or_default())
        .unwrap_or_default()
        .into_iter()
        .filter(|b| b.id > top)
        .map(|b| (b.id, b.order))
        .collect()
}

/// (c) One command per line, each run in order; a bad line stops the write there: the count
/// of the lines before it (a short write), or its error if it is the first.
fn lines(r: &mut Report) {
    let Ok(mut f) = open_rw() else {
        return r.check("open", false, ());
    };
    let fd = f.as_raw_fd();
    let mut case =
        |r: &mut Report, name: &str, cmd: &[u8], want: Result<usize, i32>, orders: &[u32]| {
            let before = table().unwrap_or_default();
            let res = write_on(&mut f, cmd);
            let new = added(&before);
            let got: Vec<u32> = new.iter().map(|&(_, o)| o).collect();
            r.check(name, res == want && got == orders, (res, got));
            new
        };
    case(
        r,
        "two lines make two blocks",
        b"alloc 0\nalloc 1\n",
        Ok(16),
        &[0, 1],
    );
    case(
        r,
        "last line without a newline",
        b"alloc 0\nalloc 2",
        Ok(15),
        &[0, 2],
    );
    let blanks = b"\n\nalloc 0\n  \n\nalloc 1 gfp\n\n";
    case(
        r,
        "blank lines are ignored",
        blanks,
        Ok(blanks.len()),
        &[0, 1],
    );
    case(
        r,
        "a bad second line: the first runs, a short count, the third does not",
        b"alloc 0\nbogus\nalloc 1\n",
        Ok(8),
        &[0],
    );
    case(
        r,
        "a bad first line: EINVAL, nothing runs",
        b"alloc 99\nalloc 0\n",
        Err(libc::EINVAL),
        &[],
    );
    case(
        r,
        "blank lines then a bad line: EINVAL",
        b"\n\nfree 0\nalloc 0\n",
        Err(libc::EINVAL),
        &[],
    );
    case(
        r,
        "a second line of non-UTF-8: the first runs",
        b"alloc 0\n\xff\xfe alloc\nalloc 0\n",
        Ok(8),
        &[0],
    );
    let mut long = b"alloc 3\n".to_vec();
    long.extend_from_slice(&[b'a'; 100]);
    long.extend_from_slice(b"\nalloc 0\n");
    case(
        r,
        "a 100-byte second line: the first runs",
        &long,
        Ok(8),
        &[3],
    );
    case(
        r,
        "an unknown id on line two",
        b"alloc 0\nfree 999999999\n",
        Ok(8),
        &[0],
    );

    // User memory that faults: from NULL, EFAULT; from a buffer running into an unmapped
    // page, the whole lines before the fault run and the count says so.
    let before = table().unwrap_or_default();
    // SAFETY: A write from NULL: the kernel reports EFAULT, nothing in this process is touched.
    let res = unsafe { libc::write(fd, std::ptr::null(), 16) };
    let err = std::io::Error::last_os_error().raw_os_error();
    r.check(
        "a write from NULL: EFAULT, nothing runs",
        res == -1 && err == Some(libc::EFAULT) && added(&before).is_empty(),
        (res, err),
    );
    // SAFETY: A fresh anonymous mapping of two pages, owned here.
    let map = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            8192,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if map == libc::MAP_FAILED {
        return r.check("mmap of two pages", false, ());
    }
    let page = map.cast::<u8>();
    // SAFETY: The first page is mapped and writable; the second is unmapped, once.
    unsafe {
        std::ptr::copy_nonoverlapping(b"alloc 4\nallo".as_ptr(), page.add(4096 - 12), 12);
        libc::munmap(page.add(4096).cast(), 4096);
    }
    for (name, at, want, orders) in [
        ("the line before the fault runs", 12, Ok(8), &[4][..]),
        (
            "a line cut by the fault: EFAULT",
            4,
            Err(libc::EFAULT),
            &[][..],
        ),
    ] {
        let before = table().unwrap_or_default();
        // SAFETY: `at` bytes of the first page are mapped, then the unmapped page: the kernel
        // copies what it can and reports how far it got.
        let res = unsafe { libc::write(fd, page.add(4096 - at).cast(), 24) };
        let res = if res < 0 {
            Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
        } else {
            Ok(res as usize)
        };
        let got: Vec<u32> = added(&before).iter().map(|&(_, o)| o).collect();
        r.check(
            &format!("a write running into an unmapped page: {name}"),
            res == want && got == orders,
            (res, got),
        );
    }
    // SAFETY: Unmaps the first page, mapped above and no longer used.
    unsafe { libc::munmap(map, 4096) };

    // A write longer than a page: the node takes the whole lines of its first page.
    let line = b"alloc 0 pages\n";
    let big: Vec<u8> = line
        .iter()
        .copied()
        .cycle()
        .take(line.len() * 600)
        .collect();
    let per_page = 4096 / line.len();
    let taken = case(
        r,
        "an 8400-byte write takes the whole lines of its first 4096 bytes",
        &big,
        Ok(per_page * line.len()),
        &vec![0; per_page],
    );
    let before = table().unwrap_or_default();
    let all = f.write_all(&big).map_err(errno);
    let rest = added(&before);
    r.check(
        "write_all of the same 8400 bytes runs all 600 lines",
        all.is_ok() && rest.len() == 600,
        (all, rest.len()),
    );
    // Free them all in one write_all of "free ID" lines.
    let frees: String = taken
        .iter()
        .chain(rest.iter())
        .map(|(id, _)| format!("free {id}\n"))
        .collect();
    let before = ids(&table().unwrap_or_default()).len();
    let freed = f.write_all(frees.as_bytes()).map_err(errno);
    let after = ids(&table().unwrap_or_default()).len();
    let n = per_page + 600;
    r.check(
        &format!("a write_all of {n} free lines frees {n} blocks"),
        freed.is_ok() && after + n == before,
        (freed, before, after),
    );
}

/// (d) A 0-byte write is 0 and a blank line is 1: nothing changed, nothing logged.
fn empty(r: &mut Report) {
    let Ok(mut f) = open_rw() else {
        return r.check("open", false, ());
    };
    for (name, cmd, want) in [
        ("a 0-byte write", &b""[..], 0),
        ("a blank line", b"\n", 1),
        ("spaces", b"   \n", 4),
    ] {
        let before = table().ok();
        let (lines, last) = (dmesg_lines(), dmesg_last());
        let res = write_on(&mut f, cmd);
        let after = table().ok();
        let (now, now_last) = (dmesg_lines(), dmesg_last());
        r.check(
            &format!("{name}: {want}, table unchanged, no dmesg line"),
            res == Ok(want) && before == after && now == lines && now_last == last,
            (res, before == after, now as i64 - lines as i64, now_last),
        );
    }
}

/// (e) `rows` more order-0 blocks, made through multi-line writes; the table reads back whole
/// and fast (it used to fail with ENOMEM past about 44,000 rows). Prints the times.
fn many(r: &mut Report, rows: usize) {
    let Ok(mut f) = open_rw() else {
        return r.check("open", false, ());
    };
    let before = ids(&table().unwrap_or_default()).len();
    let t = Instant::now();
    let cmds = b"alloc 0\n".repeat(rows);
    let made = f.write_all(&cmds).map_err(errno);
    let alloc_s = t.elapsed().as_secs_f64();
    r.check(&format!("{rows} blocks allocated"), made.is_ok(), made);

    let t = Instant::now();
    let text = File::open(NODE)
        .map_err(|e| (e.to_string(), 0))
        .and_then(|mut g| read_in(&mut g, 65536, t + Duration::from_secs(60)));
    let read_s = t.elapsed().as_secs_f64();
    let text = match text {
        Ok(b) => String::from_utf8(b).unwrap_or_default(),
        Err(e) => return r.check("table read", false, e),
    };
    let got = ids(&text);
    println!(
        "pagealloc: {rows} blocks: allocated in {alloc_s:.2} s; table of {} bytes read in {read_s:.2} s",
        text.len()
    );
    r.check(
        &format!(
            "table of {} rows reads back whole, every id once",
            before + rows
        ),
        got.len() == before + rows && distinct(&got) && blocks(&text).is_some(),
        (got.len(), before + rows),
    );
    let mut small = Vec::new();
    let t = Instant::now();
    let tail = File::open(NODE).and_then(|mut g| {
        g.seek(SeekFrom::End(-4096))?;
        g.read_to_end(&mut small)
    });
    r.check(
        "its last 4096 bytes by SEEK_END",
        tail.is_ok() && text.as_bytes().ends_with(&small) && small.len() == 4096,
        (tail.map_err(errno), small.len(), t.elapsed()),
    );
    let t = Instant::now();
    let freed = write_on(&mut f, b"free all\n");
    println!(
        "pagealloc: free all of {} blocks: {:.2} s",
        before + rows,
        t.elapsed().as_secs_f64()
    );
    r.check("free all", freed == Ok(9), freed);
}

fn nonroot(r: &mut Report) {
    let status = in_child(|| {
        if !become_nobody() {
            return 3;
        }
        match File::open(NODE) {
            Err(e) if e.raw_os_error() == Some(libc::EPERM) => 0,
            _ => 4,
        }
    });
    r.check(
        "a user without CAP_SYS_ADMIN cannot open the node",
        exited_ok(status),
        status,
    );
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let mut r = Report::new("pagealloc:");
    match args.get(1).map(String::as_str) {
        Some("held") => held(&mut r),
        Some("freed") => match (
            args.get(2).and_then(|s| hex(s)),
            args.get(3).and_then(|s| s.parse().ok()),
        ) {
            (Some(pfn), Some(order)) => freed(&mut r, pfn, order),
            _ => return ExitCode::from(2),
        },
        Some("bad") => bad(&mut r),
        Some("nonroot") => nonroot(&mut r),
        Some("smallreads") => match args.get(2).and_then(|s| s.parse().ok()) {
            Some(rows) => smallreads(&mut r, rows),
            None => return ExitCode::from(2),
        },
        Some("snapshot") => snapshot(&mut r),
        Some("lines") => lines(&mut r),
        Some("empty") => empty(&mut r),
        Some("many") => match args.get(2).and_then(|s| s.parse().ok()) {
            Some(rows) => many(&mut r, rows),
            None => return ExitCode::from(2),
        },
        _ => {
            eprintln!(
                "usage: pagealloc-check held | freed PFN ORDER | bad | nonroot | smallreads ROWS \
                 | snapshot | lines | empty | many ROWS"
            );
            return ExitCode::from(2);
        }
    }
    r.exit_code()
}
