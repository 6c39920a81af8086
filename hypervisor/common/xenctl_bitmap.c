/*
 * Filling a caller's xenctl_bitmap (domctl vCPU/node affinity, sysctl CPU
 * maps). The caller names the size; zeroing goes a page per copy so a
 * 512 MiB bitmap is 131072 copies, not 512 Mi one-byte ones.
 */
#include <pvisor/xenctl_bitmap.h>
#include <pvisor/guest_access.h>
#include <asm/layout.h>

long xenctl_bitmap_to_guest(const struct xenctl_bitmap *b, const u8 *bytes,
                            unsigned int nr_bytes)
{
    static const u8 zeros[PAGE_SIZE];
    u32 guest_bytes = (b->nr_bits + 7) / 8;     /* 32-bit, wrapping, as Xen */
    u64 done = nr_bytes < guest_bytes ? nr_bytes : guest_bytes;

    if (done && copy_to_guest(b->bitmap, bytes, done))
        return -XEN_EFAULT;
    while (done < guest_bytes) {
        u64 n = guest_bytes - done < PAGE_SIZE ? guest_bytes - done : PAGE_SIZE;

        if (copy_to_guest_offset(b->bitmap, done, zeros, n))
            return -XEN_EFAULT;
        done += n;
    }
    return 0;
}
