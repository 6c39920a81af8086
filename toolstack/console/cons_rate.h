/*
 * Per-console event rate limit, the shape of xenconsoled's: at most
 * `allowance` ring events are served per `period_ms`; past that the
 * guest's port stays masked until the period ends, so a flooding guest
 * costs a bounded share of the daemon and the others keep being served.
 */
#ifndef CONS_RATE_H
#define CONS_RATE_H

#include <stdbool.h>
#include <stdint.h>

#define CONS_RATE_ALLOWANCE 30
#define CONS_RATE_PERIOD_MS 200

struct cons_rate {
	uint64_t period_end;    /* ms; the current period ends here */
	unsigned int events;    /* served in the current period */
	unsigned int allowance;
	unsigned int period_ms;
	bool throttled;         /* port left masked until period_end */
};

void cons_rate_init(struct cons_rate *r, uint64_t now, unsigned int allowance,
		    unsigned int period_ms);

/* Counts one event served at `now`: true if the port may be unmasked
 * again at once, false if it must stay masked (throttled). */
bool cons_rate_event(struct cons_rate *r, uint64_t now);

/* At `now`: true when a throttled console's period is over (the caller
 * unmasks its port); starts a new period in that case. */
bool cons_rate_expired(struct cons_rate *r, uint64_t now);

/* When cons_rate_expired should next be asked (ms), or UINT64_MAX when
 * not throttled. */
uint64_t cons_rate_deadline(const struct cons_rate *r);

#endif
