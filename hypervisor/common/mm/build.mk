# The memory-safety module (common/mm/): a pure module built three ways.
#  - freestanding with the hypervisor's flags (compile check until the lead
#    links it into pvisor.elf),
#  - into host cmocka unit tests over a fake frame memory,
#  - into a libFuzzer target that checks the invariants after every op.

MM_SRCS := $(sort $(wildcard hypervisor/common/mm/*.c))
MM_TEST_FLAGS := -Ihypervisor/common/mm -Itests/unit/mm

MM_FS_OBJS := $(patsubst hypervisor/common/mm/%.c,$(O)/mm-freestanding/%.o,$(MM_SRCS))
$(O)/mm-freestanding/%.o: hypervisor/common/mm/%.c $(AUTOCONF) | $(HV_O)/xen-include/xen
	@mkdir -p $(dir $@)
	@echo "  CC      $< (freestanding)"
	$(Q)$(CC) $(HV_CFLAGS) -MMD -MP -c -o $@ $<
ALL_TARGETS += $(MM_FS_OBJS)
-include $(MM_FS_OBJS:.o=.d)

MM_FAKE := tests/unit/mm/fake_env.c
$(eval $(call unit_test,test_mm,tests/unit/mm/test_mm.c $(MM_FAKE) $(MM_SRCS),$(MM_TEST_FLAGS)))
$(eval $(call unit_test,test_mm_ptwr,tests/unit/mm/test_mm_ptwr.c $(MM_FAKE) $(MM_SRCS),$(MM_TEST_FLAGS)))
$(eval $(call unit_test,test_mm_smp,tests/unit/mm/test_mm_smp.c $(MM_FAKE) $(MM_SRCS),$(MM_TEST_FLAGS) -pthread))
$(eval $(call fuzz_target,fuzz_mm,tests/fuzz/mm/fuzz_mm.c $(MM_FAKE) $(MM_SRCS),$(MM_TEST_FLAGS)))

# rules.mk compiles all sources of a test in one command with one -MF, so
# the .d file only lists the last source's headers: name ours explicitly.
MM_HDRS := $(wildcard hypervisor/include/pvisor/*.h hypervisor/include/asm/*.h \
                      hypervisor/common/mm/*.h tests/unit/mm/*.h)
$(O)/tests/unit/test_mm $(O)/tests/unit/test_mm_ptwr $(O)/tests/unit/test_mm_smp \
  $(O)/tests/fuzz/fuzz_mm: $(MM_HDRS)
