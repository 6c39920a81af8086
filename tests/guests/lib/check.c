/*
 * The test API: one line per check, a final RESULT line, then shutdown.
 * Values print in decimal when small and in hex otherwise, so the same
 * value prints the same way on every hypervisor (the oracle compares the
 * observed column).
 */
#include "guest.h"

static unsigned int passed, failed;

static void fmt_value(char *buf, size_t size, long v)
{
	if (v >= -65536 && v <= 65536)
		snprintf(buf, size, "%ld", v);
	else
		snprintf(buf, size, "0x%lx", (unsigned long)v);
}

static void report(const char *name, const char *obs, const char *exp, bool ok)
{
	if (ok)
		passed++;
	else
		failed++;
	printf("CHECK %s.%s %s %s expected=%s\n", guest_name, name, obs,
	       ok ? "PASS" : "FAIL", exp);
}

/* A check another kernel made (a domU's line the builder relays). */
void check_relayed(const char *name, const char *observed, const char *expected, bool ok)
{
	report(name, observed, expected, ok);
}

void check_int(const char *name, long observed, long expected)
{
	char o[24], e[24];

	fmt_value(o, sizeof(o), observed);
	fmt_value(e, sizeof(e), expected);
	report(name, o, e, observed == expected);
}

void check_true(const char *name, bool ok, long observed)
{
	char o[24];

	fmt_value(o, sizeof(o), observed);
	report(name, o, ok ? o : "(condition)", ok);
}

/* Strings print quoted with spaces and controls escaped (one token). */
static void quote(char *buf, size_t size, const char *s)
{
	size_t n = 0;

	if (size < 4)
		return;
	buf[n++] = '"';
	for (; *s && n + 6 < size; s++) {
		unsigned char c = (unsigned char)*s;
		if (c > ' ' && c < 0x7f && c != '"' && c != '\\')
			buf[n++] = (char)c;
		else
			n += (size_t)snprintf(buf + n, size - n, "\\x%02x", c);
	}
	buf[n++] = '"';
	buf[n] = '\0';
}

void check_str(const char *name, const char *observed, const char *expected)
{
	char o[160], e[160];

	quote(o, sizeof(o), observed);
	quote(e, sizeof(e), expected);
	report(name, o, e, strcmp(observed, expected) == 0);
}

const char *checkname(const char *fmt, ...)
{
	static char bufs[4][96];
	static unsigned int next;
	char *b = bufs[next++ % 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b, sizeof(bufs[0]), fmt, ap);
	va_end(ap);
	return b;
}

unsigned int checks_failed(void)
{
	return failed;
}

static void NORETURN shutdown(unsigned int reason)
{
	struct sched_shutdown s = { .reason = reason };

	for (;;) {
		HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
		/* Still here: the hypervisor refused; try the crash reason. */
		s.reason = SHUTDOWN_crash;
	}
}

/*
 * On Xen, SCHEDOP_shutdown_code overrides the reason of the next shutdown
 * (domain_shutdown: "reason = d->shutdown_code"), so a failing run ends as
 * reason M; pvisor reports it as QEMU exit status (M << 1) | 1.
 */
void NORETURN finish(void)
{
	printf("RESULT %s: %u passed, %u failed\n", guest_name, passed, failed);
	if (failed) {
		struct sched_shutdown code = { .reason = failed > 255 ? 255 : failed };
		HYPERVISOR_sched_op(SCHEDOP_shutdown_code, &code);
	}
	shutdown(SHUTDOWN_poweroff);
}

void NORETURN panic(const char *fmt, ...)
{
	char buf[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("PANIC %s: %s\n", guest_name, buf);
	printf("RESULT %s: %u passed, %u failed\n", guest_name, passed, failed + 1);
	shutdown(SHUTDOWN_crash);
}
