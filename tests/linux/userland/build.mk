# The dom0 userland test (tests/system/linux/dom0-userland.sh): static
# programs on Debian's small Xen libraries, run in Debian's dom0 with the
# kernel package's own Xen modules. One initramfs for all of them, so one
# boot per hypervisor. Made on demand:
#   make linux-userland
# A new program: its source here, its libraries in a _LIBS line, its
# name in LINUX_USERLAND_PROGS, the modules it needs in _MODULES.

LINUX_USERLAND_PROGS := evtchn-loop gnttab-selfmap
evtchn-loop_LIBS := -lxenevtchn
gnttab-selfmap_LIBS := -lxengnttab
LINUX_USERLAND_MODULES := xen-evtchn xen-gntdev xen-gntalloc

LINUX_USERLAND_BINS := $(addprefix $(LINUX_O)/userland/,$(LINUX_USERLAND_PROGS))
LINUX_USERLAND_KOS := $(addprefix $(LINUX_O)/modules-amd64/kernel/drivers/xen/,$(addsuffix .ko,$(LINUX_USERLAND_MODULES)))
LINUX_USERLAND_INITRD := $(LINUX_O)/initramfs-userland.cpio.gz
LINUX_USERLAND_APPLETS := sh mount cat grep insmod poweroff

.PHONY: linux-userland
linux-userland: $(LINUX_USERLAND_INITRD)

$(LINUX_O)/userland/%: tests/linux/userland/%.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $< \
	  $($*_LIBS) -lxentoolcore -lxentoollog

$(LINUX_USERLAND_INITRD): $(LINUX_USERLAND_BINS) $(LINUX_O)/vmlinuz-amd64 tests/linux/userland/init.sh \
                          tests/linux/userland/mkinitramfs.py tests/linux/mkinitramfs.py $(LINUX_BUSYBOX)
	@echo "  CPIO    $@"
	$(Q)$(PY) tests/linux/userland/mkinitramfs.py $@ tests/linux/userland/init.sh $(LINUX_BUSYBOX) \
	  $(addprefix --program ,$(LINUX_USERLAND_BINS)) $(addprefix --module ,$(LINUX_USERLAND_KOS)) \
	  $(LINUX_USERLAND_APPLETS)
