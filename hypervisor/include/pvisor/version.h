#ifndef PVISOR_VERSION_H
#define PVISOR_VERSION_H
#define PVISOR_VERSION "0.1"
#define XEN_ABI_MAJOR 4
#define XEN_ABI_MINOR 17
#ifndef PVISOR_BUILD_INFO
#define PVISOR_BUILD_INFO "built " __DATE__
#endif
#endif
