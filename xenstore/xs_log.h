/* Logging at a chosen level: one line per event, to stderr or a file.
 * Lines below debug level are rate-limited per message, and a log file
 * is capped (rotated once), so no client can fill the disk through us. */
#ifndef XS_LOG_H
#define XS_LOG_H

enum xs_log_level { XS_LOG_ERROR, XS_LOG_WARN, XS_LOG_INFO, XS_LOG_DEBUG };

extern int xs_log_level;
/* A log file reaching this size is renamed PATH.old and started again
 * (0: no cap). */
extern unsigned long long xs_log_max_bytes;

/* Returns -1 if name is not a level. */
int xs_log_parse_level(const char *name);
const char *xs_log_level_name(int level);
/* Opens path for appending (NULL: stderr). Returns 0 or errno. */
int xs_log_open(const char *path);

void xs_log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define xs_log(level, ...) do { \
	if ((level) <= xs_log_level) \
		xs_log_msg((level), __VA_ARGS__); \
} while (0)
#define xs_err(...)   xs_log(XS_LOG_ERROR, __VA_ARGS__)
#define xs_warn(...)  xs_log(XS_LOG_WARN, __VA_ARGS__)
#define xs_info(...)  xs_log(XS_LOG_INFO, __VA_ARGS__)
#define xs_debug(...) xs_log(XS_LOG_DEBUG, __VA_ARGS__)

#endif
