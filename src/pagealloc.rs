// SPDX-License-Identifier: GPL-2.0

//! pagealloc: the buddy allocator's two interfaces, shown. At load it takes one block through
//! `alloc_pages` and one through `__get_free_pages` and logs where they are; `/dev/pagealloc`
//! takes commands, one a line (`alloc ORDER [gfp] [zeroed]`, `free ID`, `free all`), and reads
//! back the table of the blocks held: id, interface, order, pages, pfn, physical and virtual
//! address. Each open file reads the table as it was at its first read, as seq_file would.

use kernel::alloc::Flags;
use kernel::fmt::{self, Write};
use kernel::iov::{IovIterDest, IovIterSource};
use kernel::new_mutex;
use kernel::prelude::*;
use kernel::str::BStr;
use kernel::sync::{Arc, Mutex, SetOnce};

mod chrdev;
#[allow(dead_code, reason = "pagealloc uses only part of it")]
mod kernel_ext;
// chrdev gives a device's shared address space to its files; pagealloc has none.
#[allow(dead_code)]
mod mapping;
mod page_block;

use chrdev::{capable_sys_admin, seek_position, CharDevices, FileOps};
use kernel_ext::compat::param;
use kernel_ext::helpers::fatal_signal_pending;
use kernel_ext::page::Order;
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

/// The longest line a write may hold: one command with its newline.
const MAX_COMMAND: usize = 64;

/// The most of one write that is looked at: its whole lines run, and the count returned says
/// how far that went; a caller that writes the rest (as `write_all` does) goes on from there.
const MAX_WRITE: usize = 4096;

// A write that stops at `MAX_WRITE` without a bad line has run a line.
const _: () = assert!(MAX_WRITE > MAX_COMMAND);

/// The table's first line.
const HEADER: &str = "id interface order pages pfn phys virt";

/// More than the longest row of the table with its newline: a 20-digit id, a 16-byte
/// interface name, order 10, 1024 pages and three 64-bit numbers in hex make 129 bytes.
const MAX_ROW: usize = 160;

/// The blocks held, by id. Ids count up from 1 and are 64-bit: at a billion allocations a
/// second they would last centuries, so they never wrap.
///
/// # Invariants
///
/// `pages` is the sum of the blocks' pages, at most `max_pages`; so there are at most
/// `max_pages` blocks.
struct Held {
    blocks: KVec<(u64, PageBlock)>,
    next_id: u64,
    pages: usize,
    max_pages: usize,
}

impl Held {
    /// Allocates a block and keeps it; returns its id.
    fn alloc(&mut self, interface: Interface, order: u32, zeroed: bool) -> Result<u64> {
        let Some(checked) = Order::new(order) else {
            pr_err!("order {order} is invalid: 0 to {}\n", Order::MAX);
            return Err(EINVAL);
        };
        if self
            .pages
            .checked_add(checked.pages())
            .is_none_or(|p| p > self.max_pages)
        {
            pr_err!(
                "order {order} refused: {} of max_pages={} already held\n",
                self.pages,
                self.max_pages
            );
            return Err(ENOSPC);
        }
        self.blocks.reserve(1, GFP_KERNEL)?;
        let block = PageBlock::alloc(interface, checked, zeroed).inspect_err(|_| {
            pr_err!("{} order {order}: out of memory\n", interface.name());
        })?;
        let id = self.next_id;
        pr_info!("allocated {}\n", Row::of(id, &block));
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
        pr_info!("freeing {}\n", Row::of(id, &block));
        self.pages -= block.pages();
    }

    /// Runs the command of one line (without its newline); a blank line does nothing.
    fn run(&mut self, line: &[u8]) -> Result {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let Some(command) = core::str::from_utf8(line).ok().and_then(parse) else {
            pr_err!("malformed command: {:?}\n", BStr::from_bytes(line));
            return Err(EINVAL);
        };
        match command {
            Command::Alloc {
                interface,
                order,
                zeroed,
            } => self.alloc(interface, order, zeroed).map(|_| ()),
            Command::Free(id) => self.free(id),
            Command::FreeAll => {
                self.free_all();
                Ok(())
            }
        }
    }

    /// The rows of the table, copied: the addresses are read while the blocks are held.
    fn rows(&self) -> Result<KVVec<Row>> {
        let mut rows = KVVec::with_capacity(self.blocks.len(), snapshot_gfp())?;
        for (id, block) in self.blocks.iter() {
            // Cannot fail: the capacity is the number of blocks.
            rows.push_within_capacity(Row::of(*id, block))
                .map_err(|_| ENOMEM)?;
        }
        Ok(rows)
    }
}

/// The flags of a table snapshot, a reader's memory: charged to the reader's memory cgroup,
/// and no warning when it cannot be had (the read is then `ENOMEM`).
fn snapshot_gfp() -> Flags {
    GFP_KERNEL_ACCOUNT | __GFP_NOWARN
}

/// One line of the table: id, interface, order, pages, pfn, physical, virtual address.
#[derive(Clone, Copy)]
struct Row {
    id: u64,
    interface: Interface,
    order: u32,
    pages: usize,
    pfn: usize,
    phys: u64,
    virt: usize,
}

impl Row {
    fn of(id: u64, b: &PageBlock) -> Self {
        Row {
            id,
            interface: b.interface(),
            order: b.order(),
            pages: b.pages(),
            pfn: b.pfn(),
            phys: b.phys(),
            virt: b.virt(),
        }
    }
}

impl fmt::Display for Row {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} order={} pages={} pfn={:#x} phys={:#x} virt={:#x}",
            self.id,
            self.interface.name(),
            self.order,
            self.pages,
            self.pfn,
            self.phys,
            self.virt
        )
    }
}

/// Writes the table of `rows`: the header, then a `Row` per block, as in dmesg.
fn write_table(out: &mut impl Write, rows: &[Row]) -> fmt::Result {
    writeln!(out, "{HEADER}")?;
    for row in rows {
        writeln!(out, "{}", fmt::Adapter(row))?;
    }
    Ok(())
}

/// A [`Write`] that only counts the bytes.
struct Count(usize);

impl Write for Count {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0 = self.0.checked_add(s.len()).ok_or(fmt::Error)?;
        Ok(())
    }
}

/// A [`Write`] into a vector's spare capacity, which it never grows.
struct Fill<'a>(&'a mut KVVec<u8>);

impl Write for Fill<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.0.capacity() - self.0.len() < s.len() {
            return Err(fmt::Error);
        }
        // Within the capacity: no allocation.
        self.0
            .extend_from_slice(s.as_bytes(), snapshot_gfp())
            .map_err(|_| fmt::Error)
    }
}

/// The table of `held` as text, exactly as long as it is. At most `max_pages` rows of at most
/// [`MAX_ROW`] bytes; `ENOMEM` when that much cannot be had. The lock is held only to copy the
/// rows, not to format them.
fn table(held: &Mutex<Held>) -> Result<KVVec<u8>> {
    let rows = held.lock().rows()?;
    let bound = rows
        .len()
        .checked_add(1)
        .and_then(|n| n.checked_mul(MAX_ROW))
        .ok_or(ENOMEM)?;
    let mut count = Count(0);
    write_table(&mut count, &rows).map_err(|_| ENOMEM)?;
    if count.0 > bound {
        return Err(ENOMEM);
    }
    let mut text = KVVec::with_capacity(count.0, snapshot_gfp())?;
    write_table(&mut Fill(&mut text), &rows).map_err(|_| ENOMEM)?;
    Ok(text)
}

/// What one line asks for.
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

/// `/dev/pagealloc`'s files: the blocks, shared, and each open file's own snapshot of the
/// table. The node's own value only opens files; each open gets a new one (`open_file`).
#[pin_data]
struct PageAllocFile {
    held: Arc<Mutex<Held>>,
    /// The table as it was at the file's first read or first `SEEK_END`.
    snapshot: SetOnce<KVVec<u8>>,
    /// Held while the snapshot is taken, so that a file takes one.
    #[pin]
    taking: Mutex<()>,
}

impl PageAllocFile {
    fn new(held: Arc<Mutex<Held>>) -> Result<Arc<Self>> {
        Arc::pin_init(
            pin_init!(PageAllocFile {
                held,
                snapshot: SetOnce::new(),
                taking <- new_mutex!(()),
            }),
            GFP_KERNEL,
        )
    }

    /// The file's snapshot of the table, taken now if it has none.
    fn snapshot(&self) -> Result<&[u8]> {
        if let Some(text) = self.snapshot.as_ref() {
            return Ok(text);
        }
        let _taking = self.taking.lock();
        if self.snapshot.as_ref().is_none() {
            // Only a holder of `taking` populates: this one succeeds.
            self.snapshot.populate(table(&self.held)?);
        }
        self.snapshot.as_ref().map(|text| &text[..]).ok_or(EAGAIN)
    }
}

impl FileOps for PageAllocFile {
    fn open(&self, _flags: u32) -> Result {
        // The table holds raw kernel addresses: root's alone, whatever the node's mode.
        if capable_sys_admin() {
            Ok(())
        } else {
            Err(EPERM)
        }
    }

    fn open_file(&self, flags: u32) -> Result<Option<Arc<Self>>> {
        self.open(flags)?;
        Ok(Some(PageAllocFile::new(self.held.clone())?))
    }

    fn read(&self, pos: &mut i64, out: &mut IovIterDest<'_>) -> Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        let start = usize::try_from(*pos).map_err(|_| EINVAL)?;
        let text = self.snapshot()?;
        let Some(rest) = text.get(start..).filter(|rest| !rest.is_empty()) else {
            return Ok(0);
        };
        let n = out.copy_to_iter(rest);
        if n == 0 {
            return Err(EFAULT);
        }
        // At most the snapshot's length, which is below `isize::MAX`.
        *pos = i64::try_from(start + n).map_err(|_| EINVAL)?;
        Ok(n)
    }

    /// Runs the commands of the write's lines in order, under the lock (a snapshot sees all
    /// of them or none). A bad line stops there: the count of the bytes before it, or its
    /// error if no command ran before it. Only the first [`MAX_WRITE`] bytes are looked at.
    fn write(&self, _pos: &mut i64, input: &mut IovIterSource<'_>, _append: bool) -> Result<usize> {
        let len = input.len();
        if len == 0 {
            return Ok(0);
        }
        let window = len.min(MAX_WRITE);
        let mut buf = KVec::from_elem(0u8, window, GFP_KERNEL)?;
        let got = input.copy_from_iter(&mut buf);
        // The copy stopped short: the user's memory faulted there.
        let faulted = got < window;
        // What was read ends before the write does: its last line may go on past it.
        let cut = got < len;
        let mut rest = buf.get(..got).ok_or(EFAULT)?;
        let mut done = 0;
        let mut ran = false;
        let mut held = self.held.lock();
        let error = loop {
            let (line, next) = match rest.iter().position(|&b| b == b'\n') {
                Some(i) => (&rest[..i], i + 1),
                None if rest.is_empty() && !faulted => return Ok(done),
                None if !cut => (rest, rest.len()),
                // Too long already, whatever follows.
                None if rest.len() >= MAX_COMMAND => (rest, rest.len() + 1),
                None if faulted => break EFAULT,
                // The line runs on past `MAX_WRITE`: the next write starts with it.
                None => return Ok(done),
            };
            if next > MAX_COMMAND {
                pr_err!("command too long: more than {MAX_COMMAND} bytes with its newline\n");
                break EINVAL;
            }
            if fatal_signal_pending() {
                break EINTR;
            }
            if let Err(e) = held.run(line) {
                break e;
            }
            ran |= !line.iter().all(u8::is_ascii_whitespace);
            done += next;
            rest = rest.get(next..).unwrap_or_default();
        };
        if ran {
            Ok(done)
        } else {
            Err(error)
        }
    }

    fn llseek(&self, pos: i64, offset: i64, whence: u32) -> Result<i64> {
        seek_position(pos, offset, whence, || {
            i64::try_from(self.snapshot()?.len()).map_err(|_| EINVAL)
        })
    }
}

struct PageAlloc {
    _node: CharDevices<PageAllocFile>,
    held: Arc<Mutex<Held>>,
}

impl kernel::Module for PageAlloc {
    fn init(module: &'static ThisModule) -> Result<Self> {
        let order = param(module_parameters::order.value());
        let max_pages = param(module_parameters::max_pages.value()) as usize;
        if Order::new(order).is_none() {
            pr_err!("order={order} is invalid: 0 to {}\n", Order::MAX);
            return Err(EINVAL);
        }
        if max_pages < 2 << order {
            pr_err!(
                "max_pages={max_pages} is invalid: the two blocks of order {order} need {}\n",
                2 << order
            );
            return Err(EINVAL);
        }
        let held = Arc::pin_init(
            new_mutex!(Held {
                blocks: KVec::new(),
                next_id: 1,
                pages: 0,
                max_pages,
            }),
            GFP_KERNEL,
        )?;
        {
            let mut held = held.lock();
            held.alloc(Interface::AllocPages, order, false)?;
            held.alloc(Interface::GetFreePages, order, false)?;
        }
        let mut devices = KVec::with_capacity(1, GFP_KERNEL)?;
        devices.push(PageAllocFile::new(held.clone())?, GFP_KERNEL)?;
        let node = CharDevices::register(c"pagealloc", false, 0, devices, module)?;
        pr_info!(
            "/dev/pagealloc ready (major {}), max_pages={max_pages}\n",
            node.major()
        );
        Ok(Self { _node: node, held })
    }
}

impl Drop for PageAlloc {
    fn drop(&mut self) {
        let mut held = self.held.lock();
        held.free_all();
        pr_info!("unloaded, every block freed\n");
    }
}
