# dom0's image: Debian's stock kernel and an initramfs assembled from Debian
# packages (toolstack/dom0/packages.list, modules.list) and our programs.
#
#   make dom0     build/dom0/vmlinuz, build/dom0/initrd.gz
#   make run      boots pvisor with them (scripts/run-qemu.sh)
#
# Programs in dom0's /usr/bin: a fragment adds its binary with
#   DOM0_PROGRAMS += $(O)/toolstack/pvctl
# in any include order (the list is read by secondary expansion, once every
# fragment is in). Each program's libraries go in by their ldd closure.
# Another gzip'd cpio appended to initrd.gz adds or replaces files.

DOM0_O := $(O)/dom0
DOM0_PROGRAMS += $(O)/pvstored
DOM0_MODULES := $(shell sed -e 's/\#.*//' toolstack/dom0/modules.list)
DOM0_SRCS := $(addprefix toolstack/dom0/,build.mk mkdom0.py packages.list modules.list \
               init.sh guest-init.sh example.cfg) tests/linux/mkinitramfs.py scripts/fetch-deb.sh

.PHONY: dom0
dom0: $(DOM0_O)/vmlinuz $(DOM0_O)/initrd.gz

$(DOM0_O)/vmlinuz: $(LINUX_O)/vmlinuz-amd64
	@mkdir -p $(dir $@)
	$(Q)cp $< $@.tmp && mv $@.tmp $@

.SECONDEXPANSION:
$(DOM0_O)/initrd.gz: $$(DOM0_PROGRAMS) $(LINUX_O)/vmlinuz-amd64 $(DOM0_SRCS)
	@mkdir -p $(dir $@)
	@echo "  DOM0    assembling $@ from Debian packages (apt-get download on first use)"
	$(Q)$(PY) toolstack/dom0/mkdom0.py --work $(DOM0_O) \
	  --packages toolstack/dom0/packages.list --init toolstack/dom0/init.sh \
	  --modules-dir $(LINUX_O)/modules-amd64 $(addprefix --module ,$(DOM0_MODULES)) \
	  $(addprefix --program ,$(DOM0_PROGRAMS)) \
	  --guest-initrd toolstack/dom0/guest-init.sh:$(DOM0_O)/guest-initrd.gz \
	  --file toolstack/dom0/example.cfg:/etc/pvisor/example.cfg \
	  --file $(LINUX_O)/vmlinuz-amd64:/var/lib/pvisor/guest/vmlinuz \
	  --file $(DOM0_O)/guest-initrd.gz:/var/lib/pvisor/guest/initrd.gz \
	  $@
