/*
 * console_io: dom0 writes to the hypervisor console and reads the serial
 * input. Other domains are refused both (-EPERM, Xen's default XSM
 * policy): their console is the shared ring, and the serial line is too
 * slow to share with a guest that floods it. A write goes out in 127-byte
 * chunks, each queued with interrupts off only for the copy (the UART
 * drains the queue, common/console_tx.c), and yields between chunks.
 */
#include <pvisor/hypercall.h>
#include <pvisor/console.h>
#include <pvisor/domain.h>
#include <pvisor/guest_access.h>
#include <stdio.h>

#define CHUNK 127

long do_console_io(unsigned long cmd, unsigned long count64, XEN_GUEST_HANDLE_PARAM(char) buffer)
{
    struct domain *d = current->domain;
    unsigned int count = (unsigned int)count64;     /* unsigned int in the ABI */
    char kbuf[CHUNK + 8];

    if (!d->is_privileged)
        return -XEN_EPERM;
    switch ((unsigned int)cmd) {
    case CONSOLEIO_write:
        while (count) {
            unsigned int n = count < CHUNK ? count : CHUNK;
            if (copy_from_guest(kbuf, buffer, n))
                return -XEN_EFAULT;
            if (d->is_initial) {
                console_write_guest(kbuf, n);
            } else {
                char line[CHUNK + 16];
                int m = snprintf(line, sizeof(line), "(d%u) ", d->domain_id);
                for (unsigned i = 0; i < n && m < (int)sizeof(line); i++)
                    line[m++] = kbuf[i];
                console_write_guest(line, m);
            }
            guest_handle_add_offset(buffer, n);
            count -= n;
            if (count && hypercall_preempt_check())
                return hypercall_create_continuation(__HYPERVISOR_console_io, 3,
                                                     (unsigned long)CONSOLEIO_write,
                                                     (unsigned long)count,
                                                     guest_handle_va(buffer));
        }
        return 0;
    case CONSOLEIO_read: {
        long done = 0;
        if ((int)count < 0)
            return -XEN_E2BIG;
        while ((unsigned int)done < count) {
            size_t want = count - (size_t)done < sizeof(kbuf) ? count - (size_t)done : sizeof(kbuf);
            size_t n = console_read(kbuf, want);
            if (!n)
                break;
            if (copy_to_guest_offset(buffer, done, kbuf, n))
                return -XEN_EFAULT;
            done += n;
        }
        return done;
    }
    }
    return -XEN_ENOSYS;
}
