// SPDX-License-Identifier: GPL-2.0

//! One address space per device, shared by every open file of it (whatever node it was
//! opened through) and so by every mapping of it: truncation then takes the device's pages
//! out of every mapping with one `unmap_mapping_range`, as a file system does. The address
//! space is an inode's, on a private pseudo file system (as DRM does).

use crate::kernel_ext::helpers::{inode_new, inode_put, inode_unmap};
use core::ptr::NonNull;
use kernel::bindings;
use kernel::error::from_err_ptr;
use kernel::prelude::*;

/// The shared address space of one device.
///
/// # Invariants
///
/// `inode` came from [`inode_new`] and is given back only in `drop`.
pub(crate) struct SharedMapping {
    inode: NonNull<bindings::inode>,
}

// SAFETY: The inode is only used through functions that may run on any thread.
unsafe impl Send for SharedMapping {}
// SAFETY: `&SharedMapping` only unmaps and gives the inode to files being opened, both of
// which the kernel serialises itself.
unsafe impl Sync for SharedMapping {}

impl SharedMapping {
    pub(crate) fn new() -> Result<Self> {
        let inode = from_err_ptr(inode_new())?;
        Ok(Self {
            inode: NonNull::new(inode).ok_or(ENOMEM)?,
        })
    }

    /// The inode whose address space open files use; it lives as long as `self`.
    pub(crate) fn inode(&self) -> *mut bindings::inode {
        self.inode.as_ptr()
    }

    /// Takes every page out of every mapping; the next touch faults again.
    pub(crate) fn unmap_all(&self) {
        // SAFETY: The inode is live (type invariant).
        unsafe { inode_unmap(self.inode.as_ptr()) };
    }
}

impl Drop for SharedMapping {
    fn drop(&mut self) {
        // SAFETY: The inode came from `inode_new` (type invariant). The device is dropped on
        // unload, when no file (and so no mapping) of it is left.
        unsafe { inode_put(self.inode.as_ptr()) };
    }
}
