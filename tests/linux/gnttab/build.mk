# The grant-table dom0 test (tests/system/linux/dom0-gnttab.sh): a static
# program on Debian's libxengnttab and an initramfs holding it, busybox and
# the kernel package's own xen-gntdev and xen-gntalloc modules. On demand:
#   make linux-gnttab

LINUX_GNTTAB_PROG := $(LINUX_O)/gnttab/gnttab-selfmap
LINUX_GNTTAB_INITRD := $(LINUX_O)/initramfs-gnttab.cpio.gz
LINUX_GNTTAB_APPLETS := sh mount cat grep insmod poweroff
LINUX_GNTTAB_MODULES := $(addprefix $(LINUX_O)/modules-amd64/kernel/drivers/xen/,xen-gntdev.ko xen-gntalloc.ko)

.PHONY: linux-gnttab
linux-gnttab: $(LINUX_GNTTAB_INITRD)

$(LINUX_GNTTAB_PROG): tests/linux/gnttab/gnttab-selfmap.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $< \
	  -lxengnttab -lxentoolcore -lxentoollog

$(LINUX_GNTTAB_INITRD): $(LINUX_GNTTAB_PROG) $(LINUX_O)/vmlinuz-amd64 tests/linux/gnttab/init.sh \
                        tests/linux/gnttab/mkinitramfs.py tests/linux/mkinitramfs.py $(LINUX_BUSYBOX)
	@echo "  CPIO    $@"
	$(Q)$(PY) tests/linux/gnttab/mkinitramfs.py $@ tests/linux/gnttab/init.sh $(LINUX_BUSYBOX) \
	  $(LINUX_GNTTAB_PROG) $(LINUX_GNTTAB_MODULES) -- $(LINUX_GNTTAB_APPLETS)
