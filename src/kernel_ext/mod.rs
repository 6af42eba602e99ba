// SPDX-License-Identifier: GPL-2.0

//! What the drivers need from the kernel that its Rust crate (7.2, 7.3) does not offer yet,
//! shaped like the crate's own modules. Nothing here knows about scull: each module says what
//! upstream lacks, and goes when upstream has it.

pub(crate) mod alloc;
pub(crate) mod compat;
pub(crate) mod helpers;
pub(crate) mod page;
pub(crate) mod rwsem;
pub(crate) mod sparse;
