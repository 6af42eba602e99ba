#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Reads the benchmark's CSV, prints the table with ratios to the baselines and the
targets of the performance issue, and draws throughput against total size (PNG).
Usage: bench_report.py CSV PNG"""
import csv
import os
import sys
import textwrap
from collections import defaultdict

rows = list(csv.reader(open(sys.argv[1])))
data = defaultdict(dict)  # label -> (op, block, mib) -> median
for label, op, block, mib, med, lo, hi, reps in rows:
    data[label][(op, int(block), int(mib))] = (float(med), float(lo), float(hi))

MiB = 1 << 20
big, small = 512, 16
devices = [l for l in data if l.startswith("scull") and ("write", MiB, big) in data[l]]
readers = [l for l in data if ("read2", MiB, 256) in data[l]]
tmpfs = data.get("tmpfs", {})
zero = data.get("zero-null", {})


def get(label, op, block, mib):
    return data[label].get((op, block, mib), (float("nan"),) * 3)[0]


def ratio(label, op, block):
    """The 512 MiB cell over tmpfs's: the median of the per-repetition ratios where the run
    paired each repetition with tmpfs, else the ratio of the medians."""
    paired = data[label].get((op + "/ref", block, big))
    return paired[0] if paired else get(label, op, block, big) / get("tmpfs", op, block, big)


print("Throughput in MiB/s (median of 5; TCG, so ratios between rows are what counts)")
print()
hdr = f"{'device':<22}{'op':<7}{'4K@512M':>9}{'64K@512M':>10}{'1M@16M':>9}{'1M@512M':>9}" \
      f"{'512B/tmpfs':>11}{'4K/tmpfs':>9}{'1M/tmpfs':>9}{'4K/1M':>7}{'512/16':>8}"
print(hdr)
print("-" * len(hdr))
below = []
for label in devices + ["tmpfs"]:
    for op in ("write", "read"):
        m4k, m64k = get(label, op, 4096, big), get(label, op, 65536, big)
        m1s, m1b = get(label, op, MiB, small), get(label, op, MiB, big)
        r4k, r1m = ratio(label, op, 4096), ratio(label, op, MiB)
        # Small calls (512 bytes, 64 MiB), paired with tmpfs: what a call costs beside tmpfs.
        calls = 1.0 if label == "tmpfs" else get(label, op + "/ref", 512, 64)
        print(f"{label:<22}{op:<7}{m4k:>9.0f}{m64k:>10.0f}{m1s:>9.0f}{m1b:>9.0f}"
              f"{calls:>11.2f}{r4k:>9.2f}{r1m:>9.2f}{r4k / r1m:>7.2f}{m1b / m1s:>8.2f}")
        # The targets: at least tmpfs's speed at 4 KiB and 1 MiB blocks, and a small call no
        # dearer than tmpfs's (a missing cell, NaN, fails too).
        if label != "tmpfs" and not (r4k >= 1.0 and r1m >= 1.0 and calls >= 1.0):
            below.append(f"{label} {op}")
print("columns: block size @ total size; 512B/tmpfs = 64 MiB in 512-byte calls over tmpfs's,"
      " taking turns: what a\ncall costs (target >= 1.0); 4K/tmpfs, 1M/tmpfs = the 512M cell"
      " over tmpfs's, same op, taking turns\n(target >= 1.0); 4K/1M = 4K/tmpfs over 1M/tmpfs"
      " (shown, no target: docs/benchmark.md says why);\n512/16 = 1M@512M over 1M@16M (target within 0.9..1.1)")
print(textwrap.fill("rows below target: " + (", ".join(below) if below else "none"), 100))
print()
for (op, block, mib), (med, _, _) in sorted(zero.items()):
    print(f"{'/dev/zero->/dev/null':<22}{'copy':<7} block {block >> 10} KiB: {med:.0f} MiB/s")
print()
print(f"{'device':<22}{'truncate 512M (ms)':>19}{'write 512M (ms)':>16}{'ratio':>7}  (target < 0.2)")
for label in devices:
    t = get(label, "truncate_ms", 0, big)
    w = big / get(label, "write", MiB, big) * 1e3
    print(f"{label:<22}{t:>19.1f}{w:>16.0f}{t / w:>7.3f}")

if readers:
    print()
    print(f"{'parallel readers':<22}{'1 reader':>10}{'2 readers':>11}{'ratio':>7}"
          "  (MiB/s moved in all, 256 MiB each, 1 MiB blocks; ratio of each repetition's pair,"
          " median; target >= 1.8)")
    for label in readers:
        one, two = get(label, "read1", MiB, 256), get(label, "read2", MiB, 256)
        # The repetitions' own two-over-one where one and two readers took turns.
        scale = data[label].get(("read2/read1", MiB, 256), (two / one,))[0]
        print(f"{label:<22}{one:>10.0f}{two:>11.0f}{scale:>7.2f}")

mapped = [l for l in data if ("mmap_read1", 0, 256) in data[l]]
if mapped:
    print()
    print(f"{'through mmap':<22}{'read 1':>8}{'/tmpfs':>8}{'read 2':>8}{'/tmpfs':>8}"
          f"{'write':>8}{'/tmpfs':>8}  (MiB/s, 256 MiB MAP_SHARED, every page faulted;"
          " /tmpfs: rounds taking turns, median; target >= 1.0)")
    for label in mapped:
        cells = ""
        for op in ("mmap_read1", "mmap_read2", "mmap_write"):
            v, ref = get(label, op, 0, 256), get("tmpfs", op, 0, 256)
            # The rounds' ratios where they took turns with tmpfs, else the medians'.
            r = data[label].get((op + "/ref", 0, 256), (v / ref,))[0]
            cells += f"{v:>8.0f}{r:>8.2f}"
        print(f"{label:<22}{cells}")

fio = [l for l in data if ("fio-psync-read-1", MiB, 64) in data[l]]
if fio:
    print()
    cols = [("read", MiB, "seq read 1M"), ("write", MiB, "seq write 1M"),
            ("randread", 4096, "rand read 4K"), ("randwrite", 4096, "rand write 4K")]
    print(f"{'fio':<22}{'engine':<7}{'jobs':>4}" + "".join(f"{c[2]:>14}{'/tmpfs':>7}" for c in cols)
          + "  (MiB/s, median of 3, 64 MiB a job)")
    for label in fio:
        for engine in ("psync", "mmap"):
            for jobs in (1, 2):
                cells = ""
                for rw, bs, _ in cols:
                    op = f"fio-{engine}-{rw}-{jobs}"
                    v, ref = get(label, op, bs, 64), get("tmpfs", op, bs, 64)
                    cells += f"{v:>14.0f}{v / ref:>7.2f}"
                print(f"{label:<22}{engine:<7}{jobs:>4}{cells}")

try:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
except ImportError:
    print("(matplotlib missing: no plot)")
    sys.exit(0)
fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
for ax, op in zip(axes, ("write", "read")):
    for label in devices + ["tmpfs"]:
        sizes = sorted({m for (o, b, m) in data[label] if o == op and b == MiB})
        ax.plot(sizes, [get(label, op, MiB, m) for m in sizes], marker="o", label=label)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("total size (MiB)")
    ax.set_ylabel("MiB/s, 1 MiB blocks")
    ax.set_title(f"{op} (QEMU TCG)")
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
zmed = zero.get(("copy", MiB, 512), (None,))[0]
axes[0].legend(fontsize=8, title=f"/dev/zero->/dev/null: {zmed:.0f} MiB/s" if zmed else None)
fig.tight_layout()
fig.savefig(sys.argv[2], dpi=90)
print(f"plot: {os.path.relpath(sys.argv[2])}")
