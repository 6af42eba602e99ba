// SPDX-License-Identifier: GPL-2.0

//! The quantum-set store shared by scullp and scullv.
//!
//! A device's bytes live in quanta of `PAGE_SIZE << order` bytes. Quanta are grouped in
//! quantum sets of `qset` slots; the sets form the device's list. A byte position maps to
//! (set, slot, offset). Missing quanta are holes and read as zeros.
//!
//! The list is a vector of sets rather than LDD3's linked list: finding the set of a
//! position is then O(1), so a sequential read or write of N bytes does O(N) work, with no
//! cursor to keep in step. The store is generic over [`Quantum`], so the two devices share
//! every line of list, read, write and trim logic.

use core::ptr::NonNull;
use kernel::alloc::flags::GFP_KERNEL_ACCOUNT;
use kernel::alloc::{KVVec, KVec};
use kernel::bindings;
use kernel::page::PAGE_SIZE;
use kernel::prelude::*;

/// One quantum of memory, owned: dropping it gives the memory back to its allocator.
///
/// # Safety
///
/// `addr()` must point to `PAGE_SIZE << order()` bytes, valid for reads and writes, that the
/// value owns alone and keeps until it is dropped.
pub(crate) unsafe trait Quantum: Sized + Send {
    /// The largest order this allocator accepts.
    const MAX_ORDER: u32;

    /// Allocates `PAGE_SIZE << order` bytes with unspecified content.
    fn alloc(order: u32) -> Result<Self>;

    /// Start of the quantum's memory.
    fn addr(&self) -> NonNull<u8>;

    /// The quantum's allocation order.
    fn order(&self) -> u32;

    /// The `index`th page of the quantum: an order-0 page with its own reference count, which
    /// can be inserted into a user mapping.
    fn page(&self, index: usize) -> NonNull<bindings::page>;

    /// The quantum's bytes.
    fn bytes(&self) -> &[u8] {
        // SAFETY: By the trait's contract `addr()` starts `PAGE_SIZE << order()` bytes owned
        // by `self`; the borrow of `self` keeps them alive and shared-only.
        unsafe { core::slice::from_raw_parts(self.addr().as_ptr(), PAGE_SIZE << self.order()) }
    }

    /// The quantum's bytes, writable.
    fn bytes_mut(&mut self) -> &mut [u8] {
        // SAFETY: As in `bytes`, and `&mut self` makes this the only reference.
        unsafe { core::slice::from_raw_parts_mut(self.addr().as_ptr(), PAGE_SIZE << self.order()) }
    }
}

/// The flags of every allocation for data: charged to the writer's memory cgroup; no
/// warning and no OOM killer on failure (`__GFP_NORETRY`), which is the writer's `ENOMEM`.
pub(crate) const DATA_GFP: bindings::gfp_t =
    bindings::GFP_KERNEL_ACCOUNT | bindings::__GFP_NOWARN | (1 << bindings::___GFP_NORETRY_BIT);

/// The shape of a device's list: quantum size and slots per set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Geometry {
    order: u32,
    qset: usize,
}

/// The largest number of slots in one quantum set (its slot array is 8 bytes a slot).
pub(crate) const MAX_QSET: usize = 1 << 16;

impl Geometry {
    /// Checks `order` against the allocator's limit and `qset` against `1..=MAX_QSET`.
    pub(crate) fn new<Q: Quantum>(order: u32, qset: usize) -> Result<Self> {
        if order > Q::MAX_ORDER || qset == 0 || qset > MAX_QSET {
            return Err(EINVAL);
        }
        Ok(Self { order, qset })
    }

    /// The allocation order of each quantum.
    pub(crate) fn order(&self) -> u32 {
        self.order
    }

    /// Quanta per set.
    pub(crate) fn qset(&self) -> usize {
        self.qset
    }

    /// Bytes per quantum.
    pub(crate) fn quantum(&self) -> usize {
        PAGE_SIZE << self.order
    }

    /// Bytes per quantum set. Cannot overflow: `PAGE_SIZE << MAX_ORDER` times `MAX_QSET`
    /// stays far below 2^63.
    pub(crate) fn set_bytes(&self) -> u64 {
        self.quantum() as u64 * self.qset as u64
    }

    /// Maps a byte position to (set index, slot, offset within the quantum).
    pub(crate) fn locate(&self, pos: u64) -> (u64, usize, usize) {
        let set = pos / self.set_bytes();
        let in_set = pos % self.set_bytes();
        let slot = (in_set >> (self.order as usize + kernel::page::PAGE_SHIFT)) as usize;
        let offset = (in_set as usize) & (self.quantum() - 1);
        (set, slot, offset)
    }
}

/// A quantum set: `qset` slots, each a quantum or a hole.
struct QuantumSet<Q> {
    slots: KVec<Option<Q>>,
}

impl<Q: Quantum> QuantumSet<Q> {
    fn new(qset: usize) -> Result<Self> {
        let mut slots = KVec::with_capacity(qset, GFP_KERNEL_ACCOUNT)?;
        for _ in 0..qset {
            // Cannot fail: the capacity was reserved above.
            slots.push_within_capacity(None).map_err(|_| ENOMEM)?;
        }
        Ok(Self { slots })
    }
}

/// The bytes holes read as, copied out in pieces of this size.
static ZEROS: [u8; 4096] = [0; 4096];

/// Feeds `n` zero bytes to `sink`.
fn sink_zeros(mut n: usize, sink: &mut impl FnMut(&[u8]) -> Result) -> Result {
    while n > 0 {
        let k = n.min(ZEROS.len());
        sink(&ZEROS[..k])?;
        n -= k;
    }
    Ok(())
}

/// A fill of no bytes is the fault that stopped it.
fn filled(result: Result<usize>) -> Result<usize> {
    match result {
        Ok(0) => Err(EFAULT),
        other => other,
    }
}

/// A device's data: the list of quantum sets and the size written so far.
///
/// # Invariants
///
/// Every set in `sets` has `geometry.qset()` slots and every quantum is
/// `geometry.quantum()` bytes: the geometry only changes in [`QsetList::trim`], when the
/// list is empty.
pub(crate) struct QsetList<Q> {
    geometry: Geometry,
    sets: KVVec<QuantumSet<Q>>,
    size: u64,
    quanta: usize,
}

impl<Q: Quantum> QsetList<Q> {
    /// An empty list of the given shape.
    pub(crate) fn new(geometry: Geometry) -> Self {
        Self {
            geometry,
            sets: KVVec::new(),
            size: 0,
            quanta: 0,
        }
    }

    /// The shape of the list.
    pub(crate) fn geometry(&self) -> Geometry {
        self.geometry
    }

    /// Bytes in the device: one past the highest byte written.
    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// Number of quantum sets in the list.
    pub(crate) fn sets(&self) -> usize {
        self.sets.len()
    }

    /// Number of quanta allocated.
    pub(crate) fn quanta(&self) -> usize {
        self.quanta
    }

    /// Frees every quantum and set and gives the list a new shape.
    pub(crate) fn trim(&mut self, geometry: Geometry) {
        self.sets = KVVec::new();
        self.size = 0;
        self.quanta = 0;
        self.geometry = geometry;
    }

    /// The page holding byte `pos`, for a user mapping. A hole gets its quantum, zeroed, so
    /// that the mapping and the device share that page from now on.
    pub(crate) fn map_page(&mut self, pos: u64) -> Result<NonNull<bindings::page>> {
        let (set, slot, offset) = self.geometry.locate(pos);
        let set = usize::try_from(set).map_err(|_| EFBIG)?;
        self.grow_to(set)?;
        let slot = &mut self.sets[set].slots[slot];
        let q = match slot {
            Some(q) => q,
            None => {
                let mut q = Q::alloc(self.geometry.order())?;
                q.bytes_mut().fill(0);
                self.quanta += 1;
                slot.insert(q)
            }
        };
        Ok(q.page(offset >> kernel::page::PAGE_SHIFT))
    }

    /// Makes sure set `set` exists.
    fn grow_to(&mut self, set: usize) -> Result {
        if set >= self.sets.len() {
            self.sets
                .reserve(set + 1 - self.sets.len(), GFP_KERNEL_ACCOUNT)?;
            while self.sets.len() <= set {
                let new = QuantumSet::new(self.geometry.qset())?;
                // Cannot fail: the capacity was reserved above.
                self.sets.push_within_capacity(new).map_err(|_| ENOMEM)?;
            }
        }
        Ok(())
    }

    /// Copies up to `len` bytes from `pos` into `sink`, a piece at a time, and returns the
    /// number of bytes copied. Stops at the end of the data. An error from `sink` ends the
    /// copy: it is returned if nothing was copied, else the count so far is.
    pub(crate) fn read(
        &self,
        pos: u64,
        len: usize,
        mut sink: impl FnMut(&[u8]) -> Result,
    ) -> Result<usize> {
        if pos >= self.size {
            return Ok(0);
        }
        let len = len.min((self.size - pos).try_into().unwrap_or(usize::MAX));
        let quantum = self.geometry.quantum();
        let mut done = 0;
        while done < len {
            let (set, slot, offset) = self.geometry.locate(pos + done as u64);
            let n = (quantum - offset).min(len - done);
            let data = usize::try_from(set)
                .ok()
                .and_then(|s| self.sets.get(s))
                .and_then(|s| s.slots[slot].as_ref());
            let result = match data {
                Some(q) => sink(&q.bytes()[offset..offset + n]),
                None => sink_zeros(n, &mut sink),
            };
            match result {
                Ok(()) => done += n,
                Err(e) if done == 0 => return Err(e),
                Err(_) => break,
            }
        }
        Ok(done)
    }

    /// Copies `len` bytes from `source` to `pos`, allocating missing quanta, and returns the
    /// number of bytes written. `source` fills each piece it is given and returns how many
    /// bytes it filled, from the front: fewer means it hit a fault, and the write ends there.
    /// A failure (from `source` or an allocation) is returned if nothing was written, else
    /// the count so far is; the data written before stays, and no byte is counted that was
    /// not copied.
    pub(crate) fn write(
        &mut self,
        pos: u64,
        len: usize,
        mut source: impl FnMut(&mut [u8]) -> Result<usize>,
    ) -> Result<usize> {
        let end = pos.checked_add(len as u64).ok_or(EFBIG)?;
        if end > i64::MAX as u64 {
            return Err(EFBIG);
        }
        self.zero_gap(pos);
        let quantum = self.geometry.quantum();
        let mut done = 0;
        while done < len {
            let at = pos + done as u64;
            let (set, slot, offset) = self.geometry.locate(at);
            let n = (quantum - offset).min(len - done);
            match self.write_piece(at, set, slot, offset, n, &mut source) {
                Ok(filled) => {
                    done += filled;
                    self.size = self.size.max(at + filled as u64);
                    if filled < n {
                        break;
                    }
                }
                Err(e) if done == 0 => return Err(e),
                Err(_) => break,
            }
        }
        Ok(done)
    }

    /// Zeroes the bytes between the end of the data and `pos` that lie in the quantum holding
    /// the end. Past `size` a quantum's bytes are left as allocated and never shown (a new
    /// quantum's tail is not cleared for a write that will cover it next), so they are
    /// cleared here, before the data grows over them.
    fn zero_gap(&mut self, pos: u64) {
        if pos <= self.size {
            return;
        }
        let (set, slot, offset) = self.geometry.locate(self.size);
        // At a quantum boundary the quantum holding the end has no data, so it does not exist.
        let quantum = usize::try_from(set)
            .ok()
            .and_then(|s| self.sets.get_mut(s))
            .and_then(|s| s.slots[slot].as_mut());
        if let (Some(q), true) = (quantum, offset != 0) {
            let gap = usize::try_from(pos - self.size).unwrap_or(usize::MAX);
            let end = offset.saturating_add(gap).min(self.geometry.quantum());
            q.bytes_mut()[offset..end].fill(0);
        }
    }

    /// Zeroes the bytes past the end of the data in the quantum holding it, so that a mapping
    /// of its last page shows zeros there.
    pub(crate) fn zero_past_end(&mut self) {
        self.zero_gap(u64::MAX);
    }

    /// Writes up to `n` bytes at `offset` of one quantum (at byte `at` of the device), which the
    /// piece does not cross, and returns how many `source` filled (at least one).
    fn write_piece(
        &mut self,
        at: u64,
        set: u64,
        slot: usize,
        offset: usize,
        n: usize,
        source: &mut impl FnMut(&mut [u8]) -> Result<usize>,
    ) -> Result<usize> {
        let set = usize::try_from(set).map_err(|_| EFBIG)?;
        self.grow_to(set)?;
        let slot = &mut self.sets[set].slots[slot];
        if let Some(q) = slot {
            return filled(source(&mut q.bytes_mut()[offset..offset + n]));
        }
        // A new quantum: only the bytes a reader could see without a write are zeroed, those
        // before the copy and those after it that the data already covers (a hole). If the
        // copy took nothing, the quantum goes back (dropped here).
        let mut q = Q::alloc(self.geometry.order())?;
        let bytes = q.bytes_mut();
        let k = filled(source(&mut bytes[offset..offset + n]))?;
        bytes[..offset].fill(0);
        let covered = self.size.saturating_sub(at - offset as u64);
        let end = usize::try_from(covered)
            .unwrap_or(usize::MAX)
            .min(bytes.len());
        if end > offset + k {
            bytes[offset + k..end].fill(0);
        }
        *slot = Some(q);
        self.quanta += 1;
        Ok(k)
    }
}
