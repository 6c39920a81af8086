# pvstored: the xenstore daemon (build/pvstored), its unit tests, fuzz
# targets, test clients and benchmark.

XS_CFLAGS := -Ixenstore $(XEN_ABI_DEFS)
XS_CORE := xenstore/xs_perms.c xenstore/xs_path.c xenstore/xs_store.c \
           xenstore/xs_txn.c xenstore/xs_access.c

$(eval $(call unit_test,test_xs_store,tests/unit/xenstore/test_xs_store.c $(XS_CORE),$(XS_CFLAGS)))

XS_DAEMON_CORE := $(XS_CORE) xenstore/xs_wire.c xenstore/xs_outq.c \
           xenstore/xs_conn.c xenstore/xs_ops.c xenstore/xs_ops_txn.c \
           xenstore/xs_watch.c xenstore/xs_domain.c xenstore/xs_control.c \
           xenstore/xs_quota.c xenstore/xs_persist.c xenstore/xs_log.c \
           xenstore/xs_core.c

XS_DAEMON_SRCS := $(XS_DAEMON_CORE) xenstore/xs_ring.c xenstore/xs_loop.c \
           xenstore/xs_sock.c xenstore/xs_ring_plat.c xenstore/xs_xen_sim.c \
           xenstore/xs_xen_linux.c xenstore/xs_platform.c xenstore/xs_main.c
XS_XEN_LIBS := -lxenevtchn -lxengnttab -lxenforeignmemory -lxenctrl
$(eval $(call host_prog,$(O)/pvstored,$(XS_DAEMON_SRCS),$(XS_CFLAGS),$(XS_XEN_LIBS)))
$(eval $(call host_prog,$(O)/xenstore/xs-probe,xenstore/tools/xs-probe.c xenstore/xs_ring.c,$(XS_CFLAGS),))

$(eval $(call unit_test,test_xs_ops,tests/unit/xenstore/test_xs_ops.c $(XS_DAEMON_CORE),$(XS_CFLAGS)))
$(eval $(call unit_test,test_xs_ring,tests/unit/xenstore/test_xs_ring.c $(XS_DAEMON_CORE) xenstore/xs_ring.c xenstore/xs_loop.c xenstore/xs_ring_plat.c,$(XS_CFLAGS)))
$(eval $(call unit_test,test_xs_sock,tests/unit/xenstore/test_xs_sock.c $(XS_DAEMON_CORE) xenstore/xs_loop.c xenstore/xs_sock.c,$(XS_CFLAGS)))
$(eval $(call unit_test,test_xs_persist,tests/unit/xenstore/test_xs_persist.c $(XS_DAEMON_CORE),$(XS_CFLAGS)))

# Fuzz targets (libFuzzer); make test runs each for a bounded time.
$(eval $(call fuzz_target,fuzz_xs_wire,tests/fuzz/xenstore/fuzz_xs_wire.c xenstore/xs_wire.c xenstore/xs_path.c xenstore/xs_perms.c,$(XS_CFLAGS)))
$(eval $(call fuzz_target,fuzz_xs_proto,tests/fuzz/xenstore/fuzz_xs_proto.c $(XS_DAEMON_CORE),$(XS_CFLAGS)))
$(eval $(call fuzz_target,fuzz_xs_ring,tests/fuzz/xenstore/fuzz_xs_ring.c xenstore/xs_ring.c,$(XS_CFLAGS)))
$(eval $(call fuzz_target,fuzz_xs_ring_plat,tests/fuzz/xenstore/fuzz_xs_ring_plat.c $(XS_DAEMON_CORE) xenstore/xs_ring.c xenstore/xs_loop.c xenstore/xs_ring_plat.c,$(XS_CFLAGS)))

# Test clients and the benchmark client (linked with Debian's libxenstore).
$(eval $(call host_prog,$(O)/xenstore/xs-libclient,tests/system/xenstore/xs-libclient.c,,-lxenstore))
$(eval $(call host_prog,$(O)/xenstore/xs-bench,bench/xenstore/xs-bench.c,,-lxenstore -lpthread))

BENCH_SCRIPTS += bench/xenstore/bench.sh
