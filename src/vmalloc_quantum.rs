// SPDX-License-Identifier: GPL-2.0

//! scullv's quanta: virtually contiguous blocks from `vmalloc`.

use crate::kernel_ext::alloc::DATA_GFP;
use crate::kernel_ext::helpers::lowmem_alias;
use crate::kernel_ext::page::Order;
use crate::quantum::{range, Quantum};
use core::ptr::NonNull;
use kernel::bindings;
use kernel::page::PAGE_SIZE;
use kernel::prelude::*;

/// A block of `PAGE_SIZE << order` bytes from `vmalloc`.
///
/// # Invariants
///
/// `addr` came from `vrealloc_node_align` for `PAGE_SIZE << order` bytes, not freed yet.
pub(crate) struct VmallocQuantum {
    addr: NonNull<u8>,
    order: Order,
}

// SAFETY: The value holds nothing tied to a thread: any thread may copy to or from the block
// (through raw pointers, see `Quantum`) or free it.
unsafe impl Send for VmallocQuantum {}
// SAFETY: `&VmallocQuantum` gives only the block's address, order and pages.
unsafe impl Sync for VmallocQuantum {}

// SAFETY: `addr` starts the `PAGE_SIZE << order` bytes allocated for `order`, which only
// `drop` frees (type invariant); `page` gives their pages, which user mappings may share;
// `read_run` gives the rest of one of those pages through its lowmem direct-map address,
// which stays mapped while the page is allocated and, the data cache not aliasing, reads
// what was written through `addr` or a user mapping; else the rest of the block at `addr`.
unsafe impl Quantum for VmallocQuantum {
    fn alloc(order: Order) -> Result<Self> {
        // Not `Vmalloc::alloc`: the kernel crate's flags cannot say `__GFP_NORETRY`.
        // SAFETY: A null pointer asks for a new allocation; size and alignment are valid.
        let addr = unsafe {
            bindings::vrealloc_node_align(
                core::ptr::null(),
                order.bytes(),
                PAGE_SIZE,
                DATA_GFP,
                bindings::NUMA_NO_NODE,
            )
        };
        Ok(Self {
            addr: NonNull::new(addr.cast()).ok_or(ENOMEM)?,
            order,
        })
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
        // SAFETY: `addr` is in the block, a vmalloc range this value owns.
        NonNull::new(unsafe { bindings::vmalloc_to_page(addr as *const core::ffi::c_void) })
    }

    // Through the direct map, a page at a time, where that alias reads what the vmalloc one
    // wrote: the direct map is usually mapped with large pages, where each vmalloc page takes
    // a TLB entry of its own.
    fn read_run(&self, offset: usize) -> (NonNull<u8>, usize) {
        let in_page = offset % PAGE_SIZE;
        let direct = self.page(offset / PAGE_SIZE).map(|page| {
            // SAFETY: `page` is one of the block's pages, valid while this value is.
            unsafe { lowmem_alias(page.as_ptr()) }
        });
        let direct = direct.filter(|&a| a != 0);
        match direct.and_then(|a| NonNull::new(a.wrapping_add(in_page) as *mut u8)) {
            Some(p) => (p, PAGE_SIZE - in_page),
            // Highmem, or a data cache that aliases: the vmalloc address, to the block's end.
            None => range(self, offset, usize::MAX),
        }
    }
}

impl Drop for VmallocQuantum {
    fn drop(&mut self) {
        // Not `Vmalloc::free`: the block is not `Vmalloc`'s (see `alloc`), and `kvfree` needs
        // no `Layout` rebuilt from the order.
        // SAFETY: By the type invariant the block came from `vrealloc_node_align`; it is freed
        // here, once.
        unsafe { bindings::kvfree(self.addr.as_ptr().cast()) };
    }
}
