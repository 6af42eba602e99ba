// SPDX-License-Identifier: GPL-2.0

//! scullv: LDD3's scull with virtually contiguous quanta from `vmalloc`.

use kernel::prelude::*;
use kernel_ext::compat::param;

mod chrdev;
mod ioctl;
mod kernel_ext;
mod mapping;
mod qset;
mod quantum;
mod scull;
mod vmalloc_quantum;

module! {
    type: Scullv,
    name: "scullv",
    authors: ["scull-rs developers"],
    description: "scull over vmalloc quanta",
    license: "GPL",
    params: {
        scullv_major: u32 {
            default: 0,
            description: "Major number (0: dynamic)",
        },
        scullv_devs: u32 {
            default: 4,
            description: "Number of devices",
        },
        scullv_order: u32 {
            default: 4,
            description: "Quantum order: quanta are PAGE_SIZE << order bytes",
        },
        scullv_qset: u32 {
            default: 500,
            description: "Quanta per quantum set",
        },
        scullv_limit_mib: u32 {
            default: 256,
            description: "Most MiB a device holds (writes past it get ENOSPC); 0: no limit",
        },
        scullv_total_mib: u32 {
            default: 0,
            description: "Most MiB all devices hold together, data and metadata (writes past it get ENOSPC); 0: half of RAM",
        },
    },
}

struct Scullv {
    _scull: scull::Scull<vmalloc_quantum::VmallocQuantum>,
}

impl kernel::Module for Scullv {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let params = scull::Params {
            major: param(module_parameters::scullv_major.value()),
            devs: param(module_parameters::scullv_devs.value()),
            order: param(module_parameters::scullv_order.value()),
            qset: param(module_parameters::scullv_qset.value()),
            limit_mib: param(module_parameters::scullv_limit_mib.value()),
            total_mib: param(module_parameters::scullv_total_mib.value()),
        };
        let scull = scull::register(c"scullv", &params, module)?;
        Ok(Self { _scull: scull })
    }
}
