# Debian's stock kernel as PV dom0: the assets its boot tests and the boot
# benchmark need, all under $(O)/linux and $(O)/xen, made on demand:
#
#   make linux-assets   fetch the kernels and Xen 4.17, build the initramfs
#
# The kernels and Xen come from the apt lists as they are now (`apt-get
# download`, cached by scripts/fetch-deb.sh); set PVISOR_DEB_CACHE to share
# the .deb cache between trees. The fetch scripts run every time (FORCE) but
# only rewrite their outputs when Debian's current package changed.

LINUX_O := $(O)/linux
XEN_O   := $(O)/xen

# Applets /init uses; the image holds busybox, these links and nothing else.
LINUX_INITRAMFS_APPLETS := sh mount cat dmesg grep dd cp md5sum rm sleep \
                           poweroff date uname
LINUX_BUSYBOX ?= /bin/busybox

LINUX_ASSETS := $(LINUX_O)/vmlinuz-amd64 $(LINUX_O)/vmlinuz-cloud-amd64 \
                $(XEN_O)/xen.elf $(LINUX_O)/initramfs-dom0.cpio.gz

.PHONY: linux-assets linux-kernel xen-hypervisor linux-initramfs FORCE
linux-assets: $(LINUX_ASSETS)
linux-kernel: $(LINUX_O)/vmlinuz-amd64 $(LINUX_O)/vmlinuz-cloud-amd64
xen-hypervisor: $(XEN_O)/xen.elf
linux-initramfs: $(LINUX_O)/initramfs-dom0.cpio.gz

$(LINUX_O)/vmlinuz-%: tests/linux/fetch-kernel.sh scripts/fetch-deb.sh FORCE
	@mkdir -p $(dir $@)
	$(Q)tests/linux/fetch-kernel.sh $* $(LINUX_O)

$(XEN_O)/xen.elf $(XEN_O)/xen.gz &: tests/linux/fetch-xen.sh scripts/fetch-deb.sh FORCE
	$(Q)tests/linux/fetch-xen.sh $(XEN_O)

$(LINUX_O)/initramfs-dom0.cpio.gz: tests/linux/init.sh tests/linux/mkinitramfs.py tests/linux/build.mk $(LINUX_BUSYBOX)
	@mkdir -p $(dir $@)
	@echo "  CPIO    $@"
	$(Q)$(PY) tests/linux/mkinitramfs.py $@ tests/linux/init.sh $(LINUX_BUSYBOX) $(LINUX_INITRAMFS_APPLETS)

$(LINUX_BUSYBOX):
	@echo "pvisor: $@ missing; run: make deps (installs busybox-static)" >&2; exit 1

FORCE:

# `make bench`: dom0 boot time on pvisor against Xen 4.17, same QEMU line.
BENCH_SCRIPTS += bench/boot-linux.sh
# a domU's disk and network through the split drivers, Xen 4.17's reference dom0 on both
BENCH_SCRIPTS += bench/split-drivers.sh

# `make linux-symbols`: the ELF vmlinux inside Debian's bzImage and the
# System.map rebuilt from its kallsyms (Debian ships a stub), for mapping
# guest RIPs in hypervisor logs (tools/kallsyms/symbolize does it on the fly).
.PHONY: linux-symbols
linux-symbols: $(LINUX_O)/System.map-amd64 $(LINUX_O)/System.map-cloud-amd64 \
               $(LINUX_O)/vmlinux-amd64 $(LINUX_O)/vmlinux-cloud-amd64

$(LINUX_O)/vmlinux-%: $(LINUX_O)/vmlinuz-% tools/kallsyms/extract-vmlinux
	@echo "  UNZIP   $@"
	$(Q)tools/kallsyms/extract-vmlinux $< $@

$(LINUX_O)/System.map-%: $(LINUX_O)/vmlinux-% tools/kallsyms/kallsyms.py
	@echo "  KSYMS   $@"
	$(Q)$(PY) tools/kallsyms/kallsyms.py map $< >$@.tmp && mv $@.tmp $@
