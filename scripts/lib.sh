# SPDX-License-Identifier: GPL-2.0
# Shared settings for the scripts.

# The kernel series to build and run: the one knob. `make demo KERNEL_SERIES=7.3`.
# (Naming one asks `make demo` and `make shell` for the project's own kernel.)
KERNEL_SERIES_NAMED=${KERNEL_SERIES:+1}
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

# The field's tools the VM runs on the first series (tests/vm/tools.sh, `make fuzz`, the fio
# rows of `make bench`): Debian's packages of this machine's release, fetched by
# `setup.sh --tools` into the directory tools_dir names, keyed like the kernels by what
# goes in (the packages' versions, the closure script).
TOOLS_PKGS=(fio stress-ng trinity)
TOOLS_PROGRAMS=(usr/bin/fio usr/bin/stress-ng usr/bin/trinity)
tools_dir() {
	local key
	key=$({
		for p in "${TOOLS_PKGS[@]}"; do
			# The whole answer is read: a reader that stops early races with pipefail.
			echo "$p $(apt-cache show --no-all-versions "$p" 2>/dev/null | sed -n 's/^Version: //p')"
		done
		cat "$REPO/scripts/elf_closure.py"
	} | sha256sum | cut -c1-12)
	echo "$CACHE/tools-$key"
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

# The kernel that `make demo` and `make shell` boot, made ready with the modules built for
# it. Debian's newest kernel image whose rustc the archive serves (the one `make test` picks,
# with scripts/debian.sh: no kernel build), else, or with KERNEL=own or a named
# KERNEL_SERIES, the project's own test kernel (built once, then cached). Says which and why
# in one line. Sets vm_kernel (for run-vm.sh) and vm_kind; talks on stderr.
# Usage: prepare_vm_kernel WHO (demo, shell: the lines' prefix)
prepare_vm_kernel() {
	local who=$1 why="" rc=0 user_build
	case ${KERNEL:-} in
	own) why="KERNEL=own" ;;
	debian) ;;
	"")
		if [ -n "$KERNEL_SERIES_NAMED" ]; then
			why="KERNEL_SERIES=$KERNEL_SERIES names one of its kernels"
		elif [ "$(id -u)" != 0 ]; then
			why="Debian's image needs root here, for mmdebstrap and chroot"
		fi
		;;
	*)
		echo "error: KERNEL=$KERNEL: 'own' (the project's kernel) or 'debian' (Debian's image)" >&2
		return 1
		;;
	esac
	if [ -z "$why" ]; then
		echo "$who: Debian's own kernel image, the newest whose rustc the archive serves, with" \
			"the modules built for it: no kernel build (KERNEL=own: the project's kernel)" >&2
		"$REPO/scripts/setup.sh" --debian >&2
		# The user programs build meanwhile: debian.sh waits on the archive and on dpkg.
		"$REPO/scripts/build-modules.sh" --user >"$REPO/out/build-user.log" 2>&1 &
		user_build=$!
		vm_kernel=$("$REPO/scripts/debian.sh" --newest --image --log "$REPO/out/build.log") ||
			rc=$?
		if ! wait "$user_build"; then
			cat "$REPO/out/build-user.log" >&2
			echo "error: the user programs did not build (log: out/build-user.log)" >&2
			return 1
		fi
		if [ "$rc" = 0 ]; then
			echo "$who: the user programs built alongside (log: out/build-user.log)" >&2
			vm_kind=debian
			return 0
		fi
		if [ "$rc" != 3 ] || [ "${KERNEL:-}" = debian ]; then
			echo "error: no Debian kernel image to boot (above); KERNEL=own builds and boots" \
				"the project's own kernel instead." >&2
			return 1
		fi
		why="the archive no longer serves the rustc of any Debian kernel"
	fi
	echo "$who: the project's own $KERNEL_SERIES kernel ($why): built once (about 10 minutes on" \
		"2 cores), then cached" >&2
	"$REPO/scripts/setup.sh" >&2
	vm_kernel=$("$REPO/scripts/build-kernel.sh" base)
	"$REPO/scripts/build-modules.sh" "$vm_kernel" "$REPO/out/build.log" >&2
	vm_kind=base
}
