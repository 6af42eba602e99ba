// SPDX-License-Identifier: GPL-2.0

//! A quantum, one block of a device's memory, and the only ways anything touches its bytes:
//! through raw pointers, because a user mapping may read and write them at the same moment.
//! Copies go to a [`Sink`] and come from a [`Source`]: the user's buffers (an iov_iter) or a
//! test's.

use crate::chrdev::{Fault, Mapped};
use crate::kernel_ext::helpers::{
    copy_bytes, copy_from_iter_nofault, copy_to_iter_nofault, iov_iter_zero_nofault, zero_bytes,
};
use crate::kernel_ext::page::Order;
use core::marker::PhantomData;
use core::ptr::NonNull;
use kernel::bindings;
use kernel::iov::{IovIterDest, IovIterSource};
use kernel::prelude::*;

/// One quantum of memory, owned: dropping it gives the memory back to its allocator.
///
/// # Safety
///
/// `addr()` must point to `PAGE_SIZE << order()` bytes, valid for reads and writes through raw
/// pointers until the value is dropped, that nothing else frees. They are not the value's
/// alone: once a page of the quantum is in a user mapping (see `page`), user space may read
/// and write it at any time, so no Rust reference to the bytes may ever be made.
/// `read_run(offset)`, for `offset < len()`, must give an address of the bytes from `offset` on
/// that reads what was written through `addr()` or a user mapping, valid for reads of the
/// length it gives (at least 1, at most `len() - offset`) until the value is dropped.
pub(crate) unsafe trait Quantum: Sized + Send + Sync {
    /// Allocates `PAGE_SIZE << order` bytes with unspecified content, with [`DATA_GFP`].
    ///
    /// [`DATA_GFP`]: crate::kernel_ext::alloc::DATA_GFP
    fn alloc(order: Order) -> Result<Self>;

    /// Start of the quantum's memory.
    fn addr(&self) -> NonNull<u8>;

    /// The quantum's allocation order.
    fn order(&self) -> Order;

    /// The `index`th page of the quantum, `None` past its last: an order-0 page with its own
    /// reference count, not anonymous, valid while the quantum is, which can be inserted into
    /// a user mapping.
    fn page(&self, index: usize) -> Option<NonNull<bindings::page>>;

    /// Bytes per quantum.
    fn len(&self) -> usize {
        self.order().bytes()
    }

    /// Where a read finds byte `offset` (below `len()`) cheapest, and how many bytes from
    /// there are contiguous: by default `addr()`, to the end of the quantum.
    fn read_run(&self, offset: usize) -> (NonNull<u8>, usize) {
        range(self, offset, usize::MAX)
    }
}

/// Bytes `offset .. offset + len` of a quantum, clamped to it.
pub(crate) fn range<Q: Quantum>(q: &Q, offset: usize, len: usize) -> (NonNull<u8>, usize) {
    let offset = offset.min(q.len());
    let len = len.min(q.len() - offset);
    // SAFETY: `offset <= q.len()`: the result is in the quantum or one past its end.
    (unsafe { q.addr().add(offset) }, len)
}

/// Bytes of a quantum to copy out of, for as long as the quantum is borrowed.
///
/// # Invariants
///
/// `ptr` is valid for reads of `len` bytes for `'a`. User space may change them meanwhile
/// through a mapping: they are read only by copies, never through a reference.
pub(crate) struct QuantumBytes<'a> {
    ptr: NonNull<u8>,
    len: usize,
    _quantum: PhantomData<&'a ()>,
}

impl<'a> QuantumBytes<'a> {
    /// Bytes `offset .. offset + len` of `q` (clamped to it).
    pub(crate) fn new<Q: Quantum>(q: &'a Q, offset: usize, len: usize) -> Self {
        let (ptr, len) = range(q, offset, len);
        // INVARIANT: The range is inside `q`, whose memory is valid while it is borrowed.
        Self {
            ptr,
            len,
            _quantum: PhantomData,
        }
    }

    /// Bytes `offset .. offset + len` of `q` (clamped to it) as far as they are one run of
    /// [`Quantum::read_run`]: fewer than `len` where the run ends.
    pub(crate) fn run<Q: Quantum>(q: &'a Q, offset: usize, len: usize) -> Self {
        if offset >= q.len() {
            return Self::new(q, offset, len);
        }
        let (ptr, run) = q.read_run(offset);
        // INVARIANT: `read_run` gives `run` bytes of `q`'s memory, valid while it is borrowed.
        Self {
            ptr,
            len: len.min(run).min(q.len() - offset),
            _quantum: PhantomData,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Start of the bytes, for a copy routine that accepts memory changing under it.
    pub(crate) fn as_ptr(&self) -> *const u8 {
        self.ptr.as_ptr()
    }

    /// Copies the first `out.len()` bytes (at most `len()`) into `out`; returns the count.
    pub(crate) fn copy_to_slice(&self, out: &mut [u8]) -> usize {
        let n = out.len().min(self.len);
        // SAFETY: `ptr` is valid for `len >= n` bytes of reads (type invariant) and `out` for
        // `n` bytes of writes; a kernel buffer never overlaps a quantum. The copy is C's: user
        // space may store to the quantum meanwhile.
        unsafe { copy_bytes(out.as_mut_ptr(), self.ptr.as_ptr(), n) };
        n
    }
}

/// Bytes of a quantum to copy into or clear, for as long as the quantum is borrowed mutably.
///
/// # Invariants
///
/// `ptr` is valid for reads and writes of `len` bytes for `'a`; as for [`QuantumBytes`], they
/// are only written by copies and fills through raw pointers.
pub(crate) struct QuantumBytesMut<'a> {
    ptr: NonNull<u8>,
    len: usize,
    _quantum: PhantomData<&'a mut ()>,
}

impl<'a> QuantumBytesMut<'a> {
    /// Bytes `offset .. offset + len` of `q` (clamped to it).
    pub(crate) fn new<Q: Quantum>(q: &'a mut Q, offset: usize, len: usize) -> Self {
        let (ptr, len) = range(q, offset, len);
        // INVARIANT: The range is inside `q`, whose memory is valid while it is borrowed.
        Self {
            ptr,
            len,
            _quantum: PhantomData,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Start of the bytes, for a copy routine that accepts memory changing under it.
    pub(crate) fn as_mut_ptr(&mut self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// Sets every byte to zero.
    pub(crate) fn zero(&mut self) {
        // SAFETY: `ptr` is valid for `len` bytes of writes (type invariant); the C routine
        // may race with user stores through a mapping, which a Rust write may not.
        unsafe { zero_bytes(self.ptr.as_ptr(), self.len) };
    }

    /// Copies `data` (at most `len()` bytes of it) to the front; returns the count.
    pub(crate) fn copy_from_slice(&mut self, data: &[u8]) -> usize {
        let n = data.len().min(self.len);
        // SAFETY: `ptr` is valid for `len >= n` bytes of writes (type invariant) and `data`
        // for `n` bytes of reads; a kernel buffer never overlaps a quantum. The copy is C's:
        // user space may use the quantum meanwhile.
        unsafe { copy_bytes(self.ptr.as_ptr(), data.as_ptr(), n) };
        n
    }
}

/// Where a read's bytes go: the reader's buffer, or a test's vector.
pub(crate) trait Sink {
    /// Copies `bytes` out and returns how many it took, from the front: fewer at a fault.
    fn copy(&mut self, bytes: QuantumBytes<'_>) -> usize;

    /// Emits `n` zero bytes (a hole) and returns how many it took.
    fn zeros(&mut self, n: usize) -> usize;
}

/// Where a write's bytes come from: the writer's buffer, or a test's vector.
pub(crate) trait Source {
    /// Copies the next bytes into `into`, from its front, and returns how many: fewer only at
    /// a fault or at the end of the source. Bytes of `into` past the count are not touched.
    fn copy(&mut self, into: QuantumBytesMut<'_>) -> usize;

    /// Gives back the last `n` bytes the copies took, so that the next copy takes them again:
    /// for bytes taken that could not be stored.
    ///
    /// # Safety
    ///
    /// `n` is at most the number of bytes the copies have taken.
    unsafe fn unread(&mut self, n: usize);
}

/// A kernel buffer as a read's sink: a read moves through one when the reader's buffer is not
/// present, so that the copy to user space can fault it in with no lock held.
pub(crate) struct SliceSink<'a> {
    out: &'a mut [u8],
    filled: usize,
}

impl<'a> SliceSink<'a> {
    pub(crate) fn new(out: &'a mut [u8]) -> Self {
        Self { out, filled: 0 }
    }
}

impl Sink for SliceSink<'_> {
    fn copy(&mut self, bytes: QuantumBytes<'_>) -> usize {
        let n = bytes.copy_to_slice(&mut self.out[self.filled..]);
        self.filled += n;
        n
    }

    fn zeros(&mut self, n: usize) -> usize {
        let end = self.out.len().min(self.filled + n);
        self.out[self.filled..end].fill(0);
        let n = end - self.filled;
        self.filled = end;
        n
    }
}

/// A kernel buffer as a write's source (see [`SliceSink`]).
pub(crate) struct SliceSource<'a> {
    data: &'a [u8],
    at: usize,
}

impl<'a> SliceSource<'a> {
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Self { data, at: 0 }
    }
}

impl Source for SliceSource<'_> {
    fn copy(&mut self, mut into: QuantumBytesMut<'_>) -> usize {
        let n = into.copy_from_slice(&self.data[self.at..]);
        self.at += n;
        n
    }

    unsafe fn unread(&mut self, n: usize) {
        self.at = self.at.saturating_sub(n);
    }
}

// The user's buffers as the store's sink and source. The copies run with page faults disabled
// (the caller holds the device's lock, which a fault on a mapping of the device takes): a user
// page that is not present ends a copy short, and the caller faults it in after unlocking.
// They report how far they got and, unlike `copy_from_user`, never pad: the bytes after the
// count keep what they held (`raw_copy_from_user`'s contract), so a write changes exactly
// what it counts.
impl Sink for IovIterDest<'_> {
    fn copy(&mut self, bytes: QuantumBytes<'_>) -> usize {
        // SAFETY: `bytes` is valid for `len()` bytes of reads (its invariant); the copy reads
        // them as plain memory, which user space may change meanwhile through a mapping.
        unsafe { copy_to_iter_nofault(bytes.as_ptr(), bytes.len(), self.as_raw()) }
    }

    fn zeros(&mut self, n: usize) -> usize {
        // SAFETY: `self` is a valid destination iov_iter (type invariant).
        unsafe { iov_iter_zero_nofault(n, self.as_raw()) }
    }
}

impl Source for IovIterSource<'_> {
    fn copy(&mut self, mut into: QuantumBytesMut<'_>) -> usize {
        // SAFETY: `into` is valid for `len()` bytes of writes (its invariant), which no Rust
        // reference covers; user space may change them meanwhile through a mapping.
        unsafe { copy_from_iter_nofault(into.as_mut_ptr(), into.len(), self.as_raw()) }
    }

    unsafe fn unread(&mut self, n: usize) {
        // SAFETY: The caller gives back at most what the copies took, so the iterator does
        // not go back past where it started.
        unsafe { self.revert(n) };
    }
}

/// Pages a fault maps with its own, as filemap's fault-around does: a 64 KiB window.
pub(crate) const FAULT_AROUND: usize = 16;

/// Maps the pages that `pages` gives (page `index` of quantum `q`), at most `FAULT_AROUND - 1`
/// of them, at the file pages from `first` on, until one is missing (fault-around). Call it
/// under the device's data lock, as `map_page`.
pub(crate) fn map_run<'a, Q: Quantum + 'a>(
    fault: &Fault,
    first: usize,
    pages: impl Iterator<Item = (&'a Q, usize)>,
) {
    let mut pages = pages
        .take(FAULT_AROUND - 1)
        .map_while(|(q, index)| q.page(index));
    let Some(page) = pages.next() else {
        return;
    };
    // Filled from the front; the tail repeats the first page and is not passed on.
    let mut found = [page; FAULT_AROUND - 1];
    let mut n = 1;
    for (slot, page) in found[1..].iter_mut().zip(pages) {
        *slot = page;
        n += 1;
    }
    // SAFETY: Each page comes from `Quantum::page` of a quantum borrowed across this call: a
    // valid, refcounted order-0 page that is not anonymous. The device's mmap makes its
    // mappings `VM_MIXEDMAP`.
    unsafe { fault.map_pages(first, &found[..n]) };
}

/// Maps page `index` of `q` for `fault`; SIGBUS past the quantum's last page. Call it under
/// the device's data lock, which truncation holds while it unmaps and frees.
pub(crate) fn map_page<Q: Quantum>(fault: &Fault, q: &Q, index: usize) -> Result<Mapped> {
    let page = q.page(index).ok_or(EFAULT)?;
    // SAFETY: `Quantum::page` gives a valid, refcounted order-0 page that is not anonymous.
    Ok(unsafe { fault.map(page) })
}
