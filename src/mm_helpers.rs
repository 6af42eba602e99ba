// SPDX-License-Identifier: GPL-2.0

//! `virt_to_page` from `mm_helpers.c`, which scullp and pagealloc share.

use core::ffi::c_void;
use kernel::bindings;

// `struct page *` is passed as `void *`: Rust deems the bindings' `page` not FFI-safe (it
// has a zero-sized member).
extern "C" {
    fn scull_virt_to_page(addr: *const c_void) -> *mut c_void;
}

/// `virt_to_page`.
///
/// # Safety
///
/// `addr` must be a direct-map (lowmem) address.
pub(crate) unsafe fn virt_to_page(addr: usize) -> *mut bindings::page {
    // SAFETY: The caller passes a direct-map address.
    unsafe { scull_virt_to_page(addr as *const c_void).cast() }
}
