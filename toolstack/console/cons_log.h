/*
 * A domain's console log, NAME.log in the log directory, bounded: once
 * it would pass max_size bytes it is renamed NAME.log.1 (replacing the
 * previous one) and a new NAME.log starts, so a domain never holds more
 * than about 2 * max_size bytes of disk.
 */
#ifndef CONS_LOG_H
#define CONS_LOG_H

#include <stddef.h>
#include <stdint.h>

struct cons_log {
	int fd;              /* -1 when closed */
	int dir_fd;          /* borrowed: the log directory */
	char name[80];       /* "NAME.log" */
	uint64_t size;       /* bytes in the current file */
	uint64_t max_size;   /* 0: no limit */
	unsigned int rotations;
};

/* Opens (appends to) dir_fd/NAME.log; 0 or -errno. */
int cons_log_open(struct cons_log *l, int dir_fd, const char *name, uint64_t max_size);
/* Writes all n bytes, rotating first when they would not fit; 0 or -errno. */
int cons_log_write(struct cons_log *l, const void *data, size_t n);
void cons_log_close(struct cons_log *l);

/* NAME for a domain: its xenstore name made safe as a file name ([A-Za-z0-9._-],
 * at most 64 characters, no leading dot), or "domN" when nothing is left. */
void cons_log_safe_name(char *out, size_t out_size, const char *name, unsigned int domid);

#endif
