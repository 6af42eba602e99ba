// SPDX-License-Identifier: GPL-2.0

//! A sparse array: a radix tree of 64-slot nodes from any `u64` index to a `T`, whose memory
//! follows the entries present, not the largest index. Its nodes come from [`DataAlloc`], so
//! growing it fails as `ENOMEM` and never wakes the OOM killer.
//!
//! The kernel's XArray does the same, but its Rust API takes the kernel crate's allocation
//! flags (which cannot say `__GFP_NORETRY`) and holds a spinlock while an entry is borrowed,
//! so an entry cannot be used across a sleep (a copy to or from user memory).

use crate::kernel_ext::alloc::DataAlloc;
use kernel::alloc::{flags::GFP_KERNEL_ACCOUNT, Box};
use kernel::prelude::*;

const SHIFT: u32 = 6;
const FANOUT: usize = 1 << SHIFT;

type Slots<T> = Box<[Option<T>; FANOUT], DataAlloc>;

enum Node<T> {
    /// The bottom level: the entries.
    Leaf(Slots<T>),
    /// A level above: the subtrees.
    Inner(Slots<Node<T>>),
}

/// The most bytes one node takes.
pub(crate) const fn node_bytes<T>() -> usize {
    let leaf = core::mem::size_of::<[Option<T>; FANOUT]>();
    let inner = core::mem::size_of::<[Option<Node<T>>; FANOUT]>();
    if leaf > inner {
        leaf
    } else {
        inner
    }
}

fn new_slots<T>() -> Result<Slots<T>> {
    // The flags are `DataAlloc`'s own; the argument is ignored.
    Ok(Box::new(
        core::array::from_fn(|_| None),
        GFP_KERNEL_ACCOUNT,
    )?)
}

impl<T> Node<T> {
    fn new(level: u32) -> Result<Self> {
        Ok(if level == 0 {
            Node::Leaf(new_slots()?)
        } else {
            Node::Inner(new_slots()?)
        })
    }
}

/// The slot of `index` in a node at `level`.
fn slot(index: u64, level: u32) -> usize {
    (index.checked_shr(SHIFT * level).unwrap_or(0) as usize) & (FANOUT - 1)
}

/// Whether a tree of `levels` levels covers `index`.
fn covers(index: u64, levels: u32) -> bool {
    levels > 0 && index.checked_shr(SHIFT * levels).unwrap_or(0) == 0
}

/// The fewest levels that cover `index`: 1 to 11 (`u64::BITS` over 6 bits a level).
fn levels_for(index: u64) -> u32 {
    (u64::BITS - index.leading_zeros()).div_ceil(SHIFT).max(1)
}

/// The first entry at an index at or after `from` in `node`, a node at `level` whose first
/// index is `base`.
fn next_in<T>(node: &Node<T>, level: u32, base: u64, from: u64) -> Option<(u64, &T)> {
    let shift = SHIFT * level;
    let first = if from > base {
        ((from - base) >> shift) as usize
    } else {
        0
    };
    for i in first..FANOUT {
        let at = (i as u64)
            .checked_shl(shift)
            .and_then(|o| base.checked_add(o))?;
        match node {
            Node::Leaf(slots) => {
                if let Some(entry) = &slots[i] {
                    return Some((at, entry));
                }
            }
            Node::Inner(slots) => {
                if let Some(found) = slots[i]
                    .as_ref()
                    .and_then(|child| next_in(child, level - 1, at, from))
                {
                    return Some(found);
                }
            }
        }
    }
    None
}

/// A sparse array of `T`.
///
/// # Invariants
///
/// `root` is `None` or a node at level `levels - 1`; a node at level `l > 0` is `Inner` and
/// its children are at level `l - 1`; nodes at level 0 are `Leaf`. `len` counts the entries.
pub(crate) struct SparseArray<T> {
    root: Option<Node<T>>,
    levels: u32,
    len: usize,
    nodes: usize,
}

impl<T> SparseArray<T> {
    pub(crate) const fn new() -> Self {
        Self {
            root: None,
            levels: 0,
            len: 0,
            nodes: 0,
        }
    }

    /// Number of entries.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// Number of tree nodes, each [`node_bytes`] bytes or less.
    pub(crate) fn nodes(&self) -> usize {
        self.nodes
    }

    /// The entry at `index`.
    pub(crate) fn get(&self, index: u64) -> Option<&T> {
        if !covers(index, self.levels) {
            return None;
        }
        let mut node = self.root.as_ref()?;
        let mut level = self.levels;
        loop {
            level -= 1;
            match node {
                Node::Leaf(slots) => return slots[slot(index, level)].as_ref(),
                Node::Inner(slots) => node = slots[slot(index, level)].as_ref()?,
            }
        }
    }

    /// The entry at `index`, writable.
    pub(crate) fn get_mut(&mut self, index: u64) -> Option<&mut T> {
        if !covers(index, self.levels) {
            return None;
        }
        let mut node = self.root.as_mut()?;
        let mut level = self.levels;
        loop {
            level -= 1;
            match node {
                Node::Leaf(slots) => return slots[slot(index, level)].as_mut(),
                Node::Inner(slots) => node = slots[slot(index, level)].as_mut()?,
            }
        }
    }

    /// The first entry at an index at or after `from`, with its index.
    pub(crate) fn next_from(&self, from: u64) -> Option<(u64, &T)> {
        if !covers(from, self.levels) {
            return None;
        }
        next_in(self.root.as_ref()?, self.levels - 1, 0, from)
    }

    /// The most nodes [`SparseArray::get_or_try_insert`] can add for `index`: a new root for
    /// each level the tree must grow by, and a node for each level of the path down.
    pub(crate) fn most_new_nodes(&self, index: u64) -> usize {
        let levels = self.levels.max(levels_for(index));
        let above = if self.root.is_some() {
            levels - self.levels
        } else {
            0
        };
        (above + levels) as usize
    }

    /// The entry at `index`, made by `make` if there is none. On failure (of `make` or of a
    /// node's allocation) no entry is added; nodes allocated on the way stay for later use.
    pub(crate) fn get_or_try_insert(
        &mut self,
        index: u64,
        make: impl FnOnce() -> Result<T>,
    ) -> Result<&mut T> {
        while !covers(index, self.levels) {
            // A new root above the old one, which becomes its first subtree.
            if let Some(old) = self.root.take() {
                let mut slots = match new_slots() {
                    Ok(slots) => slots,
                    Err(e) => {
                        self.root = Some(old);
                        return Err(e);
                    }
                };
                slots[0] = Some(old);
                self.root = Some(Node::Inner(slots));
                self.nodes += 1;
            }
            self.levels += 1;
        }
        let mut level = self.levels;
        let mut place = &mut self.root;
        loop {
            level -= 1;
            if place.is_none() {
                *place = Some(Node::new(level)?);
                self.nodes += 1;
            }
            match place {
                Some(Node::Inner(slots)) => place = &mut slots[slot(index, level)],
                Some(Node::Leaf(slots)) => {
                    let entry = &mut slots[slot(index, level)];
                    if entry.is_none() {
                        *entry = Some(make()?);
                        self.len += 1;
                    }
                    return entry.as_mut().ok_or(EINVAL);
                }
                None => return Err(EINVAL),
            }
        }
    }
}
