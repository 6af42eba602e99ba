// SPDX-License-Identifier: GPL-2.0

//! Blocks of `2^order` pages from the buddy allocator, through its two interfaces, each an
//! owner that frees itself once, with its order.

use crate::kernel_ext::helpers::{
    get_free_pages, page_address, page_to_pfn, page_to_phys, virt_to_page,
};
use crate::kernel_ext::page::Order;
use core::ptr::NonNull;
use kernel::bindings;
use kernel::prelude::*;

/// Which interface a block came from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Interface {
    /// `alloc_pages(gfp, order)`: a `struct page *`.
    AllocPages,
    /// `__get_free_pages(gfp, order)`: a kernel virtual address.
    GetFreePages,
}

impl Interface {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Interface::AllocPages => "alloc_pages",
            Interface::GetFreePages => "__get_free_pages",
        }
    }
}

/// A block of `2^order` pages.
///
/// # Invariants
///
/// `page` is the first page of a block of `2^order` pages allocated through `interface`
/// and not yet freed; it is in the direct map (no `__GFP_HIGHMEM`).
pub(crate) struct PageBlock {
    page: NonNull<bindings::page>,
    order: Order,
    interface: Interface,
}

// SAFETY: The block is owned by this value alone and may be freed from any thread.
unsafe impl Send for PageBlock {}

impl PageBlock {
    /// Allocates a block through `interface`; zeroed if asked. Fails with `ENOMEM`, with no
    /// warning in the log.
    pub(crate) fn alloc(interface: Interface, order: Order, zeroed: bool) -> Result<Self> {
        let mut gfp = bindings::GFP_KERNEL | bindings::__GFP_NOWARN;
        if zeroed {
            gfp |= bindings::__GFP_ZERO;
        }
        let page = match interface {
            // SAFETY: Any flags without `__GFP_HIGHMEM` and an `Order` (at most
            // `MAX_PAGE_ORDER`) are valid arguments.
            Interface::AllocPages => unsafe { bindings::alloc_pages(gfp, order.get()) },
            Interface::GetFreePages => {
                // SAFETY: The flags have no `__GFP_HIGHMEM`.
                let addr = unsafe { get_free_pages(gfp, order) };
                if addr == 0 {
                    core::ptr::null_mut()
                } else {
                    // SAFETY: `addr` is a direct-map address just returned by the allocator.
                    unsafe { virt_to_page(addr) }
                }
            }
        };
        let page = NonNull::new(page).ok_or(ENOMEM)?;
        Ok(Self {
            page,
            order,
            interface,
        })
    }

    pub(crate) fn interface(&self) -> Interface {
        self.interface
    }

    pub(crate) fn order(&self) -> u32 {
        self.order.get()
    }

    pub(crate) fn pages(&self) -> usize {
        self.order.pages()
    }

    /// The page frame number of the first page.
    pub(crate) fn pfn(&self) -> usize {
        // SAFETY: `page` is a valid page (type invariant).
        unsafe { page_to_pfn(self.page.as_ptr()) }
    }

    /// The physical address of the first page.
    pub(crate) fn phys(&self) -> u64 {
        // SAFETY: `page` is a valid page (type invariant).
        unsafe { page_to_phys(self.page.as_ptr()) }
    }

    /// The kernel virtual address of the block, in the direct map.
    pub(crate) fn virt(&self) -> usize {
        // SAFETY: `page` is a valid lowmem page (type invariant).
        unsafe { page_address(self.page.as_ptr()) }
    }
}

impl Drop for PageBlock {
    fn drop(&mut self) {
        match self.interface {
            // SAFETY: The block came from `alloc_pages` at this order and is freed once.
            Interface::AllocPages => unsafe {
                bindings::__free_pages(self.page.as_ptr(), self.order.get())
            },
            // SAFETY: The block came from `__get_free_pages` at this order, whose address
            // `virt` gives back; it is freed once.
            Interface::GetFreePages => unsafe {
                bindings::free_pages(self.virt(), self.order.get())
            },
        }
    }
}
