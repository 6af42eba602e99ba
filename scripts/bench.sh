#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make bench`: the throughput benchmark in the VM (test kernel, TCG), then a table with
# ratios (stdout and docs/bench.txt), the CSV (docs/bench.csv) and a plot (docs/bench.png).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_tree
"$REPO/scripts/setup.sh" --tools
if ! /usr/bin/python3 -c 'import matplotlib' 2>/dev/null; then
	step "apt: installing python3-matplotlib for the plot"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		python3-matplotlib >/dev/null
	done_step
fi
kdir=$("$REPO/scripts/build-kernel.sh" base)
mkdir -p "$REPO/out" "$REPO/docs"
"$REPO/scripts/build-modules.sh" "$kdir" "$REPO/out/build.log" >/dev/null
VM_TOOLS=1 "$REPO/scripts/run-vm.sh" "$kdir" bench.sh "$REPO/out/vm-bench.log" 4800 3G | grep '^CSV' | sed 's/^/  /'
grep '^CSV,' "$REPO/out/vm-bench.log" | cut -d, -f2- >"$REPO/docs/bench.csv"
/usr/bin/python3 "$REPO/scripts/bench_report.py" "$REPO/docs/bench.csv" "$REPO/docs/bench.png" |
	tee "$REPO/docs/bench.txt"
# The README shows the latest main table (up to its verdict line), between its bench markers.
/usr/bin/python3 - "$REPO/README.md" "$REPO/docs/bench.txt" <<'PY'
import re, sys
readme, table = sys.argv[1], open(sys.argv[2]).read()
table = table[:table.index("\n\n", table.index("rows below target:"))]
text = open(readme).read()
block = "<!-- bench:start -->\n```\n" + table.strip() + "\n```\n<!-- bench:end -->"
open(readme, "w").write(re.sub(r"<!-- bench:start -->.*<!-- bench:end -->", lambda _: block, text, flags=re.S))
PY
echo "bench: README table updated"
