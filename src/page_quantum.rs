// SPDX-License-Identifier: GPL-2.0

//! scullp's quanta: blocks of `2^order` pages from `__get_free_pages`.

use crate::qset::{Quantum, DATA_GFP};
use core::ptr::NonNull;
use kernel::bindings;
use kernel::prelude::*;

/// A block of `PAGE_SIZE << order` bytes from the page allocator.
///
/// # Invariants
///
/// `addr` is the address `__get_free_pages` returned for `order`, not freed yet.
pub(crate) struct PageQuantum {
    addr: NonNull<u8>,
    order: u32,
}

// SAFETY: The block is plain memory owned by this value alone; any thread may use or free it.
unsafe impl Send for PageQuantum {}

// SAFETY: `addr` starts the `PAGE_SIZE << order` bytes allocated for `order`, owned by this
// value until `drop` frees them (type invariant).
unsafe impl Quantum for PageQuantum {
    const MAX_ORDER: u32 = bindings::MAX_PAGE_ORDER;

    fn alloc(order: u32) -> Result<Self> {
        if order > Self::MAX_ORDER {
            return Err(EINVAL);
        }
        // SAFETY: Any flags without `__GFP_HIGHMEM` and an order up to MAX_PAGE_ORDER are
        // valid arguments.
        let addr = unsafe { bindings::get_free_pages_noprof(DATA_GFP, order) };
        let addr = NonNull::new(addr as *mut u8).ok_or(ENOMEM)?;
        Ok(Self { addr, order })
    }

    fn addr(&self) -> NonNull<u8> {
        self.addr
    }

    fn order(&self) -> u32 {
        self.order
    }
}

impl Drop for PageQuantum {
    fn drop(&mut self) {
        // SAFETY: By the type invariant the block came from `__get_free_pages` at this
        // order and is freed here, once.
        unsafe { bindings::free_pages(self.addr.as_ptr() as usize, self.order) };
    }
}
