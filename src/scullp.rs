// SPDX-License-Identifier: GPL-2.0

//! scullp: LDD3's scull with quanta of whole pages from `__get_free_pages`.

mod chrdev;
mod ioctl;
mod kernel_ext;
mod mapping;
mod page_quantum;
mod qset;
mod quantum;
mod scull;

scull::scull_module! {
    name: "scullp",
    quantum: page_quantum::PageQuantum,
    order: 0,
    description: "scull over __get_free_pages quanta",
}
