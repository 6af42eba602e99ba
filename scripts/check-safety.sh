#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Fails if an `unsafe {` block or `unsafe impl` in src/ (and its subdirectories) has no
# `// SAFETY:` comment in the lines just above it.
. "$(dirname "$0")/lib.sh"
awk '
	FNR == 1 { last = 0 }
	/\/\/ SAFETY:/ { last = FNR }
	/unsafe \{|unsafe impl/ && $0 !~ /^ *\/\/ / {
		if (!last || FNR - last > 6) { printf "%s:%d: unsafe without SAFETY\n", FILENAME, FNR; bad = 1 }
	}
	END { exit bad }
' "$REPO"/src/*.rs "$REPO"/src/*/*.rs
