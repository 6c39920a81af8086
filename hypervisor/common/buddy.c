/* Buddy allocator (pure). */
#include <pvisor/buddy.h>
#include <string.h>

static void list_push(struct buddy *b, unsigned order, u32 mfn)
{
    struct frame *f = &b->ft[mfn];
    u32 head = b->free_head[order];

    f->prev = FRAME_NIL;
    f->next = head;
    if (head != FRAME_NIL)
        b->ft[head].prev = mfn;
    b->free_head[order] = mfn;
    b->nr_free_blocks[order]++;
}

static void list_del(struct buddy *b, unsigned order, u32 mfn)
{
    struct frame *f = &b->ft[mfn];

    if (f->prev != FRAME_NIL)
        b->ft[f->prev].next = f->next;
    else
        b->free_head[order] = f->next;
    if (f->next != FRAME_NIL)
        b->ft[f->next].prev = f->prev;
    f->next = f->prev = FRAME_NIL;
    b->nr_free_blocks[order]--;
}

static void mark_free_block(struct buddy *b, u64 mfn, unsigned order)
{
    struct frame *f = &b->ft[mfn];

    for (u64 i = 0; i < (1ull << order); i++) {
        f[i].state = FRAME_FREE;
        f[i].order = BUDDY_NOT_HEAD;
    }
    f->order = (u8)order;
}

void buddy_init(struct buddy *b, struct frame *ft, u64 nr_frames)
{
    memset(b, 0, sizeof(*b));
    b->ft = ft;
    b->nr_frames = nr_frames;
    for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++)
        b->free_head[o] = FRAME_NIL;
}

/* Insert a free block, merging with its buddy while possible. Only the
 * block's own frames are marked: a free buddy's are already free and not
 * heads, but for its head (so a merge up to the largest order costs the
 * merges, not a write to every frame of the result). */
static void insert_block(struct buddy *b, u64 mfn, unsigned order)
{
    mark_free_block(b, mfn, order);
    while (order < BUDDY_MAX_ORDER) {
        u64 buddy = mfn ^ (1ull << order);
        struct frame *bf;

        if (buddy + (1ull << order) > b->nr_frames)
            break;
        bf = &b->ft[buddy];
        if (bf->state != FRAME_FREE || bf->order != order)
            break;
        list_del(b, order, (u32)buddy);
        bf->order = BUDDY_NOT_HEAD;
        b->ft[mfn].order = BUDDY_NOT_HEAD;
        mfn &= ~(1ull << order);
        order++;
    }
    b->ft[mfn].order = (u8)order;
    list_push(b, order, (u32)mfn);
}

void buddy_add_range(struct buddy *b, u64 mfn, u64 count)
{
    u64 end = mfn + count;

    if (end > b->nr_frames)
        end = b->nr_frames;
    while (mfn < end) {
        unsigned order = 0;
        /* largest naturally aligned block that fits */
        while (order < BUDDY_MAX_ORDER && !(mfn & (1ull << order)) &&
               mfn + (2ull << order) <= end)
            order++;
        b->free_pages += 1ull << order;
        insert_block(b, mfn, order);
        mfn += 1ull << order;
    }
}

static s64 take(struct buddy *b, unsigned want, unsigned have, u32 mfn)
{
    list_del(b, have, mfn);
    /* split: give back the upper halves (their frames are free and not
     * heads already: only each half's head is marked) */
    while (have > want) {
        have--;
        u64 upper = mfn + (1ull << have);
        b->ft[upper].order = (u8)have;
        list_push(b, have, (u32)upper);
    }
    for (u64 i = 0; i < (1ull << want); i++) {
        struct frame *f = &b->ft[mfn + i];
        f->state = FRAME_HV;
        f->order = 0;
        f->next = f->prev = FRAME_NIL;
    }
    b->ft[mfn].order = (u8)want;
    b->free_pages -= 1ull << want;
    return mfn;
}

s64 buddy_alloc(struct buddy *b, unsigned int order)
{
    if (order > BUDDY_MAX_ORDER)
        return -1;
    for (unsigned o = order; o <= BUDDY_MAX_ORDER; o++)
        if (b->free_head[o] != FRAME_NIL)
            return take(b, order, o, b->free_head[o]);
    return -1;
}

s64 buddy_alloc_below(struct buddy *b, unsigned int order, u64 max_mfn)
{
    if (order > BUDDY_MAX_ORDER)
        return -1;
    for (unsigned o = order; o <= BUDDY_MAX_ORDER; o++) {
        for (u32 m = b->free_head[o]; m != FRAME_NIL; m = b->ft[m].next) {
            /* the lowest 2^order piece of this block is what we'd keep */
            if (m + (1ull << order) <= max_mfn)
                return take(b, order, o, m);
        }
    }
    return -1;
}

void buddy_free(struct buddy *b, u64 mfn, unsigned int order)
{
    b->free_pages += 1ull << order;
    insert_block(b, mfn, order);
}

int buddy_check(const struct buddy *b)
{
    u64 pages = 0;

    for (unsigned o = 0; o <= BUDDY_MAX_ORDER; o++) {
        u64 blocks = 0;
        u32 prev = FRAME_NIL;
        for (u32 m = b->free_head[o]; m != FRAME_NIL; m = b->ft[m].next) {
            const struct frame *f = &b->ft[m];
            if (m >= b->nr_frames)
                return -1;
            if (f->state != FRAME_FREE || f->order != o)
                return -2;
            if (m & ((1u << o) - 1))
                return -3;                 /* misaligned block */
            if (f->prev != prev)
                return -4;
            for (u64 i = 1; i < (1ull << o); i++)
                if (b->ft[m + i].state != FRAME_FREE || b->ft[m + i].order != BUDDY_NOT_HEAD)
                    return -5;
            if (++blocks > b->nr_frames)
                return -6;                 /* cycle */
            prev = m;
        }
        if (blocks != b->nr_free_blocks[o])
            return -7;
        pages += blocks << o;
    }
    if (pages != b->free_pages)
        return -8;
    /* every free frame belongs to a listed block */
    u64 free_frames = 0;
    for (u64 m = 0; m < b->nr_frames; m++)
        if (b->ft[m].state == FRAME_FREE)
            free_frames++;
    if (free_frames != pages)
        return -9;
    return 0;
}
