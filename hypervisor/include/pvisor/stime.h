/*
 * System-time arithmetic that cannot overflow, and the rules that turn a
 * guest's timer request into a deadline. Pure (no hardware), so the host
 * unit tests check it at the edges: 0, 1, INT64_MAX, negative, the past.
 */
#ifndef PVISOR_STIME_H
#define PVISOR_STIME_H
#include <pvisor/types.h>

typedef s64 s_time_t;     /* system time, ns since boot */

#define STIME_MAX       ((s_time_t)INT64_MAX)
#define STIME_MIN       ((s_time_t)INT64_MIN)
/* Xen's bound on a guest-given period: adding it to any time up to
 * STIME_MAX/2 cannot overflow. */
#define STIME_DELTA_MAX ((s_time_t)(INT64_MAX >> 1))

/* t + delta, clamped to [STIME_MIN, STIME_MAX]. */
static inline s_time_t stime_add(s_time_t t, s_time_t delta)
{
    s_time_t sum;

    if (__builtin_add_overflow(t, delta, &sum))
        return delta > 0 ? STIME_MAX : STIME_MIN;
    return sum;
}

/* How long from now until `expires`, 0 when it has passed. */
static inline u64 stime_until(s_time_t expires, s_time_t now)
{
    return expires > now ? (u64)expires - (u64)now : 0;
}

/* A periodic timer's next tick (Xen's rule): when a period has passed
 * since the last tick, tick now (*tick set) and count from now; never a
 * deadline in the past, since period >= 1 ms. */
static inline s_time_t periodic_next(s_time_t *last, s_time_t period, s_time_t now, bool *tick)
{
    s_time_t next = stime_add(*last, period);

    *tick = now >= next;
    if (*tick) {
        *last = now;
        next = stime_add(now, period);
    }
    return next;
}

/* set_timer_op's deadline (Xen's rule for Linux's wrapped jiffies): one
 * negative as an s64, or more than 2^50 ns (~13 days) ahead, becomes
 * 100 ms from now; anything else, the past included, is kept. */
#define SET_TIMER_OP_HORIZON  (1LL << 50)
#define SET_TIMER_OP_FALLBACK 100000000LL
static inline bool set_timer_op_is_wrapped(s_time_t timeout, s_time_t now)
{
    return timeout < 0 || (timeout > now && (u64)timeout - (u64)now >= (u64)SET_TIMER_OP_HORIZON);
}
#endif
