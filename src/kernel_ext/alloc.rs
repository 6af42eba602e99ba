// SPDX-License-Identifier: GPL-2.0

//! An allocator that fails instead of retrying: the kernel crate's `Flags` cannot say
//! `__GFP_NORETRY`, so its `KVmalloc` wakes the OOM killer for a small allocation that cannot
//! be met.

use core::alloc::Layout;
use core::ptr::{self, NonNull};
use kernel::alloc::allocator::Kmalloc;
use kernel::alloc::{AllocError, Allocator, Flags, NumaNode};
use kernel::bindings;

/// The flags of memory a user's write asks for: charged to the writer's memory cgroup; no
/// warning and no OOM killer on failure (`__GFP_NORETRY`), which is the writer's `ENOMEM`.
pub(crate) const DATA_GFP: bindings::gfp_t =
    bindings::GFP_KERNEL_ACCOUNT | bindings::__GFP_NOWARN | (1 << bindings::___GFP_NORETRY_BIT);

/// `kvmalloc` with [`DATA_GFP`], whatever flags a caller passes.
pub(crate) struct DataAlloc;

// SAFETY: `realloc` is `kvrealloc_node_align` with a `Kmalloc`-compatible layout, as the
// kernel crate's `KVmalloc` calls it: memory stays valid until freed through it, any pointer
// it returned may be passed back, and it keeps `realloc`'s guarantees (only the flags differ).
unsafe impl Allocator for DataAlloc {
    const MIN_ALIGN: usize = bindings::ARCH_KMALLOC_MINALIGN;

    unsafe fn realloc(
        ptr: Option<NonNull<u8>>,
        layout: Layout,
        old_layout: Layout,
        _flags: Flags,
        _nid: NumaNode,
    ) -> Result<NonNull<[u8]>, AllocError> {
        let layout = Kmalloc::aligned_layout(layout);
        let old = match ptr {
            Some(p) if old_layout.size() != 0 => p.as_ptr().cast_const(),
            _ => ptr::null(),
        };
        // SAFETY: `old` is null or, by the caller's contract, an allocation of this allocator,
        // i.e. of `kvrealloc_node_align`; a size of 0 frees it.
        let raw = unsafe {
            bindings::kvrealloc_node_align(
                old.cast(),
                layout.size(),
                layout.align(),
                DATA_GFP,
                bindings::NUMA_NO_NODE,
            )
        };
        let start = if layout.size() == 0 {
            NonNull::new(ptr::without_provenance_mut(layout.align())).ok_or(AllocError)?
        } else {
            NonNull::new(raw.cast::<u8>()).ok_or(AllocError)?
        };
        Ok(NonNull::slice_from_raw_parts(start, layout.size()))
    }
}
