# The memory-safety module (common/mm/): a pure module built three ways.
#  - into pvisor.elf (hypervisor/build.mk),
#  - into host cmocka unit tests over a fake frame memory,
#  - into a libFuzzer target that checks the invariants after every op.

MM_SRCS := $(sort $(wildcard hypervisor/common/mm/*.c))
MM_TEST_FLAGS := -Ihypervisor/common/mm -Itests/unit/mm

MM_FAKE := tests/unit/mm/fake_env.c
$(eval $(call unit_test,test_mm,tests/unit/mm/test_mm.c $(MM_FAKE) $(MM_SRCS),$(MM_TEST_FLAGS)))
$(eval $(call unit_test,test_mm_ptwr,tests/unit/mm/test_mm_ptwr.c $(MM_FAKE) $(MM_SRCS),$(MM_TEST_FLAGS)))
$(eval $(call unit_test,test_mm_foreign,tests/unit/mm/test_mm_foreign.c $(MM_FAKE) $(MM_SRCS),$(MM_TEST_FLAGS)))
$(eval $(call unit_test,test_mm_smp,tests/unit/mm/test_mm_smp.c $(MM_FAKE) $(MM_SRCS),$(MM_TEST_FLAGS) -pthread))
$(eval $(call fuzz_target,fuzz_mm,tests/fuzz/mm/fuzz_mm.c $(MM_FAKE) $(MM_SRCS),$(MM_TEST_FLAGS)))

# rules.mk compiles all sources of a test in one command with one -MF, so
# the .d file only lists the last source's headers: name ours explicitly.
MM_HDRS := $(wildcard hypervisor/include/pvisor/*.h hypervisor/include/asm/*.h \
                      hypervisor/common/mm/*.h tests/unit/mm/*.h)
$(O)/tests/unit/test_mm $(O)/tests/unit/test_mm_ptwr $(O)/tests/unit/test_mm_foreign $(O)/tests/unit/test_mm_smp \
  $(O)/tests/fuzz/fuzz_mm: $(MM_HDRS)
