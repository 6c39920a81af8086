# Shared build rules for host-side programs, unit tests and fuzz targets.

UNIT_CFLAGS := $(HOST_CFLAGS) -Ihypervisor/include -I$(O)/include \
               -include tests/unit/host_compat.h \
               $(XEN_ABI_DEFS) -DUNIT_TEST -fsanitize=address,undefined \
               -fno-omit-frame-pointer -fno-sanitize-recover=undefined
FUZZ_CFLAGS := -std=gnu11 -g -O1 -Wall -Wextra -Werror -Ihypervisor/include \
               -include tests/unit/host_compat.h \
               -I$(O)/include $(XEN_ABI_DEFS) -DUNIT_TEST -DFUZZING \
               -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined

# $(call unit_test,NAME,SOURCES[,EXTRA_FLAGS]): a cmocka test binary at
# $(O)/tests/unit/NAME, run by `make test`.
define unit_test
UNIT_TESTS += $(O)/tests/unit/$(1)
$(O)/tests/unit/$(1): $(2) $(AUTOCONF)
	@mkdir -p $$(dir $$@)
	@echo "  UNIT    $$@"
	$$(Q)$$(HOSTCC) $$(UNIT_CFLAGS) $(3) -MM -MP -MT $$@ $(2) > $$@.d
	$$(Q)$$(HOSTCC) $$(UNIT_CFLAGS) $(3) -o $$@ $(2) tests/unit/host_compat.c -lcmocka
-include $(O)/tests/unit/$(1).d
endef

# $(call fuzz_target,NAME,SOURCES[,EXTRA_FLAGS]): a libFuzzer binary at
# $(O)/tests/fuzz/NAME; `make test` runs it for a bounded time.
define fuzz_target
FUZZ_TARGETS += $(O)/tests/fuzz/$(1)
$(O)/tests/fuzz/$(1): $(2) $(AUTOCONF)
	@mkdir -p $$(dir $$@)
	@echo "  FUZZ    $$@"
	$$(Q)$$(CLANG) $$(FUZZ_CFLAGS) $(3) -MM -MP -MT $$@ $(2) > $$@.d
	$$(Q)$$(CLANG) $$(FUZZ_CFLAGS) $(3) -o $$@ $(2) tests/unit/host_compat.c
-include $(O)/tests/fuzz/$(1).d
endef

# $(call host_prog,PATH,SOURCES,CFLAGS,LDLIBS): a host program (daemon, tool).
define host_prog
ALL_TARGETS += $(1)
$(1): $(2) $(AUTOCONF)
	@mkdir -p $$(dir $$@)
	@echo "  HOSTCC  $$@"
	$$(Q)$$(HOSTCC) $$(HOST_CFLAGS) $(3) -MM -MP -MT $$@ $(filter %.c,$(2)) > $$@.d
	$$(Q)$$(HOSTCC) $$(HOST_CFLAGS) $(3) -o $$@ $(2) $(4)
-include $(1).d
endef
