/* Ticket spinlocks: FIFO fair, which matters when guests hammer a lock. */
#ifndef PVISOR_SPINLOCK_H
#define PVISOR_SPINLOCK_H
#include <pvisor/types.h>
#include <asm/processor.h>

typedef struct { volatile u16 head, tail; } spinlock_t;
#define SPIN_LOCK_UNLOCKED { 0, 0 }
#define DEFINE_SPINLOCK(n) spinlock_t n = SPIN_LOCK_UNLOCKED

static inline void spin_lock(spinlock_t *l)
{
    u16 me = __atomic_fetch_add(&l->tail, 1, __ATOMIC_ACQUIRE);
    while (__atomic_load_n(&l->head, __ATOMIC_ACQUIRE) != me)
        cpu_relax();
}
static inline bool spin_trylock(spinlock_t *l)
{
    u16 h = __atomic_load_n(&l->head, __ATOMIC_RELAXED);
    u16 t = h;
    return __atomic_compare_exchange_n(&l->tail, &t, (u16)(h + 1), false,
                                       __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}
static inline void spin_unlock(spinlock_t *l)
{
    __atomic_store_n(&l->head, (u16)(l->head + 1), __ATOMIC_RELEASE);
}
static inline bool spin_is_locked(spinlock_t *l) { return l->head != l->tail; }
static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
    unsigned long f = local_irq_save();
    spin_lock(l);
    return f;
}
static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long f)
{
    spin_unlock(l);
    local_irq_restore(f);
}
#endif
