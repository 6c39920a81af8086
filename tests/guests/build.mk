# In-tree PV test kernels: build/tests/guests/<name>.elf.
#
# Each kernel is one C file over the framework in tests/guests/lib/, built
# in one of two flavours: "page" (HYPERCALL_PAGE note, hypercalls through
# the page) or "raw" (no hypercall page; raw `syscall` like Debian's Linux).

GUESTS_O := $(O)/tests/guests
GUEST_GCC_INC := $(shell $(CC) -print-file-name=include)

# XEN_ABI_DEFS minus the interface version: with __XEN_TOOLS__ the headers
# define it themselves (as __XEN_LATEST_INTERFACE_VERSION__ = 0x00040e00) and
# a second, textually different definition is a -Werror redefinition.
GUEST_XEN_DEFS := $(filter-out -D__XEN_INTERFACE_VERSION__=%,$(XEN_ABI_DEFS))
GUEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror \
  -ffreestanding -nostdinc -isystem $(GUEST_GCC_INC) \
  -I$(GUESTS_O)/xen-include -Itests/guests/lib $(GUEST_XEN_DEFS) \
  -mcmodel=kernel -fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only \
  -mno-sse -mno-mmx -fno-stack-protector -fno-omit-frame-pointer \
  -fno-asynchronous-unwind-tables -fcf-protection=none -fno-strict-aliasing \
  -fno-common -fno-builtin
GUEST_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack \
  --build-id=none --no-warn-rwx-segments -T tests/guests/lib/guest.lds

GUEST_LIB_SRCS := $(wildcard tests/guests/lib/*.c) tests/guests/lib/head.S tests/guests/lib/entry.S
GUEST_FLAVOUR_page := -DGUEST_HYPERCALL_PAGE=1
GUEST_FLAVOUR_raw := -DGUEST_HYPERCALL_PAGE=0

$(GUESTS_O)/xen-include/xen:
	@mkdir -p $(dir $@)
	$(Q)test -f $(XEN_INCLUDE)/xen/xen.h || { echo "pvisor: Xen public headers missing in $(XEN_INCLUDE)/xen; run: make deps (installs libxen-dev)" >&2; exit 1; }
	$(Q)ln -sfn $(XEN_INCLUDE)/xen $@

# The framework, once per flavour.
define guest_lib
$(GUESTS_O)/lib-$(1)/%.c.o: tests/guests/lib/%.c | $(GUESTS_O)/xen-include/xen
	@mkdir -p $$(dir $$@)
	@echo "  CC      $$< ($(1))"
	$$(Q)$$(CC) $$(GUEST_CFLAGS) $$(GUEST_FLAVOUR_$(1)) -MMD -MP -c -o $$@ $$<
$(GUESTS_O)/lib-$(1)/%.S.o: tests/guests/lib/%.S | $(GUESTS_O)/xen-include/xen
	@mkdir -p $$(dir $$@)
	@echo "  AS      $$< ($(1))"
	$$(Q)$$(CC) $$(GUEST_CFLAGS) $$(GUEST_FLAVOUR_$(1)) -D__ASSEMBLY__ -MMD -MP -c -o $$@ $$<
GUEST_LIB_OBJS_$(1) := $(patsubst tests/guests/lib/%,$(GUESTS_O)/lib-$(1)/%.o,$(GUEST_LIB_SRCS))
-include $$(GUEST_LIB_OBJS_$(1):.o=.d)
endef
$(eval $(call guest_lib,page))
$(eval $(call guest_lib,raw))

# $(call guest_kernel,NAME,SOURCE,FLAVOUR[,MORE_SOURCES]): build/tests/guests/NAME.elf
define guest_kernel
GUEST_KERNELS += $(GUESTS_O)/$(1).elf
$(GUESTS_O)/$(1)/main.o: $(2) | $(GUESTS_O)/xen-include/xen
	@mkdir -p $$(dir $$@)
	@echo "  CC      $$<"
	$$(Q)$$(CC) $$(GUEST_CFLAGS) $$(GUEST_FLAVOUR_$(3)) -DGUEST_NAME='"$(1)"' -MMD -MP -c -o $$@ $$<
GUEST_MORE_$(1) := $(patsubst tests/guests/%.c,$(GUESTS_O)/$(1)/%.o,$(4))
$(GUESTS_O)/$(1)/%.o: tests/guests/%.c | $(GUESTS_O)/xen-include/xen
	@mkdir -p $$(dir $$@)
	@echo "  CC      $$<"
	$$(Q)$$(CC) $$(GUEST_CFLAGS) $$(GUEST_FLAVOUR_$(3)) -DGUEST_NAME='"$(1)"' -MMD -MP -c -o $$@ $$<
$(GUESTS_O)/$(1)/notes.o: tests/guests/lib/notes.S | $(GUESTS_O)/xen-include/xen
	@mkdir -p $$(dir $$@)
	$$(Q)$$(CC) $$(GUEST_CFLAGS) $$(GUEST_FLAVOUR_$(3)) -D__ASSEMBLY__ -DGUEST_NAME='"$(1)"' -MMD -MP -c -o $$@ $$<
$(GUESTS_O)/$(1).elf: $(GUESTS_O)/$(1)/main.o $$(GUEST_MORE_$(1)) $(GUESTS_O)/$(1)/notes.o $$(GUEST_LIB_OBJS_$(3)) tests/guests/lib/guest.lds
	@echo "  LD      $$@"
	$$(Q)$$(LD) $$(GUEST_LDFLAGS) -o $$@ $(GUESTS_O)/$(1)/main.o $$(GUEST_MORE_$(1)) $(GUESTS_O)/$(1)/notes.o $$(GUEST_LIB_OBJS_$(3))
-include $(GUESTS_O)/$(1)/main.d $(GUESTS_O)/$(1)/notes.d $$(GUEST_MORE_$(1):.o=.d)
endef

GUEST_KERNELS :=
$(eval $(call guest_kernel,startofday,tests/guests/startofday.c,page))
$(eval $(call guest_kernel,startofday-raw,tests/guests/startofday.c,raw))
$(eval $(call guest_kernel,console,tests/guests/console.c,page))
$(eval $(call guest_kernel,version,tests/guests/version.c,raw))
$(eval $(call guest_kernel,vmassist,tests/guests/vmassist.c,page))
$(eval $(call guest_kernel,memory,tests/guests/memory.c,raw))
$(eval $(call guest_kernel,sched,tests/guests/sched.c,page))
$(eval $(call guest_kernel,schedsmp,tests/guests/schedsmp.c,page))
$(eval $(call guest_kernel,shutdown,tests/guests/shutdown.c,raw))
$(eval $(call guest_kernel,exceptions,tests/guests/exceptions.c,page))
$(eval $(call guest_kernel,usermode,tests/guests/usermode.c,raw))
$(eval $(call guest_kernel,privop,tests/guests/privop.c,page))
$(eval $(call guest_kernel,mmu,tests/guests/mmu.c,raw))
$(eval $(call guest_kernel,vcpu,tests/guests/vcpu.c,page))
$(eval $(call guest_kernel,pagetables,tests/guests/pagetables.c,raw))
$(eval $(call guest_kernel,multicall,tests/guests/multicall.c,raw))
$(eval $(call guest_kernel,descriptors,tests/guests/descriptors.c,page))
$(eval $(call guest_kernel,events,tests/guests/events.c,raw))
$(eval $(call guest_kernel,timers,tests/guests/timers.c,page))
$(eval $(call guest_kernel,flood,tests/guests/flood.c,raw))
$(eval $(call guest_kernel,cpu,tests/guests/cpu.c,page))
$(eval $(call guest_kernel,crash,tests/guests/crash.c,raw))
$(eval $(call guest_kernel,dom0ops,tests/guests/dom0ops.c,page))
$(eval $(call guest_kernel,pitdomu,tests/guests/pitdomu.c,page))
$(eval $(call guest_kernel,smp,tests/guests/smp.c,page))
$(eval $(call guest_kernel,smp-default,tests/guests/smp.c,page))
$(eval $(call guest_kernel,smp-atleast,tests/guests/smp.c,page))
$(eval $(call guest_kernel,memrace,tests/guests/memrace.c,page))
$(eval $(call guest_kernel,gntl1race,tests/guests/gntl1race.c,page))
$(eval $(call guest_kernel,foreign,tests/guests/foreign.c,raw))
$(eval $(call guest_kernel,race,tests/guests/race.c,page))
$(eval $(call guest_kernel,sysctl,tests/guests/sysctl.c,raw))
$(eval $(call guest_kernel,interdomain,tests/guests/interdomain.c,raw))
$(eval $(call guest_kernel,builder,tests/guests/builder.c,raw,tests/guests/builder/toolstack.c tests/guests/builder/cross_domain.c tests/guests/builder/interdomain.c tests/guests/builder/destroy_mapped.c tests/guests/builder/race.c))
$(eval $(call guest_kernel,domctl,tests/guests/domctl.c,page))
$(eval $(call guest_kernel,resource,tests/guests/resource.c,raw,tests/guests/builder/toolstack.c))
$(eval $(call guest_kernel,gntpair,tests/guests/gntpair.c,raw,tests/guests/builder/toolstack.c $(wildcard tests/guests/gntpair/*.c)))

$(eval $(call guest_kernel,xstate,tests/guests/xstate.c,page))
$(eval $(call guest_kernel,microbench,tests/guests/microbench.c,raw))
$(eval $(call guest_kernel,splitbench,tests/guests/splitbench.c,raw,tests/guests/builder/toolstack.c))
# Standalone kernels linked low (tests/guests/lowboot/: no framework, which
# assumes Linux's addresses). $(call lowboot_kernel,NAME,LOW_BASE,ADDRESS_NOTES)
LOWBOOT_LDFLAGS := -nostdlib -static -no-pie -z max-page-size=0x1000 -z noexecstack \
  --build-id=none --no-warn-rwx-segments -T tests/guests/lowboot/lowboot.lds
define lowboot_kernel
GUEST_KERNELS += $(GUESTS_O)/$(1).elf
$(GUESTS_O)/$(1)/lowboot.o: tests/guests/lowboot/lowboot.c | $(GUESTS_O)/xen-include/xen
	@mkdir -p $$(dir $$@)
	@echo "  CC      $$< ($(1))"
	$$(Q)$$(CC) $$(GUEST_CFLAGS) -DGUEST_NAME='"$(1)"' -DLOW_BASE=$(2)ULL -MMD -MP -c -o $$@ $$<
$(GUESTS_O)/$(1)/head.o: tests/guests/lowboot/head.S | $(GUESTS_O)/xen-include/xen
	@mkdir -p $$(dir $$@)
	$$(Q)$$(CC) $$(GUEST_CFLAGS) -D__ASSEMBLY__ -DGUEST_NAME='"$(1)"' -DLOW_ADDRESS_NOTES=$(3) -MMD -MP -c -o $$@ $$<
$(GUESTS_O)/$(1).elf: $(GUESTS_O)/$(1)/head.o $(GUESTS_O)/$(1)/lowboot.o tests/guests/lowboot/lowboot.lds
	@echo "  LD      $$@"
	$$(Q)$$(LD) $$(LOWBOOT_LDFLAGS) --defsym=LOW_BASE=$(2) -o $$@ $(GUESTS_O)/$(1)/head.o $(GUESTS_O)/$(1)/lowboot.o
-include $(GUESTS_O)/$(1)/lowboot.d $(GUESTS_O)/$(1)/head.d
endef
$(eval $(call lowboot_kernel,lowboot-1m,0x100000,1))
$(eval $(call lowboot_kernel,lowboot-0,0,0))

ALL_TARGETS += $(GUEST_KERNELS)

.PHONY: guests
guests: $(GUEST_KERNELS)
BENCH_SCRIPTS += bench/guest-paths.sh bench/domu-lifecycle.sh
