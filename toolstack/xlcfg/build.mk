# xlcfg: the xl.cfg parser pvctl uses (toolstack/xlcfg/), a pure module.
# Every .c in toolstack/xlcfg/ belongs to it, so a build.mk included before
# this one (toolstack/build.mk sorts first) can name the sources itself:
#   $(sort $(wildcard toolstack/xlcfg/*.c)) with -Itoolstack/xlcfg
XLCFG_SRCS   := $(sort $(wildcard toolstack/xlcfg/*.c))
XLCFG_HDRS   := $(wildcard toolstack/xlcfg/*.h)
XLCFG_CFLAGS := -Itoolstack/xlcfg
