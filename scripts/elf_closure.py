#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""What the dynamic loader needs to start some programs, looked up in an unpacked tree the
way ld.so would in the guest (DT_RPATH, DT_RUNPATH with $ORIGIN, then Debian's multiarch
and plain library directories; no ld.so.cache, the guest has none).

Prints one path a line, relative to ROOT: the programs, their interpreter and every library
in the closure, each symlink with its target. Sonames that cannot be found are printed as
`missing SONAME (needed by PATH)` on stderr and the exit code is 1: `ldd`'s "not found",
caught before the guest boots.
Usage: elf_closure.py ROOT PROGRAM...   (PROGRAM: a path inside ROOT, e.g. usr/bin/fio)"""
import os
import subprocess
import sys

DEFAULT_DIRS = ["lib/x86_64-linux-gnu", "usr/lib/x86_64-linux-gnu", "lib64", "usr/lib64",
                "lib", "usr/lib"]


def dynamic(path):
    """(interpreter, needed sonames, search dirs from DT_RPATH/DT_RUNPATH) of an ELF file."""
    out = subprocess.run(["readelf", "-d", "-l", "-W", path], capture_output=True,
                         text=True, check=True).stdout
    interp, needed, dirs = None, [], []
    for line in out.splitlines():
        if "[Requesting program interpreter:" in line:
            interp = line.split(":", 1)[1].strip(" ]")
        elif "(NEEDED)" in line:
            needed.append(line.split("[", 1)[1].rstrip("]"))
        elif "(RUNPATH)" in line or "(RPATH)" in line:
            dirs += line.split("[", 1)[1].rstrip("]").split(":")
    return interp, needed, dirs


def resolve(root, rel):
    """Follows symlinks inside ROOT: the chain of relative paths, the last one a file."""
    chain = [rel]
    for _ in range(40):
        full = os.path.join(root, rel)
        if not os.path.islink(full):
            return chain if os.path.exists(full) else None
        target = os.readlink(full)
        if target.startswith("/"):
            rel = os.path.normpath(target.lstrip("/"))
        else:
            rel = os.path.normpath(os.path.join(os.path.dirname(rel), target))
        chain.append(rel)
    return None


def main():
    root, programs = sys.argv[1], sys.argv[2:]
    files, missing = [], []
    seen, done = set(), set()
    todo = list(programs)
    while todo:
        rel = todo.pop()
        chain = resolve(root, rel)
        if chain is None:
            missing.append(f"{rel} (a program asked for)")
            continue
        for c in chain:
            if c not in seen:
                seen.add(c)
                files.append(c)
        real = chain[-1]
        if real in done:
            continue
        done.add(real)
        interp, needed, rdirs = dynamic(os.path.join(root, real))
        if interp:
            todo.append(interp.lstrip("/"))
        origin = os.path.dirname(real)
        dirs = [os.path.normpath(d.replace("$ORIGIN", "/" + origin).lstrip("/"))
                for d in rdirs] + DEFAULT_DIRS
        for so in needed:
            for d in dirs:
                cand = os.path.join(d, so)
                if resolve(root, cand):
                    todo.append(cand)
                    break
            else:
                missing.append(f"{so} (needed by {real})")
    for f in files:
        print(f)
    for m in sorted(set(missing)):
        print(f"missing {m}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
