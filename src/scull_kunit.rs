// SPDX-License-Identifier: GPL-2.0

//! scull_kunit: the store's KUnit tests, in a module of their own so that the drivers a user
//! loads carry no tests. Built only against a kernel with `CONFIG_KUNIT` (see Kbuild); the
//! tests run when it is loaded.

use kernel::prelude::*;

// The store and what it is built on; the test module uses only part of each.
#[allow(dead_code)]
mod chrdev;
#[allow(dead_code)]
mod kernel_ext;
#[allow(dead_code)]
mod mapping;
#[allow(dead_code)]
mod page_quantum;
#[allow(dead_code)]
mod qset;
mod qset_tests;
#[allow(dead_code)]
mod quantum;
#[allow(dead_code)]
mod vmalloc_quantum;

module! {
    type: ScullKunit,
    name: "scull_kunit",
    authors: ["scull-rs developers"],
    description: "KUnit tests of the scull quantum-set store",
    license: "GPL",
}

struct ScullKunit;

impl kernel::Module for ScullKunit {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        Ok(Self)
    }
}
