// SPDX-License-Identifier: GPL-2.0

//! Checks of a scull device that need more than a shell: seeks, holes, truncation.
//! Prints one `TEST PASS: ...` or `TEST FAIL: ...` line per check.
//! Usage: scull-check seek DEVICE

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::process::ExitCode;

use scull_user::Report;

fn errno(r: std::io::Result<u64>) -> Option<i32> {
    r.err().and_then(|e| e.raw_os_error())
}

fn read_to_end(path: &str) -> std::io::Result<Vec<u8>> {
    let mut v = Vec::new();
    File::open(path)?.read_to_end(&mut v)?;
    Ok(v)
}

fn seek_checks(dev: &str, r: &mut Report) -> std::io::Result<()> {
    // Opening write-only truncates; read-write does not.
    OpenOptions::new().write(true).open(dev)?;
    let mut f = OpenOptions::new().read(true).write(true).open(dev)?;
    r.check(
        "empty after write-only open",
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
        f.seek(SeekFrom::Current(0))? == hole_end - 1,
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

    // A write-only open truncates what was there.
    drop(f);
    OpenOptions::new().write(true).open(dev)?;
    let e = read_to_end(dev)?.len();
    r.check("write-only open truncates", e == 0, e);
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 3 || args[1] != "seek" {
        eprintln!("usage: scull-check seek DEVICE");
        return ExitCode::from(2);
    }
    let dev = &args[2];
    let mut r = Report::new(&format!("{dev}:"));
    if let Err(e) = seek_checks(dev, &mut r) {
        r.check("seek checks ran", false, e);
    }
    r.exit_code()
}
