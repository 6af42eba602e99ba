// SPDX-License-Identifier: GPL-2.0

//! KUnit tests of the quantum-set store, run when scull_kunit is loaded on a KUnit kernel.

use kernel::prelude::*;

#[kunit_tests(scull_qset)]
mod tests {
    use crate::kernel_ext::page::Order;
    use crate::page_quantum::PageQuantum as Q;
    use crate::qset::{Budget, Geometry, QsetStore, MAX_QSET};
    use crate::quantum::{Quantum, QuantumBytes, QuantumBytesMut, Sink, Source};
    use crate::vmalloc_quantum::VmallocQuantum;
    use kernel::page::PAGE_SIZE;
    use kernel::prelude::*;
    use kernel::sync::Arc;

    fn geometry(order: u32, qset: usize) -> Geometry {
        let order = Order::new(order).expect("valid order");
        Geometry::new(order, qset).expect("valid geometry")
    }

    fn budget(limit: usize) -> Arc<Budget> {
        Arc::new(Budget::new(limit), GFP_KERNEL).expect("budget")
    }

    fn store(order: u32, qset: usize) -> QsetStore<Q> {
        QsetStore::new(geometry(order, qset), budget(usize::MAX))
    }

    /// A writer's buffer whose bytes from `fault_at` on cannot be read.
    struct TestSource<'a> {
        data: &'a [u8],
        at: usize,
        fault_at: usize,
    }

    impl<'a> TestSource<'a> {
        fn new(data: &'a [u8]) -> Self {
            Self::faulting_at(data, usize::MAX)
        }

        fn faulting_at(data: &'a [u8], fault_at: usize) -> Self {
            Self {
                data,
                at: 0,
                fault_at,
            }
        }
    }

    impl Source for TestSource<'_> {
        fn copy(&mut self, mut into: QuantumBytesMut<'_>) -> usize {
            let end = (self.at + into.len())
                .min(self.fault_at)
                .min(self.data.len());
            let n = into.copy_from_slice(&self.data[self.at.min(end)..end]);
            self.at += n;
            n
        }

        unsafe fn unread(&mut self, n: usize) {
            self.at -= n;
        }
    }

    /// A reader's buffer that takes at most `room` bytes (then faults).
    struct TestSink {
        out: KVec<u8>,
        room: usize,
    }

    impl TestSink {
        fn take(&mut self, n: usize) -> usize {
            let n = n.min(self.room - self.out.len());
            let len = self.out.len();
            self.out
                .resize(len + n, 0, GFP_KERNEL)
                .expect("test buffer");
            n
        }
    }

    impl Sink for TestSink {
        fn copy(&mut self, bytes: QuantumBytes<'_>) -> usize {
            let start = self.out.len();
            let n = self.take(bytes.len());
            bytes.copy_to_slice(&mut self.out[start..start + n])
        }

        fn zeros(&mut self, n: usize) -> usize {
            self.take(n)
        }
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

    fn write_all<T: Quantum>(store: &mut QsetStore<T>, pos: u64, data: &[u8]) -> Result<usize> {
        store.write(pos, data.len(), &mut TestSource::new(data))
    }

    fn read_all<T: Quantum>(store: &QsetStore<T>, pos: u64, len: usize) -> KVec<u8> {
        let mut sink = TestSink {
            out: KVec::new(),
            room: usize::MAX,
        };
        match store.read(pos, len, &mut sink) {
            Ok(n) => assert_eq!(n, sink.out.len()),
            Err(e) => assert_eq!(e, EFAULT),
        }
        sink.out
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
        let zero = Order::new(0).expect("order 0");
        let max = Order::new(Order::MAX).expect("the largest order");
        assert!(Order::new(Order::MAX + 1).is_none());
        assert!(Geometry::new(zero, 0).is_err());
        assert!(Geometry::new(zero, MAX_QSET + 1).is_err());
        assert!(Geometry::new(max, MAX_QSET).is_ok());
    }

    #[test]
    fn write_grows_and_reads_back_across_sets() {
        let mut store = store(0, 2);
        let data = pattern(5 * PAGE_SIZE, 7);
        assert_eq!(write_all(&mut store, 100, &data), Ok(data.len()));
        assert_eq!(store.size(), 100 + data.len() as u64);
        // Bytes 100 .. 100 + 5 pages touch 6 quanta, in 3 sets of 2.
        assert_eq!(store.quanta(), 6);
        assert_eq!(store.sets(), 3);
        let back = read_all(&store, 100, data.len());
        assert!(back[..] == data[..]);
        // The head of the first quantum was never written: zeros.
        assert!(read_all(&store, 0, 100).iter().all(|&b| b == 0));
    }

    #[test]
    fn holes_read_as_zeros_and_cost_no_quanta() {
        let g = geometry(0, 2);
        let mut store = store(0, 2);
        let far = 3 * g.set_bytes();
        assert_eq!(write_all(&mut store, 0, b"head"), Ok(4));
        assert_eq!(write_all(&mut store, far, b"tail"), Ok(4));
        assert_eq!(store.quanta(), 2);
        // Only the sets with a quantum exist.
        assert_eq!(store.sets(), 2);
        assert_eq!(store.size(), far + 4);
        let middle = read_all(&store, 4, (far - 4) as usize);
        assert_eq!(middle.len() as u64, far - 4);
        assert!(middle.iter().all(|&b| b == 0));
        assert!(read_all(&store, far, 10)[..] == b"tail"[..]);
    }

    #[test]
    fn read_stops_at_the_end() {
        let mut store = store(0, 4);
        assert_eq!(write_all(&mut store, 0, b"hello"), Ok(5));
        assert_eq!(read_all(&store, 5, 10).len(), 0);
        assert_eq!(read_all(&store, 1000, 10).len(), 0);
        assert!(read_all(&store, 3, 100)[..] == b"lo"[..]);
    }

    #[test]
    fn trim_frees_everything_and_reshapes() {
        let mut store = store(0, 2);
        let data = pattern(3 * PAGE_SIZE, 1);
        assert_eq!(write_all(&mut store, 0, &data), Ok(data.len()));
        store.trim(geometry(1, 3));
        assert_eq!((store.size(), store.sets(), store.quanta()), (0, 0, 0));
        assert_eq!(store.geometry(), geometry(1, 3));
        assert_eq!(write_all(&mut store, 0, &data), Ok(data.len()));
        // Order-1 quanta hold two pages each.
        assert_eq!(store.quanta(), 2);
    }

    #[test]
    fn failed_copy_changes_nothing() {
        let mut store = store(0, 2);
        let old = pattern(3 * PAGE_SIZE, 3);
        assert_eq!(write_all(&mut store, 0, &old), Ok(old.len()));
        let new = pattern(3 * PAGE_SIZE, 9);
        // A fault before the first byte: EFAULT, and the data as it was.
        let mut source = TestSource::faulting_at(&new, 0);
        assert_eq!(store.write(100, 10, &mut source), Err(EFAULT));
        assert!(read_all(&store, 0, old.len())[..] == old[..]);
        // A fault within: exactly the bytes before it changed, at every offset in a piece.
        for fault_at in [1, PAGE_SIZE - 101, PAGE_SIZE - 100, PAGE_SIZE + 7] {
            let mut source = TestSource::faulting_at(&new, fault_at);
            assert_eq!(store.write(100, 2 * PAGE_SIZE, &mut source), Ok(fault_at));
            let back = read_all(&store, 0, old.len());
            assert!(back[..100] == old[..100]);
            assert!(back[100..100 + fault_at] == new[..fault_at]);
            assert!(back[100 + fault_at..] == old[100 + fault_at..]);
            assert_eq!(write_all(&mut store, 0, &old), Ok(old.len()));
        }
        assert_eq!(store.size(), old.len() as u64);
        assert_eq!(store.quanta(), 3);
    }

    #[test]
    fn failed_copy_into_new_quanta_keeps_no_quantum() {
        let mut store = store(0, 2);
        let data = pattern(3 * PAGE_SIZE, 5);
        let mut source = TestSource::faulting_at(&data, PAGE_SIZE);
        assert_eq!(store.write(0, data.len(), &mut source), Ok(PAGE_SIZE));
        assert_eq!(store.size(), PAGE_SIZE as u64);
        // The quantum whose copy failed was given back, not kept half-written.
        assert_eq!(store.quanta(), 1);
        let mut source = TestSource::faulting_at(&data, 0);
        assert_eq!(
            store.write(5 * PAGE_SIZE as u64, 10, &mut source),
            Err(EFAULT)
        );
        assert_eq!((store.quanta(), store.sets()), (1, 1));
    }

    #[test]
    fn partial_copy_counts_only_what_was_copied() {
        let mut store = store(0, 2);
        let data = pattern(3 * PAGE_SIZE, 0xcd);
        // The second piece is copied halfway, as when the user buffer ends in a hole.
        let want = PAGE_SIZE - 10 + PAGE_SIZE / 2;
        let mut source = TestSource::faulting_at(&data, want);
        assert_eq!(store.write(10, 3 * PAGE_SIZE, &mut source), Ok(want));
        assert_eq!(store.size(), 10 + want as u64);
        assert_eq!(store.quanta(), 2);
        let back = read_all(&store, 0, 2 * PAGE_SIZE);
        assert_eq!(back.len(), 10 + want);
        assert!(back[..10].iter().all(|&b| b == 0));
        assert!(back[10..] == data[..want]);
        // The uncopied half of the new quantum is zeros, seen once a later write passes it.
        assert_eq!(write_all(&mut store, 2 * PAGE_SIZE as u64, b"z"), Ok(1));
        let tail = read_all(&store, 10 + want as u64, PAGE_SIZE / 2);
        assert!(tail.iter().all(|&b| b == 0));
    }

    #[test]
    fn a_faulting_reader_gets_what_it_took() {
        let mut store = store(0, 2);
        let data = pattern(2 * PAGE_SIZE, 1);
        assert_eq!(write_all(&mut store, 0, &data), Ok(data.len()));
        for room in [0, 1, PAGE_SIZE + 3] {
            let mut sink = TestSink {
                out: KVec::new(),
                room,
            };
            let got = store.read(0, data.len(), &mut sink);
            assert_eq!(got, if room == 0 { Err(EFAULT) } else { Ok(room) });
            assert!(sink.out[..] == data[..room]);
        }
    }

    #[test]
    fn vmalloc_quanta_read_back_a_page_at_a_time() {
        // scullv's quanta are read through the direct map, a page at a time: reads that start,
        // end and fault on either side of every kind of boundary.
        let mut store = QsetStore::<VmallocQuantum>::new(geometry(2, 3), budget(usize::MAX));
        let data = pattern(7 * 4 * PAGE_SIZE + 123, 5);
        assert_eq!(write_all(&mut store, 0, &data), Ok(data.len()));
        for (pos, len) in [
            (0, data.len()),
            (1, PAGE_SIZE),
            (PAGE_SIZE - 1, 2),
            (3 * PAGE_SIZE + 7, 5 * PAGE_SIZE),
            (data.len() - 10, 100),
        ] {
            let back = read_all(&store, pos as u64, len);
            assert!(back[..] == data[pos..(pos + len).min(data.len())]);
        }
        for room in [1, PAGE_SIZE - 5, PAGE_SIZE - 4, 9 * PAGE_SIZE + 5] {
            let mut sink = TestSink {
                out: KVec::new(),
                room,
            };
            assert_eq!(store.read(5, data.len(), &mut sink), Ok(room));
            assert!(sink.out[..] == data[5..5 + room]);
        }
    }

    #[test]
    fn runs_stay_inside_their_quantum() {
        let q = VmallocQuantum::alloc(Order::new(1).expect("order 1")).expect("a quantum");
        for (offset, len, want) in [
            (0, usize::MAX, PAGE_SIZE),
            (PAGE_SIZE - 1, 5, 1),
            (PAGE_SIZE, usize::MAX, PAGE_SIZE),
            (2 * PAGE_SIZE - 3, 2, 2),
            (2 * PAGE_SIZE, 5, 0),
            (usize::MAX, 5, 0),
        ] {
            assert_eq!(QuantumBytes::run(&q, offset, len).len(), want);
        }
    }

    #[test]
    fn memory_follows_the_data_not_the_offset() {
        let mut store = store(0, 500);
        // One byte at 16 GiB, at 1 TiB and at the last byte a file can have.
        for (i, pos) in [16u64 << 30, 1 << 40, i64::MAX as u64 - 1]
            .into_iter()
            .enumerate()
        {
            assert_eq!(write_all(&mut store, pos, b"x"), Ok(1));
            assert_eq!(store.quanta(), i + 1);
            assert_eq!(store.sets(), i + 1);
            assert!(read_all(&store, pos, 2)[..] == b"x"[..]);
        }
        assert_eq!(store.size(), i64::MAX as u64);
        // Three quanta, three slot arrays of 500 and a few index nodes.
        let held = store.held();
        assert!(held < 3 * PAGE_SIZE + 3 * 500 * 16 + 24 * 1600);
        assert!(read_all(&store, (1 << 40) - 5, 5).iter().all(|&b| b == 0));
    }

    #[test]
    fn the_budget_bounds_what_is_held_and_trim_gives_it_back() {
        let shared = budget(64 * PAGE_SIZE);
        let mut a = QsetStore::<Q>::new(geometry(0, 4), shared.clone());
        let mut b = QsetStore::<Q>::new(geometry(0, 4), shared.clone());
        let data = pattern(40 * PAGE_SIZE, 2);
        let n = a
            .write(0, data.len(), &mut TestSource::new(&data))
            .expect("a");
        assert_eq!(n, data.len());
        // The second store gets what is left, then ENOSPC.
        let m = b
            .write(0, data.len(), &mut TestSource::new(&data))
            .expect("b");
        assert!(m > 0 && m < data.len());
        assert_eq!(
            b.write(m as u64, 10, &mut TestSource::new(&data)),
            Err(ENOSPC)
        );
        assert_eq!(shared.held(), a.held() + b.held());
        assert!(shared.held() <= 64 * PAGE_SIZE);
        assert!(read_all(&b, 0, m)[..] == data[..m]);
        a.trim(geometry(0, 4));
        assert_eq!(shared.held(), b.held());
        drop(b);
        assert_eq!(shared.held(), 0);
    }

    #[test]
    fn bytes_past_the_end_read_as_zeros_once_reached() {
        // 16 KiB quanta: small writes leave most of a new quantum beyond the end.
        let q = 4 * PAGE_SIZE;
        let mut store = store(2, 4);
        assert_eq!(write_all(&mut store, 0, b"abc"), Ok(3));
        // A write further into the same quantum: the gap reads as zeros.
        assert_eq!(write_all(&mut store, 10_000, b"x"), Ok(1));
        let back = read_all(&store, 0, 10_001);
        assert!(back[..3] == b"abc"[..] && back[10_000] == b'x');
        assert!(back[3..10_000].iter().all(|&b| b == 0));
        // A new quantum in the middle of the data (a hole): its tail is part of the data.
        assert_eq!(write_all(&mut store, 3 * q as u64, b"end"), Ok(3));
        assert_eq!(write_all(&mut store, q as u64 + 5, b"mid"), Ok(3));
        let hole = read_all(&store, q as u64 + 8, 2 * q - 8);
        assert_eq!(hole.len(), 2 * q - 8);
        assert!(hole.iter().all(|&b| b == 0));
        // After the end, once mapped: zeros.
        store.zero_past_end();
        assert_eq!(write_all(&mut store, 3 * q as u64 + 100, b"z"), Ok(1));
        assert!(read_all(&store, 3 * q as u64 + 3, 97)
            .iter()
            .all(|&b| b == 0));
    }

    #[test]
    fn seek_data_and_hole_at_quantum_granularity() {
        let mut store = store(0, 4);
        let far = 1u64 << 40;
        assert_eq!(write_all(&mut store, 10, b"ab"), Ok(2));
        assert_eq!(write_all(&mut store, far, b"z"), Ok(1));
        let page = PAGE_SIZE as u64;
        assert_eq!(store.next_data(0), Some(0));
        assert_eq!(store.next_data(11), Some(11));
        assert_eq!(store.next_data(page), Some(far));
        assert_eq!(store.next_data(far - 1), Some(far));
        assert_eq!(store.next_hole(0), Some(page));
        assert_eq!(store.next_hole(page + 5), Some(page + 5));
        assert_eq!(store.next_hole(far), Some(far + 1));
        assert_eq!(store.next_data(far + 1), None);
        assert_eq!(store.next_hole(far + 1), None);
    }

    #[test]
    fn positions_past_loff_max_are_refused() {
        let mut store = store(0, 2);
        assert_eq!(write_all(&mut store, i64::MAX as u64, b"x"), Err(EFBIG));
        assert_eq!(write_all(&mut store, u64::MAX, b"x"), Err(EFBIG));
        assert_eq!(store.quanta(), 0);
    }

    /// The byte positions that need a set index of every tree height: set 64^h, and the last
    /// byte a file can have.
    fn far_positions(g: Geometry) -> KVec<u64> {
        let mut v = KVec::new();
        let mut set = 1u64;
        while let Some(pos) = set
            .checked_mul(g.set_bytes())
            .filter(|&p| p < i64::MAX as u64)
        {
            v.push(pos, GFP_KERNEL).expect("test buffer");
            set = match set.checked_mul(64) {
                Some(s) => s,
                None => break,
            };
        }
        v.push(i64::MAX as u64 - 1, GFP_KERNEL)
            .expect("test buffer");
        v
    }

    #[test]
    fn far_writes_after_near_data_at_every_height() {
        for (order, qset) in [(0, 1), (0, 500), (4, 1), (4, 65536)] {
            let g = geometry(order, qset);
            for &far in far_positions(g).iter() {
                let shared = budget(usize::MAX);
                let mut store = QsetStore::<Q>::new(g, shared.clone());
                // A shallow tree first, then the deepest jump, and back.
                assert_eq!(write_all(&mut store, 0, b"n"), Ok(1));
                assert_eq!(write_all(&mut store, far, b"f"), Ok(1));
                assert_eq!(write_all(&mut store, g.set_bytes() * 2, b"m"), Ok(1));
                assert!(read_all(&store, 0, 1)[..] == b"n"[..]);
                assert!(read_all(&store, far, 1)[..] == b"f"[..]);
                assert!(read_all(&store, g.set_bytes() * 2, 1)[..] == b"m"[..]);
                assert_eq!(store.size(), far.max(g.set_bytes() * 2) + 1);
                // The budget holds exactly what the store holds.
                assert_eq!(shared.held(), store.held());
                drop(store);
                assert_eq!(shared.held(), 0);
            }
        }
    }

    /// xorshift64: a seeded sequence for the randomized test.
    fn next(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    #[test]
    fn writes_anywhere_in_the_loff_t_range_read_back() {
        let data = pattern(3 * PAGE_SIZE, 0x5a);
        for (order, qset) in [(0, 1), (0, 7), (2, 500)] {
            let shared = budget(usize::MAX);
            let mut store = QsetStore::<Q>::new(geometry(order, qset), shared.clone());
            let mut state = 0x9e37_79b9_7f4a_7c15u64 ^ u64::from(order) ^ qset as u64;
            let mut written: KVec<(u64, usize)> = KVec::new();
            let mut end = 0;
            for i in 0..200 {
                let len = 1 + (next(&mut state) % data.len() as u64) as usize;
                // Every other write near the data, the rest anywhere at all.
                let pos = if i % 2 == 0 {
                    next(&mut state) % (i64::MAX as u64 - len as u64)
                } else {
                    next(&mut state) % (4 * PAGE_SIZE as u64)
                };
                let seed = (i % 200) as usize;
                let bytes = &data[seed..seed + len.min(data.len() - seed)];
                assert_eq!(write_all(&mut store, pos, bytes), Ok(bytes.len()));
                end = end.max(pos + bytes.len() as u64);
                assert_eq!(store.size(), end);
                assert!(read_all(&store, pos, bytes.len())[..] == bytes[..]);
                written
                    .push((pos, bytes.len()), GFP_KERNEL)
                    .expect("test buffer");
                assert_eq!(shared.held(), store.held());
            }
            // The last far write is intact (nothing later overlapped it: it is alone).
            let (pos, len) = written[written.len() - 2];
            let first = (written.len() - 2) % 200;
            assert!(read_all(&store, pos, len)[..] == data[first..first + len][..]);
            drop(store);
            assert_eq!(shared.held(), 0);
        }
    }
}
