// SPDX-License-Identifier: GPL-2.0

//! A file system exerciser after xfstests' fsx: one seeded random sequence of operations runs
//! on a device and on a tmpfs file side by side, and every return value, errno, file position
//! and, at checkpoints and at the end, the whole content must agree. Operations: write,
//! pwrite, read, pread, writev, readv, lseek with every whence (SEEK_DATA and SEEK_HOLE
//! included), truncating and appending opens, sendfile out of and into each, reads and writes
//! through a shared mapping, fsync. What differs by design is modelled: holes are found per
//! quantum on the device and per page on tmpfs, so SEEK_DATA/SEEK_HOLE are checked against a
//! model of the touched pages for both.
//! Usage: scull-fsx DEVICE FILE SEED OPS QUANTUM MAXLEN

use scull_user::{read_by_kernel, Rng};
use std::collections::{BTreeSet, VecDeque};
use std::ffi::CString;
use std::process::ExitCode;

const PAGE: u64 = 4096;

/// A syscall's result: a value or an errno.
type Res = Result<i64, i32>;

fn res(n: i64) -> Res {
    if n < 0 {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    } else {
        Ok(n)
    }
}

fn open(path: &str, flags: i32) -> i32 {
    let c = CString::new(path).unwrap_or_default();
    // SAFETY: A plain open of a C string path.
    unsafe { libc::open(c.as_ptr(), flags | libc::O_CLOEXEC, 0o600) }
}

fn close(fd: i32) {
    // SAFETY: Closes a descriptor this program opened.
    unsafe { libc::close(fd) };
}

/// One side of the comparison: a path and its open descriptor.
struct Side {
    path: String,
    fd: i32,
}

impl Side {
    fn reopen(&mut self, flags: i32) -> Res {
        close(self.fd);
        self.fd = open(&self.path, flags);
        res(self.fd as i64)
    }

    fn size(&self) -> i64 {
        // SAFETY: fstat of an open descriptor... of a char device gives no size: seek instead.
        unsafe {
            let pos = libc::lseek(self.fd, 0, libc::SEEK_CUR);
            let end = libc::lseek(self.fd, 0, libc::SEEK_END);
            libc::lseek(self.fd, pos, libc::SEEK_SET);
            end
        }
    }

    fn content(&self) -> Vec<u8> {
        let size = self.size().max(0) as usize;
        let mut v = vec![0u8; size];
        let mut done = 0;
        while done < size {
            // SAFETY: Reads into the vector's spare room.
            let n = unsafe {
                libc::pread(
                    self.fd,
                    v[done..].as_mut_ptr().cast(),
                    size - done,
                    done as i64,
                )
            };
            if n <= 0 {
                v.truncate(done);
                break;
            }
            done += n as usize;
        }
        v
    }
}

/// The first `len` bytes of this process's mapping at `p`, read by the kernel: the count read
/// (short, or EFAULT, at a page past the end) and the bytes.
fn read_mapping(p: *mut libc::c_void, len: usize) -> (Res, Vec<u8>) {
    let (n, bytes) = read_by_kernel(p, len);
    (n.map(|n| n as i64), bytes)
}

struct Fsx {
    rng: Rng,
    dev: Side,
    file: Side,
    quantum: u64,
    maxlen: u64,
    /// Pages written or touched through a mapping since the last truncation: data.
    touched: BTreeSet<u64>,
    /// The last operations, for the report.
    log: VecDeque<String>,
    step: u64,
    seed: u64,
}

impl Fsx {
    fn note(&mut self, what: String) {
        if self.log.len() == 30 {
            self.log.pop_front();
        }
        self.log.push_back(format!("{:6} {what}", self.step));
    }

    fn fail(&self, what: &str) -> ! {
        println!(
            "TEST FAIL: fsx {} seed {}: at operation {}: {what}",
            self.dev.path, self.seed, self.step
        );
        println!(
            "fsx: replay with: scull-fsx {} FILE {} OPS ...",
            self.dev.path, self.seed
        );
        for l in &self.log {
            println!("fsx:   {l}");
        }
        std::process::exit(1);
    }

    fn same(&self, what: &str, d: Res, f: Res) {
        if d != f {
            self.fail(&format!("{what}: device {d:?}, tmpfs {f:?}"));
        }
    }

    fn touch(&mut self, off: u64, len: u64) {
        if len > 0 {
            for p in off / PAGE..=(off + len - 1) / PAGE {
                self.touched.insert(p);
            }
        }
    }

    fn data(&self, len: usize) -> Vec<u8> {
        let seed = self.step as u8;
        (0..len)
            .map(|i| (i as u8).wrapping_mul(31) ^ seed | 1)
            .collect()
    }

    fn offset(&mut self) -> u64 {
        // Often near a quantum boundary, where pieces split.
        if self.rng.below(3) == 0 {
            let q = self.rng.below(self.maxlen / self.quantum + 1) * self.quantum;
            (q + self.rng.below(9)).saturating_sub(4)
        } else {
            self.rng.below(self.maxlen)
        }
    }

    fn len(&mut self) -> u64 {
        match self.rng.below(4) {
            0 => self.rng.below(16) + 1,
            1 => self.rng.below(PAGE * 2) + 1,
            _ => self.rng.below(self.quantum * 2) + 1,
        }
    }

    /// `len` bytes of new data at `off` of each, compared.
    fn pwrite_both(&mut self, off: u64, len: u64) {
        let buf = self.data(len as usize);
        // SAFETY: Writes from a live buffer of `len` bytes.
        let (d, f) = unsafe {
            (
                res(libc::pwrite(self.dev.fd, buf.as_ptr().cast(), buf.len(), off as i64) as i64),
                res(libc::pwrite(self.file.fd, buf.as_ptr().cast(), buf.len(), off as i64) as i64),
            )
        };
        self.same("pwrite", d, f);
        if let Ok(n) = d {
            self.touch(off, n as u64);
        }
    }

    fn op_pwrite(&mut self) {
        let (off, len) = (self.offset(), self.len());
        self.note(format!("pwrite {off:#x} {len:#x}"));
        self.pwrite_both(off, len);
    }

    fn op_pread(&mut self) {
        let (off, len) = (self.offset(), self.len() as usize);
        self.note(format!("pread {off:#x} {len:#x}"));
        let (mut a, mut b) = (vec![0u8; len], vec![1u8; len]);
        // SAFETY: Reads into live buffers of `len` bytes.
        let (d, f) = unsafe {
            (
                res(libc::pread(self.dev.fd, a.as_mut_ptr().cast(), len, off as i64) as i64),
                res(libc::pread(self.file.fd, b.as_mut_ptr().cast(), len, off as i64) as i64),
            )
        };
        self.same("pread", d, f);
        let n = d.unwrap_or(0) as usize;
        if a[..n] != b[..n] {
            self.fail("pread: the bytes differ");
        }
    }

    /// write or read at the file position, one buffer or several (writev/readv).
    fn op_rw(&mut self, write: bool) {
        let off = self.offset();
        let parts = 1 + self.rng.below(4) as usize;
        let lens: Vec<usize> = (0..parts)
            .map(|_| self.len() as usize / parts + 1)
            .collect();
        self.note(format!(
            "lseek {off:#x}; {} {lens:?}",
            if write { "writev" } else { "readv" }
        ));
        let mut bufs: Vec<[Vec<u8>; 2]> = lens
            .iter()
            .map(|&l| {
                let b = if write { self.data(l) } else { vec![7u8; l] };
                [b.clone(), b]
            })
            .collect();
        let mut results = Vec::new();
        for (side, fd) in [self.dev.fd, self.file.fd].into_iter().enumerate() {
            let iov: Vec<libc::iovec> = bufs
                .iter_mut()
                .map(|b| libc::iovec {
                    iov_base: b[side].as_mut_ptr().cast(),
                    iov_len: b[side].len(),
                })
                .collect();
            // SAFETY: Seeks, then moves data through live iovecs.
            let r = unsafe {
                libc::lseek(fd, off as i64, libc::SEEK_SET);
                if write {
                    res(libc::writev(fd, iov.as_ptr(), iov.len() as i32) as i64)
                } else {
                    res(libc::readv(fd, iov.as_ptr(), iov.len() as i32) as i64)
                }
            };
            // SAFETY: Reads the position of an open descriptor.
            let pos = unsafe { libc::lseek(fd, 0, libc::SEEK_CUR) };
            results.push((r, pos));
        }
        self.same("readv/writev", results[0].0, results[1].0);
        self.same(
            "position after readv/writev",
            Ok(results[0].1),
            Ok(results[1].1),
        );
        if write {
            if let Ok(n) = results[0].0 {
                self.touch(off, n as u64);
            }
        } else if bufs.iter().any(|b| b[0] != b[1]) {
            self.fail("readv: the bytes differ");
        }
    }

    fn op_lseek(&mut self) {
        let whence = [
            libc::SEEK_SET,
            libc::SEEK_CUR,
            libc::SEEK_END,
            libc::SEEK_DATA,
            libc::SEEK_HOLE,
        ][self.rng.below(5) as usize];
        let off = self.offset() as i64 - if self.rng.below(8) == 0 { 1 << 20 } else { 0 };
        self.note(format!("lseek {off:#x} whence {whence}"));
        // SAFETY: Seeks of open descriptors.
        let (d, f) = unsafe {
            (
                res(libc::lseek(self.dev.fd, off, whence)),
                res(libc::lseek(self.file.fd, off, whence)),
            )
        };
        if whence == libc::SEEK_DATA || whence == libc::SEEK_HOLE {
            // Against the model: holes per quantum on the device, per page on tmpfs.
            let size = self.file.size();
            let want = |unit: u64| -> Res {
                if off < 0 || off >= size {
                    return Err(libc::ENXIO);
                }
                let is_data = |u: u64| {
                    self.touched
                        .range(u * unit / PAGE..(u + 1) * unit / PAGE)
                        .next()
                        .is_some()
                };
                let mut u = off as u64 / unit;
                loop {
                    let at = (u * unit).max(off as u64) as i64;
                    if at >= size {
                        return if whence == libc::SEEK_HOLE {
                            Ok(size)
                        } else {
                            Err(libc::ENXIO)
                        };
                    }
                    if is_data(u) == (whence == libc::SEEK_DATA) {
                        return Ok(at);
                    }
                    u += 1;
                }
            };
            let (wd, wf) = (want(self.quantum), want(PAGE));
            if d != wd || f != wf {
                self.fail(&format!(
                    "lseek data/hole: device {d:?} (model {wd:?}), tmpfs {f:?} (model {wf:?})"
                ));
            }
            // Both on the same position again.
            // SAFETY: Seeks of open descriptors.
            unsafe {
                libc::lseek(self.dev.fd, 0, libc::SEEK_SET);
                libc::lseek(self.file.fd, 0, libc::SEEK_SET);
            }
        } else {
            self.same("lseek", d, f);
        }
    }

    fn op_reopen(&mut self) {
        let (flags, what) = match self.rng.below(4) {
            0 => (libc::O_RDWR | libc::O_TRUNC, "O_RDWR|O_TRUNC"),
            1 => (libc::O_WRONLY | libc::O_TRUNC, "O_WRONLY|O_TRUNC"),
            2 => (libc::O_WRONLY, "O_WRONLY (no truncation)"),
            _ => (libc::O_RDWR, "O_RDWR"),
        };
        self.note(format!("reopen {what}, then back to O_RDWR"));
        let (d, f) = (self.dev.reopen(flags), self.file.reopen(flags));
        self.same("open", d.map(|_| 0), f.map(|_| 0));
        if flags & libc::O_TRUNC != 0 {
            self.touched.clear();
        }
        let (d, f) = (
            self.dev.reopen(libc::O_RDWR),
            self.file.reopen(libc::O_RDWR),
        );
        self.same("open", d.map(|_| 0), f.map(|_| 0));
    }

    fn op_append(&mut self) {
        let writes = 1 + self.rng.below(3);
        self.note(format!("open O_APPEND, {writes} writes"));
        let size = self.file.size() as u64;
        let fds = [
            open(&self.dev.path, libc::O_WRONLY | libc::O_APPEND),
            open(&self.file.path, libc::O_WRONLY | libc::O_APPEND),
        ];
        let mut end = size;
        for _ in 0..writes {
            let n = self.len() as usize;
            let buf = self.data(n);
            let mut r = Vec::new();
            for fd in fds {
                // SAFETY: Appends a live buffer, then reads the position.
                unsafe {
                    r.push(res(libc::write(fd, buf.as_ptr().cast(), buf.len()) as i64));
                    r.push(res(libc::lseek(fd, 0, libc::SEEK_CUR)));
                }
            }
            self.same("append", r[0], r[2]);
            self.same("position after append", r[1], r[3]);
            if let Ok(n) = r[0] {
                self.touch(end, n as u64);
                end += n as u64;
            }
        }
        fds.into_iter().for_each(close);
    }

    /// sendfile out of each into a scratch file, and into each from a scratch file.
    fn op_sendfile(&mut self) {
        let (off, len) = (self.offset(), self.len() as usize);
        let into = self.rng.below(2) == 0;
        self.note(format!(
            "sendfile {} {off:#x} {len:#x}",
            if into { "into" } else { "out of" }
        ));
        let scratch = "/tmp/fsx-scratch";
        let mut out = Vec::new();
        for side in [&self.dev, &self.file] {
            let s = open(scratch, libc::O_RDWR | libc::O_CREAT | libc::O_TRUNC);
            let r = if into {
                let buf = self.data(len);
                let mut pos = 0i64;
                // SAFETY: Fills the scratch file, seeks the side, and sends.
                unsafe {
                    libc::write(s, buf.as_ptr().cast(), len);
                    libc::lseek(side.fd, off as i64, libc::SEEK_SET);
                    res(libc::sendfile(side.fd, s, &mut pos, len) as i64)
                }
            } else {
                let mut pos = off as i64;
                // SAFETY: Sends from the side to the scratch file.
                unsafe { res(libc::sendfile(s, side.fd, &mut pos, len) as i64) }
            };
            let copy = Side {
                path: scratch.into(),
                fd: s,
            }
            .content();
            close(s);
            out.push((r, copy));
        }
        self.same("sendfile", out[0].0, out[1].0);
        if out[0].1 != out[1].1 {
            self.fail("sendfile: what was sent differs");
        }
        if into {
            if let Ok(n) = out[0].0 {
                self.touch(off, n as u64);
            }
        }
    }

    /// Reads and writes through a shared mapping of each, within the size, then unmaps.
    fn op_mmap(&mut self) {
        let size = self.file.size() as u64;
        if size == 0 {
            return;
        }
        let (off, len) = (self.rng.below(size), self.len());
        let len = len.min(size - off);
        let write = self.rng.below(2) == 0;
        self.note(format!(
            "mmap {} {off:#x} {len:#x}",
            if write { "store" } else { "load" }
        ));
        let map_len = size.div_ceil(PAGE) * PAGE;
        let buf = self.data(len as usize);
        let mut seen = Vec::new();
        for fd in [self.dev.fd, self.file.fd] {
            // SAFETY: A shared mapping of the open side, within its size; unmapped below.
            unsafe {
                let p = libc::mmap(
                    std::ptr::null_mut(),
                    map_len as usize,
                    libc::PROT_READ | libc::PROT_WRITE,
                    libc::MAP_SHARED,
                    fd,
                    0,
                );
                if p == libc::MAP_FAILED {
                    self.fail(&format!("mmap: {}", std::io::Error::last_os_error()));
                }
                let at = p.cast::<u8>().add(off as usize);
                if write {
                    std::ptr::copy_nonoverlapping(buf.as_ptr(), at, len as usize);
                }
                seen.push(std::slice::from_raw_parts(at, len as usize).to_vec());
                libc::munmap(p, map_len as usize);
            }
        }
        if seen[0] != seen[1] {
            self.fail("mmap: the mapped bytes differ");
        }
        self.touch(off, len);
    }

    /// A mapping of each that outlives a truncation and a new write: read through afterwards
    /// by the kernel (process_vm_readv), so that a page past the end is EFAULT, not SIGBUS,
    /// it shows the same on both: the new data, and nothing past the new end.
    fn op_map_truncate(&mut self) {
        let size = self.file.size() as u64;
        if size == 0 {
            return;
        }
        let map_len = (size.div_ceil(PAGE) * PAGE) as usize;
        let (off, len) = (self.offset(), self.len());
        self.note(format!(
            "mmap {map_len:#x}, O_TRUNC, pwrite {off:#x} {len:#x}, read the old mapping"
        ));
        let mut maps = Vec::new();
        for fd in [self.dev.fd, self.file.fd] {
            // SAFETY: A new shared read-only mapping of the open side, unmapped below.
            let p = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    map_len,
                    libc::PROT_READ,
                    libc::MAP_SHARED,
                    fd,
                    0,
                )
            };
            if p == libc::MAP_FAILED {
                self.fail(&format!("mmap: {}", std::io::Error::last_os_error()));
            }
            maps.push(p);
        }
        // Faulted in before the truncation, so that it has pages to take back.
        let before: Vec<_> = maps.iter().map(|&p| read_mapping(p, map_len)).collect();
        self.same("reading a mapping", before[0].0, before[1].0);
        if before[0].0 != Ok(map_len as i64) {
            self.fail(&format!("reading a whole mapping: {:?}", before[0].0));
        }
        let (d, f) = (
            self.dev.reopen(libc::O_RDWR | libc::O_TRUNC),
            self.file.reopen(libc::O_RDWR | libc::O_TRUNC),
        );
        self.same("open O_TRUNC under a mapping", d.map(|_| 0), f.map(|_| 0));
        self.touched.clear();
        self.pwrite_both(off, len);
        let after: Vec<_> = maps.iter().map(|&p| read_mapping(p, map_len)).collect();
        self.same(
            "reading the old mapping after truncation",
            after[0].0,
            after[1].0,
        );
        if after[0].1 != after[1].1 {
            self.fail("the old mappings show different bytes after truncation");
        }
        // The pages read through the mapping are data now, on both.
        if let Ok(n) = after[0].0 {
            self.touch(0, n as u64);
        }
        for p in maps {
            // SAFETY: Unmaps a mapping made above.
            unsafe { libc::munmap(p, map_len) };
        }
    }

    fn op_fsync(&mut self) {
        self.note("fsync, fdatasync".into());
        // SAFETY: Syncs of open descriptors.
        let (d, f) = unsafe {
            (
                res(libc::fsync(self.dev.fd) as i64).and(res(libc::fdatasync(self.dev.fd) as i64)),
                res(libc::fsync(self.file.fd) as i64)
                    .and(res(libc::fdatasync(self.file.fd) as i64)),
            )
        };
        self.same("fsync", d, f);
    }

    fn checkpoint(&self) {
        let (d, f) = (self.dev.size(), self.file.size());
        self.same("size", Ok(d), Ok(f));
        let (a, b) = (self.dev.content(), self.file.content());
        if a != b {
            let at = a.iter().zip(&b).position(|(x, y)| x != y);
            self.fail(&format!(
                "content differs (lengths {} and {}, first at {at:?})",
                a.len(),
                b.len()
            ));
        }
    }

    fn run(&mut self, ops: u64) {
        for step in 0..ops {
            self.step = step;
            match self.rng.below(100) {
                0..=24 => self.op_pwrite(),
                25..=44 => self.op_pread(),
                45..=54 => self.op_rw(true),
                55..=64 => self.op_rw(false),
                65..=76 => self.op_lseek(),
                77..=80 => self.op_reopen(),
                81..=85 => self.op_append(),
                86..=91 => self.op_sendfile(),
                92..=95 => self.op_mmap(),
                96..=97 => self.op_map_truncate(),
                _ => self.op_fsync(),
            }
            if step % 100 == 99 {
                self.checkpoint();
            }
        }
        self.checkpoint();
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let num = |i: usize| args.get(i).and_then(|s| s.parse::<u64>().ok());
    let (Some(dev), Some(file), Some(seed), Some(ops), Some(quantum), Some(maxlen)) =
        (args.get(1), args.get(2), num(3), num(4), num(5), num(6))
    else {
        eprintln!("usage: scull-fsx DEVICE FILE SEED OPS QUANTUM MAXLEN");
        return ExitCode::from(2);
    };
    let flags = libc::O_RDWR | libc::O_TRUNC;
    let mut fsx = Fsx {
        rng: Rng::new(seed),
        dev: Side {
            path: dev.clone(),
            fd: open(dev, flags),
        },
        file: Side {
            path: file.clone(),
            fd: open(file, flags | libc::O_CREAT),
        },
        quantum,
        maxlen,
        touched: BTreeSet::new(),
        log: VecDeque::new(),
        step: 0,
        seed,
    };
    if fsx.dev.fd < 0 || fsx.file.fd < 0 {
        eprintln!("scull-fsx: cannot open {dev} or {file}");
        return ExitCode::from(2);
    }
    fsx.run(ops);
    println!("TEST PASS: fsx {dev} seed {seed}: {ops} operations agree with tmpfs");
    ExitCode::SUCCESS
}
