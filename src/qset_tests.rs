// SPDX-License-Identifier: GPL-2.0

//! KUnit tests of the quantum-set store, run when scullp is loaded on a KUnit kernel.

use kernel::prelude::*;

#[kunit_tests(scull_qset)]
mod tests {
    use crate::page_quantum::PageQuantum as Q;
    use crate::qset::{Geometry, QsetList, Quantum, MAX_QSET};
    use kernel::page::PAGE_SIZE;
    use kernel::prelude::*;

    fn geometry(order: u32, qset: usize) -> Geometry {
        Geometry::new::<Q>(order, qset).expect("valid geometry")
    }

    /// `len` bytes of a pattern that differs at every position of a quantum.
    fn pattern(len: usize, seed: u8) -> KVec<u8> {
        let mut v = KVec::with_capacity(len, GFP_KERNEL).expect("test buffer");
        for i in 0..len {
            v.push((i % 251) as u8 ^ seed, GFP_KERNEL)
                .expect("capacity");
        }
        v
    }

    fn write_all(list: &mut QsetList<Q>, pos: u64, data: &[u8]) -> Result<usize> {
        let mut at = 0;
        list.write(pos, data.len(), |buf| {
            buf.copy_from_slice(&data[at..at + buf.len()]);
            at += buf.len();
            Ok(buf.len())
        })
    }

    fn read_all(list: &QsetList<Q>, pos: u64, len: usize) -> KVec<u8> {
        let mut out = KVec::new();
        list.read(pos, len, |c| {
            out.extend_from_slice(c, GFP_KERNEL)?;
            Ok(())
        })
        .expect("read");
        out
    }

    #[test]
    fn locate_maps_positions() {
        let g = geometry(0, 500);
        assert_eq!(g.locate(0), (0, 0, 0));
        assert_eq!(g.locate(PAGE_SIZE as u64 - 1), (0, 0, PAGE_SIZE - 1));
        assert_eq!(g.locate(PAGE_SIZE as u64), (0, 1, 0));
        assert_eq!(g.locate(500 * PAGE_SIZE as u64), (1, 0, 0));
        let g = geometry(2, 3);
        let q = 4 * PAGE_SIZE as u64;
        assert_eq!(g.locate(2 * 3 * q + q + 5), (2, 1, 5));
        assert_eq!(g.set_bytes(), 3 * q);
    }

    #[test]
    fn geometry_rejects_bad_shapes() {
        assert!(Geometry::new::<Q>(Q::MAX_ORDER + 1, 1).is_err());
        assert!(Geometry::new::<Q>(0, 0).is_err());
        assert!(Geometry::new::<Q>(0, MAX_QSET + 1).is_err());
        assert!(Geometry::new::<Q>(Q::MAX_ORDER, MAX_QSET).is_ok());
    }

    #[test]
    fn write_grows_and_reads_back_across_sets() {
        let mut list = QsetList::<Q>::new(geometry(0, 2));
        let data = pattern(5 * PAGE_SIZE, 7);
        assert_eq!(write_all(&mut list, 100, &data), Ok(data.len()));
        assert_eq!(list.size(), 100 + data.len() as u64);
        // Bytes 100 .. 100 + 5 pages touch 6 quanta, in 3 sets of 2.
        assert_eq!(list.quanta(), 6);
        assert_eq!(list.sets(), 3);
        let back = read_all(&list, 100, data.len());
        assert!(back[..] == data[..]);
        // The head of the first quantum was never written: zeros.
        assert!(read_all(&list, 0, 100).iter().all(|&b| b == 0));
    }

    #[test]
    fn holes_read_as_zeros_and_cost_no_quanta() {
        let g = geometry(0, 2);
        let mut list = QsetList::<Q>::new(g);
        let far = 3 * g.set_bytes();
        assert_eq!(write_all(&mut list, 0, b"head"), Ok(4));
        assert_eq!(write_all(&mut list, far, b"tail"), Ok(4));
        assert_eq!(list.quanta(), 2);
        assert_eq!(list.sets(), 4);
        assert_eq!(list.size(), far + 4);
        let middle = read_all(&list, 4, (far - 4) as usize);
        assert_eq!(middle.len() as u64, far - 4);
        assert!(middle.iter().all(|&b| b == 0));
        assert!(read_all(&list, far, 10)[..] == b"tail"[..]);
    }

    #[test]
    fn read_stops_at_the_end() {
        let mut list = QsetList::<Q>::new(geometry(0, 4));
        assert_eq!(write_all(&mut list, 0, b"hello"), Ok(5));
        assert_eq!(read_all(&list, 5, 10).len(), 0);
        assert_eq!(read_all(&list, 1000, 10).len(), 0);
        assert!(read_all(&list, 3, 100)[..] == b"lo"[..]);
    }

    #[test]
    fn trim_frees_everything_and_reshapes() {
        let mut list = QsetList::<Q>::new(geometry(0, 2));
        let data = pattern(3 * PAGE_SIZE, 1);
        assert_eq!(write_all(&mut list, 0, &data), Ok(data.len()));
        list.trim(geometry(1, 3));
        assert_eq!((list.size(), list.sets(), list.quanta()), (0, 0, 0));
        assert_eq!(list.geometry(), geometry(1, 3));
        assert_eq!(write_all(&mut list, 0, &data), Ok(data.len()));
        // Order-1 quanta hold two pages each.
        assert_eq!(list.quanta(), 2);
    }

    #[test]
    fn failed_copy_keeps_what_was_written() {
        let mut list = QsetList::<Q>::new(geometry(0, 2));
        let mut calls = 0;
        let n = list.write(0, 3 * PAGE_SIZE, |buf| {
            calls += 1;
            if calls == 2 {
                return Err(EFAULT);
            }
            buf.fill(0xab);
            Ok(buf.len())
        });
        assert_eq!(n, Ok(PAGE_SIZE));
        assert_eq!(list.size(), PAGE_SIZE as u64);
        // The quantum whose copy failed was given back, not kept half-written.
        assert_eq!(list.quanta(), 1);
        // Nothing written at all: the error itself.
        assert_eq!(list.write(0, 10, |_| Err(EFAULT)), Err(EFAULT));
        assert_eq!(list.write(0, 10, |_| Ok(0)), Err(EFAULT));
    }

    #[test]
    fn partial_copy_counts_only_what_was_copied() {
        let mut list = QsetList::<Q>::new(geometry(0, 2));
        let mut calls = 0;
        // The second piece is copied halfway, as when the user buffer ends in a hole.
        let n = list.write(10, 3 * PAGE_SIZE, |buf| {
            calls += 1;
            let k = if calls == 2 { buf.len() / 2 } else { buf.len() };
            buf[..k].fill(0xcd);
            Ok(k)
        });
        let want = PAGE_SIZE - 10 + PAGE_SIZE / 2;
        assert_eq!(n, Ok(want));
        assert_eq!(list.size(), 10 + want as u64);
        assert_eq!(list.quanta(), 2);
        let back = read_all(&list, 0, 2 * PAGE_SIZE);
        assert_eq!(back.len(), 10 + want);
        assert!(back[..10].iter().all(|&b| b == 0));
        assert!(back[10..].iter().all(|&b| b == 0xcd));
        // The uncopied half of the new quantum is zeros, seen once a later write passes it.
        assert_eq!(write_all(&mut list, 2 * PAGE_SIZE as u64, b"z"), Ok(1));
        let tail = read_all(&list, 10 + want as u64, PAGE_SIZE / 2);
        assert!(tail.iter().all(|&b| b == 0));
    }

    #[test]
    fn bytes_past_the_end_read_as_zeros_once_reached() {
        // 16 KiB quanta: small writes leave most of a new quantum beyond the end.
        let q = 4 * PAGE_SIZE;
        let mut list = QsetList::<Q>::new(geometry(2, 4));
        assert_eq!(write_all(&mut list, 0, b"abc"), Ok(3));
        // A write further into the same quantum: the gap reads as zeros.
        assert_eq!(write_all(&mut list, 10_000, b"x"), Ok(1));
        let back = read_all(&list, 0, 10_001);
        assert!(back[..3] == b"abc"[..] && back[10_000] == b'x');
        assert!(back[3..10_000].iter().all(|&b| b == 0));
        // A new quantum in the middle of the data (a hole): its tail is part of the data.
        assert_eq!(write_all(&mut list, 3 * q as u64, b"end"), Ok(3));
        assert_eq!(write_all(&mut list, q as u64 + 5, b"mid"), Ok(3));
        let hole = read_all(&list, q as u64 + 8, 2 * q - 8);
        assert_eq!(hole.len(), 2 * q - 8);
        assert!(hole.iter().all(|&b| b == 0));
        // After the end, once mapped: zeros.
        list.zero_past_end();
        assert_eq!(write_all(&mut list, 3 * q as u64 + 100, b"z"), Ok(1));
        assert!(read_all(&list, 3 * q as u64 + 3, 97)
            .iter()
            .all(|&b| b == 0));
    }

    #[test]
    fn positions_past_loff_max_are_refused() {
        let mut list = QsetList::<Q>::new(geometry(0, 2));
        assert_eq!(write_all(&mut list, i64::MAX as u64, b"x"), Err(EFBIG));
        assert_eq!(write_all(&mut list, u64::MAX, b"x"), Err(EFBIG));
        assert_eq!(list.quanta(), 0);
    }
}
