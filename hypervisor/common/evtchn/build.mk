# The event-channel module (common/evtchn/): a pure module built three ways,
# like common/mm: into pvisor.elf (hypervisor/build.mk), into host cmocka
# tests over a fake machine, and into a libFuzzer target that recounts the
# invariants after every operation.

EVTCHN_SRCS := $(sort $(wildcard hypervisor/common/evtchn/*.c))
EVTCHN_TEST_FLAGS := -Ihypervisor/common/evtchn -Itests/unit/evtchn -pthread
EVTCHN_FAKE := tests/unit/evtchn/fake_env.c

$(eval $(call unit_test,test_evtchn,tests/unit/evtchn/test_evtchn.c $(EVTCHN_FAKE) $(EVTCHN_SRCS),$(EVTCHN_TEST_FLAGS)))
$(eval $(call unit_test,test_evtchn_smp,tests/unit/evtchn/test_evtchn_smp.c $(EVTCHN_FAKE) $(EVTCHN_SRCS),$(EVTCHN_TEST_FLAGS)))
$(eval $(call fuzz_target,fuzz_evtchn,tests/fuzz/evtchn/fuzz_evtchn.c $(EVTCHN_FAKE) $(EVTCHN_SRCS),$(EVTCHN_TEST_FLAGS)))

# One command compiles all sources of a test, so the .d file lists only the
# last source's headers: name ours explicitly.
EVTCHN_HDRS := $(wildcard hypervisor/include/pvisor/evtchn.h hypervisor/common/evtchn/*.h \
                          tests/unit/evtchn/*.h)
$(O)/tests/unit/test_evtchn $(O)/tests/unit/test_evtchn_smp $(O)/tests/fuzz/fuzz_evtchn: \
  $(EVTCHN_HDRS)
