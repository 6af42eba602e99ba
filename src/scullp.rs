// SPDX-License-Identifier: GPL-2.0

//! scullp: LDD3's scull with quanta of whole pages from `__get_free_pages`.

use kernel::prelude::*;
use kernel_ext::compat::param;

mod chrdev;
mod ioctl;
mod kernel_ext;
mod mapping;
mod page_quantum;
mod qset;
mod quantum;
mod scull;

module! {
    type: Scullp,
    name: "scullp",
    authors: ["scull-rs developers"],
    description: "scull over __get_free_pages quanta",
    license: "GPL",
    params: {
        scullp_major: u32 {
            default: 0,
            description: "Major number (0: dynamic)",
        },
        scullp_devs: u32 {
            default: 4,
            description: "Number of devices",
        },
        scullp_order: u32 {
            default: 0,
            description: "Quantum order: quanta are PAGE_SIZE << order bytes",
        },
        scullp_qset: u32 {
            default: 500,
            description: "Quanta per quantum set",
        },
        scullp_limit_mib: u32 {
            default: 256,
            description: "Most MiB a device holds (writes past it get ENOSPC); 0: no limit",
        },
        scullp_total_mib: u32 {
            default: 0,
            description: "Most MiB all devices hold together, data and metadata (writes past it get ENOSPC); 0: half of RAM",
        },
    },
}

struct Scullp {
    _scull: scull::Scull<page_quantum::PageQuantum>,
}

impl kernel::Module for Scullp {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let params = scull::Params {
            major: param(module_parameters::scullp_major.value()),
            devs: param(module_parameters::scullp_devs.value()),
            order: param(module_parameters::scullp_order.value()),
            qset: param(module_parameters::scullp_qset.value()),
            limit_mib: param(module_parameters::scullp_limit_mib.value()),
            total_mib: param(module_parameters::scullp_total_mib.value()),
        };
        let scull = scull::register(c"scullp", &params, module)?;
        Ok(Self { _scull: scull })
    }
}
