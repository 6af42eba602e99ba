// SPDX-License-Identifier: GPL-2.0

//! LDD3's scullp/scullv ioctls: magic 'K', RESET (0), then Set, Tell, Get, Query, eXchange
//! and sHift for the order (1..6) and for the qset (7..12). They change what a module's
//! devices take at their next truncation. Unlike the book, values are checked (a bad one is
//! -EINVAL and changes nothing) and the settings are under a lock.

use crate::chrdev::capable_sys_admin;
use crate::kernel_ext::page::Order;
use crate::qset::Geometry;
use kernel::ioctl::{_IO, _IOC_NR, _IOR, _IOW, _IOWR};
use kernel::new_mutex;
use kernel::prelude::*;
use kernel::sync::Mutex;
use kernel::uaccess::{UserPtr, UserSlice};

const MAGIC: u32 = b'K' as u32;

/// The commands by number, as the book's scullp.h defines them.
const COMMANDS: [u32; 13] = [
    _IO(MAGIC, 0),
    _IOW::<i32>(MAGIC, 1),
    _IO(MAGIC, 2),
    _IOR::<i32>(MAGIC, 3),
    _IO(MAGIC, 4),
    _IOWR::<i32>(MAGIC, 5),
    _IO(MAGIC, 6),
    _IOW::<i32>(MAGIC, 7),
    _IO(MAGIC, 8),
    _IOR::<i32>(MAGIC, 9),
    _IO(MAGIC, 10),
    _IOWR::<i32>(MAGIC, 11),
    _IO(MAGIC, 12),
];

/// What a command does with its setting; the book's letters.
enum Op {
    /// Set from a user pointer.
    Set,
    /// Tell: set from the argument's value.
    Tell,
    /// Get into a user pointer.
    Get,
    /// Query: the return value.
    Query,
    /// Exchange through a user pointer.
    Exchange,
    /// Shift: set from the value, return the old one.
    Shift,
}

/// The order and qset a module's devices take at their next truncation.
#[pin_data]
pub(crate) struct Settings {
    #[pin]
    next: Mutex<Geometry>,
    initial: Geometry,
}

fn read_int(arg: usize) -> Result<i32> {
    UserSlice::new(UserPtr::from_addr(arg), 4)
        .reader()
        .read::<i32>()
}

fn write_int(arg: usize, value: i32) -> Result {
    UserSlice::new(UserPtr::from_addr(arg), 4)
        .writer()
        .write(&value)
}

impl Settings {
    /// Settings starting at (and reset to) `initial`.
    pub(crate) fn new(initial: Geometry) -> impl PinInit<Self> {
        pin_init!(Self {
            next <- new_mutex!(initial),
            initial,
        })
    }

    /// The shape of a device's store after its next truncation.
    pub(crate) fn next(&self) -> Geometry {
        *self.next.lock()
    }

    /// Carries out one ioctl.
    pub(crate) fn ioctl(&self, cmd: u32, arg: usize) -> Result<isize> {
        let nr = _IOC_NR(cmd) as usize;
        if COMMANDS.get(nr) != Some(&cmd) {
            return Err(ENOTTY);
        }
        if nr == 0 {
            if !capable_sys_admin() {
                return Err(EPERM);
            }
            *self.next.lock() = self.initial;
            return Ok(0);
        }
        let is_order = nr <= 6;
        let op = match (nr - 1) % 6 {
            0 => Op::Set,
            1 => Op::Tell,
            2 => Op::Get,
            3 => Op::Query,
            4 => Op::Exchange,
            _ => Op::Shift,
        };
        if matches!(op, Op::Set | Op::Tell | Op::Exchange | Op::Shift) && !capable_sys_admin() {
            return Err(EPERM);
        }
        // The settings lock is never held across a user copy, which can stall (a userfaultfd
        // page): a pointer argument is read before it is taken and written after.
        let given = match op {
            Op::Set | Op::Exchange => Some(read_int(arg)?),
            Op::Tell | Op::Shift => Some(arg as u32 as i32),
            Op::Get | Op::Query => None,
        };
        let (old, new) = {
            let mut next = self.next.lock();
            let old = *next;
            if let Some(value) = given {
                let value = u32::try_from(value).map_err(|_| EINVAL)?;
                *next = if is_order {
                    Geometry::new(Order::new(value).ok_or(EINVAL)?, old.qset())?
                } else {
                    Geometry::new(old.order(), value as usize)?
                };
            }
            (old, *next)
        };
        let current = if is_order {
            old.order().get() as i32
        } else {
            old.qset() as i32
        };
        match op {
            Op::Set | Op::Tell => {}
            Op::Get => write_int(arg, current)?,
            Op::Query | Op::Shift => return Ok(current as isize),
            Op::Exchange => {
                if let Err(e) = write_int(arg, current) {
                    // Undone, unless another call changed the settings meanwhile.
                    let mut next = self.next.lock();
                    if *next == new {
                        *next = old;
                    }
                    return Err(e);
                }
            }
        }
        Ok(0)
    }
}
