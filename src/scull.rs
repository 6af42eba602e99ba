// SPDX-License-Identifier: GPL-2.0

//! A scull device over the quantum-set store: the file semantics of LDD3's scull, shared
//! by scullp and scullv, which differ only in their [`Quantum`] type and names.

use crate::chrdev::{CharDevices, FileOps};
use crate::qset::{Geometry, QsetList, Quantum, MAX_QSET};
use kernel::bindings;
use kernel::new_mutex;
use kernel::prelude::*;
use kernel::sync::{Arc, Mutex};
use kernel::uaccess::{UserSliceReader, UserSliceWriter};

/// The largest number of minors a module registers.
pub(crate) const MAX_DEVS: u32 = 256;
/// Majors at or above this are not valid (`CHRDEV_MAJOR_MAX`).
const MAJOR_LIMIT: u32 = 512;

/// Load-time parameters, as given.
pub(crate) struct Params {
    /// Major number; 0 asks for a dynamic one.
    pub(crate) major: u32,
    /// Number of devices.
    pub(crate) devs: u32,
    /// Quantum order.
    pub(crate) order: u32,
    /// Quanta per quantum set.
    pub(crate) qset: u32,
}

/// The state one lock guards: the data, and the shape it takes at its next truncation.
struct Inner<Q> {
    data: QsetList<Q>,
    next: Geometry,
}

/// One scull device (one minor).
#[pin_data]
pub(crate) struct ScullDevice<Q: Quantum> {
    #[pin]
    inner: Mutex<Inner<Q>>,
}

impl<Q: Quantum> ScullDevice<Q> {
    fn new(geometry: Geometry) -> impl PinInit<Self> {
        pin_init!(Self {
            inner <- new_mutex!(Inner {
                data: QsetList::new(geometry),
                next: geometry,
            }),
        })
    }
}

impl<Q: Quantum + 'static> FileOps for ScullDevice<Q> {
    fn open(&self, flags: u32) -> Result {
        if flags & bindings::O_ACCMODE == bindings::O_WRONLY {
            let mut inner = self.inner.lock();
            let next = inner.next;
            inner.data.trim(next);
        }
        Ok(())
    }

    fn read(&self, pos: &mut i64, out: &mut UserSliceWriter) -> Result<usize> {
        let start = u64::try_from(*pos).map_err(|_| EINVAL)?;
        let inner = self.inner.lock();
        let n = inner
            .data
            .read(start, out.len(), |chunk| out.write_slice(chunk))?;
        *pos += n as i64;
        Ok(n)
    }

    fn write(&self, pos: &mut i64, input: &mut UserSliceReader) -> Result<usize> {
        let start = u64::try_from(*pos).map_err(|_| EINVAL)?;
        let mut inner = self.inner.lock();
        let n = inner
            .data
            .write(start, input.len(), |buf| input.read_slice(buf))?;
        *pos += n as i64;
        Ok(n)
    }

    fn llseek(&self, pos: i64, offset: i64, whence: u32) -> Result<i64> {
        let base = match whence {
            bindings::SEEK_SET => 0,
            bindings::SEEK_CUR => pos,
            bindings::SEEK_END => self.inner.lock().data.size() as i64,
            _ => return Err(EINVAL),
        };
        match base.checked_add(offset) {
            Some(new) if new >= 0 => Ok(new),
            _ => Err(EINVAL),
        }
    }
}

/// Checks the parameters, logging one line for the first bad one.
fn validate<Q: Quantum>(name: &CStr, p: &Params) -> Result<Geometry> {
    if p.major >= MAJOR_LIMIT {
        pr_err!(
            "{name}_major={} is invalid: majors are below {MAJOR_LIMIT}\n",
            p.major
        );
        return Err(EINVAL);
    }
    if p.devs == 0 || p.devs > MAX_DEVS {
        pr_err!("{name}_devs={} is invalid: 1 to {MAX_DEVS}\n", p.devs);
        return Err(EINVAL);
    }
    if p.order > Q::MAX_ORDER {
        pr_err!(
            "{name}_order={} is invalid: 0 to {}\n",
            p.order,
            Q::MAX_ORDER
        );
        return Err(EINVAL);
    }
    Geometry::new::<Q>(p.order, p.qset as usize).inspect_err(|_| {
        pr_err!("{name}_qset={} is invalid: 1 to {MAX_QSET}\n", p.qset);
    })
}

/// Validates `params` and registers `/dev/{name}0..` with quanta of type `Q`.
pub(crate) fn register<Q: Quantum + 'static>(
    name: &'static CStr,
    params: &Params,
    module: &'static ThisModule,
) -> Result<CharDevices<ScullDevice<Q>>> {
    let geometry = validate::<Q>(name, params)?;
    let mut devices = KVec::with_capacity(params.devs as usize, GFP_KERNEL)?;
    for _ in 0..params.devs {
        devices.push(
            Arc::pin_init(ScullDevice::new(geometry), GFP_KERNEL)?,
            GFP_KERNEL,
        )?;
    }
    let devs = CharDevices::register(name, params.major, devices, module).inspect_err(|e| {
        pr_err!("cannot register {name}: error {}\n", e.to_errno());
    })?;
    pr_info!(
        "major {}, {} devices, order {} ({}-byte quanta), qset {}\n",
        devs.major(),
        params.devs,
        geometry.order(),
        geometry.quantum(),
        geometry.qset()
    );
    Ok(devs)
}
