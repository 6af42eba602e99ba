// SPDX-License-Identifier: GPL-2.0

//! scullv: LDD3's scull with virtually contiguous quanta from `vmalloc`.

mod chrdev;
mod ioctl;
mod kernel_ext;
mod mapping;
mod qset;
mod quantum;
mod scull;
mod vmalloc_quantum;

scull::scull_module! {
    name: "scullv",
    quantum: vmalloc_quantum::VmallocQuantum,
    order: 4,
    description: "scull over vmalloc quanta",
}
