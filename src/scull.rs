// SPDX-License-Identifier: GPL-2.0

//! A scull device over the quantum-set store: the file semantics of LDD3's scull, shared
//! by scullp and scullv, which differ only in their [`Quantum`] type and names.

use crate::chrdev::{seek_position, CharDevices, Fault, FileOps, Mapped};
use crate::ioctl::Settings;
use crate::kernel_ext::helpers::total_ram_bytes;
use crate::kernel_ext::page::Order;
use crate::kernel_ext::rwsem::RwSem;
use crate::mapping::SharedMapping;
use crate::qset::{Budget, Geometry, QsetStore, MAX_QSET};
use crate::quantum::{Quantum, SliceSink, SliceSource};
use core::fmt;
use kernel::bindings;
use kernel::debugfs;
use kernel::iov::{IovIterDest, IovIterSource};
use kernel::mm::virt::VmaNew;
use kernel::page::PAGE_SIZE;
use kernel::prelude::*;
use kernel::static_lock_class;
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
/// Locking, as on tmpfs: `writers` is held across a whole write and a truncation, so that
/// each is one operation against the others however its source pages behave; `data` is a
/// reader-writer semaphore over the store, which reads and page faults on present pages share
/// and which writes, truncation and faults that allocate take alone, each for a copy. Every
/// wait on either ends on a fatal signal. No holder of `data` waits on user memory: copies run
/// with page faults disabled, and where a user page is missing a few bytes go through a kernel
/// buffer with `data` released, faulting the page in. So a copy stalled on a user page (userfaultfd,
/// FUSE) holds at most `writers`: reads, faults on mappings and ioctls go on; and a fault on a
/// mapping of the device, which takes `data` under the mmap lock, cannot deadlock a copy.
#[pin_data]
pub(crate) struct ScullDevice<Q: Quantum> {
    #[pin]
    writers: RwSem<()>,
    #[pin]
    data: RwSem<QsetStore<Q>>,
    settings: Arc<Settings>,
    /// Writes end here (`ENOSPC`); 0 for no limit.
    limit: u64,
    /// The address space of every open file, and so every mapping, of the device.
    mapping: SharedMapping,
}

/// Bytes a read or write moves through a kernel buffer when the user's buffer is not present:
/// enough to fault its page in, small enough for the stack.
const BOUNCE: usize = 256;

impl<Q: Quantum> ScullDevice<Q> {
    fn new(
        settings: Arc<Settings>,
        budget: Arc<Budget>,
        limit: u64,
        mapping: SharedMapping,
    ) -> impl PinInit<Self> {
        pin_init!(Self {
            writers <- RwSem::new((), c"scull_writers", static_lock_class!()),
            data <- RwSem::new(
                QsetStore::new(settings.next(), budget),
                c"scull_data",
                static_lock_class!()
            ),
            settings,
            limit,
            mapping,
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

    /// Reads from `start` into `out` until it is full or the data ends; returns the count, and
    /// the error that stopped it early, if any.
    fn read_at(&self, start: u64, out: &mut IovIterDest<'_>) -> (usize, Result) {
        let len = out.len();
        let mut done = 0;
        while done < len {
            let at = start + done as u64;
            // Straight into the user's buffer: one copy under the lock when it is present.
            let (n, more) = match self.data.read() {
                Ok(data) => {
                    let n = match data.read(at, len - done, out) {
                        Ok(n) => n,
                        // A fault before the first byte: the kernel buffer below brings the
                        // page in.
                        Err(e) if e == EFAULT => 0,
                        Err(e) => return (done, Err(e)),
                    };
                    (n, at + (n as u64) < data.size())
                }
                Err(e) => return (done, Err(e)),
            };
            done += n;
            if done == len || !more {
                break;
            }
            // The user's page at `done` is missing: a few bytes through a kernel buffer,
            // copied out with page faults allowed and no lock held, bring it in.
            let mut bounce = [0u8; BOUNCE];
            let want = BOUNCE.min(len - done);
            let got = match self.data.read() {
                Ok(data) => data.read(
                    at + n as u64,
                    want,
                    &mut SliceSink::new(&mut bounce[..want]),
                ),
                Err(e) => Err(e),
            };
            let got = match got {
                Ok(0) => break,
                Ok(got) => got,
                Err(e) => return (done, Err(e)),
            };
            let put = out.copy_to_iter(&bounce[..got]);
            done += put;
            if put < got {
                return (done, Err(EFAULT));
            }
        }
        (done, Ok(()))
    }

    /// Writes `input` at `start` (a writer holds `writers`); returns the count, and the error
    /// that stopped it early, if any.
    fn write_at(&self, start: u64, input: &mut IovIterSource<'_>) -> (usize, Result) {
        let len = input.len();
        let mut done = 0;
        while done < len {
            let at = start + done as u64;
            let n = match self.clamp_to_limit(at, len - done) {
                Ok(n) => n,
                Err(e) => return (done, Err(e)),
            };
            // Straight from the user's buffer: one copy under the lock when it is present.
            match self
                .data
                .write()
                .and_then(|mut data| data.write(at, n, input))
            {
                // Short at a fault or an error: the next round finds which.
                Ok(k) => {
                    done += k;
                    continue;
                }
                Err(e) if e == EFAULT => {}
                Err(e) => return (done, Err(e)),
            }
            // The user's page at `done` is missing: a few bytes through a kernel buffer,
            // copied in with page faults allowed and `data` released, bring it in.
            let mut bounce = [0u8; BOUNCE];
            let want = BOUNCE.min(n);
            let got = input.copy_from_iter(&mut bounce[..want]);
            if got == 0 {
                return (done, Err(EFAULT));
            }
            let source = &mut SliceSource::new(&bounce[..got]);
            match self
                .data
                .write()
                .and_then(|mut data| data.write(at, got, source))
            {
                Ok(k) => {
                    done += k;
                    // The buffer gave `got` bytes: the rest of them cannot be written later.
                    if k < got {
                        break;
                    }
                }
                Err(e) => return (done, Err(e)),
            }
        }
        (done, Ok(()))
    }
}

/// Whether byte `pos` is in the page holding the last byte of `size` (at least 1) bytes.
fn last_page(pos: u64, size: u64) -> bool {
    pos / PAGE_SIZE as u64 == (size - 1) / PAGE_SIZE as u64
}

/// A call's result from what it moved and what stopped it: the count if it moved anything.
fn moved(done: usize, stop: Result) -> Result<usize> {
    match stop {
        Err(e) if done == 0 => Err(e),
        _ => Ok(done),
    }
}

impl<Q: Quantum + 'static> FileOps for ScullDevice<Q> {
    fn open(&self, flags: u32) -> Result {
        // As for a file: O_TRUNC with write access empties the device (the book truncated on
        // every write-only open). Not inside a write: the truncation waits for it.
        if flags & bindings::O_TRUNC != 0 && flags & bindings::O_ACCMODE != bindings::O_RDONLY {
            let _writer = self.writers.write()?;
            let mut data = self.data.write()?;
            // Mappings see the device empty (SIGBUS) from here on; faults wait for `data`.
            self.mapping.unmap_all();
            data.trim(self.settings.next());
        }
        Ok(())
    }

    fn read(&self, pos: &mut i64, out: &mut IovIterDest<'_>) -> Result<usize> {
        let start = u64::try_from(*pos).map_err(|_| EINVAL)?;
        let (done, stop) = self.read_at(start, out);
        let n = moved(done, stop)?;
        // Cannot overflow: the data ends at or before `i64::MAX`.
        *pos += n as i64;
        Ok(n)
    }

    fn write(&self, pos: &mut i64, input: &mut IovIterSource<'_>, append: bool) -> Result<usize> {
        let mut start = u64::try_from(*pos).map_err(|_| EINVAL)?;
        if input.is_empty() {
            return Ok(0);
        }
        let _writer = self.writers.write()?;
        // An append goes to the end as it is when it starts, which no other write or
        // truncation can move until it is done.
        if append {
            start = self.data.read()?.size();
        }
        let (done, stop) = self.write_at(start, input);
        let n = moved(done, stop)?;
        // Cannot overflow: the store refuses to write past `i64::MAX`.
        *pos = (start + n as u64) as i64;
        Ok(n)
    }

    fn llseek(&self, pos: i64, offset: i64, whence: u32) -> Result<i64> {
        let found = match whence {
            bindings::SEEK_DATA => QsetStore::next_data,
            bindings::SEEK_HOLE => QsetStore::next_hole,
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
        // Pages come in through `fault`, several at a time (`VM_MIXEDMAP` lets a fault insert
        // its neighbours); the mapping cannot grow past its size (mremap).
        vma.set_dontexpand();
        vma.set_mixedmap();
        Ok(())
    }

    fn fault(&self, fault: &Fault) -> Result<Mapped> {
        let pos = (fault.pgoff() as u64)
            .checked_mul(PAGE_SIZE as u64)
            .ok_or(EFAULT)?;
        // Mapped under the lock: a truncation unmaps after this, or this sees it done. A fatal
        // signal ends the wait (SIGBUS, for a task that is going anyway).
        {
            // Most faults find their page: they share the lock with each other and with reads.
            let data = self.data.read()?;
            let size = data.size();
            // Past the end of the data as it is now: SIGBUS, as for a file.
            if pos >= size {
                return Err(EFAULT);
            }
            if !last_page(pos, size) {
                if let Some(mapped) = data.map_present(pos, fault) {
                    // Its present neighbours too, as filemap does: one fault, not sixteen.
                    if mapped.is_ok() {
                        data.map_around(fault);
                    }
                    return mapped;
                }
            }
        }
        let mut data = self.data.write()?;
        let size = data.size();
        if pos >= size {
            return Err(EFAULT);
        }
        // The last page may hold bytes past the end: zeros, not what the allocator left.
        if last_page(pos, size) {
            data.zero_past_end();
        }
        data.map(pos, fault)
    }

    fn mapping(&self) -> Option<&SharedMapping> {
        Some(&self.mapping)
    }
}

/// Checks the parameters, logging one line for the first bad one; gives the devices' shape
/// and the module's memory bound in bytes.
fn validate(name: &CStr, p: &Params) -> Result<(Geometry, u64)> {
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
    // Both devices take page-allocator orders: vmalloc could go higher, but one limit keeps
    // the two alike.
    let Some(order) = Order::new(p.order) else {
        pr_err!("{name}_order={} is invalid: 0 to {}\n", p.order, Order::MAX);
        return Err(EINVAL);
    };
    let ram = total_ram_bytes();
    if u64::from(p.total_mib) > ram >> 20 {
        pr_err!(
            "{name}_total_mib={} is invalid: 0 (half of RAM) to {} (all of it)\n",
            p.total_mib,
            ram >> 20
        );
        return Err(EINVAL);
    }
    let geometry = Geometry::new(order, p.qset as usize).inspect_err(|_| {
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
    // In the reverse order of `register`: the nodes go first, then the dump, then its
    // directory.
    _devices: CharDevices<ScullDevice<Q>>,
    _dump: Pin<KBox<debugfs::File<MemDump<Q>>>>,
    _dir: debugfs::Dir,
}

/// Validates `params`, registers `/dev/{name}0..` with quanta of type `Q` and creates the
/// memory dump `/sys/kernel/debug/{name}/mem`.
pub(crate) fn register<Q: Quantum + 'static>(
    name: &'static CStr,
    params: &Params,
    module: &'static ThisModule,
) -> Result<Scull<Q>> {
    let (geometry, total) = validate(name, params)?;
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
            ScullDevice::new(
                settings.clone(),
                budget.clone(),
                limit,
                SharedMapping::new()?,
            ),
            GFP_KERNEL,
        )?;
        dumped.push(dev.clone(), GFP_KERNEL)?;
        devices.push(dev, GFP_KERNEL)?;
    }
    let dir = debugfs::Dir::new(name);
    let dump = MemDump {
        name: name.to_str().map_err(|_| EINVAL)?,
        devices: dumped,
        budget,
    };
    let dump = KBox::pin_init(dir.read_only_file(c"mem", dump), GFP_KERNEL)?;
    // Last: the devices can be opened from here on, and nothing may fail after that.
    let devices =
        CharDevices::register(name, true, params.major, devices, module).inspect_err(|e| {
            pr_err!("cannot register {name}: error {}\n", e.to_errno());
        })?;
    pr_info!(
        "major {}, {} devices, order {} ({}-byte quanta), qset {}, limit {} MiB, all devices at most {} MiB\n",
        devices.major(),
        params.devs,
        geometry.order().get(),
        geometry.quantum(),
        geometry.qset(),
        params.limit_mib,
        total >> 20
    );
    Ok(Scull {
        _devices: devices,
        _dump: dump,
        _dir: dir,
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
                g.order().get(),
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

/// A scull module's crate root: its `module!`, whose parameters carry the module's name
/// (`scullp_order`...), and the module value that registers the devices with quanta of
/// `$quantum`. The crate root declares the source modules and invokes this once.
macro_rules! scull_module {
    (
        name: $name:tt,
        quantum: $quantum:ty,
        order: $order:tt,
        description: $description:tt $(,)?
    ) => {
        ::kernel::macros::paste! {
            ::kernel::macros::module! {
                type: ScullModule,
                name: $name,
                authors: ["scull-rs developers"],
                description: $description,
                license: "GPL",
                params: {
                    [<$name _major>]: u32 {
                        default: 0,
                        description: "Major number (0: dynamic)",
                    },
                    [<$name _devs>]: u32 {
                        default: 4,
                        description: "Number of devices",
                    },
                    [<$name _order>]: u32 {
                        default: $order,
                        description: "Quantum order: quanta are PAGE_SIZE << order bytes",
                    },
                    [<$name _qset>]: u32 {
                        default: 500,
                        description: "Quanta per quantum set",
                    },
                    [<$name _limit_mib>]: u32 {
                        default: 256,
                        description: "Most MiB a device holds (writes past it get ENOSPC); 0: no limit",
                    },
                    [<$name _total_mib>]: u32 {
                        default: 0,
                        description: "Most MiB all devices hold together, data and metadata (writes past it get ENOSPC); 0: half of RAM",
                    },
                },
            }

            struct ScullModule {
                _scull: $crate::scull::Scull<$quantum>,
            }

            impl ::kernel::Module for ScullModule {
                fn init(
                    module: &'static ::kernel::ThisModule,
                ) -> ::kernel::error::Result<Self> {
                    use $crate::kernel_ext::compat::param;
                    let params = $crate::scull::Params {
                        major: param(module_parameters::[<$name _major>].value()),
                        devs: param(module_parameters::[<$name _devs>].value()),
                        order: param(module_parameters::[<$name _order>].value()),
                        qset: param(module_parameters::[<$name _qset>].value()),
                        limit_mib: param(module_parameters::[<$name _limit_mib>].value()),
                        total_mib: param(module_parameters::[<$name _total_mib>].value()),
                    };
                    let name = <Self as ::kernel::ModuleMetadata>::NAME;
                    let scull = $crate::scull::register(name, &params, module)?;
                    Ok(Self { _scull: scull })
                }
            }
        }
    };
}
pub(crate) use scull_module;
