#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# `make debian`: builds the modules for a Debian kernel (the running one unless a release
# is named), leaving scullp.ko, scullv.ko and pagealloc.ko in the repository.
#
# Debian builds its kernels with CONFIG_RUST=y, but linux-headers ships no Rust metadata
# (rust/*.rmeta, the proc-macro libraries, scripts/target.json). This script makes it in an
# isolated Debian environment (mmdebstrap, in the cache; the system's packages are not
# touched beyond installing mmdebstrap): the kernel's own headers, its source at the same
# version, and the very gcc and rustc the kernel was built with. The .config is used
# unchanged and `modules_prepare` rebuilds the `kernel` crate; rustc's symbol names depend
# only on the crate name and rustc's version string, so they match the kernel's exports.
#
# Usage: debian.sh [--newest] [--image] [--clippy] [--log FILE] [RELEASE]
#   RELEASE   a Debian kernel release, e.g. 7.2.13+deb14-amd64 (default: uname -r)
#   --newest  the newest Debian amd64 kernel whose rustc the archive still serves
#   --image   also fetch that kernel's image; its path is printed on stdout
#   --clippy  build with CLIPPY=1 (Debian's rust-clippy of the kernel's rustc version)
#   --log     the modules' build log (default: out/build-debian.log)
# Exits 3 when the kernel's rustc (for --newest: every served kernel's) is no longer served,
# 1 on any other failure.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
lock_tree
exec 3>&1 1>&2
newest=0 image=0 clippy=0 release="" log="$REPO/out/build-debian.log"
while (($#)); do
	case $1 in
	--newest) newest=1 ;;
	--image) image=1 ;;
	--clippy) clippy=1 ;;
	--log) log=$2 && shift ;;
	-*) echo "usage: $0 [--newest] [--image] [--clippy] [--log FILE] [RELEASE]" && exit 2 ;;
	*) release=$1 ;;
	esac
	shift
done
mkdir -p "$(dirname "$log")"
if [ "$(id -u)" != 0 ]; then
	echo "error: this needs root (sudo make debian): it builds a Debian environment with" \
		"mmdebstrap and runs the build in it with chroot." >&2
	exit 1
fi

if ! command -v mmdebstrap >/dev/null; then
	step "apt: installing mmdebstrap (the only package this needs on the system)"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		mmdebstrap >/dev/null
	done_step
fi
archive=$(debian_archive)
step "apt: the kernels, sources and compilers that $archive serves"
private_apt_update "$archive"
done_step

# Every served version of a package, newest first, each with its suite: `VERSION SUITE`.
versions() {
	apt-cache "${private_apt[@]}" madison "$1" 2>/dev/null | awk -F' [|] ' '
		{ gsub(/ /, "", $2); split($3, s, " "); sub(/\/.*/, "", s[2]); print $2, s[2] }'
}
served() {
	versions "$1" | sed -n 1p
}
# One file of a served package (PACKAGE[=VERSION]), on stdout.
package_file() {
	local dl rc=0
	dl=$(mktemp -d)
	(cd "$dl" && apt-get "${private_apt[@]}" download "$1" >/dev/null) &&
		dpkg-deb --fsys-tarfile "$dl"/*.deb | tar -xO "$2" || rc=1
	rm -rf "$dl"
	return $rc
}
# A kernel's .config, read from its headers package.
headers_config() {
	package_file "linux-headers-$1" "./usr/src/linux-headers-$1/.config"
}
config_value() {
	sed -n "s/^$1=\"\\{0,1\\}\\([^\"]*\\)\"\\{0,1\\}\$/\\1/p" <<<"$config"
}
# The rustc package whose version is the kernel's rustc (e.g. 1.97.1+dfsg1-1 for 1.97.1).
rustc_package() {
	versions rustc | awk -v want="$1" '
		{ v = $1; sub(/^[0-9]+:/, "", v); split(v, u, /[+~-]/) }
		u[1] == want { print $1; exit }'
}
rustc_of() {
	sed -n 's/^rustc \([0-9.]*\) .*/\1/p' <<<"$1"
}

if [ "$newest" = 1 ]; then
	candidates=$(apt-cache "${private_apt[@]}" pkgnames linux-headers- |
		sed -n 's/^linux-headers-\([0-9][0-9.]*+deb[0-9]*-amd64\)$/\1/p' | sort -rV)
	for rel in $candidates; do
		config=$(headers_config "$rel") || continue
		[ "$(config_value CONFIG_RUST)" = y ] || continue
		if [ -n "$(rustc_package "$(rustc_of "$(config_value CONFIG_RUSTC_VERSION_TEXT)")")" ]; then
			release=$rel
			break
		fi
		echo "debian: $rel skipped: its rustc ($(config_value CONFIG_RUSTC_VERSION_TEXT)) is no longer served"
	done
	if [ -z "$release" ]; then
		echo "error: no Debian amd64 kernel served at $archive has its rustc served too." >&2
		exit 3
	fi
fi
release=${release:-$(uname -r)}

# The headers and the source at the same version, the rustc and gcc the kernel names.
read -r version suite <<<"$(served "linux-headers-$release")"
if [ -z "$version" ]; then
	echo "error: no linux-headers-$release is served by sid, trixie or trixie-backports at" \
		"$archive. Is $release a Debian kernel still in the archive?" >&2
	exit 1
fi
# (--newest has read it already.)
[ "$newest" = 1 ] || config=$(headers_config "$release")
if [ "$(config_value CONFIG_RUST)" != y ]; then
	echo "error: Debian's $release is built without CONFIG_RUST; Rust modules cannot load." >&2
	exit 1
fi
series=$(cut -d. -f1,2 <<<"$release")
if ! versions "linux-source-$series" | cut -d' ' -f1 | grep -xF "$version" >/dev/null; then
	echo "error: linux-headers-$release is version $version, but linux-source-$series is" \
		"served only at: $(served "linux-source-$series" | cut -d' ' -f1)." >&2
	exit 1
fi
rustc_text=$(config_value CONFIG_RUSTC_VERSION_TEXT)
rustc_version=$(rustc_package "$(rustc_of "$rustc_text")")
if [ -z "$rustc_version" ]; then
	echo "error: $release was built with '$rustc_text'; the archive serves rustc" \
		"$(versions rustc | cut -d' ' -f1 | xargs)" \
		"and no longer that one, so its Rust metadata cannot be rebuilt." >&2
	exit 3
fi
cc=$(config_value CONFIG_CC_VERSION_TEXT | cut -d' ' -f1)
echo "debian: $release (linux $version from $suite), $rustc_text, $cc"

# The environment: its suites are the headers' suite and, for a backports suite, its base.
base=${suite%-backports}
suites=("$base")
[ "$base" != "$suite" ] && suites+=("$suite")
key=$(printf '%s\n' "$release" "$version" "$rustc_version" "${suites[@]}" |
	cat - "$0" | sha256sum | cut -c1-12)
env_dir="$CACHE/debian-$release-$key"
root="$env_dir/root"

# Runs a command in the environment, with /proc mounted (objtool needs it) and the
# repository at /scull; the mounts vanish with the command's private mount namespace.
in_env() {
	unshare --mount --propagation private -- sh -c '
		root=$1 repo=$2
		shift 2
		mount -t proc proc "$root/proc" && mount --bind "$repo" "$root/scull" &&
			exec chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
				LANG=C.UTF-8 "$@"' sh "$root" "$REPO" "$@"
}

# One environment at a time (each is about 2 GB): another kernel's, or this kernel's under
# other package versions, is stale.
for old in "$CACHE"/debian-*; do
	if [ -d "$old" ] && [ "$old" != "$env_dir" ]; then
		echo "debian: removing the stale $old"
		rm -rf "$old"
	fi
done

if [ ! -f "$env_dir/.ready" ]; then
	rm -rf "$env_dir"
	mkdir -p "$env_dir"
	# The system's apt settings that decide whether the archive is reachable and fresh enough
	# (a proxy, an expired Release accepted on purpose); the environment inherits nothing.
	apt-config dump | grep -E '^Acquire::(Check-Valid-Until|Check-Date|https?::Proxy)' \
		>"$env_dir/host-apt.conf" || true
	mirrors=()
	for s in "${suites[@]}"; do
		mirrors+=("deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $archive $s main")
	done
	step "debian: an environment of ${suites[*]} with linux $version, rustc $rustc_version, $cc (about 2 GB; log: $env_dir/mmdebstrap.log)"
	progress_start "$env_dir/mmdebstrap.log" "mmdebstrap"
	packages=("linux-headers-$release=$version" "linux-source-$series=$version"
		"rustc=$rustc_version" "rust-src=$rustc_version" "rust-clippy=$rustc_version"
		bindgen libclang-dev make bc bison flex libelf-dev libssl-dev openssl xz-utils python3
		kmod cpio dwarves)
	# Nothing reads the documentation, the sources of rustc itself (rust-src's library/ is
	# what the kernel builds) or libclang's static libraries (bindgen loads libclang.so):
	# leaving them out saves a third of what dpkg writes. (dpkg's * matches a / too.) Nor
	# need it sync each file: a crash before .ready means a new environment anyway.
	rust_src="/usr/src/rustc-$(rustc_of "$rustc_text")"
	trim=('/usr/share/doc/*' '/usr/share/man/*' '/usr/share/locale/*' "$rust_src/src/*"
		"$rust_src/compiler/*" '/usr/lib/llvm-*/lib/*.a')
	if ! mmdebstrap --variant=apt --aptopt="$env_dir/host-apt.conf" \
		"${trim[@]/#/--dpkgopt=path-exclude=}" --dpkgopt=force-unsafe-io \
		--include="$(
			IFS=,
			echo "${packages[*]}"
		)" "${suites[0]}" "$root" "${mirrors[@]}" >"$env_dir/mmdebstrap.log" 2>&1; then
		progress_stop
		tail -30 "$env_dir/mmdebstrap.log"
		echo "error: mmdebstrap failed (log: $env_dir/mmdebstrap.log)" >&2
		exit 1
	fi
	progress_stop
	mkdir -p "$root/scull"
	done_step
	got=$(in_env rustc --version)
	if [ "$got" != "$rustc_text" ]; then
		echo "error: the environment's rustc prints '$got'; $release was built with" \
			"'$rustc_text'. Its symbols would not match." >&2
		exit 1
	fi

	step "debian: the Rust metadata: modules_prepare on linux-source-$series $version (log: $env_dir/prepare.log)"
	progress_start "$env_dir/prepare.log" "modules_prepare"
	if ! in_env bash -c '
		set -euo pipefail
		release=$1 series=$2 cc=$3
		headers=/usr/src/linux-headers-$release
		make=(make CROSS_COMPILE="${cc%gcc*}" CC="$cc" -j"$(($(nproc) + 1))")
		mkdir /usr/src/prepare
		cd /usr/src/prepare
		echo "unpacking linux-source-$series.tar.xz"
		tar -I "xz -T0" -xf "/usr/src/linux-source-$series.tar.xz" --strip-components=1
		cp "$headers/.config" .config
		"${make[@]}" olddefconfig
		if ! diff <(grep -v "^#" "$headers/.config") <(grep -v "^#" .config); then
			echo "error: the configuration drifts from the kernel'"'"'s (above)" >&2
			exit 1
		fi
		"${make[@]}" rustavailable
		"${make[@]}" modules_prepare
		mkdir -p "$headers/rust"
		cp rust/*.rmeta rust/*.so "$headers/rust/"
		[ ! -f scripts/target.json ] || cp scripts/target.json "$headers/scripts/"
		cd /
		rm -rf /usr/src/prepare "/usr/src/linux-source-$series.tar.xz"
	' sh "$release" "$series" "$cc" >"$env_dir/prepare.log" 2>&1; then
		progress_stop
		tail -30 "$env_dir/prepare.log"
		echo "error: modules_prepare failed (log: $env_dir/prepare.log)" >&2
		exit 1
	fi
	progress_stop
	done_step
	touch "$env_dir/.ready"
else
	echo "debian: environment cached in $env_dir"
fi

step "debian: building the modules for $release (log: $log)"
rm -f "$REPO"/*.ko
if ! in_env make -C /scull KDIR="/usr/src/linux-headers-$release" CLIPPY=$clippy >"$log" 2>&1; then
	cat "$log"
	echo "error: the modules did not build for $release (log: $log)" >&2
	exit 1
fi
grep -E 'warning|error' "$log" || true
done_step
echo "debian: $(in_env modinfo -F vermagic /scull/scullp.ko | tr -s ' ')- modules in $REPO:"
echo "    insmod scullp.ko; insmod scullv.ko; insmod pagealloc.ko"

if [ "$image" = 1 ]; then
	if [ ! -f "$env_dir/vmlinuz" ]; then
		package_file "linux-binary-$release=$version" "./usr/lib/modules/$release/vmlinuz" \
			>"$env_dir/vmlinuz.part"
		mv "$env_dir/vmlinuz.part" "$env_dir/vmlinuz"
	fi
	echo "$env_dir/vmlinuz" >&3
fi
