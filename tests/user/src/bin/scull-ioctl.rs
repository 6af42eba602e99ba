// SPDX-License-Identifier: GPL-2.0

//! Drives every ioctl of a scull module and checks each result, the effect on the next
//! truncation (through the module's memory dump), and the bad cases.
//! Usage: scull-ioctl MODULE INITIAL_ORDER INITIAL_QSET   (e.g. scull-ioctl scullp 0 500)

use scull_user::ioctl::*;
use scull_user::{become_nobody, exited_ok, in_child, Report};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::process::ExitCode;

/// One ioctl: the return value or the errno.
fn ioctl(f: &File, cmd: u32, arg: libc::c_ulong) -> Result<i32, i32> {
    // SAFETY: The devices' ioctls read or write at most one int at `arg` when it is a pointer;
    // every pointer passed here is valid or is meant to fail with EFAULT.
    let r = unsafe { libc::ioctl(f.as_raw_fd(), cmd as libc::c_ulong, arg) };
    if r < 0 {
        Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
    } else {
        Ok(r)
    }
}

fn ptr(v: &mut i32) -> libc::c_ulong {
    v as *mut i32 as libc::c_ulong
}

/// The memory dump's line for a device: order, qset, size, sets, quanta, data bytes (the
/// metadata column after them is left out).
fn dump(module: &str, device: &str) -> Option<Vec<u64>> {
    let text = std::fs::read_to_string(format!("/sys/kernel/debug/{module}/mem")).ok()?;
    let line = text.lines().find(|l| l.split(' ').next() == Some(device))?;
    line.split(' ')
        .skip(1)
        .take(6)
        .map(|w| w.parse().ok())
        .collect()
}

/// Truncates a device (write-only open) and writes `len` bytes.
fn truncate_and_write(path: &str, len: usize) -> std::io::Result<()> {
    OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)?
        .write_all(&vec![0x5a; len])
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        eprintln!("usage: scull-ioctl MODULE INITIAL_ORDER INITIAL_QSET");
        return ExitCode::from(2);
    }
    let m = &args[1];
    let (order0, qset0): (i32, i32) = match (args[2].parse(), args[3].parse()) {
        (Ok(o), Ok(q)) => (o, q),
        _ => return ExitCode::from(2),
    };
    let mut r = Report::new(&format!("{m} ioctl:"));
    let path0 = format!("/dev/{m}0");
    let path1 = format!("/dev/{m}1");
    let f = match OpenOptions::new().read(true).open(&path0) {
        Ok(f) => f,
        Err(e) => {
            r.check("open", false, e);
            return r.exit_code();
        }
    };

    r.check("RESET", ioctl(&f, RESET, 0) == Ok(0), ());
    r.check(
        "QORDER gives the load order",
        ioctl(&f, Q_ORDER, 0) == Ok(order0),
        (),
    );
    r.check(
        "QQSET gives the load qset",
        ioctl(&f, Q_QSET, 0) == Ok(qset0),
        (),
    );

    // The six operations, on the order and on the qset.
    for (what, s, t, g, q, x, h, a, b, c, d) in [
        (
            "order", S_ORDER, T_ORDER, G_ORDER, Q_ORDER, X_ORDER, H_ORDER, 2, 3, 1, 2,
        ),
        (
            "qset", S_QSET, T_QSET, G_QSET, Q_QSET, X_QSET, H_QSET, 7, 8, 9, 10,
        ),
    ] {
        r.check(
            &format!("T{what} sets by value"),
            ioctl(&f, t, a as _) == Ok(0),
            (),
        );
        r.check(&format!("Q{what} returns it"), ioctl(&f, q, 0) == Ok(a), ());
        let mut v = b;
        r.check(
            &format!("S{what} sets by pointer"),
            ioctl(&f, s, ptr(&mut v)) == Ok(0),
            (),
        );
        let mut got = -1;
        let res = ioctl(&f, g, ptr(&mut got));
        r.check(
            &format!("G{what} fills the pointer"),
            res == Ok(0) && got == b,
            (res, got),
        );
        let mut v = c;
        let res = ioctl(&f, x, ptr(&mut v));
        r.check(
            &format!("X{what} exchanges"),
            res == Ok(0) && v == b,
            (res, v),
        );
        r.check(
            &format!("... and X{what}'s value is in force"),
            ioctl(&f, q, 0) == Ok(c),
            (),
        );
        let res = ioctl(&f, h, d as _);
        r.check(&format!("H{what} returns the old value"), res == Ok(c), res);
        r.check(
            &format!("... and H{what}'s value is in force"),
            ioctl(&f, q, 0) == Ok(d),
            (),
        );
    }

    // The settings take effect at the next truncation, on every device of the module.
    let before = dump(m, &format!("{m}0"));
    r.check(
        "dump unchanged before truncation",
        before.as_ref().map(|d| (d[0], d[1])) == Some((order0 as u64, qset0 as u64)),
        &before,
    );
    let quantum = 4096u64 << 2;
    let written = truncate_and_write(&path0, (3 * quantum + 1) as usize);
    let after = dump(m, &format!("{m}0"));
    let want = vec![2, 10, 3 * quantum + 1, 1, 4, 4 * quantum];
    r.check(
        "truncation takes the new order and qset (dump: order qset size sets quanta bytes)",
        written.is_ok() && after.as_ref() == Some(&want),
        (&written, &after),
    );
    let written = truncate_and_write(&path1, 11 * quantum as usize);
    let after = dump(m, &format!("{m}1"));
    let want = vec![2, 10, 11 * quantum, 2, 11, 11 * quantum];
    r.check(
        "another device of the module takes them too, over 2 sets",
        written.is_ok() && after.as_ref() == Some(&want),
        (&written, &after),
    );
    let _ = OpenOptions::new().write(true).truncate(true).open(&path1);
    let after = dump(m, &format!("{m}1"));
    r.check(
        "dump back to zero after truncation",
        after.as_ref() == Some(&vec![2, 10, 0, 0, 0, 0]),
        &after,
    );

    // Invalid values: EINVAL, nothing changed.
    let einval = Err(libc::EINVAL);
    r.check("TORDER 11 is EINVAL", ioctl(&f, T_ORDER, 11) == einval, ());
    r.check(
        "TORDER -1 is EINVAL",
        ioctl(&f, T_ORDER, -1i32 as u32 as _) == einval,
        (),
    );
    let mut v = -1;
    r.check(
        "SORDER -1 is EINVAL",
        ioctl(&f, S_ORDER, ptr(&mut v)) == einval,
        (),
    );
    r.check("TQSET 0 is EINVAL", ioctl(&f, T_QSET, 0) == einval, ());
    let mut v = 65537;
    r.check(
        "SQSET 65537 is EINVAL",
        ioctl(&f, S_QSET, ptr(&mut v)) == einval,
        (),
    );
    let mut v = 99;
    let res = ioctl(&f, X_ORDER, ptr(&mut v));
    r.check(
        "XORDER 99 is EINVAL, pointer untouched",
        res == einval && v == 99,
        (res, v),
    );
    r.check(
        "HQSET -5 is EINVAL",
        ioctl(&f, H_QSET, -5i32 as u32 as _) == einval,
        (),
    );
    r.check(
        "nothing changed by invalid values",
        ioctl(&f, Q_ORDER, 0) == Ok(2) && ioctl(&f, Q_QSET, 0) == Ok(10),
        (),
    );

    // Unknown commands.
    let enotty = Err(libc::ENOTTY);
    r.check(
        "command 13 is ENOTTY",
        ioctl(&f, ioc(0, b'K' as u32, 13, 0), 0) == enotty,
        (),
    );
    r.check(
        "another magic is ENOTTY",
        ioctl(&f, ioc(0, b'k' as u32, 4, 0), 0) == enotty,
        (),
    );
    let wrong_dir = ioc(2, b'K' as u32, 1, 4);
    r.check(
        "a known number with the wrong direction is ENOTTY",
        ioctl(&f, wrong_dir, 0) == enotty,
        (),
    );

    // Bad pointers.
    let efault = Err(libc::EFAULT);
    let kernel_addr = 0xffff_8880_0000_0000u64 as libc::c_ulong;
    r.check("SORDER NULL is EFAULT", ioctl(&f, S_ORDER, 0) == efault, ());
    r.check("GORDER NULL is EFAULT", ioctl(&f, G_ORDER, 0) == efault, ());
    r.check(
        "GQSET to a kernel address is EFAULT",
        ioctl(&f, G_QSET, kernel_addr) == efault,
        (),
    );
    r.check(
        "SQSET from a kernel address is EFAULT",
        ioctl(&f, S_QSET, kernel_addr) == efault,
        (),
    );
    r.check(
        "XORDER at an unmapped address is EFAULT",
        ioctl(&f, X_ORDER, 16) == efault,
        (),
    );
    r.check(
        "nothing changed by bad pointers",
        ioctl(&f, Q_ORDER, 0) == Ok(2) && ioctl(&f, Q_QSET, 0) == Ok(10),
        (),
    );

    // Without CAP_SYS_ADMIN: reads work, changes are EPERM.
    let status = in_child(|| {
        if !become_nobody() {
            3
        } else if ioctl(&f, T_ORDER, 1) != Err(libc::EPERM) {
            4
        } else if ioctl(&f, RESET, 0) != Err(libc::EPERM) {
            5
        } else if ioctl(&f, Q_ORDER, 0) != Ok(2) {
            6
        } else {
            0
        }
    });
    r.check(
        "without CAP_SYS_ADMIN: Query works, Tell and RESET are EPERM",
        exited_ok(status),
        status,
    );

    r.check("RESET", ioctl(&f, RESET, 0) == Ok(0), ());
    r.check(
        "RESET restores the load values",
        ioctl(&f, Q_ORDER, 0) == Ok(order0) && ioctl(&f, Q_QSET, 0) == Ok(qset0),
        (),
    );
    r.exit_code()
}
