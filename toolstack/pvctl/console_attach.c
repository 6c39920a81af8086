/*
 * `pvctl console DOM`: attach the terminal to the pty the console daemon
 * (pvconsoled, or xenconsoled) wrote to /local/domain/N/console/tty, in
 * through pvconsoled's attach client (raw mode; Ctrl-] detaches, as
 * xl's console).
 */
#include "console_attach.h"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "build.h"
#include "attach.h"

static char *tty_path(struct xs_handle *xs, uint32_t domid, double wait_s)
{
    char p[64];
    double end = now_s() + wait_s;
    snprintf(p, sizeof(p), "/local/domain/%u/console/tty", domid);
    for (;;) {
        unsigned len;
        char *t = xs_read(xs, XBT_NULL, p, &len);
        if (t && *t)
            return t;
        free(t);
        if (now_s() > end)
            return NULL;
        usleep(20000);
    }
}

int console_attach(struct xs_handle *xs, uint32_t domid, char *err, size_t errlen)
{
    char *tty = tty_path(xs, domid, 5.0);

    if (!tty) {
        snprintf(err, errlen, "domain %u has no console pty (is the console daemon running?)", domid);
        return -1;
    }
    int rc = cons_attach(tty, 0, 1);      /* the console daemon's client */
    free(tty);
    if (rc < 0 && errlen)
        err[0] = 0;                       /* cons_attach said why, in one line */
    return rc < 0 ? -1 : 0;
}
