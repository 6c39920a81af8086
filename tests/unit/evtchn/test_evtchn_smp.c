/*
 * Unit test: event channels raced by several threads (vCPUs of two
 * domains): sends racing closes and rebinds from both ends, closes of the
 * same channels from both ends at once (the lock order of rule 5, which
 * the fake env checks on every lock). No deadlock (an alarm fires), no
 * broken invariant afterwards, and the races really happened.
 */
#include <pthread.h>
#include <unistd.h>
#include <signal.h>
#include "test_helpers.h"

#define RACE_MS 600
#define PORTS  8

static unsigned long sends_ok, binds_ok, closes_ok, allocs_ok;
static pthread_barrier_t start;
static bool stop;               /* set by the test after RACE_MS */

/* Every thread runs until told to stop, giving up its CPU now and then:
 * on a loaded host a thread could otherwise finish before the others run. */
static bool keep_going(unsigned int i)
{
    if (!(i % 256))
        sched_yield();
    return !__atomic_load_n(&stop, __ATOMIC_ACQUIRE);
}

static unsigned int rnd(unsigned int *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

static void send_some(struct evtchn_domain *d, unsigned int *s)
{
    long rc = evtchn_send(env, d, 1 + rnd(s) % PORTS);

    if (rc && rc != -XEN_EINVAL)
        fail_msg("send: %ld", rc);
    if (!rc)
        __atomic_add_fetch(&sends_ok, 1, __ATOMIC_RELAXED);
}

static void *sender(void *arg)
{
    struct evtchn_domain *d = arg;
    unsigned int s = d->domid * 77 + 1;

    pthread_barrier_wait(&start);
    for (unsigned int i = 0; keep_going(i); i++)
        send_some(d, &s);
    return NULL;
}

/* Sends a fixed number of times (against a dying peer). */
static void *sender_n(void *arg)
{
    struct evtchn_domain *d = arg;
    unsigned int s = 5;

    for (unsigned int i = 0; i < 20000; i++)
        send_some(d, &s);
    return NULL;
}

/* Closes its own ports and binds the peer's offers again. */
static void *binder(void *arg)
{
    struct evtchn_domain *d = arg, *peer = d == d1 ? d2 : d1;
    unsigned int s = d->domid * 31 + 7;

    pthread_barrier_wait(&start);
    for (unsigned int i = 0; keep_going(i); i++) {
        evtchn_port_t p = 1 + rnd(&s) % PORTS;
        if (rnd(&s) % 2) {
            if (!evtchn_close(env, d, p))
                __atomic_add_fetch(&closes_ok, 1, __ATOMIC_RELAXED);
        } else if (rnd(&s) % 2) {
            struct evtchn_alloc_unbound a = { .dom = DOMID_SELF, .remote_dom = peer->domid };
            long rc = evtchn_alloc_unbound(env, d, &a);
            if (rc && rc != -XEN_ENOSPC)
                fail_msg("alloc_unbound: %ld", rc);
            if (!rc)
                __atomic_add_fetch(&allocs_ok, 1, __ATOMIC_RELAXED);
        } else {
            long rc = bind(d, peer->domid, p, NULL);
            if (rc && rc != -XEN_EINVAL && rc != -XEN_ENOSPC)
                fail_msg("bind: %ld", rc);
            if (!rc)
                __atomic_add_fetch(&binds_ok, 1, __ATOMIC_RELAXED);
        }
    }
    return NULL;
}

static void *watcher(void *arg)
{
    unsigned int s = 99;

    (void)arg;
    pthread_barrier_wait(&start);
    for (unsigned int i = 0; keep_going(i); i++) {
        struct evtchn_status st = { .dom = 1 + rnd(&s) % 2, .port = 1 + rnd(&s) % PORTS };
        if (evtchn_status(env, d0, &st))
            fail_msg("status refused");
        if (st.status == EVTCHNSTAT_interdomain &&
            (st.u.interdomain.dom != 3 - st.dom || st.u.interdomain.port > PORTS))
            fail_msg("status: d%u port %u bound to d%u:%u", st.dom, st.port,
                     st.u.interdomain.dom, st.u.interdomain.port);
    }
    return NULL;
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char m[] = "evtchn smp: deadlock (no progress in 60 s)\n";
    if (write(2, m, sizeof(m) - 1) < 0)
        _exit(2);
    _exit(1);
}

static void test_send_close_bind_race(void **state)
{
    pthread_t t[5];

    (void)state;
    signal(SIGALRM, on_alarm);
    alarm(60);
    evtchn_set_max_port(env, d1, PORTS);
    evtchn_set_max_port(env, d2, PORTS);
    stop = false;
    pthread_barrier_init(&start, NULL, 6);
    pthread_create(&t[0], NULL, sender, d1);
    pthread_create(&t[1], NULL, sender, d2);
    pthread_create(&t[2], NULL, binder, d1);
    pthread_create(&t[3], NULL, binder, d2);
    pthread_create(&t[4], NULL, watcher, NULL);
    pthread_barrier_wait(&start);
    usleep(RACE_MS * 1000);
    __atomic_store_n(&stop, true, __ATOMIC_RELEASE);
    for (unsigned int i = 0; i < 5; i++)
        pthread_join(t[i], NULL);
    pthread_barrier_destroy(&start);
    alarm(0);
    CHECK();
    print_message("sends %lu binds %lu closes %lu allocs %lu\n", sends_ok, binds_ok,
                  closes_ok, allocs_ok);
    assert_true(binds_ok > 10 && closes_ok > 10 && sends_ok > 10);
}

/* Both ends of the same channels closed at once: every close takes both
 * domains' locks until the two meet. */
#define CHANNELS 1000

static volatile int go;

static void *closer(void *arg)
{
    struct evtchn_domain *d = arg;

    while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
        ;
    for (evtchn_port_t i = 1; i <= CHANNELS; i++)
        evtchn_close(env, d, d == d1 ? i : CHANNELS + 1 - i);
    return NULL;
}

static void test_close_both_ends_at_once(void **state)
{
    pthread_t t[2];

    (void)state;
    signal(SIGALRM, on_alarm);
    alarm(60);
    for (unsigned int round = 0; round < 20; round++) {
        evtchn_port_t a, b;
        for (unsigned int i = 1; i <= CHANNELS; i++) {
            connect(d1, d2, &a, &b);
            assert_int_equal(a, i);
            assert_int_equal(b, i);
        }
        go = 0;
        pthread_create(&t[0], NULL, closer, d1);
        pthread_create(&t[1], NULL, closer, d2);
        __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
        pthread_join(t[0], NULL);
        pthread_join(t[1], NULL);
        CHECK();
        assert_int_equal(d1->active, 0);
        assert_int_equal(d2->active, 0);
    }
    alarm(0);
}

/* A dying domain's close-all against its peer's closes and sends. */
static void *killer(void *arg)
{
    (void)arg;
    while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
        ;
    evtchn_close_all(env, d2);
    return NULL;
}

static void test_close_all_races_peer(void **state)
{
    pthread_t t[3];
    evtchn_port_t a, b;

    (void)state;
    signal(SIGALRM, on_alarm);
    alarm(60);
    for (unsigned int i = 1; i <= CHANNELS; i++)
        connect(d1, d2, &a, &b);
    go = 0;
    pthread_create(&t[0], NULL, closer, d1);
    pthread_create(&t[1], NULL, killer, NULL);
    pthread_create(&t[2], NULL, sender_n, d1);
    __atomic_store_n(&go, 1, __ATOMIC_RELEASE);
    for (unsigned int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    alarm(0);
    CHECK();
    assert_int_equal(d2->active, 0);
    for (evtchn_port_t p = 1; p <= CHANNELS; p++)
        assert_int_not_equal(fe->dom[1].ports[p].state, ECS_INTERDOMAIN);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_send_close_bind_race),
        T(test_close_both_ends_at_once),
        T(test_close_all_races_peer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
