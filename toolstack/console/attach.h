/*
 * Attach the caller's terminal to a domain's console pty (the path in
 * /local/domain/N/console/tty): raw mode, bytes passed both ways, Ctrl-]
 * detaches and the terminal is restored. Used by `pvctl console DOM` and
 * `pvconsoled --attach DOM`.
 */
#ifndef CONS_ATTACH_H
#define CONS_ATTACH_H

#define CONS_ATTACH_ESCAPE 0x1d   /* Ctrl-] */

/* Runs until Ctrl-] on in_fd, end of input, or the console going away:
 * 0 when detached by the user or end of input, else -errno (one line on
 * stderr says why). in_fd's terminal settings, if it is a terminal, are
 * restored on every return. */
int cons_attach(const char *tty_path, int in_fd, int out_fd);

#endif
