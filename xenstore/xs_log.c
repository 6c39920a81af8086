/* Logging (see xs_log.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "xs_log.h"

/* Per message (its format), at most LOG_BURST lines per LOG_WINDOW
 * seconds; the rest are counted and the count is reported with the next
 * line that goes out. */
#define LOG_BURST 10
#define LOG_WINDOW 10
#define LOG_SLOTS 64

int xs_log_level = XS_LOG_WARN;
unsigned long long xs_log_max_bytes = 64ull << 20;
static FILE *log_file;
static char *log_path;
static unsigned long long log_bytes;

static struct {
	const char *fmt;
	time_t window;
	unsigned lines;
	unsigned long long suppressed;
} limits[LOG_SLOTS];
static const char *const level_names[] = { "error", "warn", "info", "debug" };

int xs_log_parse_level(const char *name)
{
	unsigned i;

	for (i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
		if (!strcmp(name, level_names[i]))
			return (int)i;
	if (!strcmp(name, "warning"))
		return XS_LOG_WARN;
	return -1;
}

const char *xs_log_level_name(int level)
{
	return level >= 0 && level <= XS_LOG_DEBUG ? level_names[level] : "?";
}

int xs_log_open(const char *path)
{
	FILE *f = NULL;
	struct stat st;
	char *copy = NULL;

	if (path && (!(copy = strdup(path)) || !(f = fopen(path, "a")))) {
		int err = errno;
		free(copy);
		return err;
	}
	if (log_file)
		fclose(log_file);
	free(log_path);
	log_file = f;
	log_path = copy;
	log_bytes = f && !fstat(fileno(f), &st) ? (unsigned long long)st.st_size : 0;
	if (f)
		setvbuf(f, NULL, _IOLBF, 0);
	return 0;
}

/* The file reached its cap: it becomes PATH.old (replacing the previous
 * one) and a new one starts, so the log never takes more than twice the
 * cap. */
static void log_rotate(void)
{
	char old[4096];

	if (!log_path || snprintf(old, sizeof(old), "%s.old", log_path) >=
	    (int)sizeof(old))
		return;
	if (rename(log_path, old))
		return;
	{
		char *path = strdup(log_path);
		if (path && xs_log_open(path))
			log_file = NULL;   /* stderr, rather than nothing */
		free(path);
	}
}

/* Whether a line of this format may go out now; *suppressed gets how
 * many were held back before it. */
static int log_allowed(const char *fmt, time_t now,
		       unsigned long long *suppressed)
{
	unsigned i = (unsigned)(((uintptr_t)fmt >> 3) * 2654435761u) % LOG_SLOTS;

	*suppressed = 0;
	if (limits[i].fmt != fmt || now - limits[i].window >= LOG_WINDOW) {
		if (limits[i].fmt == fmt)
			*suppressed = limits[i].suppressed;
		limits[i].fmt = fmt;
		limits[i].window = now;
		limits[i].lines = 0;
		limits[i].suppressed = 0;
	}
	if (limits[i].lines >= LOG_BURST) {
		limits[i].suppressed++;
		return 0;
	}
	limits[i].lines++;
	return 1;
}

void xs_log_msg(int level, const char *fmt, ...)
{
	FILE *f = log_file ? log_file : stderr;
	unsigned long long held = 0;
	struct timespec ts;
	struct tm tm;
	char when[32];
	va_list ap;
	int n = 0;

	clock_gettime(CLOCK_REALTIME, &ts);
	/* Debug logging is asked for, message by message; anything else
	 * may repeat at a client's will. */
	if (level < XS_LOG_DEBUG && !log_allowed(fmt, ts.tv_sec, &held))
		return;
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	n += fprintf(f, "%s.%03ldZ pvstored %s: ", when, ts.tv_nsec / 1000000,
		     xs_log_level_name(level));
	va_start(ap, fmt);
	n += vfprintf(f, fmt, ap);
	va_end(ap);
	if (held)
		n += fprintf(f, " (%llu more like this were not logged)", held);
	fputc('\n', f);
	if (f != log_file || n < 0)
		return;
	log_bytes += n + 1;
	if (xs_log_max_bytes && log_bytes >= xs_log_max_bytes)
		log_rotate();
}
