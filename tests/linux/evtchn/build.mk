# The event-channel dom0 test (tests/system/linux/dom0-evtchn.sh): a static
# program on Debian's libxenevtchn and an initramfs holding it, busybox and
# the kernel package's own xen-evtchn module. Made on demand:
#   make linux-evtchn

LINUX_EVTCHN_PROG := $(LINUX_O)/evtchn/evtchn-loop
LINUX_EVTCHN_INITRD := $(LINUX_O)/initramfs-evtchn.cpio.gz
LINUX_EVTCHN_APPLETS := sh mount cat grep insmod poweroff

.PHONY: linux-evtchn
linux-evtchn: $(LINUX_EVTCHN_INITRD)

$(LINUX_EVTCHN_PROG): tests/linux/evtchn/evtchn-loop.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)$(HOSTCC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $< \
	  -lxenevtchn -lxentoolcore -lxentoollog

$(LINUX_EVTCHN_INITRD): $(LINUX_EVTCHN_PROG) $(LINUX_O)/vmlinuz-amd64 tests/linux/evtchn/init.sh \
                        tests/linux/evtchn/mkinitramfs.py tests/linux/mkinitramfs.py $(LINUX_BUSYBOX)
	@echo "  CPIO    $@"
	$(Q)$(PY) tests/linux/evtchn/mkinitramfs.py $@ tests/linux/evtchn/init.sh $(LINUX_BUSYBOX) \
	  $(LINUX_EVTCHN_PROG) $(LINUX_O)/modules-amd64/kernel/drivers/xen/xen-evtchn.ko \
	  $(LINUX_EVTCHN_APPLETS)
