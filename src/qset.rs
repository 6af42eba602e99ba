// SPDX-License-Identifier: GPL-2.0

//! The quantum-set store shared by scullp and scullv.
//!
//! A device's bytes live in quanta of `PAGE_SIZE << order` bytes. Quanta are grouped in
//! quantum sets of `qset` slots, which the device's [`QsetStore`] keeps by index. A byte
//! position maps to (set, slot, offset). Missing quanta are holes and read as zeros.
//!
//! The sets are found by index in a sparse array (a 64-way radix tree) rather than LDD3's
//! linked list: finding the set of a position takes a few steps whatever the position, so a
//! sequential read or write of N bytes does O(N) work with no cursor to keep in step, and
//! memory follows the data: a set exists only once a quantum in it does, and one byte at
//! a far offset costs a quantum, a set and a few tree nodes. Every allocation of the write
//! path fails as `ENOMEM` without waking the OOM killer, and is charged to the module's
//! [`Budget`]. The store is generic over [`Quantum`], so the two devices share every line
//! of indexing, read, write and trim logic.

use crate::chrdev::{Fault, Mapped};
use crate::kernel_ext::alloc::DataAlloc;
use crate::kernel_ext::helpers::{available_bytes, fatal_signal_pending, total_ram_bytes};
use crate::kernel_ext::page::Order;
use crate::kernel_ext::sparse::{self, SparseArray};
use crate::quantum::{
    map_page, map_run, Quantum, QuantumBytes, QuantumBytesMut, Sink, Source, FAULT_AROUND,
};
use kernel::alloc::{flags::GFP_KERNEL_ACCOUNT, Vec};
use kernel::page::PAGE_SIZE;
use kernel::prelude::*;
use kernel::sync::atomic::{Atomic, Relaxed};
use kernel::sync::Arc;

/// The memory all devices of a module may hold together, data and metadata, and what they
/// hold now; and the memory the rest of the system keeps, whatever modules are loaded.
pub(crate) struct Budget {
    held: Atomic<usize>,
    limit: usize,
    reserve: u64,
}

/// The share of RAM a write never takes from the rest of the system: it fails with `ENOMEM`
/// rather than leave less than `RAM / RESERVE_SHARE` available (`MemAvailable`).
pub(crate) const RESERVE_SHARE: u64 = 16;

impl Budget {
    /// A budget of `limit` bytes.
    pub(crate) fn new(limit: usize) -> Self {
        Self {
            held: Atomic::new(0),
            limit,
            reserve: total_ram_bytes() / RESERVE_SHARE,
        }
    }

    /// Bytes held now.
    pub(crate) fn held(&self) -> usize {
        self.held.load(Relaxed)
    }

    /// Most bytes that may be held.
    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    /// Takes `bytes`; `ENOSPC` if that would pass the limit, as on a full file system, and
    /// `ENOMEM` if the system would be left with less than its reserve.
    fn charge(&self, bytes: usize) -> Result {
        if available_bytes().saturating_sub(bytes as u64) < self.reserve {
            return Err(ENOMEM);
        }
        let mut held = self.held.load(Relaxed);
        loop {
            let new = held
                .checked_add(bytes)
                .filter(|&n| n <= self.limit)
                .ok_or(ENOSPC)?;
            match self.held.cmpxchg(held, new, Relaxed) {
                Ok(_) => return Ok(()),
                Err(now) => held = now,
            }
        }
    }

    /// Gives back `bytes` taken by [`Budget::charge`] (never more than is held).
    fn uncharge(&self, bytes: usize) {
        let mut held = self.held.load(Relaxed);
        while let Err(now) = self.held.cmpxchg(held, held.saturating_sub(bytes), Relaxed) {
            held = now;
        }
    }
}

/// The shape of a device's store: quantum size and slots per set.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Geometry {
    order: Order,
    qset: usize,
}

/// The largest number of slots in one quantum set (its slot array is 16 bytes a slot).
pub(crate) const MAX_QSET: usize = 1 << 16;

impl Geometry {
    /// Checks `qset` against `1..=MAX_QSET` (the order is checked by its type).
    pub(crate) fn new(order: Order, qset: usize) -> Result<Self> {
        if qset == 0 || qset > MAX_QSET {
            return Err(EINVAL);
        }
        Ok(Self { order, qset })
    }

    /// The allocation order of each quantum.
    pub(crate) fn order(&self) -> Order {
        self.order
    }

    /// Quanta per set.
    pub(crate) fn qset(&self) -> usize {
        self.qset
    }

    /// Bytes per quantum.
    pub(crate) fn quantum(&self) -> usize {
        self.order.bytes()
    }

    /// Bytes per quantum set. Cannot overflow: `PAGE_SIZE << Order::MAX` times `MAX_QSET`
    /// stays far below 2^63.
    pub(crate) fn set_bytes(&self) -> u64 {
        self.quantum() as u64 * self.qset as u64
    }

    /// Maps a byte position to (set index, slot, offset within the quantum).
    pub(crate) fn locate(&self, pos: u64) -> (u64, usize, usize) {
        let set = pos / self.set_bytes();
        let in_set = pos % self.set_bytes();
        let slot = (in_set >> (self.order.get() as usize + kernel::page::PAGE_SHIFT)) as usize;
        let offset = (in_set as usize) & (self.quantum() - 1);
        (set, slot, offset)
    }
}

/// A quantum set: `qset` slots, each a quantum or a hole. It exists only while a quantum
/// in it does (until the next trim).
type QuantumSet<Q> = Vec<Option<Q>, DataAlloc>;

fn new_set<Q>(qset: usize) -> Result<QuantumSet<Q>> {
    // `DataAlloc` uses its own flags; the argument is ignored.
    let mut slots = Vec::with_capacity(qset, GFP_KERNEL_ACCOUNT)?;
    for _ in 0..qset {
        // Cannot fail: the capacity was reserved above.
        slots.push_within_capacity(None).map_err(|_| ENOMEM)?;
    }
    Ok(slots)
}

/// Copies bytes `offset .. offset + n` of `q` into `sink`, a run of [`Quantum::read_run`] at a
/// time; returns how many it took (fewer at a fault).
fn copy_out<Q: Quantum>(sink: &mut impl Sink, q: &Q, offset: usize, n: usize) -> usize {
    let mut done = 0;
    while done < n {
        let bytes = QuantumBytes::run(q, offset + done, n - done);
        let want = bytes.len();
        let got = sink.copy(bytes);
        done += got;
        if got < want || want == 0 {
            break;
        }
    }
    done
}

/// A copy of no bytes is the fault that stopped it.
fn copied(n: usize) -> Result<usize> {
    if n == 0 {
        Err(EFAULT)
    } else {
        Ok(n)
    }
}

/// A device's data: its quantum sets by index, in a radix tree ([`SparseArray`]), and the size
/// written so far.
///
/// # Invariants
///
/// Every set in `sets` has `geometry.qset()` slots and at least one quantum, and every
/// quantum is `geometry.quantum()` bytes: the geometry only changes in [`QsetStore::trim`],
/// when the store is empty. `budget` holds [`QsetStore::held`] bytes for this store.
pub(crate) struct QsetStore<Q: Quantum> {
    geometry: Geometry,
    sets: SparseArray<QuantumSet<Q>>,
    size: u64,
    quanta: usize,
    budget: Arc<Budget>,
}

impl<Q: Quantum> QsetStore<Q> {
    /// An empty store of the given shape, charging what it holds to `budget`.
    pub(crate) fn new(geometry: Geometry, budget: Arc<Budget>) -> Self {
        Self {
            geometry,
            sets: SparseArray::new(),
            size: 0,
            quanta: 0,
            budget,
        }
    }

    /// The shape of the store.
    pub(crate) fn geometry(&self) -> Geometry {
        self.geometry
    }

    /// Bytes in the device: one past the highest byte written.
    pub(crate) fn size(&self) -> u64 {
        self.size
    }

    /// Number of quantum sets in the store.
    pub(crate) fn sets(&self) -> usize {
        self.sets.len()
    }

    /// Number of quanta allocated.
    pub(crate) fn quanta(&self) -> usize {
        self.quanta
    }

    /// Bytes of one set's slot array.
    fn set_bytes_held(&self) -> usize {
        self.geometry.qset() * core::mem::size_of::<Option<Q>>()
    }

    /// Bytes of the quanta.
    pub(crate) fn data_bytes(&self) -> usize {
        self.quanta * self.geometry.quantum()
    }

    /// Bytes the store holds: quanta, slot arrays and index nodes.
    pub(crate) fn held(&self) -> usize {
        self.data_bytes()
            + self.sets.len() * self.set_bytes_held()
            + self.sets.nodes() * sparse::node_bytes::<QuantumSet<Q>>()
    }

    /// Frees every quantum and set and gives the store a new shape.
    pub(crate) fn trim(&mut self, geometry: Geometry) {
        self.budget.uncharge(self.held());
        self.sets = SparseArray::new();
        self.size = 0;
        self.quanta = 0;
        self.geometry = geometry;
    }

    fn quantum(&self, set: u64, slot: usize) -> Option<&Q> {
        self.sets.get(set)?.get(slot)?.as_ref()
    }

    fn quantum_mut(&mut self, set: u64, slot: usize) -> Option<&mut Q> {
        self.sets.get_mut(set)?.get_mut(slot)?.as_mut()
    }

    /// The first position at or after `pos`, before the end, that is in a quantum: where
    /// `SEEK_DATA` goes. Holes are found at quantum granularity.
    pub(crate) fn next_data(&self, pos: u64) -> Option<u64> {
        if pos >= self.size {
            return None;
        }
        let (set, slot, _) = self.geometry.locate(pos);
        let mut from = set;
        while let Some((index, slots)) = self.sets.next_from(from) {
            let first = if index == set { slot } else { 0 };
            if let Some(s) = (first..slots.len()).find(|&s| slots[s].is_some()) {
                let at = index * self.geometry.set_bytes() + (s * self.geometry.quantum()) as u64;
                let at = at.max(pos);
                return (at < self.size).then_some(at);
            }
            from = index.checked_add(1)?;
        }
        None
    }

    /// The first position at or after `pos` that is in a hole, the end counting as one:
    /// where `SEEK_HOLE` goes.
    pub(crate) fn next_hole(&self, pos: u64) -> Option<u64> {
        if pos >= self.size {
            return None;
        }
        let mut at = pos;
        loop {
            let (set, slot, offset) = self.geometry.locate(at);
            if self.quantum(set, slot).is_none() {
                return Some(at);
            }
            at = at - offset as u64 + self.geometry.quantum() as u64;
            if at >= self.size {
                return Some(self.size);
            }
        }
    }

    /// Allocates the quantum of (`set`, `slot`), which is a hole, lets `fill` write it and
    /// returns what `fill` returns; the quantum goes in place only if `fill` succeeds. What
    /// it may add (quantum, set, index nodes) is charged to the budget first, and what was
    /// not used is given back.
    fn add_quantum(
        &mut self,
        set: u64,
        slot: usize,
        fill: impl FnOnce(&mut Q) -> Result<usize>,
    ) -> Result<usize> {
        // A long write into new memory ends when its task is being killed.
        if fatal_signal_pending() {
            return Err(EINTR);
        }
        // Small terms: a quantum is at most 4 MiB, a slot array 1 MiB, and at most 21 nodes.
        let most = self.geometry.quantum()
            + self.set_bytes_held()
            + self.sets.most_new_nodes(set) * sparse::node_bytes::<QuantumSet<Q>>();
        self.budget.charge(most)?;
        let before = self.held();
        let result = self.add_quantum_charged(set, slot, fill);
        // `most` bounds what was added, so nothing saturates; were it ever wrong, the budget
        // would drift, not the kernel stop.
        let added = self.held().saturating_sub(before);
        self.budget.uncharge(most.saturating_sub(added));
        result
    }

    fn add_quantum_charged(
        &mut self,
        set: u64,
        slot: usize,
        fill: impl FnOnce(&mut Q) -> Result<usize>,
    ) -> Result<usize> {
        let mut q = Q::alloc(self.geometry.order())?;
        let filled = fill(&mut q)?;
        let qset = self.geometry.qset();
        let place = self
            .sets
            .get_or_try_insert(set, || new_set(qset))?
            .get_mut(slot)
            .ok_or(EINVAL)?;
        *place = Some(q);
        self.quanta += 1;
        Ok(filled)
    }

    /// Maps the page holding byte `pos` for `fault` if its quantum exists.
    pub(crate) fn map_present(&self, pos: u64, fault: &Fault) -> Option<Result<Mapped>> {
        let (set, slot, offset) = self.geometry.locate(pos);
        let q = self.quantum(set, slot)?;
        Some(map_page(fault, q, offset / PAGE_SIZE))
    }

    /// Maps the pages around the fault's (fault-around): those of the aligned
    /// window that filemap's fault-around would map, next to it on either side, as long as
    /// they are in quanta and before the last page of the data (which `zero_past_end` must
    /// clear first). Either side, so that a backward copy gains as much as a forward one.
    pub(crate) fn map_around(&self, fault: &Fault) {
        let Some(last_data) = self.size.checked_sub(1).map(|end| end / PAGE_SIZE as u64) else {
            return;
        };
        let page_at = |page: usize| {
            let (set, slot, offset) = self.geometry.locate(page as u64 * PAGE_SIZE as u64);
            Some((self.quantum(set, slot)?, offset / PAGE_SIZE))
        };
        let this = fault.pgoff();
        let (first, last) = fault.window(FAULT_AROUND);
        let before_last_data = usize::try_from(last_data)
            .unwrap_or(usize::MAX)
            .saturating_sub(1);
        let last = last.min(before_last_data);
        // Below: the present pages just under the fault's, mapped from the lowest.
        let start = (first..this)
            .rev()
            .take_while(|&page| page_at(page).is_some())
            .last()
            .unwrap_or(this);
        map_run(fault, start, (start..this).map_while(page_at));
        map_run(fault, this + 1, (this + 1..=last).map_while(page_at));
    }

    /// Maps the page holding byte `pos` for `fault`. A hole gets its quantum, zeroed, so that
    /// the mapping and the device share that page from now on.
    pub(crate) fn map(&mut self, pos: u64, fault: &Fault) -> Result<Mapped> {
        let (set, slot, offset) = self.geometry.locate(pos);
        if self.quantum(set, slot).is_none() {
            self.add_quantum(set, slot, |q| {
                QuantumBytesMut::new(q, 0, usize::MAX).zero();
                Ok(0)
            })?;
        }
        let q = self.quantum(set, slot).ok_or(ENOMEM)?;
        map_page(fault, q, offset / PAGE_SIZE)
    }

    /// Copies up to `len` bytes from `pos` into `sink`, a piece at a time, and returns the
    /// number of bytes copied. Stops at the end of the data, or where `sink` faults: `EFAULT`
    /// if that is before the first byte.
    pub(crate) fn read(&self, pos: u64, len: usize, sink: &mut impl Sink) -> Result<usize> {
        if pos >= self.size || len == 0 {
            return Ok(0);
        }
        let len = len.min((self.size - pos).try_into().unwrap_or(usize::MAX));
        let quantum = self.geometry.quantum();
        let mut done = 0;
        // A set at a time: one lookup in the index for its quanta, not one for each.
        'sets: loop {
            let (set, first, mut offset) = self.geometry.locate(pos + done as u64);
            let slots = self.sets.get(set);
            for slot in first..self.geometry.qset() {
                let n = (quantum - offset).min(len - done);
                let got = match slots.and_then(|s| s.get(slot)?.as_ref()) {
                    Some(q) => copy_out(sink, q, offset, n),
                    None => sink.zeros(n),
                };
                done += got;
                if got < n || done >= len {
                    break 'sets;
                }
                offset = 0;
            }
        }
        if done == 0 {
            return Err(EFAULT);
        }
        Ok(done)
    }

    /// Copies `len` bytes from `source` to `pos`, allocating missing quanta, and returns the
    /// number of bytes written; none past the largest `loff_t`. A fault in `source` ends the
    /// write where it stopped. A failure (a fault, an allocation, the budget, a fatal signal)
    /// is returned if nothing was written, else the count so far is. Exactly the bytes
    /// counted are changed.
    pub(crate) fn write(
        &mut self,
        pos: u64,
        len: usize,
        source: &mut impl Source,
    ) -> Result<usize> {
        // As on a file: a write from the largest position is EFBIG, one that would pass it
        // is short. `len` is at most `MAX_RW_COUNT`, so the sum does not wrap.
        if pos >= i64::MAX as u64 {
            return Err(EFBIG);
        }
        let len = len.min(usize::try_from(i64::MAX as u64 - pos).unwrap_or(usize::MAX));
        self.zero_gap(pos);
        let quantum = self.geometry.quantum();
        let mut done = 0;
        while done < len {
            let at = pos + done as u64;
            let (set, slot, offset) = self.geometry.locate(at);
            let n = (quantum - offset).min(len - done);
            match self.write_piece(at, set, slot, offset, n, source) {
                Ok(k) => {
                    done += k;
                    self.size = self.size.max(at + k as u64);
                    if k < n {
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
        let gap = usize::try_from(pos - self.size).unwrap_or(usize::MAX);
        // At a quantum boundary the quantum holding the end has no data, so it does not exist.
        if let (Some(q), true) = (self.quantum_mut(set, slot), offset != 0) {
            QuantumBytesMut::new(q, offset, gap).zero();
        }
    }

    /// Zeroes the bytes past the end of the data in the quantum holding it, so that a mapping
    /// of its last page shows zeros there.
    pub(crate) fn zero_past_end(&mut self) {
        self.zero_gap(u64::MAX);
    }

    /// Writes up to `n` bytes at `offset` of one quantum (at byte `at` of the device), which the
    /// piece does not cross, and returns how many `source` gave (at least one).
    fn write_piece(
        &mut self,
        at: u64,
        set: u64,
        slot: usize,
        offset: usize,
        n: usize,
        source: &mut impl Source,
    ) -> Result<usize> {
        if let Some(q) = self.quantum_mut(set, slot) {
            return copied(source.copy(QuantumBytesMut::new(q, offset, n)));
        }
        // A new quantum: only the bytes a reader could see without a write are zeroed, those
        // before the copy and those after it that the data already covers (a hole). If the
        // copy took nothing, the quantum goes back.
        let covered = self.size.saturating_sub(at - offset as u64);
        let covered = usize::try_from(covered).unwrap_or(usize::MAX);
        let mut taken = 0;
        let result = self.add_quantum(set, slot, |q| {
            taken = copied(source.copy(QuantumBytesMut::new(q, offset, n)))?;
            QuantumBytesMut::new(q, 0, offset).zero();
            if covered > offset + taken {
                QuantumBytesMut::new(q, offset + taken, covered - offset - taken).zero();
            }
            Ok(taken)
        });
        if result.is_err() {
            // The copy took bytes that the set or index allocation after it could not keep:
            // the source gives them again, or the caller's next round would store the bytes
            // after them here.
            // SAFETY: `taken` is what this piece's one copy took from `source`.
            unsafe { source.unread(taken) };
        }
        result
    }
}

impl<Q: Quantum> Drop for QsetStore<Q> {
    fn drop(&mut self) {
        // The memory itself goes with the fields.
        self.budget.uncharge(self.held());
    }
}
