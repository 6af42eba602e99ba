// SPDX-License-Identifier: GPL-2.0

//! Character devices with several minors under one major, a device class so that
//! devtmpfs and udev make the nodes, and a `file_operations` table that calls a safe
//! [`FileOps`] implementation.
//!
//! The kernel crate's `MiscDevice` has no `llseek` and one minor per device, and scull needs
//! both, so this file talks to the C interface directly. Unsafe code lives here, in
//! `quantum.rs`, in the quantum allocators and in `kernel_ext/`.

use crate::kernel_ext::helpers::{
    file_open, inode_cdev, kiocb_append, vmf_map_page, vmf_map_pages, vmf_pgoff_and_vma, vmf_window,
};
use crate::mapping::SharedMapping;
use core::ptr::{self, NonNull};
use kernel::bindings;
use kernel::container_of;
use kernel::error::{from_err_ptr, to_result};
use kernel::ffi::{c_int, c_long, c_uint, c_ulong};
use kernel::fs::Kiocb;
use kernel::iov::{IovIterDest, IovIterSource};
use kernel::mm::virt::VmaNew;
use kernel::prelude::*;
use kernel::sync::{Arc, ArcBorrow};
use kernel::types::{ForeignOwnable, Opaque};

/// What a device does with the calls on its open files. Each minor is one `T`.
pub(crate) trait FileOps: Send + Sync + Sized + 'static {
    /// An open of the device with the file's `O_*` flags.
    fn open(&self, flags: u32) -> Result;

    /// An open that may give the file a `T` of its own (state kept per open file, as
    /// seq_file keeps its buffer): the file's calls then reach it, and it is dropped when the
    /// file is released. By default `open`, and the file reaches the device's own `T`.
    fn open_file(&self, flags: u32) -> Result<Option<Arc<Self>>> {
        self.open(flags).map(|()| None)
    }

    /// A read at `*pos` into `out` (all of a vectored read's buffers); advances `*pos` by the
    /// count returned.
    fn read(&self, pos: &mut i64, out: &mut IovIterDest<'_>) -> Result<usize>;

    /// A write at `*pos` from `input` (all of a vectored write's buffers), or at the end if
    /// `append` (`O_APPEND`, `RWF_APPEND`); sets `*pos` to the end of what it wrote.
    fn write(&self, pos: &mut i64, input: &mut IovIterSource<'_>, append: bool) -> Result<usize>;

    /// A seek from `pos` by `offset` with `whence` (`SEEK_SET`, `SEEK_CUR`, `SEEK_END`).
    fn llseek(&self, pos: i64, offset: i64, whence: u32) -> Result<i64>;

    /// An ioctl; `arg` is the raw argument, often a user pointer.
    fn ioctl(&self, _cmd: u32, _arg: usize) -> Result<isize> {
        Err(ENOTTY)
    }

    /// A new mapping of the file from page `pgoff`. Its pages come in through `fault`; a device
    /// whose faults map pages around their own ([`Fault::map_pages`]) makes it `VM_MIXEDMAP`.
    fn mmap(&self, _vma: &VmaNew, _pgoff: usize) -> Result {
        Err(ENODEV)
    }

    /// A fault on a mapping of the device: maps the page with [`Fault::map`]. An error is
    /// SIGBUS.
    fn fault(&self, _fault: &Fault) -> Result<Mapped> {
        Err(EFAULT)
    }

    /// The address space that every open file of the device shares, if it has one: its
    /// mappings can then be taken back with [`SharedMapping::unmap_all`].
    fn mapping(&self) -> Option<&SharedMapping> {
        None
    }
}

/// A page fault on a mapping of a device.
///
/// # Invariants
///
/// `vmf` is the live `vm_fault` of the fault being handled.
#[allow(dead_code, reason = "pagealloc has no mappings")]
pub(crate) struct Fault {
    vmf: *mut bindings::vm_fault,
    pgoff: usize,
}

/// What [`Fault::map`] did, for the mm core.
pub(crate) struct Mapped(bindings::vm_fault_t);

#[allow(dead_code, reason = "pagealloc has no mappings")]
impl Fault {
    /// The file page offset of the fault.
    pub(crate) fn pgoff(&self) -> usize {
        self.pgoff
    }

    /// Maps `page` where the fault happened (or gives it to be copied, for a write to a
    /// private mapping). The mapping takes its own reference, so the page outlives whatever
    /// frees it next; call this under the lock that truncation takes before it unmaps.
    ///
    /// # Safety
    ///
    /// `page` must be a valid, refcounted order-0 page, not anonymous.
    pub(crate) unsafe fn map(&self, page: NonNull<bindings::page>) -> Mapped {
        // SAFETY: `vmf` is live (type invariant); the caller passes a valid page.
        Mapped(unsafe { vmf_map_page(self.vmf, page.as_ptr()) })
    }

    /// The file pages `(first, last)` that the fault may map with its own (fault-around):
    /// `nr` pages aligned in the page table, within the mapping. An `nr` that is not a power
    /// of two up to a page table's span gives the fault's page alone.
    pub(crate) fn window(&self, nr: usize) -> (usize, usize) {
        let nr = if nr.is_power_of_two() && nr <= bindings::PTRS_PER_PTE as usize {
            nr
        } else {
            1
        };
        // SAFETY: `vmf` is live (type invariant); `nr` is as `vmf_window` requires.
        unsafe { vmf_window(self.vmf, nr) }
    }

    /// Maps `pages` at the file pages from `first` on (fault-around), as far as the mapping
    /// goes, skipping any already mapped; under the same lock as [`Fault::map`].
    ///
    /// # Safety
    ///
    /// Each page must be a valid, refcounted order-0 page, not anonymous; the mapping must be
    /// `VM_MIXEDMAP` (see [`FileOps::mmap`]).
    pub(crate) unsafe fn map_pages(&self, first: usize, pages: &[NonNull<bindings::page>]) {
        // SAFETY: `vmf` is live (type invariant); `NonNull<page>` has the layout of a page
        // pointer, and the caller passes valid pages of a `VM_MIXEDMAP` vma.
        unsafe { vmf_map_pages(self.vmf, first, pages.as_ptr().cast(), pages.len()) };
    }
}

/// What the cdev is embedded in, as in LDD3's `scull_dev`: `open` and `mmap` reach it from
/// the inode's `i_cdev` with `container_of!`.
struct Shared<T> {
    fops: bindings::file_operations,
    vm_ops: bindings::vm_operations_struct,
    cdev: Opaque<bindings::cdev>,
    first: bindings::dev_t,
    devices: KVec<Arc<T>>,
}

impl<T: FileOps> Shared<T> {
    /// The `Shared<T>` whose cdev `inode` is opened through.
    ///
    /// # Safety
    ///
    /// `inode` must be the live inode of a file opened, or being opened, by [`open`] for this
    /// `T`, for `'a` at most as long as the file.
    unsafe fn of_inode<'a>(inode: *mut bindings::inode) -> &'a Self {
        // SAFETY: `chrdev_open` set `i_cdev` to the cdev whose table it gave the file before it
        // called `open::<T>`, so a cdev initialised with the table of a `Shared<T>`: only
        // `register` puts `open::<T>` in a table, and only into the `cdev` field beside it. The
        // pointer leaves that field, in bounds of the `Shared<T>`. `i_cdev` changes only in
        // `cdev_del` (and on the inode's eviction), and the file holds the inode and the module,
        // whose registration keeps the `Shared<T>` pinned until after `cdev_del`.
        unsafe {
            let cdev = Opaque::cast_from(inode_cdev(inode)).cast_mut();
            &*container_of!(cdev, Self, cdev)
        }
    }
}

/// A registered region of minors with their nodes. Dropping it removes the nodes, the class,
/// the cdev and the region, in that order.
///
/// # Invariants
///
/// `shared.cdev` is initialised with `shared.fops`; it was added to the VFS if `cdev_added`.
/// `class` is null or a class from `class_create`; `nodes` device nodes exist in it.
/// The region `shared.first .. + devices.len()` is registered.
pub(crate) struct CharDevices<T: FileOps> {
    shared: Pin<KBox<Shared<T>>>,
    class: *mut bindings::class,
    cdev_added: bool,
    nodes: usize,
}

// SAFETY: The raw class pointer is only used to destroy the class, which may be done from
// any thread; the devices are `Send + Sync`.
unsafe impl<T: FileOps> Send for CharDevices<T> {}
// SAFETY: `&CharDevices` gives access to nothing but `&T`, and `T: Sync`.
unsafe impl<T: FileOps> Sync for CharDevices<T> {}

const fn mkdev(major: u32, minor: u32) -> bindings::dev_t {
    (major << bindings::MINORBITS) | minor
}

impl<T: FileOps> CharDevices<T> {
    /// Registers `devices` as `/dev/{name}0..` (if `numbered`, else one device as `/dev/{name}`)
    /// under `major` (0: a dynamic major), with a class of the same name. `module` is the
    /// owner: it cannot unload while a file is open.
    pub(crate) fn register(
        name: &'static CStr,
        numbered: bool,
        major: u32,
        devices: KVec<Arc<T>>,
        module: &'static ThisModule,
    ) -> Result<Self> {
        let count = devices.len() as c_uint;
        if count == 0 || (!numbered && count != 1) {
            return Err(EINVAL);
        }
        let format = if numbered { c"%s%u" } else { c"%s" };
        let mut first: bindings::dev_t = 0;
        if major == 0 {
            // SAFETY: `first` is a valid place for the result and `name` a C string that
            // lives as long as the module.
            to_result(unsafe {
                bindings::alloc_chrdev_region(&mut first, 0, count, name.as_char_ptr())
            })?;
        } else {
            first = mkdev(major, 0);
            // SAFETY: As above.
            to_result(unsafe {
                bindings::register_chrdev_region(first, count, name.as_char_ptr())
            })?;
        }

        let fops = bindings::file_operations {
            owner: module.as_ptr(),
            open: Some(open::<T>),
            release: Some(release::<T>),
            read_iter: Some(read_iter::<T>),
            write_iter: Some(write_iter::<T>),
            llseek: Some(llseek::<T>),
            unlocked_ioctl: Some(ioctl::<T>),
            // The commands take an int or a pointer to one, the same for 32-bit callers (None
            // without CONFIG_COMPAT).
            compat_ioctl: bindings::compat_ptr_ioctl,
            mmap: Some(mmap::<T>),
            // Memory has nothing to flush.
            fsync: Some(bindings::noop_fsync),
            // splice and sendfile, through read_iter and write_iter.
            splice_read: Some(bindings::copy_splice_read),
            splice_write: Some(bindings::iter_file_splice_write),
            ..pin_init::zeroed()
        };
        let vm_ops = bindings::vm_operations_struct {
            fault: Some(vma_fault::<T>),
            ..pin_init::zeroed()
        };
        let shared = KBox::pin(
            Shared {
                fops,
                vm_ops,
                cdev: Opaque::uninit(),
                first,
                devices,
            },
            GFP_KERNEL,
        );
        let Ok(shared) = shared else {
            // SAFETY: The region was registered above and nothing uses it yet.
            unsafe { bindings::unregister_chrdev_region(first, count) };
            return Err(ENOMEM);
        };
        let cdev = shared.cdev.get();
        // SAFETY: `cdev` is a pinned, writable `struct cdev` and `fops` a pinned table beside
        // it, dropped with it only after `cdev_del`.
        unsafe {
            bindings::cdev_init(cdev, &shared.fops);
            (*cdev).owner = module.as_ptr();
        }
        // From here on `Drop` undoes whatever was done.
        let mut this = Self {
            shared,
            class: ptr::null_mut(),
            cdev_added: false,
            nodes: 0,
        };
        // SAFETY: `name` is a C string that outlives the class.
        this.class = from_err_ptr(unsafe { bindings::class_create(name.as_char_ptr()) })?;
        for minor in 0..count {
            // SAFETY: The class is live; the format takes a C string and at most an unsigned
            // int, which are the arguments given.
            from_err_ptr(unsafe {
                bindings::device_create(
                    this.class,
                    ptr::null_mut(),
                    first + minor,
                    ptr::null_mut(),
                    format.as_char_ptr(),
                    name.as_char_ptr(),
                    minor,
                )
            })?;
            this.nodes += 1;
        }
        // Last, when nothing can fail any more: from here on the devices can be opened. A
        // node opened before this finds no cdev (ENXIO).
        // SAFETY: `cdev` was initialised above; the devices it serves are in place.
        to_result(unsafe { bindings::cdev_add(cdev, first, count) })?;
        this.cdev_added = true;
        Ok(this)
    }

    /// The major number in use.
    pub(crate) fn major(&self) -> u32 {
        self.shared.first >> bindings::MINORBITS
    }
}

impl<T: FileOps> Drop for CharDevices<T> {
    fn drop(&mut self) {
        let first = self.shared.first;
        if self.cdev_added {
            // SAFETY: The cdev was added; no file is open (the module owns the fops and
            // cannot be unloaded while one is), so none can reach the devices after this.
            unsafe { bindings::cdev_del(self.shared.cdev.get()) };
        }
        for minor in 0..self.nodes as u32 {
            // SAFETY: This node was created in `register` and is destroyed once.
            unsafe { bindings::device_destroy(self.class, first + minor) };
        }
        if !self.class.is_null() {
            // SAFETY: The class came from `class_create` and has no nodes left.
            unsafe { bindings::class_destroy(self.class) };
        }
        // SAFETY: The region was registered in `register`, with this many minors.
        unsafe { bindings::unregister_chrdev_region(first, self.shared.devices.len() as c_uint) };
    }
}

/// The position `lseek` moves to from `pos` by `offset` with `whence`, for a file of `size`
/// bytes; a negative result or an unknown `whence` is `EINVAL`.
pub(crate) fn seek_position(
    pos: i64,
    offset: i64,
    whence: u32,
    size: impl FnOnce() -> Result<i64>,
) -> Result<i64> {
    let base = match whence {
        bindings::SEEK_SET => 0,
        bindings::SEEK_CUR => pos,
        bindings::SEEK_END => size()?,
        _ => return Err(EINVAL),
    };
    match base.checked_add(offset) {
        Some(new) if new >= 0 => Ok(new),
        _ => Err(EINVAL),
    }
}

/// The device a file was opened on (its own `T`, if `open_file` gave it one).
///
/// # Safety
///
/// `file` must be a live file whose `private_data` was set by [`open`] for this `T`, and `'a`
/// must end before its `release`.
unsafe fn device<'a, T: FileOps>(file: *mut bindings::file) -> ArcBorrow<'a, T> {
    // SAFETY: `open` stored `into_foreign` of an `Arc<T>` that the file owns until `release`,
    // which the VFS calls only after the last use of the file.
    unsafe { <Arc<T> as ForeignOwnable>::borrow((*file).private_data) }
}

fn to_errno_isize(e: Error) -> isize {
    e.to_errno() as isize
}

/// # Safety
///
/// Called by the VFS with a live inode of one of our minors and the file being opened.
unsafe extern "C" fn open<T: FileOps>(
    inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: `inode` is the live inode being opened by this `open::<T>`.
    let shared = unsafe { Shared::<T>::of_inode(inode) };
    // SAFETY: `inode` is live for the call.
    let rdev = unsafe { (*inode).i_rdev };
    let Some(dev) = shared.devices.get(rdev.wrapping_sub(shared.first) as usize) else {
        return ENXIO.to_errno();
    };
    // SAFETY: `file` is live and being opened; nothing else uses `private_data` yet.
    let flags = unsafe { (*file).f_flags };
    match dev.open_file(flags) {
        Ok(own) => {
            let this = own.unwrap_or_else(|| dev.clone());
            let shared_inode = this.mapping().map_or(ptr::null_mut(), SharedMapping::inode);
            // SAFETY: As above. The file owns this reference, which `release` gives back, so
            // the device and its shared inode outlive the file.
            unsafe {
                file_open(file, shared_inode);
                (*file).private_data = this.into_foreign();
            }
            0
        }
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// Called by the VFS once for a file opened by [`open`], after its last use.
unsafe extern "C" fn release<T: FileOps>(
    _inode: *mut bindings::inode,
    file: *mut bindings::file,
) -> c_int {
    // SAFETY: `open` stored `into_foreign` of an `Arc<T>` the file owns; nothing uses the
    // file after this, so the reference is given back once.
    drop(unsafe { <Arc<T> as ForeignOwnable>::from_foreign((*file).private_data) });
    0
}

/// # Safety
///
/// Called by the VFS with a live kiocb on a file opened by [`open`] and a destination
/// iov_iter of user memory.
unsafe extern "C" fn read_iter<T: FileOps>(
    iocb: *mut bindings::kiocb,
    to: *mut bindings::iov_iter,
) -> isize {
    // SAFETY: The VFS passes a valid iov_iter, used only here for the call, whose user memory
    // may be written with the usual C copies.
    let out = unsafe { IovIterDest::from_raw(to) };
    // SAFETY: The kiocb is live for the call, and only this call uses it; its file's private
    // data is the `Arc<T>` that `open` stored.
    let mut kiocb = unsafe { Kiocb::<Arc<T>>::from_raw(iocb) };
    let dev = kiocb.file();
    match dev.read(kiocb.ki_pos_mut(), out) {
        Ok(n) => n as isize,
        Err(e) => to_errno_isize(e),
    }
}

/// # Safety
///
/// As [`read_iter`], with a source iov_iter.
unsafe extern "C" fn write_iter<T: FileOps>(
    iocb: *mut bindings::kiocb,
    from: *mut bindings::iov_iter,
) -> isize {
    // SAFETY: The VFS passes a valid iov_iter, used only here for the call, whose user memory
    // may be read with the usual C copies.
    let input = unsafe { IovIterSource::from_raw(from) };
    // SAFETY: As in `read_iter`.
    let mut kiocb = unsafe { Kiocb::<Arc<T>>::from_raw(iocb) };
    let dev = kiocb.file();
    let append = kiocb_append(&kiocb);
    match dev.write(kiocb.ki_pos_mut(), input, append) {
        Ok(n) => n as isize,
        Err(e) => to_errno_isize(e),
    }
}

/// # Safety
///
/// Called by the VFS on a file opened by [`open`].
unsafe extern "C" fn llseek<T: FileOps>(
    file: *mut bindings::file,
    offset: bindings::loff_t,
    whence: c_int,
) -> bindings::loff_t {
    // SAFETY: Called on a file opened by `open`; the VFS keeps `file` live for the call.
    let (dev, pos) = unsafe { (device::<T>(file), (*file).f_pos) };
    match dev.llseek(pos, offset, whence as u32) {
        Ok(new) => {
            // SAFETY: As above.
            unsafe { (*file).f_pos = new };
            new
        }
        Err(e) => e.to_errno().into(),
    }
}

/// # Safety
///
/// Called by the VFS on a file opened by [`open`].
unsafe extern "C" fn ioctl<T: FileOps>(
    file: *mut bindings::file,
    cmd: c_uint,
    arg: c_ulong,
) -> c_long {
    // SAFETY: Called on a file opened by `open`.
    match unsafe { device::<T>(file) }.ioctl(cmd, arg) {
        Ok(v) => v as c_long,
        Err(e) => to_errno_isize(e),
    }
}

/// Whether the calling task has `CAP_SYS_ADMIN`, as the book's setting ioctls require.
pub(crate) fn capable_sys_admin() -> bool {
    // SAFETY: `capable` may be called from any task context with any capability number.
    unsafe { bindings::capable(bindings::CAP_SYS_ADMIN as c_int) }
}

/// # Safety
///
/// Called by the mm core with a file opened by [`open`] and a vma being set up for it.
unsafe extern "C" fn mmap<T: FileOps>(
    file: *mut bindings::file,
    vma: *mut bindings::vm_area_struct,
) -> c_int {
    // SAFETY: The file is live for the call and was opened by `open::<T>` with the inode
    // `f_inode` (not the shared inode, which gives only its address space: `file_open`).
    let shared = unsafe { Shared::<T>::of_inode((*file).f_inode) };
    // SAFETY: Called on a file opened by `open`, live for the call.
    let dev = unsafe { device::<T>(file) };
    // SAFETY: The vma is undergoing its initial setup for the duration of this call.
    let (new, pgoff) = unsafe { (VmaNew::from_raw(vma), (*vma).vm_pgoff) };
    if let Err(e) = dev.mmap(new, pgoff) {
        return e.to_errno();
    }
    // SAFETY: Still in the initial setup: nothing else reads these fields yet. The device
    // and the ops outlive the vma, which holds the file and so the module.
    unsafe {
        (*vma).vm_private_data = ptr::from_ref::<T>(&dev).cast_mut().cast();
        (*vma).vm_ops = &shared.vm_ops;
    }
    0
}

/// The device a vma maps.
///
/// # Safety
///
/// `vma` must be a live vma set up by [`mmap`] for this `T`.
unsafe fn vma_device<'a, T: FileOps>(vma: *mut bindings::vm_area_struct) -> &'a T {
    // SAFETY: `mmap` stored a pointer to the file's `T`, which outlives the vma (the vma holds
    // the file, the file its `T` and the module).
    unsafe { &*(*vma).vm_private_data.cast::<T>() }
}

/// # Safety
///
/// Called by the mm core for a fault on a vma set up by [`mmap`] (or copied from one).
unsafe extern "C" fn vma_fault<T: FileOps>(vmf: *mut bindings::vm_fault) -> bindings::vm_fault_t {
    // SAFETY: The fault is live for the call, and so is its vma, set up by `mmap`.
    let (pgoff, dev) = unsafe {
        let (pgoff, vma) = vmf_pgoff_and_vma(vmf);
        (pgoff, vma_device::<T>(vma))
    };
    // INVARIANT: `vmf` is the live fault being handled; `Fault` lives only for this call.
    match dev.fault(&Fault { vmf, pgoff }) {
        Ok(Mapped(result)) => result,
        // Not `VM_FAULT_OOM` for ENOMEM: that would wake the OOM killer.
        Err(_) => bindings::vm_fault_reason_VM_FAULT_SIGBUS as bindings::vm_fault_t,
    }
}
