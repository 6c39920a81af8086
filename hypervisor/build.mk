# The hypervisor image: build/pvisor.elf (multiboot1 + multiboot2, ELF64).

HV_O := $(O)/hypervisor
HV_GCC_INC := $(shell $(CC) -print-file-name=include)

HV_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-address-of-packed-member \
  -ffreestanding -nostdinc -isystem $(HV_GCC_INC) \
  -Ihypervisor/include -Ihypervisor/include/libc -I$(O)/include -I$(HV_O)/xen-include \
  -include hypervisor/include/pvisor/visibility.h -include $(AUTOCONF) $(XEN_ABI_DEFS) \
  -fpie -fvisibility=hidden -mno-red-zone -mgeneral-regs-only -mno-sse -mno-mmx \
  -fno-stack-protector -fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
  -fcf-protection=none -fno-strict-aliasing -fno-common -mpreferred-stack-boundary=3
ifeq ($(CONFIG_INDIRECT_THUNK),y)
HV_CFLAGS += -mindirect-branch=thunk-extern -mindirect-branch-register -fno-jump-tables
endif
HV_ASFLAGS := $(filter-out -std=gnu11,$(HV_CFLAGS)) -D__ASSEMBLER__
HV_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack \
  --build-id=none --no-warn-rwx-segments

# Sources: one concept per file; the README's layout table names the directories.
HV_SRCS := $(filter-out %.lds.S,$(wildcard hypervisor/arch/x86/boot/*.S hypervisor/arch/x86/*.S hypervisor/arch/x86/pv/*.c \
                      hypervisor/arch/x86/*.c hypervisor/common/*.c hypervisor/lib/*.c \
                      hypervisor/common/mm/*.c hypervisor/common/evtchn/*.c hypervisor/common/gnttab/*.c \
                      hypervisor/common/decompress/*.c))
HV_OBJS := $(patsubst hypervisor/%,$(HV_O)/%.o,$(HV_SRCS))

# The Xen public headers appear as <xen/...> through a private include dir
# (with -nostdinc, /usr/include itself must stay out of the path).
$(HV_O)/xen-include/xen:
	@mkdir -p $(dir $@)
	$(Q)test -f $(XEN_INCLUDE)/xen/xen.h || { echo "pvisor: Xen public headers missing in $(XEN_INCLUDE)/xen; run: make deps (installs libxen-dev)" >&2; exit 1; }
	$(Q)ln -sfn $(XEN_INCLUDE)/xen $@

$(HV_O)/%.c.o: hypervisor/%.c $(AUTOCONF) | $(HV_O)/xen-include/xen
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(HV_CFLAGS) -MMD -MP -c -o $@ $<

$(HV_O)/%.S.o: hypervisor/%.S $(AUTOCONF) | $(HV_O)/xen-include/xen
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(HV_ASFLAGS) -MMD -MP -c -o $@ $<

$(HV_O)/pvisor.lds: hypervisor/arch/x86/pvisor.lds.S $(AUTOCONF)
	@mkdir -p $(dir $@)
	$(Q)$(CC) -E -P -x c -D__ASSEMBLER__ -D__LINKER__ -Ihypervisor/include $< -o $@

# Two-pass link: the first pass gives the symbol addresses, the second adds
# a table of them (after .data, so no code moves) for panic backtraces.
$(HV_O)/symbols-empty.S:
	@mkdir -p $(dir $@)
	$(Q)printf '    .section .data.symbols, "a"\n    .balign 8\n    .globl pv_symbols, pv_symbol_count, pv_symbol_names\npv_symbol_count: .quad 0\npv_symbols:\npv_symbol_names:\n' > $@

$(HV_O)/%.sym.o: $(HV_O)/%.S
	$(Q)$(CC) -c -o $@ $<

$(O)/pvisor.elf: $(HV_OBJS) $(HV_O)/pvisor.lds $(HV_O)/symbols-empty.sym.o scripts/gen-symbols.py
	@echo "  LD      $@"
	$(Q)$(LD) $(HV_LDFLAGS) -T $(HV_O)/pvisor.lds -o $(HV_O)/pvisor.pass1 $(HV_OBJS) $(HV_O)/symbols-empty.sym.o
	$(Q)nm -n $(HV_O)/pvisor.pass1 > $(HV_O)/pvisor.pass1.nm
	$(Q)$(PY) scripts/gen-symbols.py $(HV_O)/pvisor.pass1.nm > $(HV_O)/symbols.S
	$(Q)$(CC) -c -o $(HV_O)/symbols.sym.o $(HV_O)/symbols.S
	$(Q)$(LD) $(HV_LDFLAGS) -T $(HV_O)/pvisor.lds -o $@ $(HV_OBJS) $(HV_O)/symbols.sym.o
	$(Q)nm -n $@ | grep -i ' t ' > $(HV_O)/pvisor.pass2.nm; grep -i ' t ' $(HV_O)/pvisor.pass1.nm | cmp -s - $(HV_O)/pvisor.pass2.nm || { echo "pvisor: code moved between link passes; check the linker script" >&2; exit 1; }
	$(Q)scripts/check-image.sh $@

-include $(HV_OBJS:.o=.d)

ALL_TARGETS += $(O)/pvisor.elf

# Pure modules, tested on the host.
$(eval $(call unit_test,test_cmdline,tests/unit/test_cmdline.c hypervisor/common/cmdline.c))
$(eval $(call unit_test,test_vsnprintf,tests/unit/test_vsnprintf.c hypervisor/lib/vsnprintf.c))
$(eval $(call unit_test,test_memcpy,tests/unit/test_memcpy.c hypervisor/lib/memcpy.c,-Dmemcpy=pv_memcpy -Dmemset=pv_memset -fno-builtin))
$(eval $(call unit_test,test_vpit,tests/unit/test_vpit.c hypervisor/arch/x86/pv/vpit.c))
$(eval $(call unit_test,test_stime,tests/unit/test_stime.c))
$(eval $(call unit_test,test_tx_ring,tests/unit/test_tx_ring.c hypervisor/common/tx_ring.c))
$(eval $(call unit_test,test_multiboot,tests/unit/test_multiboot.c hypervisor/common/multiboot.c))
$(eval $(call unit_test,test_rangeset,tests/unit/test_rangeset.c hypervisor/common/rangeset.c))
$(eval $(call unit_test,test_buddy,tests/unit/test_buddy.c hypervisor/common/buddy.c))
$(eval $(call unit_test,test_claims,tests/unit/test_claims.c))
$(eval $(call unit_test,test_memop_args,tests/unit/test_memop_args.c hypervisor/common/memop_args.c))
$(eval $(call unit_test,test_resource_args,tests/unit/test_resource_args.c hypervisor/common/resource_args.c))
$(eval $(call unit_test,test_acpi_tables,tests/unit/test_acpi_tables.c hypervisor/common/acpi_tables.c))
$(eval $(call unit_test,test_pv_elf,tests/unit/test_pv_elf.c hypervisor/common/pv_elf.c))
$(eval $(call unit_test,test_domain,tests/unit/test_domain.c hypervisor/common/domain.c,-include tests/unit/host_processor.h))
$(eval $(call unit_test,test_tlb_clock,tests/unit/test_tlb_clock.c hypervisor/arch/x86/tlb_clock.c,-pthread))
