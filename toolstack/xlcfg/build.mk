# xlcfg: the xl.cfg parser pvctl uses (toolstack/xlcfg/), a pure module.
# Every .c in toolstack/xlcfg/ belongs to it, so a build.mk included before
# this one (toolstack/build.mk sorts first) can name the sources itself:
#   $(sort $(wildcard toolstack/xlcfg/*.c)) with -Itoolstack/xlcfg
XLCFG_SRCS   := $(sort $(wildcard toolstack/xlcfg/*.c))
XLCFG_HDRS   := $(wildcard toolstack/xlcfg/*.h)
XLCFG_CFLAGS := -Itoolstack/xlcfg

# Unit tests (cmocka) of the module on its own.
$(eval $(call unit_test,test_xlcfg,tests/unit/toolstack/test_xlcfg.c $(XLCFG_SRCS),$(XLCFG_CFLAGS)))

# The corpus through xlcfg and Debian's libxlutil, every value compared.
XLCFG_REF_LIBS := -lxlutil -lxenlight
XLCFG_REF_SRCS := tests/unit/toolstack/xlcfg_ref.c $(XLCFG_SRCS)
UNIT_TESTS += $(O)/tests/unit/test_xlcfg_libxlutil
$(O)/tests/unit/test_xlcfg_libxlutil: tests/unit/toolstack/test_xlcfg_libxlutil.c $(XLCFG_REF_SRCS) $(XLCFG_HDRS) tests/unit/toolstack/xlcfg_ref.h
	@mkdir -p $(dir $@)
	@echo "  UNIT    $@"
	$(Q)$(HOSTCC) $(HOST_CFLAGS) -fsanitize=address,undefined -fno-omit-frame-pointer $(XLCFG_CFLAGS) -Itests/unit/toolstack \
	    -o $@ $(filter %.c,$^) $(XLCFG_REF_LIBS)

# Differential fuzzing against libxlutil: clang links it, so every input
# xlcfg accepts is also read by libxlutil and the values compared.
FUZZ_TARGETS += $(O)/tests/fuzz/fuzz_xlcfg
$(O)/tests/fuzz/fuzz_xlcfg: tests/fuzz/toolstack/fuzz_xlcfg.c $(XLCFG_REF_SRCS) $(XLCFG_HDRS) tests/unit/toolstack/xlcfg_ref.h
	@mkdir -p $(dir $@)
	@echo "  FUZZ    $@"
	$(Q)$(CLANG) -std=gnu11 -g -O1 -Wall -Wextra -Werror -D_GNU_SOURCE $(XLCFG_CFLAGS) -Itests/unit/toolstack \
	    -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	    -o $@ $(filter %.c,$^) $(XLCFG_REF_LIBS)

$(O)/tests/unit/test_xlcfg: $(XLCFG_HDRS)
