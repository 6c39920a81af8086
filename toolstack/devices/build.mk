# devices: the split-driver wiring (vbd, vif, loop devices, bridges) pvctl
# uses, and pvdev, its hotplug commands as a program of their own.
DEVICES_SRCS   := $(filter-out toolstack/devices/pvdev.c,$(sort $(wildcard toolstack/devices/*.c)))
DEVICES_HDRS   := $(wildcard toolstack/devices/*.h)
DEVICES_CFLAGS := -Itoolstack/devices -Itoolstack/xlcfg

$(eval $(call host_prog,$(O)/toolstack/pvdev,toolstack/devices/pvdev.c $(DEVICES_SRCS) $(sort $(wildcard toolstack/xlcfg/*.c)),$(DEVICES_CFLAGS),-static -lxenstore -lxentoolcore -lpthread))
DOM0_PROGRAMS += $(O)/toolstack/pvdev

# Node sets against the reference layout, loop devices and bridges on the
# host (root; bridges only inside a network namespace of the test's own).
$(eval $(call unit_test,test_devices,tests/unit/toolstack/test_devices.c $(DEVICES_SRCS) $(sort $(wildcard toolstack/xlcfg/*.c)),$(DEVICES_CFLAGS) -lxenstore))
$(O)/tests/unit/test_devices: $(DEVICES_HDRS) $(O)/pvstored
