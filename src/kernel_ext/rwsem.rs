// SPDX-License-Identifier: GPL-2.0

//! A reader-writer semaphore around a value, over the C `rw_semaphore` (the kernel crate has
//! none), whose waits a fatal signal ends.

use core::cell::UnsafeCell;
use core::ops::{Deref, DerefMut};
use kernel::bindings;
use kernel::error::to_result;
use kernel::prelude::*;
use kernel::sync::LockClassKey;
use kernel::types::Opaque;

/// A value that many readers or one writer may use at a time.
///
/// # Invariants
///
/// `sem` is an initialised `rw_semaphore`; `data` is read only under it (read or write) and
/// written only under it for writing.
#[pin_data]
pub(crate) struct RwSem<T> {
    #[pin]
    sem: Opaque<bindings::rw_semaphore>,
    data: UnsafeCell<T>,
}

// SAFETY: The semaphore may be taken and released from any thread; the value moves with it.
unsafe impl<T: Send> Send for RwSem<T> {}
// SAFETY: Readers share `&T` across threads (`T: Sync`); a writer gets `&mut T` alone
// (`T: Send`).
unsafe impl<T: Send + Sync> Sync for RwSem<T> {}

impl<T> RwSem<T> {
    /// A semaphore around `data`, named `name` in lockdep's reports, of class `key`.
    pub(crate) fn new(
        data: T,
        name: &'static CStr,
        key: Pin<&'static LockClassKey>,
    ) -> impl PinInit<Self> {
        pin_init!(Self {
            data: UnsafeCell::new(data),
            // SAFETY: `slot` is valid, pinned memory for a `rw_semaphore`; the name and the
            // class key are static.
            sem <- Opaque::ffi_init(|slot| unsafe {
                bindings::__init_rwsem(slot, name.as_char_ptr(), key.as_ptr())
            }),
        })
    }

    /// Takes the semaphore for reading; `EINTR` if a fatal signal ends the wait.
    pub(crate) fn read(&self) -> Result<ReadGuard<'_, T>> {
        // SAFETY: `sem` is initialised (type invariant).
        to_result(unsafe { bindings::down_read_killable(self.sem.get()) })?;
        Ok(ReadGuard { lock: self })
    }

    /// Takes the semaphore for writing; `EINTR` if a fatal signal ends the wait.
    pub(crate) fn write(&self) -> Result<WriteGuard<'_, T>> {
        // SAFETY: `sem` is initialised (type invariant).
        to_result(unsafe { bindings::down_write_killable(self.sem.get()) })?;
        Ok(WriteGuard { lock: self })
    }
}

/// The semaphore held for reading.
pub(crate) struct ReadGuard<'a, T> {
    lock: &'a RwSem<T>,
}

impl<T> Deref for ReadGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: The semaphore is held for reading: no writer has `&mut T` meanwhile.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> Drop for ReadGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: This guard took the semaphore for reading and releases it once.
        unsafe { bindings::up_read(self.lock.sem.get()) };
    }
}

/// The semaphore held for writing.
pub(crate) struct WriteGuard<'a, T> {
    lock: &'a RwSem<T>,
}

impl<T> Deref for WriteGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: The semaphore is held for writing: this guard is the only user.
        unsafe { &*self.lock.data.get() }
    }
}

impl<T> DerefMut for WriteGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: As in `deref`, and `&mut self` makes this the only reference.
        unsafe { &mut *self.lock.data.get() }
    }
}

impl<T> Drop for WriteGuard<'_, T> {
    fn drop(&mut self) {
        // SAFETY: This guard took the semaphore for writing and releases it once.
        unsafe { bindings::up_write(self.lock.sem.get()) };
    }
}
