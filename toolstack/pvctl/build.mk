# pvctl: the toolstack of pvisor's dom0 (build/toolstack/pvctl), its unit
# tests and system test.

# The PV boot layout is one pure module, also compiled into the
# hypervisor's dom0 builder (hypervisor/common/pv_layout.c).
PV_LAYOUT_SRCS := hypervisor/common/pv_layout.c
$(eval $(call unit_test,test_pv_layout,tests/unit/toolstack/test_pv_layout.c $(PV_LAYOUT_SRCS)))
