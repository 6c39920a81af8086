/* Xen system time from vcpu_info.time (the pvclock version protocol). */
#include "guest.h"

uint64_t xen_system_time(void)
{
	volatile struct vcpu_time_info *t = &this_vcpu_info()->time;
	uint32_t ver;
	uint64_t ns;

	do {
		ver = t->version;
		barrier();
		uint64_t delta = rdtsc() - t->tsc_timestamp;
		int8_t shift = t->tsc_shift;
		if (shift >= 0)
			delta <<= shift;
		else
			delta >>= -shift;
		ns = t->system_time +
		     (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
		barrier();
	} while ((ver & 1) || ver != t->version);
	return ns;
}
