// SPDX-License-Identifier: GPL-2.0

//! pagealloc: the buddy allocator's two interfaces, shown. At load it takes one block through
//! `alloc_pages` and one through `__get_free_pages` and logs where they are; `/dev/pagealloc`
//! takes commands (`alloc ORDER [gfp] [zeroed]`, `free ID`, `free all`) and reads back the
//! table of the blocks held: id, interface, order, pages, pfn, physical and virtual address.

use kernel::bindings;
use kernel::fmt;
use kernel::iov::{IovIterDest, IovIterSource};
use kernel::new_mutex;
use kernel::prelude::*;
use kernel::str::CString;
use kernel::sync::{Arc, Mutex};

mod chrdev;
mod compat;
mod helpers;
// chrdev gives a device's shared address space to its files; pagealloc has none.
#[allow(dead_code)]
mod mapping;
mod page_block;

use chrdev::{capable_sys_admin, seek_position, CharDevices, FileOps};
use compat::param;
use page_block::{Interface, PageBlock};

module! {
    type: PageAlloc,
    name: "pagealloc",
    authors: ["scull-rs developers"],
    description: "Page allocator demo: alloc_pages and __get_free_pages blocks",
    license: "GPL",
    params: {
        order: u32 {
            default: 1,
            description: "Order of the two blocks taken at load (0..MAX_PAGE_ORDER)",
        },
        max_pages: u32 {
            default: 4096,
            description: "Most pages the module holds at once (a bound on what users can pin)",
        },
    },
}

/// The longest command accepted in one write.
const MAX_COMMAND: usize = 64;

/// The blocks held, by id. Ids count up from 1 and are 64-bit: at a billion allocations a
/// second they would last centuries, so they never wrap.
struct Held {
    blocks: KVec<(u64, PageBlock)>,
    next_id: u64,
    pages: usize,
    max_pages: usize,
}

impl Held {
    /// Allocates a block and keeps it; returns its id.
    fn alloc(&mut self, interface: Interface, order: u32, zeroed: bool) -> Result<u64> {
        if order > bindings::MAX_PAGE_ORDER {
            pr_err!(
                "order {order} is invalid: 0 to {}\n",
                bindings::MAX_PAGE_ORDER
            );
            return Err(EINVAL);
        }
        if self.pages + (1 << order) > self.max_pages {
            pr_err!(
                "order {order} refused: {} of max_pages={} already held\n",
                self.pages,
                self.max_pages
            );
            return Err(ENOSPC);
        }
        self.blocks.reserve(1, GFP_KERNEL)?;
        let block = PageBlock::alloc(interface, order, zeroed).inspect_err(|_| {
            pr_err!("{} order {order}: out of memory\n", interface.name());
        })?;
        let id = self.next_id;
        pr_info!("allocated {}\n", Row(id, &block));
        self.pages += block.pages();
        self.next_id += 1;
        // Cannot fail: the capacity was reserved above.
        self.blocks
            .push_within_capacity((id, block))
            .map_err(|_| ENOMEM)?;
        Ok(id)
    }

    /// Frees the block `id`.
    fn free(&mut self, id: u64) -> Result {
        let Some(i) = self.blocks.iter().position(|(b, _)| *b == id) else {
            pr_err!("free {id}: no such block\n");
            return Err(EINVAL);
        };
        let (id, block) = self.blocks.remove(i)?;
        self.release(id, block);
        Ok(())
    }

    /// Frees every block.
    fn free_all(&mut self) {
        while let Some((id, block)) = self.blocks.pop() {
            self.release(id, block);
        }
    }

    fn release(&mut self, id: u64, block: PageBlock) {
        pr_info!("freeing {}\n", Row(id, &block));
        self.pages -= block.pages();
    }
}

/// One line of the table: id, interface, order, pages, pfn, physical, virtual address.
struct Row<'a>(u64, &'a PageBlock);

impl fmt::Display for Row<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Row(id, b) = self;
        write!(
            f,
            "{id} {} order={} pages={} pfn={:#x} phys={:#x} virt={:#x}",
            b.interface().name(),
            b.order(),
            b.pages(),
            b.pfn(),
            b.phys(),
            b.virt()
        )
    }
}

/// The table `/dev/pagealloc` reads back: a header, then a `Row` per block, as in dmesg.
struct Table<'a>(&'a Held);

impl fmt::Display for Table<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "id interface order pages pfn phys virt")?;
        for (id, b) in self.0.blocks.iter() {
            writeln!(f, "{}", fmt::Adapter(&Row(*id, b)))?;
        }
        Ok(())
    }
}

/// What one write asks for.
enum Command {
    Alloc {
        interface: Interface,
        order: u32,
        zeroed: bool,
    },
    Free(u64),
    FreeAll,
}

fn parse(text: &str) -> Option<Command> {
    let mut words = text.split_ascii_whitespace();
    let command = match (words.next()?, words.next()?) {
        ("alloc", order) => {
            let mut interface = Interface::AllocPages;
            let mut zeroed = false;
            for flag in words.by_ref() {
                match flag {
                    "gfp" => interface = Interface::GetFreePages,
                    "pages" => interface = Interface::AllocPages,
                    "zeroed" => zeroed = true,
                    _ => return None,
                }
            }
            Command::Alloc {
                interface,
                order: order.parse().ok()?,
                zeroed,
            }
        }
        ("free", "all") => Command::FreeAll,
        ("free", id) => Command::Free(id.parse().ok()?),
        _ => return None,
    };
    words.next().is_none().then_some(command)
}

/// The device behind `/dev/pagealloc`.
#[pin_data]
struct PageAllocDevice {
    #[pin]
    held: Mutex<Held>,
}

impl PageAllocDevice {
    fn table(&self) -> Result<CString> {
        CString::try_from_fmt(fmt!("{}", Table(&self.held.lock())))
    }
}

impl FileOps for PageAllocDevice {
    fn open(&self, _flags: u32) -> Result {
        // The table holds raw kernel addresses: root's alone, whatever the node's mode.
        if capable_sys_admin() {
            Ok(())
        } else {
            Err(EPERM)
        }
    }

    fn read(&self, pos: &mut i64, out: &mut IovIterDest<'_>) -> Result<usize> {
        let table = self.table()?;
        let bytes = table.to_bytes();
        let start = usize::try_from(*pos).map_err(|_| EINVAL)?;
        if start >= bytes.len() || out.is_empty() {
            return Ok(0);
        }
        let n = out.copy_to_iter(&bytes[start..]);
        if n == 0 {
            return Err(EFAULT);
        }
        *pos += n as i64;
        Ok(n)
    }

    fn write(&self, _pos: &mut i64, input: &mut IovIterSource<'_>, _append: bool) -> Result<usize> {
        let len = input.len();
        let mut buf = [0u8; MAX_COMMAND];
        if len > MAX_COMMAND {
            pr_err!("command too long: {len} bytes, at most {MAX_COMMAND}\n");
            return Err(EINVAL);
        }
        if input.copy_from_iter(&mut buf[..len]) != len {
            return Err(EFAULT);
        }
        let text = core::str::from_utf8(&buf[..len]).unwrap_or("");
        let Some(command) = parse(text) else {
            pr_err!("malformed command: {:?}\n", text.trim_end());
            return Err(EINVAL);
        };
        let mut held = self.held.lock();
        match command {
            Command::Alloc {
                interface,
                order,
                zeroed,
            } => held.alloc(interface, order, zeroed).map(|_| ())?,
            Command::Free(id) => held.free(id)?,
            Command::FreeAll => held.free_all(),
        }
        Ok(len)
    }

    fn llseek(&self, pos: i64, offset: i64, whence: u32) -> Result<i64> {
        seek_position(pos, offset, whence, || {
            Ok(self.table()?.to_bytes().len() as i64)
        })
    }
}

struct PageAlloc {
    _node: CharDevices<PageAllocDevice>,
    device: Arc<PageAllocDevice>,
}

impl kernel::Module for PageAlloc {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let order = param(module_parameters::order.value());
        let max_pages = param(module_parameters::max_pages.value()) as usize;
        if order > bindings::MAX_PAGE_ORDER {
            pr_err!(
                "order={order} is invalid: 0 to {}\n",
                bindings::MAX_PAGE_ORDER
            );
            return Err(EINVAL);
        }
        if max_pages < 2 << order {
            pr_err!(
                "max_pages={max_pages} is invalid: the two blocks of order {order} need {}\n",
                2 << order
            );
            return Err(EINVAL);
        }
        let device = Arc::pin_init(
            pin_init!(PageAllocDevice {
                held <- new_mutex!(Held {
                    blocks: KVec::new(),
                    next_id: 1,
                    pages: 0,
                    max_pages,
                }),
            }),
            GFP_KERNEL,
        )?;
        {
            let mut held = device.held.lock();
            held.alloc(Interface::AllocPages, order, false)?;
            held.alloc(Interface::GetFreePages, order, false)?;
        }
        let mut devices = KVec::with_capacity(1, GFP_KERNEL)?;
        devices.push(device.clone(), GFP_KERNEL)?;
        let node = CharDevices::register(c"pagealloc", false, 0, devices, module)?;
        pr_info!(
            "/dev/pagealloc ready (major {}), max_pages={max_pages}\n",
            node.major()
        );
        Ok(Self {
            _node: node,
            device,
        })
    }
}

impl Drop for PageAlloc {
    fn drop(&mut self) {
        let mut held = self.device.held.lock();
        held.free_all();
        pr_info!("unloaded, every block freed\n");
    }
}
