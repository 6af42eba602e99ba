// SPDX-License-Identifier: GPL-2.0

//! scullp's quanta: blocks of `2^order` pages from `__get_free_pages`.

use crate::kernel_ext::alloc::DATA_GFP;
use crate::kernel_ext::helpers::{get_free_pages, virt_to_page};
use crate::kernel_ext::page::Order;
use crate::quantum::Quantum;
use core::ptr::NonNull;
use kernel::bindings;
use kernel::page::PAGE_SIZE;
use kernel::prelude::*;

/// A block of `PAGE_SIZE << order` bytes from the page allocator, split into order-0 pages
/// (`split_page`) so that each page has its own reference count and can be mapped into
/// user space at any order, which the book's scullp could do only at order 0.
///
/// # Invariants
///
/// `addr` is the address `__get_free_pages` returned for `order`; the block was split and
/// none of its pages is freed yet.
pub(crate) struct PageQuantum {
    addr: NonNull<u8>,
    order: Order,
}

// SAFETY: The value holds nothing tied to a thread: any thread may copy to or from the block
// (through raw pointers, see `Quantum`) or free it.
unsafe impl Send for PageQuantum {}
// SAFETY: `&PageQuantum` gives only the block's address, order and pages.
unsafe impl Sync for PageQuantum {}

// SAFETY: `addr` starts the `PAGE_SIZE << order` bytes allocated for `order`, which only
// `drop` frees (type invariant); `page` gives their pages, which user mappings may share.
unsafe impl Quantum for PageQuantum {
    fn alloc(order: Order) -> Result<Self> {
        // SAFETY: `DATA_GFP` has no `__GFP_HIGHMEM`.
        let addr = unsafe { get_free_pages(DATA_GFP, order) };
        let addr = NonNull::new(addr as *mut u8).ok_or(ENOMEM)?;
        if order.get() > 0 {
            // SAFETY: The block was just allocated at `order`, not compound, and its first
            // page is the page of its direct-map address.
            unsafe { bindings::split_page(virt_to_page(addr.as_ptr() as usize), order.get()) };
        }
        Ok(Self { addr, order })
    }

    fn addr(&self) -> NonNull<u8> {
        self.addr
    }

    fn order(&self) -> Order {
        self.order
    }

    fn page(&self, index: usize) -> Option<NonNull<bindings::page>> {
        if index >= self.order.pages() {
            return None;
        }
        let addr = self.addr.as_ptr() as usize + index * PAGE_SIZE;
        // SAFETY: `addr` is in the block, a direct-map range this value owns.
        NonNull::new(unsafe { virt_to_page(addr) })
    }
}

impl Drop for PageQuantum {
    fn drop(&mut self) {
        let start = self.addr.as_ptr() as usize;
        for addr in (start..start + self.order.bytes()).step_by(PAGE_SIZE) {
            // SAFETY: The block came from `__get_free_pages` and was split, so each of its
            // pages is freed on its own, here, once.
            unsafe { bindings::free_pages(addr, 0) };
        }
    }
}
