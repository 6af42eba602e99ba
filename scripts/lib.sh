# SPDX-License-Identifier: GPL-2.0
# Shared settings for the scripts.

# The kernel series to build and run: the one knob. `make demo KERNEL_SERIES=7.3`.
KERNEL_SERIES=${KERNEL_SERIES:-7.2}
# What `make test` runs: every layer on the first series, the test kernel's suite on the rest.
TEST_SERIES=(7.2 7.3)
RUST_TOOLCHAIN=1.95.0
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${SCULL_CACHE:-$HOME/.cache/scull-rs}
export PATH="/usr/lib/llvm-19/bin:$HOME/.cargo/bin:$PATH"
export RUSTUP_TOOLCHAIN=$RUST_TOOLCHAIN

# One command at a time in a tree: they all build the modules into it and use out/. A second
# one fails at once instead of loading the first one's modules. Nested calls share the lock.
lock_tree() {
	[ -n "${SCULL_TREE_LOCKED:-}" ] && return 0
	mkdir -p "$REPO/out"
	exec 9>"$REPO/out/.lock"
	if ! flock -n 9; then
		echo "error: another make demo/test/shell/bench/debian is running in $REPO" >&2
		exit 1
	fi
	export SCULL_TREE_LOCKED=1
}

# The unpacked kernel source of a series.
kernel_src() {
	echo "$CACHE/src-$1"
}

# The Debian archive this machine's apt uses for its own release (a mirror or proxy
# included), read from apt's configuration; fails when there is none.
debian_archive() {
	local codename uri
	codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
	uri=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' 2>/dev/null |
		awk -v c="$codename" '$2 == c && $3 == "main" { print $1; exit }')
	if [ -z "$uri" ]; then
		echo "error: apt has no source for Debian '$codename' main in /etc/apt;" \
			"add the archive (or its mirror) there first." >&2
		return 1
	fi
	echo "${uri%/}"
}

# apt over a private list of the suites that serve kernels (sid, trixie and its backports),
# kept in the cache: the system's own sources never see them. Only the package lists: no
# translations, no AppStream metadata (17 MB for sid and trixie, fetched when appstream is
# installed). Its own package cache, kept: without one, each apt call reads the 45 MB of
# lists again (5 to 10 s each here).
private_apt=(-o "Dir::Etc::SourceList=$CACHE/apt/sources.list"
	-o Dir::Etc::SourceParts=/nonexistent
	-o "Dir::State::Lists=$CACHE/apt/lists"
	-o Acquire::Languages=none -o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false
	-o "Dir::Cache=$CACHE/apt/cache" -o "Dir::Cache::pkgcache=$CACHE/apt/cache/pkgcache.bin"
	-o "Dir::Cache::srcpkgcache=$CACHE/apt/cache/srcpkgcache.bin"
	-o Debug::NoLocking=1 -o APT::Sandbox::User=root)
private_apt_update() {
	local archive=$1 suite
	mkdir -p "$CACHE/apt/lists/partial" "$CACHE/apt/cache/archives/partial"
	for suite in sid trixie trixie-backports; do
		echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $archive $suite main"
	done >"$CACHE/apt/sources.list"
	if ! apt-get "${private_apt[@]}" update -qq 2>"$CACHE/apt/update.log"; then
		cat "$CACHE/apt/update.log" >&2
		return 1
	fi
}

_step_start=0
_progress_pid=""
step() {
	_step_start=$(date +%s)
	echo ">>> $*"
}
done_step() {
	echo "    done in $(($(date +%s) - _step_start)) s"
}

# While a long step writes LOG, a line every 30 s saying how far it is: the objects kbuild has
# built so far and the last one, or else the log's last line. progress_stop ends it, and
# so does the end of the script that started it.
progress_start() {
	local log=$1 what=$2 script=$$
	(
		# Its sleep must not outlive it: it holds the caller's descriptors (a $(...) pipe).
		trap 'kill "$sleeper" 2>/dev/null; exit 0' TERM
		while :; do
			sleep 30 &
			sleeper=$!
			wait "$sleeper"
			kill -0 "$script" 2>/dev/null || exit 0
			n=$(grep -cE '^  [A-Z]' "$log" 2>/dev/null) || true
			if [ "${n:-0}" -gt 0 ]; then
				now="${n} objects built, the last $(grep -E '^  [A-Z]' "$log" | tail -1 |
					awk '{ print $NF }')"
			else
				now=$(tail -1 "$log" 2>/dev/null | cut -c1-100)
			fi
			echo "    ... $what, $(($(date +%s) - _step_start)) s: $now"
		done
	) &
	_progress_pid=$!
}
progress_stop() {
	[ -n "$_progress_pid" ] || return 0
	kill "$_progress_pid" 2>/dev/null || true
	wait "$_progress_pid" 2>/dev/null || true
	_progress_pid=""
}
