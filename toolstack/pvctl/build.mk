# pvctl: the toolstack of pvisor's dom0 (build/toolstack/pvctl), its unit
# tests and system test.

# The PV boot layout is one pure module, also compiled into the
# hypervisor's dom0 builder (hypervisor/common/pv_layout.c).
PV_LAYOUT_SRCS := hypervisor/common/pv_layout.c
$(eval $(call unit_test,test_pv_layout,tests/unit/toolstack/test_pv_layout.c $(PV_LAYOUT_SRCS)))

# pvctl itself: static, so the one binary runs in any dom0 initramfs (ours,
# the reference Xen 4.17 stack's) without its library closure. It reuses
# the hypervisor's pure ELF-note reader and bzImage container parser.
PVCTL_SRCS := $(sort $(wildcard toolstack/pvctl/*.c)) $(PV_LAYOUT_SRCS) hypervisor/common/pv_elf.c \
              hypervisor/common/decompress/bzimage.c $(filter-out %/bzimage.c,$(wildcard hypervisor/common/decompress/*.c)) \
              $(sort $(wildcard toolstack/xlcfg/*.c)) toolstack/console/attach.c $(DEVICES_SRCS)
PVCTL_CFLAGS := -Itoolstack/pvctl -Itoolstack/console -Itoolstack/devices -Ihypervisor/include -Itoolstack/xlcfg $(XEN_ABI_DEFS)
PVCTL_LIBS := -static -lxenstore -lxenforeignmemory -lxencall -lxentoolcore -lxentoollog \
              -llzma -llz4 -lzstd -lz -lpthread
$(eval $(call host_prog,$(O)/toolstack/pvctl,$(PVCTL_SRCS),$(PVCTL_CFLAGS),$(PVCTL_LIBS)))
DOM0_PROGRAMS += $(O)/toolstack/pvctl
# removed source still named by older builds' pvctl.d (the seam config reader)
toolstack/pvctl/config_seam.c: ;

# The loader on the host: every payload format, hostile images.
PVCTL_IMAGE_SRCS := toolstack/pvctl/image.c toolstack/pvctl/kcache.c toolstack/pvctl/unpack.c hypervisor/common/pv_elf.c \
                    $(wildcard hypervisor/common/decompress/*.c)
$(eval $(call unit_test,test_pvctl_image,tests/unit/toolstack/test_pvctl_image.c $(PVCTL_IMAGE_SRCS),-Itoolstack/pvctl -llzma -llz4 -lzstd -lz))
$(eval $(call fuzz_target,fuzz_pvctl_image,tests/fuzz/toolstack/fuzz_pvctl_image.c $(PVCTL_IMAGE_SRCS) $(PV_LAYOUT_SRCS),-D_GNU_SOURCE -Itoolstack/pvctl -Wno-unused-command-line-argument -llzma -llz4 -lzstd -lz))
BENCH_SCRIPTS += bench/pvctl-create.sh
# pipelined xenstore transactions, against pvstored
$(eval $(call unit_test,test_xs_batch,tests/unit/toolstack/test_xs_batch.c toolstack/pvctl/xs_batch.c,-Itoolstack/pvctl -lxenstore))
$(O)/tests/unit/test_xs_batch: $(O)/pvstored
