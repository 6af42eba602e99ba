// SPDX-License-Identifier: GPL-2.0

//! The C helpers of `helpers.c`: macros, static inlines and fields the kernel crate has no
//! `rust_helper_*` or wrapper for. Each module links them all and uses a part.
#![allow(dead_code)]

use crate::kernel_ext::page::Order;
use core::ffi::c_void;
use kernel::bindings;
use kernel::fs::Kiocb;
use kernel::types::ForeignOwnable;

// `struct page *`, `struct vm_fault *`, `struct vm_area_struct *`, `struct kiocb *` and the
// like are passed as `void *`: Rust deems the bindings' structs not FFI-safe (they have
// zero-sized members).
extern "C" {
    fn scull_page_to_pfn(page: *mut c_void) -> usize;
    fn scull_page_to_phys(page: *mut c_void) -> bindings::phys_addr_t;
    fn scull_page_address(page: *mut c_void) -> *mut c_void;
    fn scull_lowmem_alias(page: *mut c_void) -> *mut c_void;
    fn scull_virt_to_page(addr: *const c_void) -> *mut c_void;
    fn scull_get_free_pages(gfp: bindings::gfp_t, order: u32) -> usize;
    fn scull_fatal_signal_pending() -> bool;
    fn scull_zero_bytes(addr: *mut c_void, bytes: usize);
    fn scull_copy_to_iter_nofault(
        addr: *const c_void,
        bytes: usize,
        i: *mut bindings::iov_iter,
    ) -> usize;
    fn scull_copy_from_iter_nofault(
        addr: *mut c_void,
        bytes: usize,
        i: *mut bindings::iov_iter,
    ) -> usize;
    fn scull_iov_iter_zero_nofault(bytes: usize, i: *mut bindings::iov_iter) -> usize;
    fn scull_vmf_pgoff(vmf: *mut c_void) -> usize;
    fn scull_vmf_vma(vmf: *mut c_void) -> *mut c_void;
    fn scull_vmf_map_page(vmf: *mut c_void, page: *mut c_void) -> bindings::vm_fault_t;
    fn scull_vmf_window(vmf: *mut c_void, nr: usize, first: *mut usize, last: *mut usize);
    fn scull_vmf_map_pages(vmf: *mut c_void, first: usize, pages: *mut *mut c_void, n: usize);
    fn scull_kiocb_append(iocb: *mut c_void) -> bool;
    fn scull_inode_cdev(inode: *mut c_void) -> *mut c_void;
    fn scull_file_open(file: *mut c_void, shared: *mut c_void);
    fn scull_inode_new() -> *mut c_void;
    fn scull_inode_put(inode: *mut c_void);
    fn scull_inode_unmap(inode: *mut c_void);
    fn scull_copy_bytes(to: *mut c_void, from: *const c_void, bytes: usize);
}

/// `page_to_pfn`.
///
/// # Safety
///
/// `page` must point to a valid `struct page`.
pub(crate) unsafe fn page_to_pfn(page: *mut bindings::page) -> usize {
    // SAFETY: The caller passes a valid page.
    unsafe { scull_page_to_pfn(page.cast()) }
}

/// `page_to_phys`.
///
/// # Safety
///
/// `page` must point to a valid `struct page`.
pub(crate) unsafe fn page_to_phys(page: *mut bindings::page) -> u64 {
    // SAFETY: The caller passes a valid page.
    unsafe { scull_page_to_phys(page.cast()) }
}

/// `page_address`: the direct-map address of a lowmem page.
///
/// # Safety
///
/// `page` must point to a valid `struct page`.
pub(crate) unsafe fn page_address(page: *mut bindings::page) -> usize {
    // SAFETY: The caller passes a valid page.
    unsafe { scull_page_address(page.cast()) as usize }
}

/// The direct-map address of a lowmem page, where reading through it sees what was written
/// through any other kernel alias: 0 for a highmem page or where the data cache can alias.
///
/// # Safety
///
/// `page` must point to a valid `struct page`.
pub(crate) unsafe fn lowmem_alias(page: *mut bindings::page) -> usize {
    // SAFETY: The caller passes a valid page.
    unsafe { scull_lowmem_alias(page.cast()) as usize }
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

/// `__get_free_pages`: the address of a block of `2^order` pages, or 0.
///
/// # Safety
///
/// `gfp` must not hold `__GFP_HIGHMEM`.
pub(crate) unsafe fn get_free_pages(gfp: bindings::gfp_t, order: Order) -> usize {
    // SAFETY: The caller passes valid flags; an `Order` is one the allocator takes.
    unsafe { scull_get_free_pages(gfp, order.get()) }
}

/// Whether the current task has been sent a fatal signal (`SIGKILL`).
pub(crate) fn fatal_signal_pending() -> bool {
    // SAFETY: Reads the current task's pending signals; callable from any task context.
    unsafe { scull_fatal_signal_pending() }
}

/// Bytes of RAM the kernel manages (`MemTotal`).
pub(crate) fn total_ram_bytes() -> u64 {
    let mut info = bindings::sysinfo::default();
    // SAFETY: `si_meminfo` fills the `struct sysinfo` it is given, a local here.
    unsafe { bindings::si_meminfo(&mut info) };
    info.totalram as u64 * u64::from(info.mem_unit)
}

/// Bytes of memory available for new allocations without swapping (`MemAvailable`).
pub(crate) fn available_bytes() -> u64 {
    // SAFETY: `si_mem_available` only reads global counters.
    let pages = unsafe { bindings::si_mem_available() };
    u64::try_from(pages)
        .unwrap_or(0)
        .saturating_mul(kernel::page::PAGE_SIZE as u64)
}

/// Sets `bytes` bytes at `addr` to zero, in C: user space may store to them at the same
/// moment through a mapping, which Rust's own writes must never race with.
///
/// # Safety
///
/// `addr` must be valid for `bytes` bytes of writes.
pub(crate) unsafe fn zero_bytes(addr: *mut u8, bytes: usize) {
    // SAFETY: The caller passes writable memory.
    unsafe { scull_zero_bytes(addr.cast(), bytes) }
}

/// Copies `bytes` bytes from `from` to `to`, in C: as for [`zero_bytes`], one side may be
/// memory that user space changes at the same moment through a mapping.
///
/// # Safety
///
/// `from` must be valid for `bytes` bytes of reads, `to` for as many writes, not overlapping.
pub(crate) unsafe fn copy_bytes(to: *mut u8, from: *const u8, bytes: usize) {
    // SAFETY: The caller passes valid, separate ranges.
    unsafe { scull_copy_bytes(to.cast(), from.cast(), bytes) }
}

/// `copy_to_iter` with page faults disabled: a user page that is not present ends the copy.
///
/// # Safety
///
/// `addr` must be valid for `bytes` bytes of reads and `i` a valid destination iov_iter.
pub(crate) unsafe fn copy_to_iter_nofault(
    addr: *const u8,
    bytes: usize,
    i: *mut bindings::iov_iter,
) -> usize {
    // SAFETY: The caller passes a valid source and iov_iter.
    unsafe { scull_copy_to_iter_nofault(addr.cast(), bytes, i) }
}

/// `copy_from_iter` with page faults disabled: a user page that is not present ends the copy.
/// Bytes past the count returned are not written.
///
/// # Safety
///
/// `addr` must be valid for `bytes` bytes of writes and `i` a valid source iov_iter.
pub(crate) unsafe fn copy_from_iter_nofault(
    addr: *mut u8,
    bytes: usize,
    i: *mut bindings::iov_iter,
) -> usize {
    // SAFETY: The caller passes a valid destination and iov_iter.
    unsafe { scull_copy_from_iter_nofault(addr.cast(), bytes, i) }
}

/// `iov_iter_zero` with page faults disabled.
///
/// # Safety
///
/// `i` must be a valid destination iov_iter.
pub(crate) unsafe fn iov_iter_zero_nofault(bytes: usize, i: *mut bindings::iov_iter) -> usize {
    // SAFETY: The caller passes a valid iov_iter.
    unsafe { scull_iov_iter_zero_nofault(bytes, i) }
}

/// The file page offset and the vma of a page fault.
///
/// # Safety
///
/// `vmf` must be the live `vm_fault` of a fault being handled.
pub(crate) unsafe fn vmf_pgoff_and_vma(
    vmf: *mut bindings::vm_fault,
) -> (usize, *mut bindings::vm_area_struct) {
    // SAFETY: The caller passes a live fault, whose vma is live for the call.
    unsafe {
        (
            scull_vmf_pgoff(vmf.cast()),
            scull_vmf_vma(vmf.cast()).cast(),
        )
    }
}

/// Maps `page` for the fault `vmf` (a private copy for a write to a private mapping) and
/// returns the fault's result; the mapping takes its own reference.
///
/// # Safety
///
/// `vmf` must be the live `vm_fault` of a fault being handled, and `page` a valid,
/// refcounted order-0 page that is not anonymous.
pub(crate) unsafe fn vmf_map_page(
    vmf: *mut bindings::vm_fault,
    page: *mut bindings::page,
) -> bindings::vm_fault_t {
    // SAFETY: The caller passes a live fault and a refcounted page.
    unsafe { scull_vmf_map_page(vmf.cast(), page.cast()) }
}

/// The file pages `(first, last)` that a fault maps with its own (fault-around): `nr` pages
/// aligned in the page table, as the core's `do_fault_around` reckons them, within the vma.
///
/// # Safety
///
/// `vmf` must be the live `vm_fault` of a fault being handled; `nr` a power of two, at most
/// `PTRS_PER_PTE`.
pub(crate) unsafe fn vmf_window(vmf: *mut bindings::vm_fault, nr: usize) -> (usize, usize) {
    let (mut first, mut last) = (0, 0);
    // SAFETY: The caller passes a live fault; the two outputs are locals.
    unsafe { scull_vmf_window(vmf.cast(), nr, &mut first, &mut last) };
    (first, last)
}

/// Maps `n` pages from `pages` at the file pages from `first` on in the fault's vma (as far
/// as it goes), skipping any already mapped; each mapping takes its own reference.
///
/// # Safety
///
/// `vmf` must be the live `vm_fault` of a fault being handled on a `VM_MIXEDMAP` vma, and
/// `pages` must point to `n` valid, refcounted order-0 pages that are not anonymous.
pub(crate) unsafe fn vmf_map_pages(
    vmf: *mut bindings::vm_fault,
    first: usize,
    pages: *const *mut bindings::page,
    n: usize,
) {
    // SAFETY: The caller passes a live fault and `n` valid pages; the array is only read.
    unsafe { scull_vmf_map_pages(vmf.cast(), first, pages.cast_mut().cast(), n) }
}

/// Whether a write is an append (`IOCB_APPEND`: `O_APPEND` or `RWF_APPEND`), which the kernel
/// crate's `Kiocb` does not tell.
pub(crate) fn kiocb_append<T: ForeignOwnable>(iocb: &Kiocb<'_, T>) -> bool {
    // SAFETY: A `Kiocb` points to a live kiocb (its type invariant).
    unsafe { scull_kiocb_append(iocb.as_raw().cast()) }
}

/// The cdev a char-device inode was opened through (`i_cdev`, in an anonymous union of
/// `struct inode` whose bindgen name moves as the struct changes).
///
/// # Safety
///
/// `inode` must be a live inode.
pub(crate) unsafe fn inode_cdev(inode: *mut bindings::inode) -> *mut bindings::cdev {
    // SAFETY: The caller passes a live inode.
    unsafe { scull_inode_cdev(inode.cast()).cast() }
}

/// Sets up a file being opened: `O_DIRECT` allowed, and the address space of `shared` (an
/// inode from [`inode_new`]) if not null.
///
/// # Safety
///
/// `file` must be a file being opened (in its `open` operation); `shared` null or an inode
/// from [`inode_new`] that outlives the file.
pub(crate) unsafe fn file_open(file: *mut bindings::file, shared: *mut bindings::inode) {
    // SAFETY: The caller passes a file in its open and a live inode or null.
    unsafe { scull_file_open(file.cast(), shared.cast()) }
}

/// A new inode on the module's pseudo file system, for its address space; an `ERR_PTR` on
/// failure. Give it back with [`inode_put`].
pub(crate) fn inode_new() -> *mut bindings::inode {
    // SAFETY: May be called from any sleeping context.
    unsafe { scull_inode_new().cast() }
}

/// Gives back an inode from [`inode_new`].
///
/// # Safety
///
/// `inode` must come from [`inode_new`], be given back once, and no file may use it any more.
pub(crate) unsafe fn inode_put(inode: *mut bindings::inode) {
    // SAFETY: The caller passes an inode of ours that nothing uses any more.
    unsafe { scull_inode_put(inode.cast()) }
}

/// Takes every page of `inode`'s address space out of every mapping of it.
///
/// # Safety
///
/// `inode` must be a live inode from [`inode_new`].
pub(crate) unsafe fn inode_unmap(inode: *mut bindings::inode) {
    // SAFETY: The caller passes a live inode.
    unsafe { scull_inode_unmap(inode.cast()) }
}
