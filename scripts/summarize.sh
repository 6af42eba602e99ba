#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Reads a VM console log and prints the failures, the KUnit results and a closing line
# `N passed, N failed`; exits non-zero on any failure. Besides the guest's TEST lines
# and the KUnit cases, these count as tests: the guest ran to the end, and the kernel
# log is clean (no oops, BUG, WARNING, panic (a Rust one too), stack dump, KASAN, lockdep
# or kmemleak report, hung task, and no OOM kill).
# With --no-kunit (a kernel without CONFIG_KUNIT), no KUnit suite is expected.
# Usage: summarize.sh LOG [--no-kunit]
set -uo pipefail
log=$1 kunit=${2:-}
passed=0 failed=0

tp=$(grep -c '^TEST PASS: ' "$log")
tf=$(grep -c '^TEST FAIL: ' "$log")
grep '^TEST FAIL: ' "$log"

# KUnit cases: KTAP lines of a subtest, indented, `ok N name` or `not ok N name`. The
# suites run at every load of their module: a case counts once, failed if it ever failed.
counts=$(grep -oE '^\[ *[0-9.]+\] {4,}(not )?ok [0-9]+ [A-Za-z0-9_]+' "$log" |
	awk '{ name = $NF; seen[name] = 1; if ($0 ~ /\] +not ok/) bad[name] = 1 }
	     END { p = 0; f = 0; for (n in seen) if (n in bad) f++; else p++; print p, f }')
read -r kp kf <<<"$counts"
grep -E '^\[ *[0-9.]+\] {4,}not ok [0-9]+ ' "$log" | sed 's/^/KUNIT FAIL: /'
suites=$(grep -E '^\[ *[0-9.]+\] # [a-z_]+: pass:' "$log" | sed 's/^\[[^]]*\] //' | sort -u)
[ -n "$suites" ] && printf '%s\n' "$suites" | sed 's/^/kunit: /'
if [ -z "$suites" ] && [ "$kunit" != --no-kunit ]; then
	echo "FAIL: no KUnit suite reported (is CONFIG_KUNIT set?)"
	kf=$((kf + 1))
fi

passed=$((passed + tp + kp))
failed=$((failed + tf + kf))

if grep -q '^guest: script exited' "$log"; then
	passed=$((passed + 1))
else
	echo "FAIL: the guest did not run to the end"
	failed=$((failed + 1))
fi
splat='Oops|BUG:|WARNING:|Kernel panic|KASAN|general protection fault|'
splat+='possible recursive locking|possible circular locking|inconsistent lock state|'
splat+='sleeping function called from invalid context|unreferenced object|UBSAN|'
splat+='Killed process|invoked oom-killer|'
# A Rust panic and the BUG it ends in, any stack dump (a warning's too), a hung task.
splat+='kernel BUG at|panicked at|Call Trace:|GUP no longer grows the stack|'
splat+='hung_task|blocked for more than'
if grep -qE "$splat" "$log"; then
	echo "FAIL: the kernel log shows a splat:"
	grep -nE -A25 "$splat" "$log" | head -80
	failed=$((failed + 1))
else
	passed=$((passed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
