/* The create fault seam (see fault.h). */
#include "fault.h"
#include <stdlib.h>
#include <string.h>

bool fault_at(const char *phase)
{
    const char *f = getenv("PVCTL_FAULT");
    return f && !strcmp(f, phase);
}
