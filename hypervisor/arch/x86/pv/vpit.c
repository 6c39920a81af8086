/* The virtual PIT channel 2 of dom0 and XEN_X86_EMU_PIT domUs (see pvisor/vpit.h). */
#include <pvisor/vpit.h>

void vpit2_init(struct vpit2 *p)
{
    *p = (struct vpit2){ .count = 0x10000, .rw = 3 };
}

/* Input-clock ticks since the counter started, without 64-bit overflow
 * for any uptime (ns * 1193182 would overflow after ~4.3 hours). */
static u64 ticks_since(const struct vpit2 *p, u64 now_ns)
{
    u64 ns = now_ns > p->start_ns ? now_ns - p->start_ns : 0;
    u64 sec = ns / 1000000000u, rem = ns % 1000000000u;
    return sec * VPIT_HZ + rem * VPIT_HZ / 1000000000u;
}

/* Counter value now; *out_high: the channel's OUT line. */
static u16 counter(const struct vpit2 *p, u64 now_ns, bool *out_high)
{
    u64 t;
    bool high;
    u32 v;

    if (!p->loaded) {
        *out_high = p->mode != 0;
        return (u16)p->count;
    }
    if (!p->gate && p->mode != 1 && p->mode != 5) {
        *out_high = p->mode != 0 ? true : p->frozen == 0;
        return p->frozen;
    }
    t = ticks_since(p, now_ns);
    switch (p->mode) {
    case 2:                         /* rate generator: count .. 1, reload */
    case 3:                         /* square wave (counted as in mode 2) */
        v = p->count - (u32)(t % p->count);
        high = p->mode == 3 ? v > p->count / 2 : v != 1;
        break;
    default:                        /* 0, 1, 4, 5: one shot, then wraps */
        if (t < p->count) {
            v = p->count - (u32)t;
            high = p->mode == 4 || p->mode == 5;
        } else {
            v = (u32)(0x10000 - ((t - p->count) & 0xffff)) & 0xffff;
            high = true;
        }
        break;
    }
    *out_high = high;
    return (u16)v;
}

static void load(struct vpit2 *p, u16 value, u64 now_ns)
{
    p->count = value ? value : 0x10000;
    p->frozen = value;
    p->start_ns = now_ns;
    p->loaded = 1;
}

bool vpit2_read(struct vpit2 *p, unsigned int port, u64 now_ns, u8 *val)
{
    bool out;
    u16 v;

    switch (port) {
    case 0x42:
        if (p->latched) {
            v = p->latch;
            if (p->rw == 3) {
                *val = p->latched == 2 ? (u8)v : (u8)(v >> 8);
                p->latched--;
            } else {
                *val = p->rw == 2 ? (u8)(v >> 8) : (u8)v;
                p->latched = 0;
            }
            return true;
        }
        v = counter(p, now_ns, &out);
        if (p->rw == 3) {
            *val = p->read_msb ? (u8)(v >> 8) : (u8)v;
            p->read_msb ^= 1;
        } else {
            *val = p->rw == 2 ? (u8)(v >> 8) : (u8)v;
        }
        return true;
    case 0x43:
        *val = 0xff;                /* the control word is write-only */
        return true;
    case 0x61:
        counter(p, now_ns, &out);
        /* bit 4 toggles with the DRAM refresh, every ~15 us */
        *val = (u8)(p->gate | p->speaker << 1 | ((now_ns / 15000) & 1) << 4 | (u8)out << 5);
        return true;
    }
    return false;
}

bool vpit2_write(struct vpit2 *p, unsigned int port, u64 now_ns, u8 val)
{
    bool out;

    switch (port) {
    case 0x42:
        if (p->rw == 1 || (p->rw == 3 && !p->write_msb)) {
            if (p->rw == 3) {
                p->write_lsb = val;
                p->write_msb = 1;
                return true;
            }
            load(p, val, now_ns);
        } else if (p->rw == 2) {
            load(p, (u16)(val << 8), now_ns);
        } else {
            p->write_msb = 0;
            load(p, (u16)(p->write_lsb | val << 8), now_ns);
        }
        return true;
    case 0x43:
        if ((val >> 6) != 2)
            return true;            /* channels 0 and 1 are the hypervisor's */
        if (!(val & 0x30)) {        /* counter latch */
            if (!p->latched) {
                p->latch = counter(p, now_ns, &out);
                p->latched = p->rw == 3 ? 2 : 1;
            }
            return true;
        }
        p->rw = (val >> 4) & 3;
        p->mode = (val >> 1) & 7;
        if (p->mode > 5)
            p->mode -= 4;           /* 6 and 7 alias 2 and 3 */
        p->loaded = 0;
        p->latched = 0;
        p->read_msb = p->write_msb = 0;
        return true;
    case 0x61: {
        u8 gate = val & 1;
        if (gate != p->gate) {
            if (!gate) {
                p->frozen = counter(p, now_ns, &out);
            } else if (p->loaded) {
                /* Modes 1, 2, 3 and 5 restart on a rising gate; 0 and 4
                 * carry on from where they paused. */
                u16 from = (p->mode == 0 || p->mode == 4) ? p->frozen : (u16)p->count;
                u32 keep = p->count;
                load(p, from, now_ns);
                if (p->mode == 2 || p->mode == 3)
                    p->count = keep;
            }
            p->gate = gate;
        }
        p->speaker = (val >> 1) & 1;
        return true;
    }
    }
    return false;
}
