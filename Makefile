# SPDX-License-Identifier: GPL-2.0
# Out-of-tree build of the modules against a Rust-enabled kernel tree:
#     make KDIR=/path/to/linux LLVM=1
# With none, `make demo` and `make shell` boot Debian's own kernel image under QEMU (or the
# project's own kernel, built once: KERNEL=own); `make test` runs every kernel.

KDIR ?= /lib/modules/$(shell uname -r)/build

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean

demo:
	scripts/demo.sh

test:
	scripts/test.sh

shell:
	scripts/shell.sh

# The modules for a Debian kernel: the running one, or `make debian RELEASE=7.2.13+deb14-amd64`.
debian:
	scripts/debian.sh $(RELEASE)

# The modules built here into /lib/modules/$(uname -r)/extra (or RELEASE's), then depmod;
# INSTALL_MOD_PATH=DIR installs under DIR instead of /. `make uninstall` removes them.
install:
	scripts/install.sh install $(RELEASE)

uninstall:
	scripts/install.sh uninstall $(RELEASE)

.PHONY: modules clean demo test shell debian install uninstall

bench:
	scripts/bench.sh

# trinity and stress-ng for as long as asked: `make fuzz SECONDS=3600 SEED=12345`.
fuzz:
	scripts/fuzz.sh $(SECONDS) $(SEED)

.PHONY: bench fuzz
