# The grant-table module (common/gnttab/): host cmocka tests and a libFuzzer
# target over the memory-safety module's fake machine (tests/unit/mm).
GNT_SRCS := $(sort $(wildcard hypervisor/common/gnttab/*.c))
GNT_TEST_FLAGS := -Ihypervisor/common/gnttab -Ihypervisor/common/mm -Itests/unit/mm -Itests/unit/gnttab
GNT_FAKE := tests/unit/gnttab/gnt_fake.c $(MM_FAKE)
$(eval $(call unit_test,test_gnttab,tests/unit/gnttab/test_gnttab.c $(GNT_FAKE) $(GNT_SRCS) $(MM_SRCS),$(GNT_TEST_FLAGS)))
$(eval $(call unit_test,test_gnttab_smp,tests/unit/gnttab/test_gnttab_smp.c $(GNT_FAKE) $(GNT_SRCS) $(MM_SRCS),$(GNT_TEST_FLAGS) -pthread))
$(eval $(call fuzz_target,fuzz_gnttab,tests/fuzz/gnttab/fuzz_gnttab.c $(GNT_FAKE) $(GNT_SRCS) $(MM_SRCS),$(GNT_TEST_FLAGS)))

GNT_HDRS := $(MM_HDRS) $(wildcard hypervisor/common/gnttab/*.h tests/unit/gnttab/*.h)
$(O)/tests/unit/test_gnttab $(O)/tests/unit/test_gnttab_smp $(O)/tests/fuzz/fuzz_gnttab: $(GNT_HDRS)
