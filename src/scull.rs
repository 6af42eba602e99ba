// SPDX-License-Identifier: GPL-2.0

//! A scull device over the quantum-set store: the file semantics of LDD3's scull, shared
//! by scullp and scullv, which differ only in their [`Quantum`] type and names.

use crate::chrdev::{seek_position, CharDevices, FileOps};
use crate::helpers::total_ram_bytes;
use crate::ioctl::Settings;
use crate::qset::{Budget, Geometry, QsetList, MAX_QSET};
use crate::quantum::{fault_in_dest, fault_in_source, Quantum};
use crate::rwsem::RwSem;
use core::fmt;
use core::ptr::NonNull;
use kernel::bindings;
use kernel::debugfs;
use kernel::iov::{IovIterDest, IovIterSource};
use kernel::mm::virt::VmaNew;
use kernel::page::PAGE_SIZE;
use kernel::prelude::*;
use kernel::static_lock_class;
use kernel::sync::atomic::{Atomic, Relaxed};
use kernel::sync::Arc;

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
///
/// Locking: `data` is a reader-writer semaphore; reads share it, writes, truncation and page
/// faults on a mapping take it alone, and every wait on it ends on a fatal signal (but a
/// fault's, which is short). No holder ever waits on user memory: copies to and from the
/// user run with page faults disabled, and the buffer is faulted in before the semaphore is
/// taken (and again, unlocked, if a page went missing meanwhile). So a copy stalled on a
/// user page (userfaultfd, FUSE) holds no lock, and a fault on a mapping of the device,
/// which takes the semaphore under the mmap lock, cannot deadlock against a copy.
#[pin_data]
pub(crate) struct ScullDevice<Q: Quantum> {
    #[pin]
    data: RwSem<QsetList<Q>>,
    settings: Arc<Settings<Q>>,
    /// Writes end here (`ENOSPC`); 0 for no limit.
    limit: u64,
    /// User mappings of the device: while there is one, truncation is refused.
    maps: Atomic<usize>,
}

impl<Q: Quantum> ScullDevice<Q> {
    fn new(settings: Arc<Settings<Q>>, budget: Arc<Budget>, limit: u64) -> impl PinInit<Self> {
        pin_init!(Self {
            data <- RwSem::new(
                QsetList::new(settings.next(), budget),
                c"scull_data",
                static_lock_class!()
            ),
            settings,
            limit,
            maps: Atomic::new(0),
        })
    }

    /// How much of a write of `len` bytes at `start` fits under the size limit: a short write
    /// up to it, then ENOSPC, as on a full disk.
    fn clamp_to_limit(&self, start: u64, len: usize) -> Result<usize> {
        if self.limit == 0 {
            return Ok(len);
        }
        let room = self
            .limit
            .checked_sub(start)
            .filter(|&r| r > 0)
            .ok_or(ENOSPC)?;
        Ok(len.min(room.try_into().unwrap_or(usize::MAX)))
    }
}

/// Tries for a copy that found a user page missing after it was faulted in (it can be
/// reclaimed or unmapped again in between) before the call gives up.
const FAULT_RETRIES: u32 = 3;

impl<Q: Quantum + 'static> FileOps for ScullDevice<Q> {
    fn open(&self, flags: u32) -> Result {
        // As for a file: O_TRUNC with write access empties the device (the book truncated on
        // every write-only open).
        if flags & bindings::O_TRUNC != 0 && flags & bindings::O_ACCMODE != bindings::O_RDONLY {
            let mut data = self.data.write()?;
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
        let len = out.len();
        let mut tries = 0;
        loop {
            // The whole buffer, so that a read is one copy under the lock, as one write is.
            let faulted_in = fault_in_dest(out, len) < len;
            let result = self.data.read()?.read(start, len, out);
            match result {
                Err(e) if e == EFAULT && faulted_in && tries < FAULT_RETRIES => tries += 1,
                result => {
                    let n = result?;
                    *pos += n as i64;
                    return Ok(n);
                }
            }
        }
    }

    fn write(&self, pos: &mut i64, input: &mut IovIterSource<'_>, append: bool) -> Result<usize> {
        let mut start = u64::try_from(*pos).map_err(|_| EINVAL)?;
        let len = input.len();
        let mut done = 0;
        let mut tries = 0;
        while done < len {
            let left = len - done;
            if fault_in_source(input, left) == left {
                break;
            }
            let result = self.data.write().and_then(|mut data| {
                // An append goes to the end as it is under the lock, so appends from several
                // writers never overwrite each other.
                if append && done == 0 {
                    start = data.size();
                }
                let n = self.clamp_to_limit(start + done as u64, left)?;
                data.write(start + done as u64, n, input)
            });
            match result {
                Ok(n) => {
                    done += n;
                    tries = 0;
                }
                // A page faulted in above went missing again before the copy.
                Err(e) if e == EFAULT && tries < FAULT_RETRIES => tries += 1,
                Err(e) if done == 0 => return Err(e),
                Err(_) => break,
            }
        }
        if done == 0 && len > 0 {
            return Err(EFAULT);
        }
        *pos = (start + done as u64) as i64;
        Ok(done)
    }

    fn llseek(&self, pos: i64, offset: i64, whence: u32) -> Result<i64> {
        let found = match whence {
            bindings::SEEK_DATA => QsetList::next_data,
            bindings::SEEK_HOLE => QsetList::next_hole,
            _ => {
                let size = || self.data.read().map(|data| data.size() as i64);
                return seek_position(pos, offset, whence, size);
            }
        };
        // As on tmpfs, at quantum granularity: ENXIO at or past the end.
        let from = u64::try_from(offset).map_err(|_| ENXIO)?;
        let to = found(&*self.data.read()?, from).ok_or(ENXIO)?;
        Ok(to as i64)
    }

    fn ioctl(&self, cmd: u32, arg: usize) -> Result<isize> {
        self.settings.ioctl(cmd, arg)
    }

    fn mmap(&self, vma: &VmaNew, _pgoff: usize) -> Result {
        // Pages come in through `fault`; the mapping cannot grow past its size (mremap).
        vma.set_dontexpand();
        // Counted under the data lock: a truncation (see `open`) ran before this or sees it.
        let _data = self.data.write()?;
        self.maps.add(1, Relaxed);
        Ok(())
    }

    fn fault(&self, pgoff: usize) -> Result<NonNull<bindings::page>> {
        let pos = (pgoff as u64).checked_mul(PAGE_SIZE as u64).ok_or(EFAULT)?;
        let mut data = self.data.write_uninterruptible();
        // Past the end of the data as it is now: SIGBUS, as for a file.
        let size = data.size();
        if pos >= size {
            return Err(EFAULT);
        }
        // The last page may hold bytes past the end: zeros, not what the allocator left.
        if pos / PAGE_SIZE as u64 == (size - 1) / PAGE_SIZE as u64 {
            data.zero_past_end();
        }
        data.map_page(pos)
    }

    fn vma_open(&self) {
        self.maps.add(1, Relaxed);
    }

    fn vma_close(&self) {
        self.maps.fetch_sub(1, Relaxed);
    }
}

/// Checks the parameters, logging one line for the first bad one; gives the devices' shape
/// and the module's memory bound in bytes.
fn validate<Q: Quantum>(name: &CStr, p: &Params) -> Result<(Geometry, u64)> {
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
    let ram = total_ram_bytes();
    if u64::from(p.total_mib) > ram >> 20 {
        pr_err!(
            "{name}_total_mib={} is invalid: 0 (half of RAM) to {} (all of it)\n",
            p.total_mib,
            ram >> 20
        );
        return Err(EINVAL);
    }
    let geometry = Geometry::new::<Q>(p.order, p.qset as usize).inspect_err(|_| {
        pr_err!("{name}_qset={} is invalid: 1 to {MAX_QSET}\n", p.qset);
    })?;
    let total = match p.total_mib {
        0 => ram / 2,
        mib => u64::from(mib) << 20,
    };
    Ok((geometry, total))
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
    let (geometry, total) = validate::<Q>(name, params)?;
    let settings = Arc::pin_init(Settings::new(geometry), GFP_KERNEL)?;
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
            let data = dev.data.read().map_err(|_| fmt::Error)?;
            let g = data.geometry();
            writeln!(
                f,
                "{}{i} {} {} {} {} {} {} {}",
                self.name,
                g.order(),
                g.qset(),
                data.size(),
                data.sets(),
                data.quanta(),
                data.data_bytes(),
                data.held() - data.data_bytes()
            )?;
        }
        write!(f, "total {} of {}", self.budget.held(), self.budget.limit())
    }
}
