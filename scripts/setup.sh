#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Installs what the build needs, idempotently: compilers, QEMU, busybox, bindgen,
# rust-src, and the kernel source (Debian's linux-source 7.2, from a private
# sources list so the system's apt sources never see sid).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"

need_apt=()
for p in clang-19 lld-19 llvm-19 libclang-19-dev; do
	dpkg -s "$p" >/dev/null 2>&1 || need_apt+=("$p")
done
base_pkgs=(qemu-system-x86 busybox-static cpio flex bison bc libelf-dev libssl-dev
	make xz-utils python3 gcc)
for p in "${base_pkgs[@]}"; do
	dpkg -s "$p" >/dev/null 2>&1 || need_apt+=("$p")
done
if ((${#need_apt[@]})); then
	step "apt: installing ${need_apt[*]}"
	if [ ! -f /etc/apt/sources.list.d/bookworm-backports.list ]; then
		echo 'deb http://deb.debian.org/debian bookworm-backports main' \
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

export PATH="/usr/lib/llvm-19/bin:$HOME/.cargo/bin:$PATH"
cd "$REPO"
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

# Kernel source: any $KERNEL_SERIES.x that Debian's sid or trixie-backports serves.
mkdir -p "$CACHE"
if [ ! -f "$CACHE/src/.version" ]; then
	step "kernel source: fetching linux-source-$KERNEL_SERIES"
	apt_dir="$CACHE/apt"
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/dl"
	cat >"$apt_dir/sources.list" <<SRC
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie-backports main
SRC
	apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list"
		-o Dir::Etc::SourceParts=/nonexistent
		-o "Dir::State::Lists=$apt_dir/lists"
		-o "Dir::Cache::archives=$apt_dir/dl"
		-o Debug::NoLocking=1)
	apt-get "${apt_opts[@]}" update -qq
	pkg="linux-source-$KERNEL_SERIES"
	if ! apt-cache "${apt_opts[@]}" show "$pkg" >/dev/null 2>&1; then
		echo "error: no $pkg is served by sid or trixie-backports." >&2
		echo "Set KERNEL_SERIES in scripts/lib.sh to a series that is served." >&2
		exit 1
	fi
	(cd "$apt_dir/dl" && rm -f ./*.deb && apt-get "${apt_opts[@]}" download "$pkg" >/dev/null)
	deb=$(ls "$apt_dir"/dl/linux-source-*.deb)
	rm -rf "$CACHE/pkg" "$CACHE/src"
	dpkg -x "$deb" "$CACHE/pkg"
	tarball=$(ls "$CACHE"/pkg/usr/src/linux-source-*.tar.*)
	mkdir -p "$CACHE/src"
	tar -xf "$tarball" -C "$CACHE/src" --strip-components=1
	rm -rf "$CACHE/pkg" "$apt_dir/dl"
	dpkg-deb -f "$deb" Version >/dev/null 2>&1 || true
	basename "$deb" >"$CACHE/src/.version"
	done_step
fi
echo "setup: kernel source $(cat "$CACHE/src/.version")"
