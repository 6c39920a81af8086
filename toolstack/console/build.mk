# pvconsoled: dom0's console backend (build/toolstack/pvconsoled), its
# attach client, unit tests and fuzz target.

CONS_CFLAGS := -Itoolstack/console $(XEN_ABI_DEFS)
CONS_PURE := toolstack/console/cons_ring.c toolstack/console/cons_rate.c \
             toolstack/console/cons_buf.c toolstack/console/cons_log.c
CONS_SRCS := $(CONS_PURE) toolstack/console/cons_daemon.c \
             toolstack/console/cons_plat_xen.c toolstack/console/cons_plat_sim.c \
             toolstack/console/attach.c toolstack/console/cons_main.c
CONS_LIBS := -lxenstore -lxenevtchn -lxengnttab -lxenforeignmemory -lxenctrl

$(eval $(call host_prog,$(O)/toolstack/pvconsoled,$(CONS_SRCS),$(CONS_CFLAGS),$(CONS_LIBS)))
DOM0_PROGRAMS += $(O)/toolstack/pvconsoled

$(eval $(call unit_test,test_cons_ring,tests/unit/toolstack/test_cons_ring.c toolstack/console/cons_ring.c,$(CONS_CFLAGS)))
$(eval $(call unit_test,test_cons_rate,tests/unit/toolstack/test_cons_rate.c toolstack/console/cons_rate.c,$(CONS_CFLAGS)))
$(eval $(call unit_test,test_cons_buf,tests/unit/toolstack/test_cons_buf.c toolstack/console/cons_buf.c toolstack/console/cons_log.c,$(CONS_CFLAGS)))
$(eval $(call fuzz_target,fuzz_cons_ring,tests/fuzz/toolstack/fuzz_cons_ring.c toolstack/console/cons_ring.c,$(CONS_CFLAGS)))

# The guest side of a simulated console, for tests/system/toolstack/console-sim.sh.
$(eval $(call host_prog,$(O)/tests/toolstack/cons-sim-guest,tests/system/toolstack/cons-sim-guest.c,$(XEN_ABI_DEFS),))
