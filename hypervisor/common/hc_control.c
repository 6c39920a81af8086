/* domctl: the toolstack's interface to domains (sysctl is in sysctl.c). */
#include <pvisor/hypercall.h>
#include <pvisor/domain.h>
#include <pvisor/uaccess.h>
#include <xen/domctl.h>

long do_domctl(unsigned long arg)
{
    u32 hdr[2];

    if (!current->domain->is_privileged)
        return -XEN_EPERM;
    if (copy_from_guest(hdr, arg, sizeof(hdr)))
        return -XEN_EFAULT;
    if (hdr[1] != XEN_DOMCTL_INTERFACE_VERSION)
        return -XEN_EACCES;
    return -XEN_ENOSYS;
}
