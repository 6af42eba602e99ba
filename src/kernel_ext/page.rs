// SPDX-License-Identifier: GPL-2.0

//! Allocation orders. The kernel crate's `Page` allocates single pages only; blocks of
//! `2^order` pages need an order the page allocator takes, at most `MAX_PAGE_ORDER`.

use kernel::bindings;
use kernel::page::PAGE_SIZE;

/// An order the page allocator takes: blocks of `2^order` pages.
///
/// # Invariants
///
/// The order is at most [`Order::MAX`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Order(u32);

impl Order {
    /// The largest order (`MAX_PAGE_ORDER`).
    pub(crate) const MAX: u32 = bindings::MAX_PAGE_ORDER;

    /// `order`, if the page allocator takes it. The one check of an order: whoever reads one
    /// from a user turns `None` into its own message and `EINVAL`.
    pub(crate) const fn new(order: u32) -> Option<Self> {
        if order <= Self::MAX {
            // INVARIANT: Checked just above.
            Some(Self(order))
        } else {
            None
        }
    }

    pub(crate) const fn get(self) -> u32 {
        self.0
    }

    /// Pages in a block of this order.
    pub(crate) const fn pages(self) -> usize {
        1 << self.0
    }

    /// Bytes in a block of this order.
    pub(crate) const fn bytes(self) -> usize {
        PAGE_SIZE << self.0
    }
}
