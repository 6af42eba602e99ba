// SPDX-License-Identifier: GPL-2.0

//! A scull device over the quantum-set store: the file semantics of LDD3's scull, shared
//! by scullp and scullv, which differ only in their [`Quantum`] type and names.

use crate::chrdev::{seek_position, CharDevices, FileOps};
use crate::helpers::total_ram_bytes;
use crate::ioctl::Settings;
use crate::qset::{Budget, Geometry, QsetList, MAX_QSET};
use crate::quantum::Quantum;
use core::fmt;
use kernel::bindings;
use kernel::debugfs;
use kernel::iov::{IovIterDest, IovIterSource};
use kernel::mm::virt::VmaNew;
use kernel::new_mutex;
use kernel::page::{BorrowedPage, PAGE_SIZE};
use kernel::prelude::*;
use kernel::sync::atomic::{Atomic, Relaxed};
use kernel::sync::{Arc, Mutex};

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
    /// Most bytes a device holds, in MiB; 0 for no limit.
    pub(crate) limit_mib: u32,
    /// Most memory all devices hold together, in MiB; 0 for half of RAM.
    pub(crate) total_mib: u32,
}

/// One scull device (one minor).
#[pin_data]
pub(crate) struct ScullDevice<Q: Quantum> {
    #[pin]
    data: Mutex<QsetList<Q>>,
    settings: Arc<Settings<Q>>,
    /// Writes end here (`ENOSPC`); 0 for no limit.
    limit: u64,
    /// User mappings of the device: while there is one, truncation is refused.
    maps: Atomic<usize>,
}

impl<Q: Quantum> ScullDevice<Q> {
    fn new(settings: Arc<Settings<Q>>, budget: Arc<Budget>, limit: u64) -> impl PinInit<Self> {
        pin_init!(Self {
            data <- new_mutex!(QsetList::new(settings.next(), budget)),
            settings,
            limit,
            maps: Atomic::new(0),
        })
    }
}

impl<Q: Quantum + 'static> FileOps for ScullDevice<Q> {
    fn open(&self, flags: u32) -> Result {
        if flags & bindings::O_ACCMODE == bindings::O_WRONLY {
            // Lock order: the device's data, then the module's settings.
            let mut data = self.data.lock();
            // The pages under a mapping stay until it goes (`mmap` counts under this lock).
            if self.maps.load(Relaxed) != 0 {
                return Err(EBUSY);
            }
            data.trim(self.settings.next());
        }
        Ok(())
    }

    fn read(&self, pos: &mut i64, out: &mut IovIterDest<'_>) -> Result<usize> {
        let start = u64::try_from(*pos).map_err(|_| EINVAL)?;
        let data = self.data.lock();
        let n = data.read(start, out.len(), out)?;
        *pos += n as i64;
        Ok(n)
    }

    fn write(&self, pos: &mut i64, input: &mut IovIterSource<'_>) -> Result<usize> {
        let start = u64::try_from(*pos).map_err(|_| EINVAL)?;
        let mut len = input.len();
        if self.limit != 0 {
            // A short write up to the limit, then ENOSPC, as on a full disk.
            let room = self
                .limit
                .checked_sub(start)
                .filter(|&r| r > 0)
                .ok_or(ENOSPC)?;
            len = len.min(room.try_into().unwrap_or(usize::MAX));
        }
        let mut data = self.data.lock();
        let n = data.write(start, len, input)?;
        *pos += n as i64;
        Ok(n)
    }

    fn llseek(&self, pos: i64, offset: i64, whence: u32) -> Result<i64> {
        seek_position(pos, offset, whence, || self.data.lock().size() as i64)
    }

    fn ioctl(&self, cmd: u32, arg: usize) -> Result<isize> {
        self.settings.ioctl(cmd, arg)
    }

    fn mmap(&self, vma: &VmaNew, pgoff: usize) -> Result {
        // The mm core calls this under the mmap lock, and read/write fault on user memory
        // while holding the data lock: waiting for it here could deadlock, so a busy device
        // is EAGAIN.
        let mut data = self.data.try_lock().ok_or(EAGAIN)?;
        let start = (pgoff as u64).checked_mul(PAGE_SIZE as u64).ok_or(EINVAL)?;
        // The mapping shows the device as it is now; pages past its end raise SIGBUS.
        let end = data
            .size()
            .min(start.saturating_add((vma.end() - vma.start()) as u64));
        // The last page may hold bytes past the end: zeros, not what the allocator left.
        data.zero_past_end();
        vma.set_dontexpand();
        let mixed = vma.set_mixedmap();
        let mut pos = start;
        while pos < end {
            let page = data.map_page(pos)?;
            // SAFETY: The page belongs to a quantum of `data`, which keeps it while any
            // mapping exists: truncation is refused until `vma_close` brings `maps` to 0.
            let page = unsafe { BorrowedPage::from_raw(page) };
            mixed.vm_insert_page(vma.start() + (pos - start) as usize, &page)?;
            pos += PAGE_SIZE as u64;
        }
        // Counted under the data lock: a truncation (see `open`) ran before this or sees it.
        self.maps.add(1, Relaxed);
        Ok(())
    }

    fn vma_open(&self) {
        self.maps.add(1, Relaxed);
    }

    fn vma_close(&self) {
        self.maps.fetch_sub(1, Relaxed);
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
    let ram_mib = total_ram_bytes() >> 20;
    if u64::from(p.total_mib) > ram_mib {
        pr_err!(
            "{name}_total_mib={} is invalid: 0 (half of RAM) to {ram_mib} (all of it)\n",
            p.total_mib
        );
        return Err(EINVAL);
    }
    Geometry::new::<Q>(p.order, p.qset as usize).inspect_err(|_| {
        pr_err!("{name}_qset={} is invalid: 1 to {MAX_QSET}\n", p.qset);
    })
}

/// A loaded scull module: its devices and their memory dump.
pub(crate) struct Scull<Q: Quantum + 'static> {
    // Declared first: the dump goes before its directory, the nodes after both.
    _dump: Pin<KBox<debugfs::File<MemDump<Q>>>>,
    _dir: debugfs::Dir,
    _devices: CharDevices<ScullDevice<Q>>,
}

/// Validates `params`, registers `/dev/{name}0..` with quanta of type `Q` and creates the
/// memory dump `/sys/kernel/debug/{name}/mem`.
pub(crate) fn register<Q: Quantum + 'static>(
    name: &'static CStr,
    params: &Params,
    module: &'static ThisModule,
) -> Result<Scull<Q>> {
    let geometry = validate::<Q>(name, params)?;
    let settings = Arc::pin_init(Settings::new(geometry), GFP_KERNEL)?;
    let total = match params.total_mib {
        0 => total_ram_bytes() / 2,
        mib => u64::from(mib) << 20,
    };
    let budget = Arc::new(
        Budget::new(usize::try_from(total).unwrap_or(usize::MAX)),
        GFP_KERNEL,
    )?;
    let mut devices = KVec::with_capacity(params.devs as usize, GFP_KERNEL)?;
    let mut dumped = KVec::with_capacity(params.devs as usize, GFP_KERNEL)?;
    let limit = u64::from(params.limit_mib) << 20;
    for _ in 0..params.devs {
        let dev = Arc::pin_init(
            ScullDevice::new(settings.clone(), budget.clone(), limit),
            GFP_KERNEL,
        )?;
        dumped.push(dev.clone(), GFP_KERNEL)?;
        devices.push(dev, GFP_KERNEL)?;
    }
    let devices =
        CharDevices::register(name, true, params.major, devices, module).inspect_err(|e| {
            pr_err!("cannot register {name}: error {}\n", e.to_errno());
        })?;
    let dir = debugfs::Dir::new(name);
    let dump = MemDump {
        name: name.to_str().unwrap_or("scull"),
        devices: dumped,
        budget,
    };
    let dump = KBox::pin_init(dir.read_only_file(c"mem", dump), GFP_KERNEL)?;
    pr_info!(
        "major {}, {} devices, order {} ({}-byte quanta), qset {}, limit {} MiB, all devices at most {} MiB\n",
        devices.major(),
        params.devs,
        geometry.order(),
        geometry.quantum(),
        geometry.qset(),
        params.limit_mib,
        total >> 20
    );
    Ok(Scull {
        _dump: dump,
        _dir: dir,
        _devices: devices,
    })
}

/// The text of `/sys/kernel/debug/{name}/mem`: one line per device, then the module's total.
struct MemDump<Q: Quantum> {
    name: &'static str,
    devices: KVec<Arc<ScullDevice<Q>>>,
    budget: Arc<Budget>,
}

// debugfs prints a file's data with its `Debug` form.
impl<Q: Quantum> fmt::Debug for MemDump<Q> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "device order qset size sets quanta data_bytes meta_bytes"
        )?;
        for (i, dev) in self.devices.iter().enumerate() {
            let data = dev.data.lock();
            let g = data.geometry();
            let data_bytes = data.quanta() * g.quantum();
            writeln!(
                f,
                "{}{i} {} {} {} {} {} {data_bytes} {}",
                self.name,
                g.order(),
                g.qset(),
                data.size(),
                data.sets(),
                data.quanta(),
                data.held() - data_bytes
            )?;
        }
        write!(f, "total {} of {}", self.budget.held(), self.budget.limit())
    }
}
