/* Logging (see xs_log.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "xs_log.h"

int xs_log_level = XS_LOG_WARN;
static FILE *log_file;
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

	if (path && !(f = fopen(path, "a")))
		return errno;
	if (log_file)
		fclose(log_file);
	log_file = f;
	if (f)
		setvbuf(f, NULL, _IOLBF, 0);
	return 0;
}

void xs_log_msg(int level, const char *fmt, ...)
{
	FILE *f = log_file ? log_file : stderr;
	struct timespec ts;
	struct tm tm;
	char when[32];
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "%s.%03ldZ pvstored %s: ", when, ts.tv_nsec / 1000000,
		xs_log_level_name(level));
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}
