#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Drives `make shell` through a pseudo-terminal as a user would: waits for the banner and
the prompt, types commands, checks what they print, then leaves with `exit` and expects the
VM to power off. Exits 0 if every step held, 1 with the step that did not.
Usage: shell.py [own|debian]: the kernel `make shell` boots (its KERNEL; default own)."""
import os
import pty
import select
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
seen = b""


def expect(fd, text, timeout):
    """Reads the terminal until `text` appears after what was matched before."""
    global seen
    deadline = time.time() + timeout
    while text.encode() not in seen:
        left = deadline - time.time()
        if left <= 0:
            sys.stdout.write(seen.decode(errors="replace")[-2000:])
            raise SystemExit(f"shell test: no {text!r} within {timeout} s")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                chunk = b""
            if not chunk:
                sys.stdout.write(seen.decode(errors="replace")[-2000:])
                raise SystemExit(f"shell test: the terminal closed before {text!r}")
            seen += chunk
    seen = seen[seen.index(text.encode()) + len(text):]


def main():
    kernel = sys.argv[1] if len(sys.argv) > 1 else "own"
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("make", ["make", "-s", "-C", REPO, "shell", f"KERNEL={kernel}"])
    expect(fd, "powers the VM off.", 900)
    expect(fd, "# ", 60)
    # Each command prints something its typed form does not contain, so the echo of the
    # typed line cannot pass for its output.
    steps = [
        ("insmod /lib/modules/scullp.ko scullp_order=2 && echo loaded-$((40+2))", "loaded-42"),
        ("echo hello-$((6*7)) > /dev/scullp0; cat /dev/scullp0", "hello-42"),
        ("dd if=/dev/zero of=/dev/scullp1 bs=1M count=3 2>/dev/null; wc -c < /dev/scullp1", "3145728"),
        ("dmesg | grep -c 'scullp: major' | sed 's/^/count=/'", "count=1"),
        ("rmmod scullp && echo unloaded-$((1+1))", "unloaded-2"),
    ]
    for command, want in steps:
        os.write(fd, command.encode() + b"\n")
        expect(fd, want, 120)
        expect(fd, "# ", 60)
    os.write(fd, b"exit\n")
    expect(fd, "guest: script exited", 60)
    _, status = os.waitpid(pid, 0)
    if not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
        raise SystemExit(f"shell test: make shell ended with status {status}")
    print(f"shell test ({kernel} kernel): banner, prompt, 5 typed commands and a clean power-off")


main()
