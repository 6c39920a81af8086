/* Sorted disjoint range sets (pure). */
#include <pvisor/rangeset.h>
#include <string.h>

void rangeset_init(struct rangeset *rs)
{
    rs->n = 0;
}

bool rangeset_add(struct rangeset *rs, u64 start, u64 end)
{
    unsigned i = 0, j;

    if (start >= end)
        return true;
    /* first range that ends at or after start (touching ranges merge) */
    while (i < rs->n && rs->r[i].end < start)
        i++;
    j = i;
    while (j < rs->n && rs->r[j].start <= end) {
        if (rs->r[j].start < start)
            start = rs->r[j].start;
        if (rs->r[j].end > end)
            end = rs->r[j].end;
        j++;
    }
    if (i == j) {
        if (rs->n >= RANGESET_MAX)
            return false;
        memmove(&rs->r[i + 1], &rs->r[i], (rs->n - i) * sizeof(rs->r[0]));
        rs->n++;
    } else if (j > i + 1) {
        memmove(&rs->r[i + 1], &rs->r[j], (rs->n - j) * sizeof(rs->r[0]));
        rs->n -= j - i - 1;
    }
    rs->r[i].start = start;
    rs->r[i].end = end;
    return true;
}

bool rangeset_remove(struct rangeset *rs, u64 start, u64 end)
{
    if (start >= end)
        return true;
    for (unsigned i = 0; i < rs->n; i++) {
        struct range *r = &rs->r[i];

        if (r->end <= start || r->start >= end)
            continue;
        if (r->start < start && r->end > end) {
            /* split in two */
            if (rs->n >= RANGESET_MAX)
                return false;
            memmove(&rs->r[i + 1], &rs->r[i], (rs->n - i) * sizeof(rs->r[0]));
            rs->n++;
            rs->r[i].end = start;
            rs->r[i + 1].start = end;
            return true;
        }
        if (r->start >= start && r->end <= end) {
            memmove(&rs->r[i], &rs->r[i + 1], (rs->n - i - 1) * sizeof(rs->r[0]));
            rs->n--;
            i--;
            continue;
        }
        if (r->start < start)
            r->end = start;
        else
            r->start = end;
    }
    return true;
}

bool rangeset_contains(const struct rangeset *rs, u64 start, u64 end)
{
    for (unsigned i = 0; i < rs->n; i++)
        if (rs->r[i].start <= start && rs->r[i].end >= end)
            return true;
    return false;
}

bool rangeset_overlaps(const struct rangeset *rs, u64 start, u64 end)
{
    for (unsigned i = 0; i < rs->n; i++)
        if (rs->r[i].start < end && rs->r[i].end > start)
            return true;
    return false;
}

u64 rangeset_total(const struct rangeset *rs)
{
    u64 t = 0;

    for (unsigned i = 0; i < rs->n; i++)
        t += rs->r[i].end - rs->r[i].start;
    return t;
}

u64 rangeset_alloc_top(struct rangeset *rs, u64 size, u64 align, u64 limit)
{
    if (!size || (align & (align - 1)))
        return 0;
    for (unsigned i = rs->n; i-- > 0;) {
        u64 end = rs->r[i].end < limit ? rs->r[i].end : limit;
        u64 start;

        if (end < size || end <= rs->r[i].start)
            continue;
        start = (end - size) & ~(align - 1);
        if (start < rs->r[i].start || start == 0)
            continue;
        if (!rangeset_remove(rs, start, start + size))
            return 0;
        return start;
    }
    return 0;
}
