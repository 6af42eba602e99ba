// SPDX-License-Identifier: GPL-2.0

//! Throughput of dd-like transfers, timed with clock_gettime (std's Instant), several
//! repetitions each, median and spread. Prints CSV lines:
//!   CSV,label,op,block_bytes,total_mib,median_mibs,min_mibs,max_mibs,reps
//! Usage:
//!   scull-bench device LABEL DEVICE [REF]
//!                                      write/read of every size and block size, and the time
//!                                      to truncate the full device (op "truncate", in ms);
//!                                      with REF (a tmpfs file) also the ratios to it, the
//!                                      two taking turns (ops "write/ref", "read/ref")
//!   scull-bench file LABEL PATH        the same through a regular file (tmpfs)
//!   scull-bench pair DEVICE REF MIB BLOCK REPS
//!                                      one cell, device and tmpfs file taking turns, each
//!                                      repetition on its own line (MiB/s of each, ratio)
//!   scull-bench readers LABEL PATH     one reader of 256 MiB against two processes
//!                                      reading it at once (ops "read1", "read2": MiB/s
//!                                      moved in all; "read2/read1", taking turns)
//!   scull-bench mmap LABEL PATH [REF]  256 MiB through `MAP_SHARED` mappings: read whole by
//!                                      one process (op "mmap_read1"), by two each with its
//!                                      own mapping (op "mmap_read2", MiB/s moved in all),
//!                                      and overwritten by one (op "mmap_write"); with REF
//!                                      (a tmpfs file) also the ratios to it, taking turns
//!   scull-bench zero                   /dev/zero -> /dev/null, no copy

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::time::Instant;

const SIZES_MIB: [usize; 4] = [16, 64, 256, 512];
const BLOCKS: [usize; 3] = [4 << 10, 64 << 10, 1 << 20];
const REPS: usize = 5;

fn report(label: &str, op: &str, block: usize, mib: usize, mut v: Vec<f64>) {
    v.sort_by(|a, b| a.total_cmp(b));
    let median = v[v.len() / 2];
    println!(
        "CSV,{label},{op},{block},{mib},{median:.3},{:.3},{:.3},{}",
        v[0],
        v[v.len() - 1],
        v.len()
    );
}

/// MiB/s of moving `mib` MiB in `block`-byte calls of `step`.
fn timed(mib: usize, block: usize, mut step: impl FnMut(&mut [u8]) -> usize) -> f64 {
    let mut buf = vec![0x5au8; block];
    let total = mib << 20;
    let t = Instant::now();
    let mut done = 0;
    while done < total {
        let n = step(&mut buf);
        assert!(n > 0, "transfer stopped at {done} bytes");
        done += n;
    }
    mib as f64 / t.elapsed().as_secs_f64()
}

/// Bytes one file moves before the next takes its turn, where files take turns.
const SLICE: usize = 4 << 20;

/// Moves `mib` MiB through each of `files` in `block`-byte calls of `step`, the files taking
/// turns every `SLICE` bytes, each turn starting with the next file: MiB/s of each. Taking
/// turns makes a slow spell of a shared host weigh on every file alike.
fn take_turns(
    mut files: Vec<File>,
    mib: usize,
    block: usize,
    step: impl Fn(&mut File, &mut [u8]) -> usize,
) -> Vec<f64> {
    let mut buf = vec![0x5au8; block];
    let mut secs = vec![0.0; files.len()];
    let total = mib << 20;
    for (turn, start) in (0..total).step_by(SLICE).enumerate() {
        let slice = SLICE.min(total - start);
        for i in 0..files.len() {
            let k = (turn + i) % files.len();
            let t = Instant::now();
            let mut moved = 0;
            while moved < slice {
                let n = step(&mut files[k], &mut buf[..block.min(slice - moved)]);
                assert!(n > 0, "transfer stopped at {} bytes", start + moved);
                moved += n;
            }
            secs[k] += t.elapsed().as_secs_f64();
        }
    }
    secs.iter().map(|s| mib as f64 / s).collect()
}

/// Writes `mib` MiB into each of the emptied `paths`, then reads them back, the paths taking
/// turns: MiB/s of each one's write and read.
fn write_read(paths: &[&str], mib: usize, block: usize) -> Vec<(f64, f64)> {
    let open = |path: &&str, write: bool| {
        OpenOptions::new()
            .read(!write)
            .write(write)
            .truncate(write)
            .open(path)
            .unwrap()
    };
    let files = paths.iter().map(|p| open(p, true)).collect();
    let writes = take_turns(files, mib, block, |f, b| f.write(b).unwrap());
    let files = paths.iter().map(|p| open(p, false)).collect();
    let reads = take_turns(files, mib, block, |f, b| f.read(b).unwrap());
    writes.into_iter().zip(reads).collect()
}

/// Empties the regular file (or device) `path`, creating a file if need be; open for writing.
fn empty_file(path: &str) -> File {
    OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(path)
        .unwrap()
}

/// Write then read `path` at every size and block size; `truncate` empties it. With a
/// `reference` file (tmpfs), every repetition at the table's sizes moves the same bytes through
/// it too, the two taking turns, and the median of the repetitions' ratios is reported as well
/// (ops "write/ref", "read/ref"); so are small calls, `SMALL_CALL` bytes each, paired only.
fn transfers(label: &str, path: &str, truncate: impl Fn() -> f64, reference: Option<&str>) {
    if let Some(reference) = reference {
        let (mib, block) = SMALL_CALL;
        transfer_cell(label, &[path, reference], mib, block, &truncate);
    }
    for &mib in &SIZES_MIB {
        // The table's sizes; the others are only plotted.
        let paths: Vec<&str> = [Some(path), reference.filter(|_| mib == 16 || mib == 512)]
            .into_iter()
            .flatten()
            .collect();
        for &block in &BLOCKS {
            transfer_cell(label, &paths, mib, block, &truncate);
        }
        // Time to empty a full device (or file) of this size, in ms.
        let t: Vec<f64> = (0..REPS)
            .map(|_| {
                fill(path, mib);
                truncate()
            })
            .collect();
        report(label, "truncate_ms", 0, mib, t);
    }
    truncate();
}

/// MiB and block size of the small-call cell: its time is mostly the calls'.
const SMALL_CALL: (usize, usize) = (64, 512);

/// One cell: `REPS` times, `paths[0]` (emptied by `truncate`) and any reference after it
/// written and read, taking turns; reports the first's MiB/s and its ratios to the second.
fn transfer_cell(
    label: &str,
    paths: &[&str],
    mib: usize,
    block: usize,
    truncate: &impl Fn() -> f64,
) {
    let (mut w, mut r, mut w_ref, mut r_ref) = (vec![], vec![], vec![], vec![]);
    for _ in 0..REPS {
        truncate();
        paths[1..].iter().for_each(|p| drop(empty_file(p)));
        let got = write_read(paths, mib, block);
        paths[1..].iter().for_each(|p| drop(empty_file(p)));
        let (wm, rm) = got[0];
        w.push(wm);
        r.push(rm);
        if let Some(&(wf, rf)) = got.get(1) {
            w_ref.push(wm / wf);
            r_ref.push(rm / rf);
        }
    }
    report(label, "write", block, mib, w);
    report(label, "read", block, mib, r);
    if !w_ref.is_empty() {
        report(label, "write/ref", block, mib, w_ref);
        report(label, "read/ref", block, mib, r_ref);
    }
}

/// One cell looked at closely: each repetition's MiB/s of `dev` and `reference` and their
/// ratio, write then read, the two taking turns.
fn pair(dev: &str, reference: &str, mib: usize, block: usize, reps: usize) {
    println!("rep  write: device  tmpfs  ratio   read: device  tmpfs  ratio");
    for rep in 0..reps {
        drop(empty_file(dev));
        drop(empty_file(reference));
        let got = write_read(&[dev, reference], mib, block);
        let ((w, r), (w_ref, r_ref)) = (got[0], got[1]);
        println!(
            "{rep:>3} {w:>14.0} {w_ref:>6.0} {:>6.3} {r:>13.0} {r_ref:>6.0} {:>6.3}",
            w / w_ref,
            r / r_ref
        );
    }
}

/// Reads all of `path` in 1 MiB blocks.
fn read_through(path: &str) -> usize {
    let mut f = OpenOptions::new().read(true).open(path).unwrap();
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0;
    loop {
        match f.read(&mut buf).unwrap() {
            0 => return total,
            n => total += n,
        }
    }
}

/// MiB/s moved in all by `procs` processes each moving `mib` MiB with `work` at once (which
/// says whether it moved them all).
fn in_parallel(procs: usize, mib: usize, work: impl Fn() -> bool) -> f64 {
    let t = Instant::now();
    let pids: Vec<i32> = (0..procs)
        .map(|_| {
            // SAFETY: The child does its work and leaves by `_exit`.
            let pid = unsafe { libc::fork() };
            if pid == 0 {
                let ok = work();
                // SAFETY: Ends the child.
                unsafe { libc::_exit(if ok { 0 } else { 1 }) };
            }
            pid
        })
        .collect();
    for pid in pids {
        let mut status = 0;
        // SAFETY: Waits for a child forked above.
        unsafe { libc::waitpid(pid, &mut status, 0) };
        assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
    }
    (procs * mib) as f64 / t.elapsed().as_secs_f64()
}

/// Empties `path` (a file or device) and writes `mib` MiB to it in 1 MiB blocks.
fn fill(path: &str, mib: usize) {
    let mut f = empty_file(path);
    timed(mib, 1 << 20, |b| f.write(b).unwrap());
}

/// One reader against two at once, on a file or device of 256 MiB that this fills; the two
/// take turns, repetition by repetition, and each repetition's two-over-one is reported too
/// (op "read2/read1").
fn readers(label: &str, path: &str) {
    let mib = 256;
    fill(path, mib);
    let (mut one, mut two, mut scale) = (vec![], vec![], vec![]);
    for _ in 0..REPS {
        let [a, b] = [1, 2].map(|n| in_parallel(n, mib, || read_through(path) == mib << 20));
        one.push(a);
        two.push(b);
        scale.push(b / a);
    }
    report(label, "read1", 1 << 20, mib, one);
    report(label, "read2", 1 << 20, mib, two);
    report(label, "read2/read1", 1 << 20, mib, scale);
}

/// Maps `mib` MiB of `path` shared and reads every byte (`write`: overwrites every byte); for
/// a benchmark, the mapping, every page's fault and the unmapping are timed together.
fn through_mapping(path: &str, mib: usize, write: bool) {
    let f = OpenOptions::new()
        .read(true)
        .write(write)
        .open(path)
        .unwrap();
    let len = mib << 20;
    let prot = libc::PROT_READ | if write { libc::PROT_WRITE } else { 0 };
    // SAFETY: A new shared mapping of the first `len` bytes of the file, which holds them.
    let p = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            prot,
            libc::MAP_SHARED,
            std::os::fd::AsRawFd::as_raw_fd(&f),
            0,
        )
    };
    assert!(p != libc::MAP_FAILED, "mmap of {path} failed");
    if write {
        // SAFETY: The mapping is `len` bytes, writable, and nothing else in this process uses it.
        unsafe { std::ptr::write_bytes(p.cast::<u8>(), 0x6b, len) };
    } else {
        // SAFETY: The mapping is `len` readable bytes, page aligned.
        let words = unsafe { std::slice::from_raw_parts(p.cast::<u64>(), len / 8) };
        let sum = words.iter().fold(0u64, |a, &w| a.wrapping_add(w));
        std::hint::black_box(sum);
    }
    // SAFETY: Unmaps the mapping made above.
    unsafe { libc::munmap(p, len) };
}

/// The mapping rows, on a file or device of 256 MiB that this fills first. Between rounds the
/// mappings are gone, so every round faults every page again. With a `reference` file
/// (tmpfs), filled too, every round also runs on it, the two taking turns, and the median
/// of the rounds' ratios is reported as well (ops "mmap_read1/ref" and so on).
fn mapped(label: &str, path: &str, reference: Option<&str>) {
    let mib = 256;
    fill(path, mib);
    reference.inspect(|r| fill(r, mib));
    for (op, procs, write) in [
        ("mmap_read1", 1, false),
        ("mmap_read2", 2, false),
        ("mmap_write", 1, true),
    ] {
        let round = |p: &str| {
            in_parallel(procs, mib, || {
                through_mapping(p, mib, write);
                true
            })
        };
        let (mut v, mut ratios) = (vec![], vec![]);
        for i in 0..REPS {
            let Some(r) = reference else {
                v.push(round(path));
                continue;
            };
            // Each round starts with the other one.
            let (dev, refv) = if i % 2 == 0 {
                let dev = round(path);
                (dev, round(r))
            } else {
                let refv = round(r);
                (round(path), refv)
            };
            v.push(dev);
            ratios.push(dev / refv);
        }
        report(label, op, 0, mib, v);
        if !ratios.is_empty() {
            report(label, &format!("{op}/ref"), 0, mib, ratios);
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    match (args.get(1).map(String::as_str), args.get(2), args.get(3)) {
        // A write-only open truncates a device or a file: time it.
        (Some(kind @ ("device" | "file")), Some(label), Some(path)) => transfers(
            label,
            path,
            || {
                let t = Instant::now();
                drop(
                    OpenOptions::new()
                        .write(true)
                        .create(kind == "file")
                        .truncate(true)
                        .open(path)
                        .unwrap(),
                );
                t.elapsed().as_secs_f64() * 1e3
            },
            args.get(4).map(String::as_str),
        ),
        (Some("pair"), Some(dev), Some(reference)) => {
            let num = |i: usize| {
                args.get(i)
                    .and_then(|a| a.parse().ok())
                    .expect("MIB BLOCK REPS")
            };
            pair(dev, reference, num(4), num(5), num(6));
        }
        (Some("readers"), Some(label), Some(path)) => readers(label, path),
        (Some("mmap"), Some(label), Some(path)) => {
            mapped(label, path, args.get(4).map(String::as_str))
        }
        (Some("zero"), _, _) => {
            for &block in &BLOCKS {
                let mut zero = File::open("/dev/zero").unwrap();
                let mut null = OpenOptions::new().write(true).open("/dev/null").unwrap();
                let v = (0..REPS)
                    .map(|_| {
                        timed(512, block, |b| {
                            let n = zero.read(b).unwrap();
                            null.write(&b[..n]).unwrap()
                        })
                    })
                    .collect();
                report("zero-null", "copy", block, 512, v);
            }
        }
        _ => {
            eprintln!(
                "usage: scull-bench device LABEL DEVICE [REF] | file LABEL PATH \
                 | pair DEVICE REF MIB BLOCK REPS | readers LABEL PATH | mmap LABEL PATH [REF] | zero"
            );
            std::process::exit(2);
        }
    }
}
