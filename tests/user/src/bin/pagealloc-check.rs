// SPDX-License-Identifier: GPL-2.0

//! Checks pagealloc's addresses against the kernel's own records, and its bad-input handling.
//!   pagealloc-check held             every block in /dev/pagealloc's table: pfn, phys, virt
//!   pagealloc-check freed PFN ORDER  that block is back in the buddy allocator's free lists
//!   pagealloc-check bad              malformed commands: EINVAL, nothing changed, a dmesg line
//!   pagealloc-check nonroot          a user without CAP_SYS_ADMIN gets EPERM (even at mode 666)

use scull_user::{become_nobody, exited_ok, in_child, Report};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::process::ExitCode;

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
            &flags.map(|f| f.first().copied()),
        );
    }
}

/// A freed block is free again: its first page, or an aligned block around it, is the head
/// of a free buddy block. (Orders below 4 go to per-CPU lists first, where no flag shows.)
fn freed(r: &mut Report, pfn: u64, order: u32) {
    let covered = (order..=MAX_ORDER).any(|k| {
        let head = pfn & !((1u64 << k) - 1);
        kpageflags(head).is_ok_and(|f| f & KPF_BUDDY != 0)
    });
    r.check(
        &format!("pfn {pfn:#x}: back in the buddy free lists"),
        covered,
        (),
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

fn bad(r: &mut Report) {
    let long = [b'a'; 100];
    let cases: [(&str, &[u8]); 11] = [
        ("empty", b"\n"),
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
        _ => {
            eprintln!("usage: pagealloc-check held | freed PFN ORDER | bad | nonroot");
            return ExitCode::from(2);
        }
    }
    r.exit_code()
}
