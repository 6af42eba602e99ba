#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Installs what the build needs, idempotently: compilers, QEMU, busybox, bindgen,
# rust-src, and the kernel source of each series given (default $KERNEL_SERIES; Debian's
# linux-source from a private sources list, so the system's apt sources never see sid).
# With --debian, only what booting Debian's own image needs (`make demo` and `make shell`
# there): QEMU, busybox, cpio, mmdebstrap for scripts/debian.sh, gcc and the C library for
# the static user programs, and the pinned Rust toolchain without rust-src; no clang, no
# bindgen, no kernel source.
# With --tools, also the field's tools the VM runs (fio, stress-ng, trinity: tools_dir in
# lib.sh), for `make test`, `make fuzz` and `make bench`.
# Usage: setup.sh [--tools] [SERIES...] | setup.sh --debian
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
debian=0 want_tools=0
while [ $# -gt 0 ]; do
	case $1 in
	--debian) debian=1 ;;
	--tools) want_tools=1 ;;
	*) break ;;
	esac
	shift
done

# The Debian archive, from apt's own configuration (its lists may not be fetched yet).
archive=$(debian_archive 2>/dev/null) || { apt-get update -qq && archive=$(debian_archive); }

need_apt=()
if [ "$debian" = 1 ]; then
	pkgs=(qemu-system-x86 busybox-static cpio mmdebstrap gcc libc6-dev)
else
	pkgs=(clang-19 lld-19 llvm-19 libclang-19-dev qemu-system-x86 busybox-static cpio flex
		bison bc libelf-dev libssl-dev make xz-utils python3 gcc gcc-multilib kmod)
fi
for p in "${pkgs[@]}"; do
	dpkg -s "$p" >/dev/null 2>&1 || need_apt+=("$p")
done
if ((${#need_apt[@]})); then
	step "apt: installing ${need_apt[*]}"
	if ! apt-get indextargets --format '$(RELEASE)' 2>/dev/null | grep -qx bookworm-backports; then
		echo "deb $archive bookworm-backports main" \
			>/etc/apt/sources.list.d/bookworm-backports.list
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# One transaction from backports: the image's qemu-utils already comes from
	# there, and an older qemu-system-x86 from bookworm would conflict with it.
	apt-get install -y -qq --no-install-recommends -t bookworm-backports \
		"${need_apt[@]}" >/dev/null
	done_step
fi

# The field's tools: Debian's packages of this machine's own release (apt-get download, no
# install), their libraries found package by package until the dynamic loader would find
# every soname the three programs need (scripts/elf_closure.py), and only that closure kept
# in $(tools_dir)/root, which scripts/run-vm.sh copies into the guest when asked to.
# A soname that no library package provides fails here, not in the guest.
fetch_tools() {
	local dir=$1 stage pkgs=("${TOOLS_PKGS[@]}") round p deps new closure
	stage=$(mktemp -d)
	trap 'rm -rf "$stage"' RETURN
	mkdir -p "$stage/debs" "$stage/all"
	declare -A have=()
	for round in $(seq 1 20); do
		for p in "${pkgs[@]}"; do have[$p]=1; done
		(cd "$stage/debs" && apt-get download -q "${pkgs[@]}" >>"$stage/apt.log" 2>&1) || {
			cat "$stage/apt.log" >&2
			echo "error: apt-get download ${pkgs[*]} failed" >&2
			return 1
		}
		for p in "${pkgs[@]}"; do
			dpkg -x "$stage"/debs/"${p}"_*.deb "$stage/all"
		done
		if closure=$(python3 "$REPO/scripts/elf_closure.py" "$stage/all" "${TOOLS_PROGRAMS[@]}" \
			2>"$stage/missing"); then
			break
		fi
		# Not all there yet: the next round fetches the library packages (Section libs)
		# that this round's packages depend on, the first of each set of alternatives.
		deps=$(apt-cache depends --no-recommends --no-suggests --no-conflicts --no-breaks \
			--no-replaces --no-enhances "${pkgs[@]}" |
			awk '$1 ~ /^[|]?(Pre)?Depends:$/ { print $2 }' | tr -d '<>' | sort -u |
			while read -r p; do [ -n "${have[$p]:-}" ] || echo "$p"; done)
		new=()
		[ -n "$deps" ] && mapfile -t new < <(apt-cache show --no-all-versions $deps 2>/dev/null |
			awk '/^Package:/ { p = $2 } /^Section: (libs|oldlibs)$/ { print p }' | sort -u)
		if ((${#new[@]} == 0)); then
			break
		fi
		pkgs=("${new[@]}")
	done
	if [ -s "$stage/missing" ]; then
		cat "$stage/missing" >&2
		echo "error: the tools need libraries that no fetched package provides (above)" >&2
		return 1
	fi
	rm -rf "$dir"
	mkdir -p "$dir/root"
	(cd "$stage/all" && printf '%s\n' $closure | cpio -pdm --quiet "$dir/root")
	ls "$stage/debs" | sed 's/\.deb$//' >"$dir/packages.txt"
	printf '%s\n' $closure >"$dir/files.txt"
}
if [ "$want_tools" = 1 ]; then
	tools=$(tools_dir)
	if [ -f "$tools/.done" ]; then
		echo "setup: tools cached in $tools"
	else
		step "tools: fetching ${TOOLS_PKGS[*]} and their libraries (apt-get download)"
		rm -rf "$CACHE"/tools-*
		fetch_tools "$tools"
		touch "$tools/.done"
		echo "    $(wc -l <"$tools/packages.txt") packages fetched; the guest gets" \
			"$(wc -l <"$tools/files.txt") files, $(du -sh "$tools/root" | cut -f1)"
		done_step
	fi
fi

cd "$REPO"
if [ "$debian" = 1 ]; then
	if ! rustup toolchain list | grep -q "^$RUST_TOOLCHAIN-"; then
		step "rustup: toolchain $RUST_TOOLCHAIN (for the user programs)"
		rustup toolchain install "$RUST_TOOLCHAIN" --profile minimal >/dev/null
		done_step
	fi
	exit 0
fi
if ! rustup component list --installed --toolchain "$RUST_TOOLCHAIN" 2>/dev/null |
	grep -q '^rust-src'; then
	step "rustup: toolchain $RUST_TOOLCHAIN with rust-src"
	rustup toolchain install "$RUST_TOOLCHAIN" --profile minimal \
		--component rust-src,rustfmt,clippy >/dev/null
	done_step
fi
if ! command -v bindgen >/dev/null; then
	step "cargo: installing bindgen-cli"
	cargo +"$RUST_TOOLCHAIN" install --locked --quiet bindgen-cli
	done_step
fi

# Kernel source: any $series.x that Debian's sid or trixie-backports serves, for each series
# asked for (default: $KERNEL_SERIES).
lists_fresh=0
for series in "${@:-$KERNEL_SERIES}"; do
	src=$(kernel_src "$series")
	if [ -f "$src/.version" ]; then
		echo "setup: kernel source $(cat "$src/.version")"
		continue
	fi
	step "kernel source: fetching linux-source-$series from $archive"
	if [ "$lists_fresh" = 0 ]; then
		private_apt_update "$archive"
		lists_fresh=1
	fi
	pkg="linux-source-$series"
	if ! apt-cache "${private_apt[@]}" show "$pkg" >/dev/null 2>&1; then
		echo "error: no $pkg is served by sid or trixie-backports at $archive." >&2
		echo "Choose a served series with KERNEL_SERIES (scripts/lib.sh)." >&2
		exit 1
	fi
	dl=$(mktemp -d)
	(cd "$dl" && apt-get "${private_apt[@]}" download "$pkg" >/dev/null)
	deb=$(ls "$dl"/linux-source-*.deb)
	rm -rf "$CACHE/pkg" "$src"
	dpkg -x "$deb" "$CACHE/pkg"
	tarball=$(ls "$CACHE"/pkg/usr/src/linux-source-*.tar.*)
	mkdir -p "$src"
	tar -xf "$tarball" -C "$src" --strip-components=1
	basename "$deb" >"$src/.version"
	rm -rf "$CACHE/pkg" "$dl"
	done_step
	echo "setup: kernel source $(cat "$src/.version")"
done
