# Decompressors for the dom0 builder (xz, lz4, gzip, zstd, bzImage): pure
# code, host-tested here. Not part of the hypervisor image yet: its build.mk
# globs only hypervisor/common/*.c; the image picks up DECOMP_SRCS when wired.

DECOMP_SRCS := $(wildcard hypervisor/common/decompress/*.c)
DECOMP_TEST_FIXTURE := tests/unit/decompress/fixture.c

$(foreach t,xz lz4 gzip zstd bzimage,$(eval $(call unit_test,test_decompress_$(t),tests/unit/test_decompress_$(t).c $(DECOMP_TEST_FIXTURE) $(DECOMP_SRCS))))

$(foreach t,xz lz4 gzip zstd bzimage,$(eval $(call fuzz_target,fuzz_decompress_$(t),tests/fuzz/fuzz_decompress_$(t).c $(DECOMP_SRCS))))

# Host benchmark / front end, built with the hypervisor's code-generation
# constraints (no SSE, -ffreestanding) so its numbers are the ones dom0 boot
# will see.
$(eval $(call host_prog,$(O)/tests/bench/decompress_bench,tests/bench/decompress_bench.c $(DECOMP_SRCS),-Ihypervisor/include -ffreestanding -fno-strict-aliasing -mgeneral-regs-only -mno-red-zone,))
BENCH_SCRIPTS += tests/bench/decompress-bench.py
