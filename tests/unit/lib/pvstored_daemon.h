/*
 * A private pvstored for a toolstack unit test: the daemon of the same
 * build directory (O/tests/unit/test_X -> O/pvstored), no fork, nothing
 * persisted, on a socket in a fresh directory under /tmp, and libxenstore
 * pointed at it through XENSTORED_PATH. Static state: one including file
 * per test program.
 */
#ifndef TESTS_UNIT_PVSTORED_DAEMON_H
#define TESTS_UNIT_PVSTORED_DAEMON_H

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xenstore.h>

static pid_t pvstored_pid;
static char pvstored_dir[64];

/* Start it (name: the test's, for the directory) and connect to it. */
static struct xs_handle *pvstored_start(const char *name)
{
    char bin[4096], sock[96];
    struct xs_handle *h = NULL;
    ssize_t n = readlink("/proc/self/exe", bin, sizeof(bin) - 32);

    assert_true(n > 0);
    bin[n] = 0;
    strcpy(strrchr(bin, '/'), "/../../pvstored");
    snprintf(pvstored_dir, sizeof(pvstored_dir), "/tmp/%s.XXXXXX", name);
    assert_non_null(mkdtemp(pvstored_dir));
    snprintf(sock, sizeof(sock), "%s/sock", pvstored_dir);
    pvstored_pid = fork();
    if (!pvstored_pid) {
        execl(bin, bin, "--no-fork", "--no-persist", "--socket", sock, (char *)NULL);
        _exit(127);
    }
    setenv("XENSTORED_PATH", sock, 1);
    for (int i = 0; i < 500 && !(h = xs_open(0)); i++)
        usleep(10000);
    assert_non_null(h);
    return h;
}

/* Close h, stop the daemon, remove its directory: 0 on success. */
static int pvstored_stop(struct xs_handle *h)
{
    char cmd[128];

    xs_close(h);
    kill(pvstored_pid, SIGTERM);
    waitpid(pvstored_pid, NULL, 0);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", pvstored_dir);
    return system(cmd) < 0;
}

#endif
