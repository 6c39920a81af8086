/* Fixed-window event limiter for console rings (see cons_rate.h). */
#include "cons_rate.h"

void cons_rate_init(struct cons_rate *r, uint64_t now, unsigned int allowance,
		    unsigned int period_ms)
{
	r->allowance = allowance ? allowance : 1;
	r->period_ms = period_ms ? period_ms : 1;
	r->period_end = now + r->period_ms;
	r->events = 0;
	r->throttled = false;
}

static void new_period(struct cons_rate *r, uint64_t now)
{
	r->period_end = now + r->period_ms;
	r->events = 0;
}

bool cons_rate_event(struct cons_rate *r, uint64_t now)
{
	if (now >= r->period_end)
		new_period(r, now);
	if (r->events < r->allowance)
		r->events++;
	if (r->events >= r->allowance) {
		r->throttled = true;
		return false;
	}
	return true;
}

bool cons_rate_expired(struct cons_rate *r, uint64_t now)
{
	if (!r->throttled || now < r->period_end)
		return false;
	new_period(r, now);
	r->throttled = false;
	return true;
}

uint64_t cons_rate_deadline(const struct cons_rate *r)
{
	return r->throttled ? r->period_end : UINT64_MAX;
}
