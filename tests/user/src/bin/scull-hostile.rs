// SPDX-License-Identifier: GPL-2.0

//! A hostile user's attacks on a scull device (issue 19), one subcommand each. Every check
//! prints one `TEST PASS:` or `TEST FAIL:` line. Each subcommand also runs on a tmpfs file,
//! the oracle: where a regular file has an answer, the device must give the same one.
//!
//!   scull-hostile far PATH QUANTUM QSET       one byte at 0 and one far away, near first and
//!                                             far first, at offsets that need every height
//!                                             of the set index; then near sets, then a jump
//!                                             to the deepest offsets
//!   scull-hostile random PATH SEED OPS GRAIN NEAR
//!                                             seeded random pwrite/pread/SEEK_DATA/SEEK_HOLE
//!                                             over the whole loff_t range against a model
//!                                             (holes found per GRAIN bytes)
//!   scull-hostile odirect PATH                O_DIRECT opens, unaligned direct I/O
//!   scull-hostile opens DEVICE FILE           opens that fail change nothing, opens that
//!                                             succeed truncate as on tmpfs: side by side
//!   scull-hostile rss PATH                    a read faults in no more than it copies
//!   scull-hostile mmap-trunc PATH [MODULE]    truncation under live mappings zaps them;
//!                                             rmmod refused while mapped
//!   scull-hostile append PATH WRITERS RECORDS ROUNDS
//!                                             O_APPEND writers, some from vanishing source
//!                                             pages: every record whole, none lost
//!   scull-hostile append-trunc PATH WRITERS SECONDS
//!                                             the same racing truncating opens: the content
//!                                             is always a whole number of whole records
//!   scull-hostile fill PATH ID                writes a pattern until an error (ENOSPC or
//!                                             ENOMEM), then reads it all back
//!   scull-hostile cow-trunc PATH SECONDS      write faults on a private mapping racing
//!                                             truncation: no private copy outlives it
//!   scull-hostile shared-fd PATH RECORDS      two processes writing through one open file
//!                                             (one position): no record lost
//!
//! `HOSTILE_TAG`, if set, is added to every check's name (the shape under test).

use scull_user::{become_nobody, in_child, mix, sigbus_in_child, vm_rss_kib, Report, Rng};
use std::collections::{BTreeMap, VecDeque};
use std::ffi::CString;
use std::fs::File;
use std::os::fd::{AsRawFd, FromRawFd};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::SeqCst};
use std::sync::Arc;
use std::time::{Duration, Instant};

const PAGE: usize = 4096;
const LOFF_MAX: u64 = i64::MAX as u64;

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn errno_name(e: i32) -> String {
    match e {
        libc::ENOSPC => "ENOSPC".into(),
        libc::ENOMEM => "ENOMEM".into(),
        libc::EFAULT => "EFAULT".into(),
        libc::EINVAL => "EINVAL".into(),
        libc::EBUSY => "EBUSY".into(),
        libc::EFBIG => "EFBIG".into(),
        libc::EACCES => "EACCES".into(),
        libc::ENXIO => "ENXIO".into(),
        libc::EINTR => "EINTR".into(),
        e => format!("errno {e}"),
    }
}

/// open(2) with raw flags (mode 0600 if it creates): the file, or the errno.
fn open(path: &str, flags: i32) -> Result<File, i32> {
    let c = CString::new(path).map_err(|_| libc::EINVAL)?;
    // SAFETY: A plain open of a C string.
    let fd = unsafe { libc::open(c.as_ptr(), flags | libc::O_CLOEXEC, 0o600 as libc::c_uint) };
    if fd < 0 {
        Err(errno())
    } else {
        // SAFETY: `fd` was just opened and is owned by nobody else.
        Ok(unsafe { File::from_raw_fd(fd) })
    }
}

/// Empties `path` by an O_TRUNC open (making it if it is a file that does not exist yet).
fn truncate(path: &str) -> Result<(), i32> {
    open(path, libc::O_WRONLY | libc::O_TRUNC | libc::O_CREAT).map(drop)
}

/// One pwrite(2) call.
fn pwrite(f: &File, buf: &[u8], pos: u64) -> Result<usize, i32> {
    // SAFETY: Writes from a live buffer.
    let n = unsafe { libc::pwrite(f.as_raw_fd(), buf.as_ptr().cast(), buf.len(), pos as i64) };
    if n < 0 {
        Err(errno())
    } else {
        Ok(n as usize)
    }
}

/// One pread(2) call into `len` bytes at `buf`, which may be any address.
fn pread_raw(f: &File, buf: usize, len: usize, pos: u64) -> Result<usize, i32> {
    // SAFETY: The kernel checks the buffer; this program never reads it here.
    let n = unsafe { libc::pread(f.as_raw_fd(), buf as *mut libc::c_void, len, pos as i64) };
    if n < 0 {
        Err(errno())
    } else {
        Ok(n as usize)
    }
}

fn pread(f: &File, buf: &mut [u8], pos: u64) -> Result<usize, i32> {
    pread_raw(f, buf.as_mut_ptr() as usize, buf.len(), pos)
}

fn lseek(f: &File, off: i64, whence: i32) -> Result<u64, i32> {
    // SAFETY: lseek of an open descriptor.
    let r = unsafe { libc::lseek(f.as_raw_fd(), off, whence) };
    if r < 0 {
        Err(errno())
    } else {
        Ok(r as u64)
    }
}

/// The size of a device or file, by SEEK_END (a char device's stat has no size); the file
/// position is kept.
fn size_of(f: &File) -> Result<u64, i32> {
    let pos = lseek(f, 0, libc::SEEK_CUR)?;
    let end = lseek(f, 0, libc::SEEK_END);
    lseek(f, pos as i64, libc::SEEK_SET)?;
    end
}

/// Everything in `path`, read with plain preads.
fn read_all(path: &str) -> Result<Vec<u8>, i32> {
    let f = open(path, libc::O_RDONLY)?;
    let size = size_of(&f)? as usize;
    let mut v = vec![0u8; size];
    let mut done = 0;
    while done < size {
        match pread(&f, &mut v[done..], done as u64)? {
            0 => break,
            n => done += n,
        }
    }
    v.truncate(done);
    Ok(v)
}

/// `len` bytes derived from `key`, every 8 bytes different.
fn pattern(key: u64, len: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(len + 8);
    let mut i = 0u64;
    while v.len() < len {
        v.extend_from_slice(&mix(key ^ i.wrapping_mul(0x2545_f491_4f6c_dd1d)).to_le_bytes());
        i += 1;
    }
    v.truncate(len);
    // Never a zero byte: a hole must not pass for data.
    for b in &mut v {
        if *b == 0 {
            *b = 0x5a;
        }
    }
    v
}

/// A memory mapping, unmapped when dropped.
struct Map {
    ptr: *mut u8,
    len: usize,
}

impl Map {
    fn new(len: usize, prot: i32, flags: i32, fd: i32, off: u64) -> Result<Self, i32> {
        // SAFETY: A fresh mapping; the kernel checks the arguments.
        let p = unsafe { libc::mmap(std::ptr::null_mut(), len, prot, flags, fd, off as i64) };
        if p == libc::MAP_FAILED {
            return Err(errno());
        }
        Ok(Map { ptr: p.cast(), len })
    }

    /// A fresh private anonymous mapping in small pages, none of them touched.
    fn anon(len: usize) -> Result<Self, i32> {
        let m = Self::new(
            len,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
            -1,
            0,
        )?;
        // SAFETY: Advice on the mapping just made (a kernel without THP refuses: fine).
        unsafe { libc::madvise(m.ptr.cast(), len, libc::MADV_NOHUGEPAGE) };
        Ok(m)
    }

    fn shared(f: &File, len: usize, prot: i32) -> Result<Self, i32> {
        Self::new(len, prot, libc::MAP_SHARED, f.as_raw_fd(), 0)
    }

    fn addr(&self, off: usize) -> usize {
        assert!(off <= self.len);
        self.ptr as usize + off
    }

    /// `n` bytes at `off`, which must be backed (else SIGBUS: call in a child then).
    fn get(&self, off: usize, n: usize) -> Vec<u8> {
        assert!(off + n <= self.len);
        let mut v = vec![0u8; n];
        // SAFETY: Within the mapping; whether its pages are backed is the caller's claim.
        unsafe { std::ptr::copy_nonoverlapping(self.ptr.add(off), v.as_mut_ptr(), n) };
        v
    }

    fn put(&self, off: usize, data: &[u8]) {
        assert!(off + data.len() <= self.len);
        // SAFETY: Within a writable mapping, as for `get`.
        unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), self.ptr.add(off), data.len()) };
    }

    /// Reads one byte in a forked child: whether SIGBUS killed it.
    fn sigbus_at(&self, off: usize) -> bool {
        let a = self.addr(off);
        // SAFETY: The child reads an address of the mapping; a page past the end of the
        // file is SIGBUS, which is what is asked.
        sigbus_in_child(|| unsafe {
            std::ptr::read_volatile(a as *const u8);
        })
    }
}

impl Drop for Map {
    fn drop(&mut self) {
        // SAFETY: Unmaps what `new` mapped.
        unsafe { libc::munmap(self.ptr.cast(), self.len) };
    }
}

/// Forks a child that runs `f` and exits with its return value; gives the pid.
fn spawn(f: impl FnOnce() -> i32) -> i32 {
    // SAFETY: The parent is single-threaded when it forks; the child runs `f`, and leaves
    // by `_exit`.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        let code = f();
        // SAFETY: Ends the child without the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    pid
}

fn wait(pid: i32) -> i32 {
    let mut status = 0;
    // SAFETY: Waits for a child of this process.
    unsafe { libc::waitpid(pid, &mut status, 0) };
    status
}

fn describe_status(status: i32) -> String {
    if libc::WIFEXITED(status) {
        format!("exit {}", libc::WEXITSTATUS(status))
    } else if libc::WIFSIGNALED(status) {
        format!("killed by signal {}", libc::WTERMSIG(status))
    } else {
        format!("status {status:#x}")
    }
}

/// Checks that `want.len()` bytes at `pos` read back as `want`.
fn expect_bytes(f: &File, pos: u64, want: &[u8]) -> Result<(), String> {
    let mut got = vec![0xeeu8; want.len()];
    match pread(f, &mut got, pos) {
        Ok(n) if n == want.len() && got == want => Ok(()),
        Ok(n) => {
            let first = got.iter().zip(want).position(|(a, b)| a != b);
            Err(format!(
                "pread {} at {pos:#x}: {n} bytes, first difference at {first:?}",
                want.len()
            ))
        }
        Err(e) => Err(format!(
            "pread {} at {pos:#x}: {}",
            want.len(),
            errno_name(e)
        )),
    }
}

fn expect_size(f: &File, want: u64) -> Result<(), String> {
    match size_of(f) {
        Ok(s) if s == want => Ok(()),
        other => Err(format!("size {other:?}, want {want:#x}")),
    }
}

fn write_byte(f: &File, pos: u64, b: u8) -> Result<(), String> {
    match pwrite(f, &[b], pos) {
        Ok(1) => Ok(()),
        Ok(n) => Err(format!("pwrite of 1 byte at {pos:#x} wrote {n}")),
        Err(e) => Err(format!("pwrite of 1 byte at {pos:#x}: {}", errno_name(e))),
    }
}

// ---------------------------------------------------------------------------------------
// far: the set index grown from every height

/// On an emptied device, one byte at 0 and one at `off` in the order given; both read back,
/// the bytes around them are zeros, the size is right.
fn near_and_far(path: &str, off: u64, near_first: bool) -> Result<(), String> {
    truncate(path).map_err(|e| format!("truncating open: {}", errno_name(e)))?;
    let f = open(path, libc::O_RDWR).map_err(|e| format!("open: {}", errno_name(e)))?;
    if near_first {
        write_byte(&f, 0, b'N')?;
        write_byte(&f, off, b'F')?;
    } else {
        write_byte(&f, off, b'F')?;
        write_byte(&f, 0, b'N')?;
    }
    expect_bytes(&f, 0, b"N")?;
    expect_bytes(&f, off, b"F")?;
    expect_size(&f, off + 1)?;
    if off > 128 {
        expect_bytes(&f, 1, &[0; 63])?;
        expect_bytes(&f, off - 63, &[0; 63])?;
    }
    if off + 1 < LOFF_MAX {
        let mut b = [0u8; 16];
        let n = pread(&f, &mut b, off + 1);
        if n != Ok(0) {
            return Err(format!("read at the end: {n:?}, want 0"));
        }
    }
    Ok(())
}

/// Bytes in several near sets, then at the largest offset and every far offset, deepest
/// first: all of them read back.
fn near_sets_then_deep(path: &str, set: u64, far: &[(String, u64)]) -> Result<(), String> {
    truncate(path).map_err(|e| format!("truncating open: {}", errno_name(e)))?;
    let f = open(path, libc::O_RDWR).map_err(|e| format!("open: {}", errno_name(e)))?;
    let mut written = Vec::new();
    for k in 0..6u64 {
        written.push((k * set + k, b'a' + k as u8));
    }
    for (i, (_, off)) in far.iter().enumerate().rev() {
        written.push((*off, b'A' + (i % 26) as u8));
    }
    for &(pos, b) in &written {
        write_byte(&f, pos, b)?;
    }
    for &(pos, b) in &written {
        expect_bytes(&f, pos, &[b])?;
    }
    expect_size(&f, LOFF_MAX)?;
    Ok(())
}

fn far(path: &str, quantum: u64, qset: u64, r: &mut Report) {
    let set = quantum * qset;
    let top = LOFF_MAX - 1;
    let mut far = Vec::new();
    for h in 1..=11u32 {
        let Some(p) = 64u64
            .checked_pow(h)
            .and_then(|x| x.checked_mul(set))
            .filter(|&p| p < top)
        else {
            break;
        };
        far.push((format!("end of set 64^{h}-1"), p - 1));
        far.push((format!("set 64^{h}"), p));
    }
    far.push(("the largest loff_t".to_string(), top));
    println!(
        "hostile far {path}: {set}-byte sets, {} far offsets up to {top:#x}",
        far.len()
    );
    for (name, off) in &far {
        for near_first in [true, false] {
            let what = if near_first {
                format!("1 byte at 0, then 1 at {name} ({off:#x})")
            } else {
                format!("1 byte at {name} ({off:#x}), then 1 at 0")
            };
            let res = near_and_far(path, *off, near_first);
            r.check(
                &format!("{what}: both read back, zeros around, size right"),
                res.is_ok(),
                res,
            );
        }
    }
    let res = near_sets_then_deep(path, set, &far);
    r.check(
        "bytes in six near sets, then at the largest loff_t and every far offset, deepest first",
        res.is_ok(),
        res,
    );
    let res = truncate(path);
    r.check("truncation after the far writes", res.is_ok(), res);
}

// ---------------------------------------------------------------------------------------
// random: the whole loff_t range against a model

/// What was written since the last truncation: disjoint extents by start.
#[derive(Default)]
struct Model {
    ext: BTreeMap<u64, Vec<u8>>,
}

impl Model {
    fn size(&self) -> u64 {
        self.ext
            .iter()
            .next_back()
            .map_or(0, |(s, d)| s + d.len() as u64)
    }

    fn write(&mut self, pos: u64, data: &[u8]) {
        let end = pos + data.len() as u64;
        let hit: Vec<u64> = self
            .ext
            .range(..end)
            .rev()
            .take_while(|(s, d)| *s + d.len() as u64 > pos)
            .map(|(s, _)| *s)
            .collect();
        for s in hit {
            let d = self.ext.remove(&s).unwrap_or_default();
            let e = s + d.len() as u64;
            if s < pos {
                self.ext.insert(s, d[..(pos - s) as usize].to_vec());
            }
            if e > end {
                self.ext.insert(end, d[(end - s) as usize..].to_vec());
            }
        }
        self.ext.insert(pos, data.to_vec());
    }

    /// What a read of `len` bytes at `a` returns: up to the size, zeros in holes.
    fn expect(&self, a: u64, len: usize) -> Vec<u8> {
        let size = self.size();
        if a >= size {
            return Vec::new();
        }
        let b = (a + len as u64).min(size);
        let mut v = vec![0u8; (b - a) as usize];
        let first = self.ext.range(..=a).next_back().map_or(a, |(s, _)| *s);
        for (s, d) in self.ext.range(first..b) {
            let (lo, hi) = ((*s).max(a), (s + d.len() as u64).min(b));
            if lo < hi {
                v[(lo - a) as usize..(hi - a) as usize]
                    .copy_from_slice(&d[(lo - s) as usize..(hi - s) as usize]);
            }
        }
        v
    }

    /// The extent with the largest start below `b`, as (start, end).
    fn last_before(&self, b: u64) -> Option<(u64, u64)> {
        self.ext
            .range(..b)
            .next_back()
            .map(|(s, d)| (*s, s + d.len() as u64))
    }

    /// The first written byte at or after `x`.
    fn first_written(&self, x: u64) -> Option<u64> {
        match self.last_before(x + 1) {
            Some((_, e)) if e > x => Some(x),
            _ => self.ext.range(x + 1..).next().map(|(s, _)| *s),
        }
    }

    /// Where SEEK_DATA from `from` goes when holes are found per `g` bytes (a grain holds
    /// data if any byte in it was written; its unwritten bytes read as zeros and are data).
    fn seek_data(&self, from: u64, g: u64) -> Result<u64, i32> {
        if from >= self.size() {
            return Err(libc::ENXIO);
        }
        let w = self.first_written(from - from % g).ok_or(libc::ENXIO)?;
        Ok(from.max(w - w % g))
    }

    /// Where SEEK_HOLE from `from` goes: the first grain without a written byte, or the end.
    fn seek_hole(&self, from: u64, g: u64) -> Result<u64, i32> {
        let size = self.size();
        if from >= size {
            return Err(libc::ENXIO);
        }
        let mut cur = from - from % g;
        loop {
            if cur >= size {
                return Ok(size);
            }
            match self.last_before(cur + g) {
                Some((_, e)) if e > cur => cur = (cur + g).max((e - 1) - (e - 1) % g + g),
                _ => return Ok(from.max(cur).min(size)),
            }
        }
    }
}

struct Random<'a> {
    path: &'a str,
    f: File,
    rng: Rng,
    model: Model,
    grain: u64,
    near: u64,
    step: u64,
    seed: u64,
    log: VecDeque<String>,
    counts: BTreeMap<&'static str, u64>,
}

impl Random<'_> {
    fn note(&mut self, kind: &'static str, what: String) {
        *self.counts.entry(kind).or_default() += 1;
        if self.log.len() == 25 {
            self.log.pop_front();
        }
        self.log.push_back(format!("{:5} {what}", self.step));
    }

    fn pwrite_checked(&mut self, pos: u64, len: usize) -> Result<(), String> {
        let data = pattern(self.seed ^ (self.step << 20), len);
        match pwrite(&self.f, &data, pos) {
            Ok(n) if n == len => {}
            other => {
                return Err(format!(
                    "pwrite {len} at {pos:#x}: {:?}",
                    other.map_err(errno_name)
                ))
            }
        }
        self.model.write(pos, &data);
        expect_bytes(&self.f, pos, &data)?;
        expect_size(&self.f, self.model.size())
    }

    /// A point near the data: an extent's edge give or take two grains, near 0, or anywhere.
    fn point(&mut self) -> u64 {
        let size = self.model.size();
        let p = match self.rng.below(4) {
            0 | 1 if !self.model.ext.is_empty() => {
                let i = self.rng.below(self.model.ext.len() as u64) as usize;
                let (s, d) = self
                    .model
                    .ext
                    .iter()
                    .nth(i)
                    .map(|(s, d)| (*s, d.len() as u64))
                    .unwrap_or((0, 0));
                let edge = if self.rng.below(2) == 0 { s } else { s + d };
                (edge + self.rng.below(4 * self.grain)).saturating_sub(2 * self.grain)
            }
            2 => self.rng.below(self.near),
            _ => self
                .rng
                .below(size.saturating_add(self.grain).min(LOFF_MAX)),
        };
        p.min(LOFF_MAX - 1)
    }

    fn op(&mut self) -> Result<(), String> {
        let len = 1 + self.rng.below(65536) as usize;
        match self.rng.below(100) {
            0..=34 => {
                let pos = self.rng.below(LOFF_MAX - len as u64 + 1);
                self.note("far pwrite", format!("pwrite {len} at {pos:#x} (far)"));
                self.pwrite_checked(pos, len)
            }
            35..=59 => {
                let pos = self.rng.below(self.near);
                self.note("near pwrite", format!("pwrite {len} at {pos:#x} (near)"));
                self.pwrite_checked(pos, len)
            }
            60..=69 => {
                let pos = self.point().min(LOFF_MAX - len as u64);
                self.note(
                    "pwrite over data",
                    format!("pwrite {len} at {pos:#x} (over data)"),
                );
                self.pwrite_checked(pos, len)
            }
            70..=84 => {
                let pos = self.point();
                let len = len.min((LOFF_MAX - pos) as usize);
                self.note("pread", format!("pread {len} at {pos:#x}"));
                let want = self.model.expect(pos, len);
                let mut got = vec![0xeeu8; len];
                match pread(&self.f, &mut got, pos) {
                    Ok(n) if n == want.len() && got[..n] == want[..] => Ok(()),
                    Ok(n) => Err(format!(
                        "pread {len} at {pos:#x}: {n} bytes, want {}; first difference at {:?}",
                        want.len(),
                        got.iter().zip(&want).position(|(a, b)| a != b)
                    )),
                    Err(e) => Err(format!("pread {len} at {pos:#x}: {}", errno_name(e))),
                }
            }
            85..=96 => {
                let from = self.point();
                let hole = self.rng.below(2) == 0;
                let (name, whence) = if hole {
                    ("SEEK_HOLE", libc::SEEK_HOLE)
                } else {
                    ("SEEK_DATA", libc::SEEK_DATA)
                };
                self.note("seek", format!("lseek {from:#x} {name}"));
                let want = if hole {
                    self.model.seek_hole(from, self.grain)
                } else {
                    self.model.seek_data(from, self.grain)
                };
                let got = lseek(&self.f, from as i64, whence);
                if got == want {
                    Ok(())
                } else {
                    Err(format!(
                        "lseek {from:#x} {name}: {got:?}, want {want:?} (size {:#x})",
                        self.model.size()
                    ))
                }
            }
            _ => {
                self.note(
                    "truncating reopen",
                    "check all, then truncating reopen".into(),
                );
                self.check_all()?;
                self.f = open(self.path, libc::O_RDWR | libc::O_TRUNC)
                    .map_err(|e| format!("truncating reopen: {}", errno_name(e)))?;
                self.model = Model::default();
                expect_size(&self.f, 0)
            }
        }
    }

    /// Every extent reads back, and the size is right.
    fn check_all(&self) -> Result<(), String> {
        for (s, d) in &self.model.ext {
            expect_bytes(&self.f, *s, d)?;
        }
        expect_size(&self.f, self.model.size())
    }
}

fn random(path: &str, seed: u64, ops: u64, grain: u64, near: u64, r: &mut Report) {
    println!("hostile random {path}: seed {seed}, {ops} operations, holes per {grain} bytes, near offsets below {near:#x}");
    let f = match open(path, libc::O_RDWR | libc::O_TRUNC | libc::O_CREAT) {
        Ok(f) => f,
        Err(e) => return r.check("open", false, errno_name(e)),
    };
    let mut t = Random {
        path,
        f,
        rng: Rng::new(seed),
        model: Model::default(),
        grain,
        near,
        step: 0,
        seed,
        log: VecDeque::new(),
        counts: BTreeMap::new(),
    };
    let start = Instant::now();
    let mut result = Ok(());
    while t.step < ops && result.is_ok() {
        result = t.op();
        t.step += 1;
    }
    if result.is_ok() {
        result = t.check_all();
    }
    if let Err(e) = &result {
        println!(
            "hostile random {path}: failed at operation {} of seed {seed}; the last ones:",
            t.step - 1
        );
        for l in &t.log {
            println!("hostile random:   {l}");
        }
        println!(
            "hostile random: replay with: scull-hostile random {path} {seed} {ops} {grain} {near}"
        );
        println!("hostile random: {e}");
    }
    println!(
        "hostile random {path}: {} operations in {:?}: {:?}",
        t.step,
        start.elapsed(),
        t.counts
    );
    r.check(
        &format!(
            "seed {seed}: {ops} random operations over the whole loff_t range match the model"
        ),
        result.is_ok(),
        result,
    );
    drop(t);
    let res = truncate(path);
    r.check("truncation after the random run", res.is_ok(), res);
}

// ---------------------------------------------------------------------------------------
// odirect: direct I/O is plain I/O, at any alignment

fn odirect(path: &str, r: &mut Report) {
    if let Err(e) = truncate(path) {
        return r.check("truncating open", false, errno_name(e));
    }
    let f = match open(path, libc::O_RDWR | libc::O_DIRECT) {
        Ok(f) => {
            r.check("open O_RDWR|O_DIRECT succeeds", true, ());
            f
        }
        Err(e) => return r.check("open O_RDWR|O_DIRECT succeeds", false, errno_name(e)),
    };
    let mut model: Vec<u8> = Vec::new();
    let apply = |model: &mut Vec<u8>, pos: usize, data: &[u8]| {
        if model.len() < pos + data.len() {
            model.resize(pos + data.len(), 0);
        }
        model[pos..pos + data.len()].copy_from_slice(data);
    };
    // An unaligned user buffer: one byte into a heap block.
    let mut raw = vec![0u8; 80_000];
    let cases = [
        (1usize, 3usize),
        (4095, 2),
        (5000, 10_000),
        (131_071, 70_001),
        (0, 4096),
        (300_001, 1),
    ];
    let mut results = Vec::new();
    for (i, &(pos, len)) in cases.iter().enumerate() {
        let data = pattern(0xd1 + i as u64, len);
        raw[1..1 + len].copy_from_slice(&data);
        let res = pwrite(&f, &raw[1..1 + len], pos as u64);
        if res == Ok(len) {
            apply(&mut model, pos, &data);
        }
        results.push((pos, len, res.map_err(errno_name)));
    }
    r.check(
        "O_DIRECT pwrites at unaligned offsets, lengths and buffers write every byte",
        results.iter().all(|(_, len, res)| res == &Ok(*len)),
        results,
    );
    let mut bad = Vec::new();
    for &(pos, len) in &cases {
        let res = pread(&f, &mut raw[1..1 + len], pos as u64);
        if res != Ok(len) || raw[1..1 + len] != model[pos..pos + len] {
            bad.push((pos, len, res));
        }
    }
    r.check(
        "O_DIRECT preads at unaligned offsets, lengths and buffers read them back",
        bad.is_empty(),
        bad,
    );
    let mut all = vec![0u8; model.len() + 101];
    let res = pread(&f, &mut all[1..], 0);
    r.check(
        "one O_DIRECT pread of everything (unaligned buffer) equals the model",
        res == Ok(model.len()) && all[1..1 + model.len()] == model[..],
        res,
    );
    // At the file position.
    let data = pattern(0xd9, 100);
    let _ = lseek(&f, 7, libc::SEEK_SET);
    // SAFETY: Writes from a live buffer.
    let n = unsafe { libc::write(f.as_raw_fd(), data.as_ptr().cast(), data.len()) };
    if n == 100 {
        apply(&mut model, 7, &data);
    }
    let pos = lseek(&f, 0, libc::SEEK_CUR);
    let _ = lseek(&f, 7, libc::SEEK_SET);
    let mut back = [0u8; 101];
    // SAFETY: Reads into a live buffer.
    let m = unsafe { libc::read(f.as_raw_fd(), back[1..].as_mut_ptr().cast(), 100) };
    r.check(
        "O_DIRECT write and read at the file position",
        n == 100 && pos == Ok(107) && m == 100 && back[1..] == data[..],
        (n, pos, m),
    );
    // O_DIRECT with O_APPEND.
    let tail = pattern(0xda, 33);
    let res = open(path, libc::O_WRONLY | libc::O_APPEND | libc::O_DIRECT)
        .and_then(|g| pwrite_at_position(&g, &tail));
    if res == Ok(33) {
        let end = model.len();
        apply(&mut model, end, &tail);
    }
    r.check("O_DIRECT|O_APPEND writes at the end", res == Ok(33), res);
    // Turned on by fcntl on a plain descriptor.
    let res = open(path, libc::O_RDWR).and_then(|g| {
        // SAFETY: fcntl on an open descriptor.
        let rc = unsafe { libc::fcntl(g.as_raw_fd(), libc::F_SETFL, libc::O_DIRECT) };
        // SAFETY: As above.
        let fl = unsafe { libc::fcntl(g.as_raw_fd(), libc::F_GETFL) };
        if rc < 0 {
            Err(errno())
        } else {
            Ok(fl & libc::O_DIRECT != 0)
        }
    });
    r.check(
        "fcntl(F_SETFL, O_DIRECT) succeeds and sticks",
        res == Ok(true),
        res.map_err(errno_name),
    );
    let all = read_all(path);
    r.check(
        "the content read without O_DIRECT equals the model",
        all.as_ref() == Ok(&model),
        all.map(|v| v.len()),
    );
}

/// One write(2) at the file position.
fn pwrite_at_position(f: &File, buf: &[u8]) -> Result<usize, i32> {
    // SAFETY: Writes from a live buffer.
    let n = unsafe { libc::write(f.as_raw_fd(), buf.as_ptr().cast(), buf.len()) };
    if n < 0 {
        Err(errno())
    } else {
        Ok(n as usize)
    }
}

// ---------------------------------------------------------------------------------------
// opens: an open that fails changes nothing; one that succeeds truncates as tmpfs does

/// Opens `path` with `flags` (as user nobody in a child if asked) and closes it at once:
/// Ok or the errno.
fn try_open(path: &str, flags: i32, nobody: bool) -> Result<(), i32> {
    if !nobody {
        return open(path, flags).map(drop);
    }
    let status = in_child(|| {
        if !become_nobody() {
            return 255;
        }
        match open(path, flags) {
            Ok(_) => 0,
            Err(e) => e,
        }
    });
    match libc::WEXITSTATUS(status) {
        0 => Ok(()),
        e => Err(e),
    }
}

/// An open to try: name, flags, as user nobody, the wanted outcome, whether the data stays.
type OpenCase = (&'static str, i32, bool, Result<(), i32>, bool);

fn opens(dev: &str, file: &str, r: &mut Report) {
    let data = pattern(0x0bed, 10_000);
    let cases: [OpenCase; 13] = [
        (
            "O_WRONLY|O_TRUNC as nobody",
            libc::O_WRONLY | libc::O_TRUNC,
            true,
            Err(libc::EACCES),
            true,
        ),
        (
            "O_RDWR|O_TRUNC as nobody",
            libc::O_RDWR | libc::O_TRUNC,
            true,
            Err(libc::EACCES),
            true,
        ),
        (
            "O_RDONLY as nobody",
            libc::O_RDONLY,
            true,
            Err(libc::EACCES),
            true,
        ),
        (
            "O_WRONLY|O_TRUNC|O_DIRECT",
            libc::O_WRONLY | libc::O_TRUNC | libc::O_DIRECT,
            false,
            Ok(()),
            false,
        ),
        (
            "O_RDWR|O_TRUNC|O_DIRECT",
            libc::O_RDWR | libc::O_TRUNC | libc::O_DIRECT,
            false,
            Ok(()),
            false,
        ),
        (
            "O_WRONLY|O_TRUNC|O_APPEND|O_DIRECT",
            libc::O_WRONLY | libc::O_TRUNC | libc::O_APPEND | libc::O_DIRECT,
            false,
            Ok(()),
            false,
        ),
        (
            "O_WRONLY|O_DIRECT",
            libc::O_WRONLY | libc::O_DIRECT,
            false,
            Ok(()),
            true,
        ),
        (
            "O_RDONLY|O_DIRECT",
            libc::O_RDONLY | libc::O_DIRECT,
            false,
            Ok(()),
            true,
        ),
        (
            "O_PATH|O_WRONLY|O_TRUNC",
            libc::O_PATH | libc::O_WRONLY | libc::O_TRUNC,
            false,
            Ok(()),
            true,
        ),
        (
            "O_WRONLY|O_TRUNC|O_CREAT|O_EXCL",
            libc::O_WRONLY | libc::O_TRUNC | libc::O_CREAT | libc::O_EXCL,
            false,
            Err(libc::EEXIST),
            true,
        ),
        (
            "O_WRONLY|O_TRUNC|O_DIRECTORY",
            libc::O_WRONLY | libc::O_TRUNC | libc::O_DIRECTORY,
            false,
            Err(libc::ENOTDIR),
            true,
        ),
        (
            "O_WRONLY|O_TRUNC|O_NONBLOCK",
            libc::O_WRONLY | libc::O_TRUNC | libc::O_NONBLOCK,
            false,
            Ok(()),
            false,
        ),
        (
            "O_WRONLY|O_TRUNC",
            libc::O_WRONLY | libc::O_TRUNC,
            false,
            Ok(()),
            false,
        ),
    ];
    for (name, flags, nobody, want, stays) in cases {
        let mut outcome = Vec::new();
        let mut contents = Vec::new();
        for path in [dev, file] {
            let ready = truncate(path)
                .and_then(|()| open(path, libc::O_WRONLY))
                .and_then(|f| pwrite(&f, &data, 0));
            if ready != Ok(data.len()) {
                return r.check(&format!("{name}: set-up of {path}"), false, ready);
            }
            outcome.push(try_open(path, flags, nobody));
            contents.push(read_all(path).unwrap_or_default());
        }
        let want_content: &[u8] = if stays { &data } else { &[] };
        r.check(
            &format!(
                "open {name}: {} as on tmpfs, and the data {}",
                match want {
                    Ok(()) => "succeeds".to_string(),
                    Err(e) => format!("fails with {}", errno_name(e)),
                },
                if stays { "stays whole" } else { "is truncated" }
            ),
            outcome[0] == want
                && outcome[1] == want
                && contents[0] == want_content
                && contents[1] == want_content,
            format!(
                "device {:?} and {} bytes, tmpfs {:?} and {} bytes",
                outcome[0].map_err(errno_name),
                contents[0].len(),
                outcome[1].map_err(errno_name),
                contents[1].len()
            ),
        );
    }
}

// ---------------------------------------------------------------------------------------
// rss: a read spends no memory it will not use

const BIG: usize = 256 << 20;

/// One pread of `len` bytes at `pos` into `buf`; gives its result and how much this
/// process's resident set grew meanwhile, in KiB.
fn measured_read(f: &File, buf: usize, len: usize, pos: u64) -> (Result<usize, i32>, u64) {
    let before = vm_rss_kib().unwrap_or(0);
    let res = pread_raw(f, buf, len, pos);
    let after = vm_rss_kib().unwrap_or(u64::MAX);
    (res, after.saturating_sub(before))
}

fn stack_start() -> Option<usize> {
    let maps = std::fs::read_to_string("/proc/self/maps").ok()?;
    let line = maps.lines().find(|l| l.ends_with("[stack]"))?;
    usize::from_str_radix(line.split('-').next()?, 16).ok()
}

/// Whether anything is mapped in `[a, b)`.
fn mapped_between(a: usize, b: usize) -> bool {
    let maps = std::fs::read_to_string("/proc/self/maps").unwrap_or_default();
    maps.lines().any(|l| {
        let range = l.split(' ').next().unwrap_or("");
        let mut it = range
            .split('-')
            .map(|x| usize::from_str_radix(x, 16).unwrap_or(0));
        let (s, e) = (it.next().unwrap_or(0), it.next().unwrap_or(0));
        s < b && e > a
    })
}

fn rss(path: &str, r: &mut Report) {
    let f = match truncate(path).and_then(|()| open(path, libc::O_RDWR)) {
        Ok(f) => f,
        Err(e) => return r.check("open", false, errno_name(e)),
    };
    let limit = 1024;
    let mib = |kib: u64| format!("{kib} KiB");
    match Map::anon(BIG) {
        Ok(m) => {
            let (res, grew) = measured_read(&f, m.addr(0), BIG, 0);
            println!("hostile rss {path}: 256 MiB read of an empty device: {res:?}, resident set grew {grew} KiB");
            r.check(
                "256 MiB read of an empty device returns 0",
                res == Ok(0),
                res,
            );
            r.check(
                "... and faults in under 1 MiB of the buffer",
                grew < limit,
                mib(grew),
            );
        }
        Err(e) => return r.check("256 MiB buffer", false, e),
    }
    let data = pattern(0x855, 8192);
    if pwrite(&f, &data, 0) != Ok(8192) {
        return r.check("8 KiB written", false, ());
    }
    match Map::anon(BIG) {
        Ok(m) => {
            let (res, grew) = measured_read(&f, m.addr(0), BIG, 0);
            println!(
                "hostile rss {path}: 256 MiB read of 8 KiB: {res:?}, resident set grew {grew} KiB"
            );
            r.check(
                "256 MiB read of an 8 KiB device reads the 8 KiB",
                res == Ok(8192) && m.get(0, 8192) == data,
                res,
            );
            r.check(
                "... and faults in under 1 MiB of the buffer",
                grew < limit,
                mib(grew),
            );
        }
        Err(e) => return r.check("256 MiB buffer", false, e),
    }
    match Map::anon(BIG) {
        Ok(m) => {
            let (res, grew) = measured_read(&f, m.addr(0), BIG, 1 << 20);
            r.check("256 MiB read past the end returns 0", res == Ok(0), res);
            r.check(
                "... and faults in under 1 MiB of the buffer",
                grew < limit,
                mib(grew),
            );
        }
        Err(e) => return r.check("256 MiB buffer", false, e),
    }
    match Map::anon(BIG) {
        Ok(m) => {
            let _ = lseek(&f, 8192, libc::SEEK_SET);
            let before = vm_rss_kib().unwrap_or(0);
            // SAFETY: Reads into the mapping, `BIG` bytes long.
            let n = unsafe { libc::read(f.as_raw_fd(), m.addr(0) as *mut libc::c_void, BIG) };
            let grew = vm_rss_kib().unwrap_or(u64::MAX).saturating_sub(before);
            r.check(
                "256 MiB read() at the end (file position) returns 0 and faults in under 1 MiB",
                n == 0 && grew < limit,
                (n, mib(grew)),
            );
        }
        Err(e) => return r.check("256 MiB buffer", false, e),
    }
    // A sparse 256 MiB tmpfs file, shared, as the buffer: a read must not populate it.
    let bufpath = format!("/tmp/hostile-rss-buffer.{}", std::process::id());
    let sparse = || {
        open(&bufpath, libc::O_RDWR | libc::O_CREAT | libc::O_TRUNC).and_then(|b| {
            // SAFETY: ftruncate of an open descriptor.
            if unsafe { libc::ftruncate(b.as_raw_fd(), BIG as i64) } != 0 {
                return Err(errno());
            }
            let m = Map::shared(&b, BIG, libc::PROT_READ | libc::PROT_WRITE)?;
            Ok((b, m))
        })
    };
    let blocks = |b: &File| {
        // SAFETY: fstat into a zeroed struct.
        unsafe {
            let mut st: libc::stat = std::mem::zeroed();
            libc::fstat(b.as_raw_fd(), &mut st);
            st.st_blocks
        }
    };
    match sparse() {
        Ok((b, m)) => {
            let _ = truncate(path);
            let (res, grew) = measured_read(&f, m.addr(0), BIG, 0);
            let bl = blocks(&b);
            println!("hostile rss {path}: 256 MiB read of an empty device into a sparse shared tmpfs file: {res:?}, {bl} blocks, resident set grew {grew} KiB");
            r.check(
                "read of an empty device into a sparse shared tmpfs file: 0, the file stays empty",
                res == Ok(0) && bl == 0 && grew < limit,
                (res, bl, mib(grew)),
            );
        }
        Err(e) => r.check("sparse shared tmpfs buffer", false, e),
    }
    match sparse() {
        Ok((b, m)) => {
            let _ = pwrite(&f, &data, 0);
            let (res, grew) = measured_read(&f, m.addr(0), BIG, 0);
            let bl = blocks(&b);
            r.check(
                "read of an 8 KiB device into it: 8 KiB copied, 8 KiB of the file populated",
                res == Ok(8192) && m.get(0, 8192) == data && bl <= 16 && grew < limit,
                (res, bl, mib(grew)),
            );
        }
        Err(e) => r.check("sparse shared tmpfs buffer", false, e),
    }
    let _ = std::fs::remove_file(&bufpath);
    // A buffer in the guard gap below the stack, as a fuzzer's random pointer may be: a read
    // with nothing to copy returns 0 and touches nothing (the kernel must not go looking
    // for the stack there: "GUP no longer grows the stack" is a failure of the log).
    let _ = truncate(path);
    match stack_start() {
        Some(top) if !mapped_between(top - (1 << 20), top) => {
            let gap = top - (64 << 10);
            let res = pread_raw(&f, gap, 64 << 10, 0);
            r.check(
                "read of an empty device into the stack's guard gap returns 0",
                res == Ok(0),
                res,
            );
            // With data to copy, the read lands there as it would in a large local array not
            // touched yet: the stack grows to take it, as for any fault there.
            let _ = pwrite(&f, &data, 0);
            let res = pread_raw(&f, gap, 8192, 0);
            let ok = res == Ok(8192) && stack_start().is_some_and(|s| s <= gap) && {
                // SAFETY: The read succeeded, so the stack now covers these 8 KiB.
                unsafe { std::slice::from_raw_parts(gap as *const u8, 8192) == data.as_slice() }
            };
            r.check(
                "read of an 8 KiB device into the untouched stack below its start: the stack grows, the data lands",
                ok,
                (res.map_err(errno_name), stack_start().map(|s| format!("{s:#x}"))),
            );
        }
        other => r.check("the stack has a free gap below it", false, other),
    }
}

// ---------------------------------------------------------------------------------------
// mmap-trunc: truncation under live mappings

fn is_char_device(path: &str) -> bool {
    use std::os::unix::fs::FileTypeExt;
    std::fs::metadata(path).is_ok_and(|m| m.file_type().is_char_device())
}

/// A second name for `path`: a node with the same device number, or a hard link.
fn alias(path: &str) -> Result<String, i32> {
    let name = if is_char_device(path) {
        format!("/tmp/hostile-alias.{}", std::process::id())
    } else {
        format!("{path}.alias")
    };
    let _ = std::fs::remove_file(&name);
    if is_char_device(path) {
        use std::os::unix::fs::MetadataExt;
        let rdev = std::fs::metadata(path).map_err(|_| libc::ENOENT)?.rdev();
        let c = CString::new(name.clone()).map_err(|_| libc::EINVAL)?;
        // SAFETY: mknod of a C string path.
        if unsafe { libc::mknod(c.as_ptr(), libc::S_IFCHR | 0o600, rdev) } != 0 {
            return Err(errno());
        }
    } else {
        std::fs::hard_link(path, &name).map_err(|e| e.raw_os_error().unwrap_or(0))?;
    }
    Ok(name)
}

fn module_loaded(module: &str) -> bool {
    std::fs::read_to_string("/proc/modules")
        .unwrap_or_default()
        .lines()
        .any(|l| l.split(' ').next() == Some(module))
}

fn rmmod(module: &str) -> bool {
    std::process::Command::new("rmmod")
        .arg(module)
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn mmap_trunc(path: &str, module: Option<&str>, r: &mut Report) {
    let old = pattern(0xa0, 3 * PAGE);
    let set_up = truncate(path)
        .and_then(|()| open(path, libc::O_RDWR))
        .and_then(|f| pwrite(&f, &old, 0));
    if set_up != Ok(3 * PAGE) {
        return r.check("3 pages written", false, set_up);
    }
    let second = match alias(path) {
        Ok(a) => a,
        Err(e) => return r.check("a second name for the device", false, e),
    };
    let maps = open(path, libc::O_RDONLY).and_then(|fr| {
        let fa = open(&second, libc::O_RDWR)?;
        let m = Map::shared(&fr, 3 * PAGE, libc::PROT_READ)?;
        let mw = Map::shared(&fa, 3 * PAGE, libc::PROT_READ | libc::PROT_WRITE)?;
        Ok((m, mw))
    });
    let (m, mw) = match maps {
        Ok(x) => x,
        Err(e) => {
            return r.check(
                "PROT_READ and PROT_WRITE shared mappings",
                false,
                errno_name(e),
            )
        }
    };
    // A store through the writable mapping of the second name, before the truncation.
    let mut old_now = old.clone();
    mw.put(100, b"STORED-BEFORE-TRUNCATION");
    old_now[100..124].copy_from_slice(b"STORED-BEFORE-TRUNCATION");
    r.check(
        "both mappings show the data, with a store through one of them",
        m.get(0, 3 * PAGE) == old_now
            && mw.get(0, 3 * PAGE) == old_now
            && read_all(path).ok() == Some(old_now.clone()),
        (),
    );
    // A child that shares the read-only mapping, to touch it after the truncation.
    let mut pipe = [0i32; 2];
    // SAFETY: pipe(2) into a two-int array.
    unsafe { libc::pipe(pipe.as_mut_ptr()) };
    let touch_at = m.addr(0);
    let child = spawn(|| {
        let mut b = [0u8; 1];
        // SAFETY: Waits for the parent's word, then reads an address of the inherited
        // mapping: SIGBUS if the truncation took its page away.
        unsafe {
            libc::close(pipe[1]);
            libc::read(pipe[0], b.as_mut_ptr().cast(), 1);
            std::ptr::read_volatile(touch_at as *const u8);
        }
        0
    });
    // SAFETY: The parent's copy of the read end is not needed.
    unsafe { libc::close(pipe[0]) };

    let trunc = open(path, libc::O_WRONLY | libc::O_TRUNC);
    r.check(
        "O_TRUNC open succeeds while the device is mapped (PROT_READ and PROT_WRITE, two names)",
        trunc.is_ok(),
        trunc.as_ref().map(drop).map_err(|e| errno_name(*e)),
    );
    let size = open(path, libc::O_RDONLY).and_then(|f| size_of(&f));
    r.check("... and the size is 0", size == Ok(0), size);
    r.check(
        "after the truncation, touching the read-only mapping at 0 is SIGBUS",
        m.sigbus_at(0),
        (),
    );
    r.check(
        "... and the writable mapping of the second name too",
        mw.sigbus_at(PAGE + 5),
        (),
    );
    // SAFETY: Wakes the child and reaps it.
    let status = unsafe {
        libc::write(pipe[1], b"x".as_ptr().cast(), 1);
        libc::close(pipe[1]);
        wait(child)
    };
    r.check(
        "a forked child's inherited mapping is SIGBUS too",
        libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGBUS,
        describe_status(status),
    );

    // New data, two pages: the old mappings fault in the new pages.
    let new = pattern(0xb0, 2 * PAGE);
    let wrote = open(path, libc::O_WRONLY).and_then(|f| pwrite(&f, &new, 0));
    r.check(
        "2 pages written after the truncation",
        wrote == Ok(2 * PAGE),
        wrote,
    );
    let all = read_all(path).unwrap_or_default();
    r.check(
        "read() shows exactly the new data: the store through the mapping did not survive",
        all == new,
        (all.len(), all.windows(6).position(|w| w == b"STORED")),
    );
    r.check(
        "the old read-only mapping shows the new data",
        !m.sigbus_at(0) && !m.sigbus_at(PAGE) && m.get(0, 2 * PAGE) == new,
        (),
    );
    r.check(
        "the old writable mapping shows the new data",
        !mw.sigbus_at(0) && !mw.sigbus_at(PAGE) && mw.get(0, 2 * PAGE) == new,
        (),
    );
    r.check(
        "past the new end the old mapping is SIGBUS",
        m.sigbus_at(2 * PAGE),
        (),
    );
    if !mw.sigbus_at(PAGE) {
        mw.put(PAGE + 5, b"AFTER");
    }
    let mut back = [0u8; 5];
    let res = open(path, libc::O_RDONLY).and_then(|f| pread(&f, &mut back, (PAGE + 5) as u64));
    r.check(
        "a store through the old writable mapping lands in the device",
        res == Ok(5) && &back == b"AFTER",
        (res, back),
    );
    drop(trunc);
    let _ = std::fs::remove_file(&second);
    if let Some(module) = module {
        // Every descriptor is closed; the mappings hold the module.
        let refused = !rmmod(module) && module_loaded(module);
        r.check("rmmod is refused while a mapping exists", refused, ());
        drop(m);
        drop(mw);
        r.check(
            "rmmod succeeds once the mappings are gone",
            rmmod(module) && !module_loaded(module),
            (),
        );
    }
}

// ---------------------------------------------------------------------------------------
// append and append-trunc: records whole, however the source pages behave

const RECORD: usize = 64 << 10;
const MAGIC: &[u8; 4] = b"REC!";

/// The record of `writer`'s `seq`-th append in `round`: a header, then bytes from all three.
fn record_into(buf: &mut [u8], writer: u32, seq: u32, round: u32) {
    buf[..4].copy_from_slice(MAGIC);
    buf[4..8].copy_from_slice(&writer.to_le_bytes());
    buf[8..12].copy_from_slice(&seq.to_le_bytes());
    buf[12..16].copy_from_slice(&round.to_le_bytes());
    let key = (u64::from(writer) << 48) ^ (u64::from(round) << 32) ^ u64::from(seq);
    for (i, w) in buf[16..].chunks_mut(8).enumerate() {
        let v = mix(key ^ ((i as u64) << 20)).to_le_bytes();
        w.copy_from_slice(&v[..w.len()]);
    }
}

fn header(chunk: &[u8]) -> Option<(u32, u32, u32)> {
    if chunk.len() < 16 || &chunk[..4] != MAGIC {
        return None;
    }
    let word = |i: usize| u32::from_le_bytes(chunk[i..i + 4].try_into().unwrap_or_default());
    Some((word(4), word(8), word(12)))
}

/// Whether `chunk` is a whole record, or (if `prefix`) the start of one.
fn record_ok(chunk: &[u8], prefix: bool) -> bool {
    if chunk.len() < 16 {
        return prefix && MAGIC.starts_with(&chunk[..chunk.len().min(4)]);
    }
    let Some((w, s, round)) = header(chunk) else {
        return false;
    };
    if chunk.len() != RECORD && !prefix {
        return false;
    }
    let mut want = vec![0u8; RECORD];
    record_into(&mut want, w, s, round);
    chunk == &want[..chunk.len()]
}

/// A record-sized source buffer whose pages a thread keeps dropping (a shared memfd mapping
/// under MADV_DONTNEED): each copy from it may find a page gone after it was faulted in.
struct Vanishing {
    map: Map,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<u64>>,
}

impl Vanishing {
    fn new() -> Result<Self, i32> {
        // SAFETY: memfd_create of a C string, then ftruncate of its descriptor.
        let fd = unsafe { libc::memfd_create(c"hostile-source".as_ptr(), libc::MFD_CLOEXEC) };
        if fd < 0 {
            return Err(errno());
        }
        // SAFETY: `fd` was just made and is owned here.
        let mem = unsafe { File::from_raw_fd(fd) };
        // SAFETY: ftruncate of an open descriptor.
        if unsafe { libc::ftruncate(mem.as_raw_fd(), RECORD as i64) } != 0 {
            return Err(errno());
        }
        let map = Map::shared(&mem, RECORD, libc::PROT_READ | libc::PROT_WRITE)?;
        let stop = Arc::new(AtomicBool::new(false));
        let (addr, stop2) = (map.addr(0), stop.clone());
        let thread = std::thread::spawn(move || {
            let mut drops = 0u64;
            while !stop2.load(SeqCst) {
                // SAFETY: Drops the pages of the mapping, which outlives this thread (joined
                // before the mapping goes); the memfd keeps the data.
                unsafe { libc::madvise(addr as *mut libc::c_void, RECORD, libc::MADV_DONTNEED) };
                drops += 1;
                if drops.is_multiple_of(4) {
                    std::thread::yield_now();
                }
            }
            drops
        });
        Ok(Vanishing {
            map,
            stop,
            thread: Some(thread),
        })
    }

    fn finish(mut self) -> u64 {
        self.stop.store(true, SeqCst);
        self.thread.take().and_then(|t| t.join().ok()).unwrap_or(0)
    }
}

impl Drop for Vanishing {
    fn drop(&mut self) {
        self.stop.store(true, SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Counters shared by the processes of one run (a shared anonymous page).
#[repr(C)]
struct Shared {
    stop: AtomicU64,
    /// Odd while a truncating open is under way (a sequence count).
    gen: AtomicU64,
    writes: AtomicU64,
    failed_writes: AtomicU64,
    truncations: AtomicU64,
    failed_truncations: AtomicU64,
    snapshots: AtomicU64,
    skipped: AtomicU64,
    bad_snapshots: AtomicU64,
}

fn shared_page() -> Result<(Map, &'static Shared), i32> {
    let m = Map::new(
        PAGE,
        libc::PROT_READ | libc::PROT_WRITE,
        libc::MAP_SHARED | libc::MAP_ANONYMOUS,
        -1,
        0,
    )?;
    // SAFETY: A zeroed shared page holds a valid `Shared` (atomics of zero); the mapping is
    // kept by the caller for as long as the reference is used (the caller's whole run).
    let s = unsafe { &*(m.ptr as *const Shared) };
    Ok((m, s))
}

/// One appending writer: `records` records (or until `shared.stop`), from a vanishing source
/// if asked. Exit code 0 if every write wrote its whole record.
fn appender(
    path: &str,
    writer: u32,
    round: u32,
    records: u32,
    vanishing: bool,
    shared: &Shared,
) -> i32 {
    let Ok(f) = open(path, libc::O_WRONLY | libc::O_APPEND) else {
        return 3;
    };
    let mut heap = vec![0u8; RECORD];
    let source = if vanishing {
        match Vanishing::new() {
            Ok(v) => Some(v),
            Err(_) => return 4,
        }
    } else {
        None
    };
    let mut bad = 0;
    let mut seq = 0;
    while seq < records && shared.stop.load(SeqCst) == 0 {
        let buf = match &source {
            Some(v) => v.map.addr(0),
            None => heap.as_mut_ptr() as usize,
        };
        // SAFETY: `buf` is `RECORD` writable bytes: the heap vector or the mapping.
        let slice = unsafe { std::slice::from_raw_parts_mut(buf as *mut u8, RECORD) };
        record_into(slice, writer, seq, round);
        // SAFETY: Writes `RECORD` bytes from that buffer.
        let n = unsafe { libc::write(f.as_raw_fd(), buf as *const libc::c_void, RECORD) };
        if n == RECORD as isize {
            shared.writes.fetch_add(1, SeqCst);
        } else {
            let e = errno();
            if bad < 3 {
                eprintln!(
                    "hostile append: writer {writer} record {seq}: write returned {n} ({})",
                    errno_name(e)
                );
            }
            bad += 1;
            shared.failed_writes.fetch_add(1, SeqCst);
        }
        seq += 1;
    }
    if let Some(v) = source {
        let drops = v.finish();
        if drops == 0 {
            return 5;
        }
    }
    i32::from(bad != 0)
}

/// Parses `content` as records: Ok(records by writer, in order) or what is wrong.
fn parse(content: &[u8]) -> Result<BTreeMap<u32, Vec<u32>>, String> {
    if !content.len().is_multiple_of(RECORD) {
        return Err(format!(
            "size {} is not a whole number of {RECORD}-byte records ({} left over)",
            content.len(),
            content.len() % RECORD
        ));
    }
    let mut by_writer: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for (i, chunk) in content.chunks(RECORD).enumerate() {
        if !record_ok(chunk, false) {
            let zeros = chunk.iter().take_while(|&&b| b == 0).count();
            return Err(format!(
                "record {i} (at {:#x}) is not whole: header {:?}, starts with {zeros} zero bytes",
                i * RECORD,
                header(chunk)
            ));
        }
        if let Some((w, s, _)) = header(chunk) {
            let seqs = by_writer.entry(w).or_default();
            if seqs.last().is_some_and(|&last| last >= s) {
                return Err(format!(
                    "record {i}: writer {w}'s record {s} after its {seqs:?}"
                ));
            }
            seqs.push(s);
        }
    }
    Ok(by_writer)
}

fn append(path: &str, writers: u32, records: u32, rounds: u32, r: &mut Report) {
    let Ok((_page, shared)) = shared_page() else {
        return r.check("shared page", false, ());
    };
    for round in 0..rounds {
        if let Err(e) = truncate(path) {
            return r.check("truncating open", false, errno_name(e));
        }
        shared.writes.store(0, SeqCst);
        let start = Instant::now();
        // All but the last writer copy from vanishing pages.
        let pids: Vec<i32> = (0..writers)
            .map(|w| spawn(|| appender(path, w, round, records, w + 1 < writers, shared)))
            .collect();
        let statuses: Vec<String> = pids.into_iter().map(|p| describe_status(wait(p))).collect();
        let content = read_all(path).unwrap_or_default();
        let want = writers as usize * records as usize * RECORD;
        println!(
            "hostile append {path} round {round}: {writers} writers, {} writes in {:?}: {statuses:?}, size {} of {want}",
            shared.writes.load(SeqCst),
            start.elapsed(),
            content.len()
        );
        r.check(
            &format!(
                "round {round}: every O_APPEND write of a {RECORD}-byte record wrote it whole"
            ),
            statuses.iter().all(|s| s == "exit 0"),
            statuses,
        );
        r.check(
            &format!("round {round}: the size is the sum of the records"),
            content.len() == want,
            (content.len(), want),
        );
        let parsed = parse(&content).and_then(|by| {
            let complete = (0..writers).all(|w| {
                by.get(&w).is_some_and(|s| {
                    s.len() == records as usize && s.iter().enumerate().all(|(i, &x)| x == i as u32)
                })
            });
            if complete {
                Ok(())
            } else {
                Err(format!(
                    "records per writer: {:?}",
                    by.iter().map(|(w, s)| (w, s.len())).collect::<Vec<_>>()
                ))
            }
        });
        r.check(
            &format!("round {round}: read sequentially, every record is whole, each once, in each writer's order"),
            parsed.is_ok(),
            parsed,
        );
    }
    let _ = truncate(path);
}

/// Checks a reader's snapshot: whole records, then at most the start of one.
fn snapshot_ok(content: &[u8]) -> Result<(), String> {
    for (i, chunk) in content.chunks(RECORD).enumerate() {
        if !record_ok(chunk, true) {
            let zeros = chunk.iter().take_while(|&&b| b == 0).count();
            return Err(format!(
                "{} bytes, record {i} not whole: header {:?}, starts with {zeros} zero bytes",
                content.len(),
                header(chunk)
            ));
        }
    }
    Ok(())
}

fn append_trunc(path: &str, writers: u32, seconds: u64, r: &mut Report) {
    let Ok((_page, shared)) = shared_page() else {
        return r.check("shared page", false, ());
    };
    if let Err(e) = truncate(path) {
        return r.check("truncating open", false, errno_name(e));
    }
    let mut pids: Vec<i32> = (0..writers)
        .map(|w| spawn(|| appender(path, w, 0, u32::MAX, true, shared)))
        .collect();
    // The truncating opens, counted as a sequence: odd while one is under way.
    pids.push(spawn(|| {
        let mut rng = Rng::new(0x7a);
        while shared.stop.load(SeqCst) == 0 {
            shared.gen.fetch_add(1, SeqCst);
            let res = truncate(path);
            shared.gen.fetch_add(1, SeqCst);
            if res.is_ok() {
                shared.truncations.fetch_add(1, SeqCst);
            } else {
                shared.failed_truncations.fetch_add(1, SeqCst);
            }
            std::thread::sleep(Duration::from_micros(1000 + rng.below(10_000)));
        }
        0
    }));
    // A reader at random moments: a snapshot taken while no truncation ran is whole records.
    pids.push(spawn(|| {
        let mut rng = Rng::new(0x7b);
        let Ok(f) = open(path, libc::O_RDONLY) else {
            return 3;
        };
        let mut buf = vec![0u8; 4 << 20];
        let mut reported = 0;
        while shared.stop.load(SeqCst) == 0 {
            std::thread::sleep(Duration::from_micros(rng.below(3000)));
            let g = shared.gen.load(SeqCst);
            if g % 2 == 1 {
                continue;
            }
            let n = pread(&f, &mut buf, 0);
            if shared.gen.load(SeqCst) != g {
                shared.skipped.fetch_add(1, SeqCst);
                continue;
            }
            shared.snapshots.fetch_add(1, SeqCst);
            let res = n.map_err(errno_name).and_then(|n| snapshot_ok(&buf[..n]));
            if let Err(e) = res {
                shared.bad_snapshots.fetch_add(1, SeqCst);
                if reported < 3 {
                    println!("hostile append-trunc {path}: reader: {e}");
                    reported += 1;
                }
            }
        }
        0
    }));
    std::thread::sleep(Duration::from_secs(seconds));
    shared.stop.store(1, SeqCst);
    let statuses: Vec<String> = pids.into_iter().map(|p| describe_status(wait(p))).collect();
    let content = read_all(path).unwrap_or_default();
    let c = |a: &AtomicU64| a.load(SeqCst);
    println!(
        "hostile append-trunc {path}: {seconds} s: {} whole writes ({} not), {} truncations ({} failed), {} snapshots ({} skipped, {} bad), final size {}: {statuses:?}",
        c(&shared.writes),
        c(&shared.failed_writes),
        c(&shared.truncations),
        c(&shared.failed_truncations),
        c(&shared.snapshots),
        c(&shared.skipped),
        c(&shared.bad_snapshots),
        content.len()
    );
    r.check(
        "writers, truncating opens and reader all ran (and every open succeeded)",
        c(&shared.writes) > 0
            && c(&shared.truncations) > 0
            && c(&shared.snapshots) > 0
            && c(&shared.failed_truncations) == 0,
        (),
    );
    r.check(
        "every O_APPEND write racing truncations wrote its whole record",
        statuses.iter().all(|s| s == "exit 0") && c(&shared.failed_writes) == 0,
        statuses,
    );
    r.check(
        "every snapshot the reader took between truncations was whole records",
        c(&shared.bad_snapshots) == 0,
        c(&shared.bad_snapshots),
    );
    let parsed = parse(&content);
    r.check(
        "at the end: a whole number of whole records, in each writer's order, no zeros in front",
        parsed.is_ok(),
        parsed.map(|by| by.values().map(Vec::len).sum::<usize>()),
    );
    let _ = truncate(path);
}

// ---------------------------------------------------------------------------------------
// fill: write until the memory runs out, then read it all back

const CHUNK: usize = 1 << 20;
const BLOCK: usize = 4096;

/// Device `id`'s pattern from byte `pos` for `len` bytes, in `buf` (CHUNK + BLOCK bytes,
/// filled with `fill_byte(id)` beforehand): each 4 KiB block of the device starts with its
/// position and the device's id, the rest is the device's byte. Gives the range of `buf`.
fn fill_bytes(buf: &mut [u8], id: u64, pos: u64, len: usize) -> std::ops::Range<usize> {
    let base = pos - pos % BLOCK as u64;
    let skip = (pos - base) as usize;
    for b in 0..(skip + len).div_ceil(BLOCK) {
        let stamp = (base + (b * BLOCK) as u64) ^ ((id + 1) << 56);
        buf[b * BLOCK..b * BLOCK + 8].copy_from_slice(&stamp.to_le_bytes());
    }
    skip..skip + len
}

fn fill_byte(id: u64) -> u8 {
    0xa0 + id as u8
}

fn fill(path: &str, id: u64, r: &mut Report) {
    let f = match open(path, libc::O_RDWR | libc::O_TRUNC | libc::O_CREAT) {
        Ok(f) => f,
        Err(e) => return r.check("open", false, errno_name(e)),
    };
    // Every buffer allocated and touched before memory runs out.
    let mut out = vec![fill_byte(id); CHUNK + BLOCK];
    let mut want = vec![fill_byte(id); CHUNK + BLOCK];
    let mut back = vec![1u8; CHUNK];
    let start = Instant::now();
    let mut pos = 0u64;
    let end = loop {
        let range = fill_bytes(&mut out, id, pos, CHUNK);
        match pwrite(&f, &out[range], pos) {
            Ok(0) => break 0,
            Ok(n) => pos += n as u64,
            Err(e) => break e,
        }
    };
    let took = start.elapsed();
    println!(
        "hostile fill {path}: {pos} bytes ({} MiB) in {took:?}, then {}",
        pos >> 20,
        errno_name(end)
    );
    r.check(
        &format!(
            "writing until an error ends with ENOSPC or ENOMEM (here {})",
            errno_name(end)
        ),
        end == libc::ENOSPC || end == libc::ENOMEM,
        errno_name(end),
    );
    r.check("it wrote something", pos > 0, pos);
    let size = size_of(&f);
    r.check("the size is what was written", size == Ok(pos), (size, pos));
    let mut at = 0u64;
    let mut bad = None;
    while at < pos && bad.is_none() {
        let len = CHUNK.min((pos - at) as usize);
        let range = fill_bytes(&mut want, id, at, len);
        match pread(&f, &mut back[..len], at) {
            Ok(n) if n == len && back[..len] == want[range] => at += len as u64,
            other => bad = Some((at, other)),
        }
    }
    r.check(
        "everything written reads back as written",
        bad.is_none(),
        bad,
    );
}

// ---------------------------------------------------------------------------------------

/// Write faults on a one-page private mapping race truncating opens, for `secs` seconds. After
/// each round, with nothing running, a file of 0 bytes must have no page resident in the
/// mapping: a private copy made from the old page would outlive the truncation (tmpfs never
/// keeps one). The write fault comes from a read of /dev/zero into the mapping: in the kernel,
/// a fault past the end is EFAULT, not SIGBUS.
fn cow_trunc(path: &str, secs: u64, r: &mut Report) {
    let fill = || {
        let fd = open_fd(path, libc::O_WRONLY | libc::O_TRUNC);
        let page = [b'x'; PAGE];
        // SAFETY: Writes one page from a local buffer to the descriptor opened above.
        let ok = fd >= 0 && unsafe { libc::write(fd, page.as_ptr().cast(), PAGE) } == PAGE as isize;
        close_fd(fd);
        ok
    };
    if !fill() {
        r.check("cow-trunc: set-up", false, errno_name(errno()));
        return;
    }
    let fd = open_fd(path, libc::O_RDWR);
    let zero = open_fd("/dev/zero", libc::O_RDONLY);
    // SAFETY: A new private mapping of the file's first page.
    let map = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            PAGE,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE,
            fd,
            0,
        )
    };
    if fd < 0 || zero < 0 || map == libc::MAP_FAILED {
        r.check("cow-trunc: set-up", false, errno_name(errno()));
        return;
    }
    let addr = map as usize;
    let go = Arc::new(AtomicU64::new(0));
    let done = Arc::new(AtomicU64::new(0));
    let (g, d) = (go.clone(), done.clone());
    let faulter = std::thread::spawn(move || loop {
        let round = g.load(SeqCst);
        if round == u64::MAX {
            return;
        }
        if round == d.load(SeqCst) {
            std::hint::spin_loop();
            continue;
        }
        // SAFETY: One byte of /dev/zero into the mapping, which stays mapped until the end.
        unsafe { libc::read(zero, addr as *mut libc::c_void, 1) };
        d.store(round, SeqCst);
    });
    let start = Instant::now();
    let (mut rounds, mut survivors) = (0u64, 0u64);
    while start.elapsed() < Duration::from_secs(secs) && fill() {
        // SAFETY: Drops the private page and the mapping's entry: the next write faults.
        unsafe { libc::madvise(map, PAGE, libc::MADV_DONTNEED) };
        rounds += 1;
        go.store(rounds, SeqCst);
        for _ in 0..rounds % 64 {
            std::hint::spin_loop();
        }
        close_fd(open_fd(path, libc::O_WRONLY | libc::O_TRUNC));
        while done.load(SeqCst) != rounds {
            std::hint::spin_loop();
        }
        let mut resident = 0u8;
        // SAFETY: Asks which pages of the mapping are resident; one byte of answer.
        let empty = unsafe { libc::lseek(fd, 0, libc::SEEK_END) } == 0;
        if empty && unsafe { libc::mincore(map, PAGE, &mut resident) } == 0 && resident & 1 != 0 {
            survivors += 1;
        }
    }
    go.store(u64::MAX, SeqCst);
    let _ = faulter.join();
    println!("hostile cow-trunc {path}: {rounds} rounds, {survivors} private pages outlived a truncation");
    r.check(
        "cow-trunc: no private copy outlives the truncation it raced",
        rounds > 0 && survivors == 0,
        (rounds, survivors),
    );
    // SAFETY: Unmaps the mapping made above; the faulting thread has ended.
    unsafe { libc::munmap(map, PAGE) };
    close_fd(zero);
    close_fd(fd);
}

/// Two processes write `records` 64-byte records each through one open file (one position,
/// as `{ a & b; } > dev` does): every record lands once, none overwrites another.
fn shared_fd(path: &str, records: u32, r: &mut Report) {
    const REC: usize = 64;
    let fd = open_fd(path, libc::O_WRONLY | libc::O_TRUNC);
    if fd < 0 {
        r.check("shared-fd: open", false, errno_name(errno()));
        return;
    }
    let mut children = Vec::new();
    for writer in 0..2u8 {
        children.push(in_child_async(|| {
            for i in 0..records {
                let mut rec = [b'a' + writer; REC];
                rec[..4].copy_from_slice(&i.to_le_bytes());
                // SAFETY: Writes one record from a local buffer to the shared descriptor.
                if unsafe { libc::write(fd, rec.as_ptr().cast(), REC) } != REC as isize {
                    return 1;
                }
            }
            0
        }));
    }
    let ok = children.into_iter().all(|pid| {
        let mut status = 0;
        // SAFETY: Waits for a child forked above.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0
    });
    close_fd(fd);
    r.check("shared-fd: every write was whole", ok, ());
    let data = std::fs::read(path).unwrap_or_default();
    let mut seen = [vec![false; records as usize], vec![false; records as usize]];
    let mut bad = 0;
    for rec in data.chunks(REC) {
        let writer = rec[REC - 1].wrapping_sub(b'a') as usize;
        let i = u32::from_le_bytes([rec[0], rec[1], rec[2], rec[3]]) as usize;
        let whole = rec.len() == REC && rec[4..].iter().all(|&b| b == rec[REC - 1]);
        match seen.get_mut(writer).and_then(|s| s.get_mut(i)) {
            Some(s) if whole && !*s => *s = true,
            _ => bad += 1,
        }
    }
    let lost = seen.iter().flatten().filter(|&&s| !s).count();
    r.check(
        "shared-fd: both writers' records all there, whole, none overwritten",
        data.len() == 2 * records as usize * REC && lost == 0 && bad == 0,
        (data.len(), lost, bad),
    );
}

fn open_fd(path: &str, flags: i32) -> i32 {
    let Ok(c) = CString::new(path) else {
        return -1;
    };
    // SAFETY: Opens a NUL-terminated path.
    unsafe { libc::open(c.as_ptr(), flags) }
}

fn close_fd(fd: i32) {
    if fd >= 0 {
        // SAFETY: Closes a descriptor this program opened.
        unsafe { libc::close(fd) };
    }
}

/// Forks a child that runs `child` and exits with its value; returns the child's pid.
fn in_child_async(child: impl FnOnce() -> i32) -> libc::pid_t {
    // SAFETY: The child runs `child` (syscalls on its own buffers) and leaves by `_exit`.
    let pid = unsafe { libc::fork() };
    if pid == 0 {
        let code = child();
        // SAFETY: Ends the child without running the parent's destructors.
        unsafe { libc::_exit(code) };
    }
    pid
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let arg = |i: usize| args.get(i).map(String::as_str);
    let num = |i: usize| arg(i).and_then(|a| a.parse::<u64>().ok());
    let (Some(cmd), Some(path)) = (arg(1), arg(2)) else {
        eprintln!("usage: scull-hostile far|random|odirect|opens|rss|mmap-trunc|append|append-trunc|fill|cow-trunc|shared-fd PATH ...");
        return ExitCode::from(2);
    };
    let tag = std::env::var("HOSTILE_TAG")
        .map(|t| format!(" [{t}]"))
        .unwrap_or_default();
    let mut r = Report::new(&format!("hostile {cmd} {path}{tag}:"));
    match (cmd, num(3), num(4), num(5), num(6)) {
        ("far", Some(q), Some(qset), _, _) => far(path, q, qset, &mut r),
        ("random", Some(seed), Some(ops), Some(grain), Some(near)) => {
            random(path, seed, ops, grain, near, &mut r)
        }
        ("odirect", ..) => odirect(path, &mut r),
        ("opens", ..) if arg(3).is_some() => opens(path, arg(3).unwrap_or_default(), &mut r),
        ("rss", ..) => rss(path, &mut r),
        ("mmap-trunc", ..) => mmap_trunc(path, arg(3), &mut r),
        ("append", Some(w), Some(n), Some(rounds), _) => {
            append(path, w as u32, n as u32, rounds as u32, &mut r)
        }
        ("append-trunc", Some(w), Some(secs), _, _) => append_trunc(path, w as u32, secs, &mut r),
        ("fill", Some(id), ..) => fill(path, id, &mut r),
        ("cow-trunc", Some(secs), ..) => cow_trunc(path, secs, &mut r),
        ("shared-fd", Some(n), ..) => shared_fd(path, n as u32, &mut r),
        _ => {
            eprintln!("scull-hostile: bad arguments (see the comment at the top of the source)");
            return ExitCode::from(2);
        }
    }
    r.exit_code()
}
