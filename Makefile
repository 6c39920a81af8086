# pvisor — top-level build.
#
#   make              build everything into build/ (hypervisor, tools, tests)
#   make run          install missing packages, build, boot pvisor + dom0 in QEMU
#   make dom0         build/dom0/vmlinuz and initrd.gz (toolstack/dom0/)
#   make test         install missing packages, build, run every test
#   make iso          build/pvisor.iso (GRUB2, multiboot2)
#   make bench        benchmarks against Debian's Xen 4.17 stack
#   make defconfig | olddefconfig | menuconfig | savedefconfig
#
# Components add themselves through <dir>/build.mk fragments; each appends
# to ALL_TARGETS, UNIT_TESTS, FUZZ_TARGETS and friends.

O        ?= build
PY       := /usr/bin/python3
KCONFIG_CONFIG ?= .config
export KCONFIG_CONFIG
KCONFIGLIB := /usr/lib/python3/dist-packages

.DEFAULT_GOAL := all
.SUFFIXES:
.DELETE_ON_ERROR:

ifeq ($(V),1)
Q :=
else
Q := @
endif

# The configuration is a make fragment (CONFIG_FOO=y); create it from the
# defaults on first use so a clean clone builds with plain `make`.
ifeq ($(filter defconfig olddefconfig menuconfig savedefconfig deps clean distclean,$(MAKECMDGOALS)),)
-include $(KCONFIG_CONFIG)
endif

$(KCONFIG_CONFIG):
	@echo "  CONFIG  $@ (from configs/defconfig)"
	$(Q)$(PY) $(KCONFIGLIB)/defconfig.py --kconfig Kconfig configs/defconfig >/dev/null

AUTOCONF := $(O)/include/generated/autoconf.h
KCONFIG_FILES := Kconfig $(wildcard */Kconfig)
$(AUTOCONF): $(KCONFIG_CONFIG) $(KCONFIG_FILES)
	@mkdir -p $(dir $@)
	$(Q)$(PY) $(KCONFIGLIB)/olddefconfig.py Kconfig >/dev/null
	$(Q)$(PY) $(KCONFIGLIB)/genconfig.py --header-path $@.tmp Kconfig
	$(Q)cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

.PHONY: defconfig olddefconfig menuconfig savedefconfig
defconfig:
	$(Q)$(PY) $(KCONFIGLIB)/defconfig.py --kconfig Kconfig configs/defconfig
olddefconfig:
	$(Q)$(PY) $(KCONFIGLIB)/olddefconfig.py Kconfig
menuconfig:
	$(Q)$(PY) $(KCONFIGLIB)/menuconfig.py Kconfig
savedefconfig:
	$(Q)$(PY) $(KCONFIGLIB)/savedefconfig.py --kconfig Kconfig --out configs/defconfig

# Xen public headers (Debian libxen-dev) are the ABI; every component that
# speaks it includes <xen/...> from there, never a copy.
XEN_INCLUDE := /usr/include
# __XEN_TOOLS__ selects the latest interface (0x00040e00) and the domctl/sysctl ABI.
XEN_ABI_DEFS := -D__XEN_TOOLS__

# Host-side C (tools, unit tests, daemons).
HOSTCC      := gcc
HOST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE
CLANG       := clang

ALL_TARGETS  :=
UNIT_TESTS   :=
FUZZ_TARGETS :=
CLEAN_FILES  :=
BENCH_SCRIPTS :=
RUN_ASSETS   :=

include mk/rules.mk
include hypervisor/build.mk
include $(sort $(filter-out hypervisor/build.mk,$(wildcard */build.mk */*/build.mk */*/*/build.mk)))

.PHONY: all deps run test test-unit test-system fuzz iso bench clean distclean
all: $(ALL_TARGETS) $(UNIT_TESTS)

deps:
	$(Q)scripts/install-deps.sh

# `make run` and `make test` are the two commands of the README: they
# install what is missing, build, then boot or test.
run: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)$(MAKE) --no-print-directory dom0 || { echo "run: dom0's image could not be built (see above; Debian packages come from apt-get download)" >&2; exit 1; }
	$(Q)scripts/run-qemu.sh $(RUN_ARGS)

# build/pvisor.iso: GRUB2 (multiboot2) booting pvisor with make dom0's image
# (the product's dom0: pvstored, pvconsoled, pvctl, a shell on the serial
# console), as `make run` does; DOM0_KERNEL / DOM0_INITRD / DOM0_ARGS override.
DOM0_KERNEL ?= $(O)/dom0/vmlinuz
DOM0_INITRD ?= $(O)/dom0/initrd.gz
DOM0_ARGS   ?= console=hvc0 earlyprintk=xen
ISO_HV_ARGS ?= console=com1 com1=115200 dom0_mem=512M
iso: $(O)/pvisor.iso
$(O)/pvisor.iso: $(O)/pvisor.elf scripts/mkiso.sh $(DOM0_KERNEL) $(DOM0_INITRD)
	@echo "  ISO     $@"
	$(Q)scripts/mkiso.sh $@ $(O)/pvisor.elf "$(ISO_HV_ARGS)" "$(DOM0_KERNEL)" "$(DOM0_ARGS)" "$(DOM0_INITRD)"

test: deps
	$(Q)$(MAKE) --no-print-directory all iso $(FUZZ_TARGETS)
	$(Q)$(PY) tests/run-tests.py --build $(O) $(TEST_ARGS)

test-unit: $(UNIT_TESTS)
	$(Q)$(PY) tests/run-tests.py --build $(O) --only unit $(TEST_ARGS)

fuzz: $(FUZZ_TARGETS)

# Benchmarks compare pvisor's parts with Debian's Xen 4.17 ones on the same
# machine and print ratios; each component adds its script to BENCH_SCRIPTS.
bench: deps
	$(Q)$(MAKE) --no-print-directory all iso
	$(Q)set -e; for s in $(BENCH_SCRIPTS); do echo "== $$s"; $$s; done

clean:
	rm -rf $(O)

distclean: clean
	rm -f $(KCONFIG_CONFIG) $(KCONFIG_CONFIG).old
