/*
 * Unit tests: the domain lifecycle of common/domain.c, built on the host.
 *
 * The parts around it are stand-ins defined here: the xenheap allocator
 * counts live blocks and fails the Nth allocation on request, and the
 * arch/event-channel/grant-table/watchdog hooks allocate through it, so a
 * leak anywhere in create, its unwind or the final free shows as a live
 * block. The arch relinquish hook gives back the domain's frames a few
 * at a time and reports -ERESTART meanwhile, as the real one does under
 * preemption; a frame "mapped by another domain" stays until the test
 * drops that mapping.
 *
 * domain.c finds the current vCPU through the cpu_info at the top of the
 * stack block, as in the hypervisor: the tests run on such a stack
 * (makecontext) whose cpu_info names a vCPU of the test's choosing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <cmocka.h>

#include <pvisor/domain.h>
#include <pvisor/page_alloc.h>
#include <pvisor/event.h>
#include <pvisor/sched.h>
#include <pvisor/power.h>
#include <pvisor/perfc.h>
#include <pvisor/smp.h>
#include <xen/errno.h>

/* ---- the xenheap: counted, with failure injection ------------------- */

static int live_blocks;          /* allocated and not freed */
static int allocs;               /* allocations so far */
static int fail_at = -1;         /* fail the allocation with this index */

void *alloc_xenheap_pages(unsigned int order)
{
    void *p;

    if (allocs++ == fail_at)
        return NULL;
    p = aligned_alloc(PAGE_SIZE, PAGE_SIZE << order);
    assert_non_null(p);
    memset(p, 0, PAGE_SIZE << order);
    live_blocks++;
    return p;
}

void free_xenheap_pages(void *p, unsigned int order)
{
    (void)order;
    if (!p)
        return;
    live_blocks--;
    free(p);
}

/* The frames domains own in these tests: a small frame table. */
#define NR_TEST_FRAMES 64
static struct frame test_frames[NR_TEST_FRAMES];
struct frame *frame_table = test_frames;

/* ---- the rest of the hypervisor, as far as domain.c reaches ---------- */

unsigned int nr_cpus_online = 2;
static s_time_t fake_now;
s_time_t NOW(void) { return fake_now += 1000; }
void printk(const char *fmt, ...) { (void)fmt; }
void perfc_print(void) {}
bool debug_exit_present(void) { return true; }
static int power_offs;
static jmp_buf power_off_jmp;
void machine_power_off(u32 status) { (void)status; power_offs++; longjmp(power_off_jmp, 1); }
void machine_restart(void) { power_offs++; longjmp(power_off_jmp, 1); }

void panic(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n");
    abort();
}

void vcpu_pause_flags(struct vcpu *v, unsigned int f) { v->pause_flags |= f; }
void vcpu_unpause_flags(struct vcpu *v, unsigned int f) { v->pause_flags &= ~f; }
void sched_vcpu_init(struct vcpu *v) { v->processor = 0; }
void sched_vcpu_destroy(struct vcpu *v) { (void)v; }

/* An idle pCPU holding a vCPU's page tables (lazy_execstate.c): it lets
 * go after lazy_release_after requests, as a holder answering its softirq
 * after a while. */
static unsigned int lazy_release_calls, lazy_release_after;
void arch_release_vcpu_tables(struct vcpu *v)
{
    assert_false(v->is_running);       /* asked only of a vCPU off its pCPU */
    if (++lazy_release_calls >= lazy_release_after)
        v->ctx_loaded = false;
}

void watchdog_domain_init(struct domain *d) { (void)d; }
void watchdog_domain_destroy(struct domain *d) { (void)d; }

/* VIRQ_DOM_EXC raised to dom0, counted. */
static int dom_exc_sent;
void send_guest_global_virq(struct domain *d, unsigned int virq)
{
    if (d == dom0 && virq == VIRQ_DOM_EXC)
        dom_exc_sent++;
}

static int evtchn_kills;
int evtchn_domain_init(struct domain *d)
{
    d->evtchn.port = alloc_xenheap_pages(0);
    return d->evtchn.port ? 0 : -XEN_ENOMEM;
}
void evtchn_domain_kill(struct domain *d)
{
    assert_non_null(d->evtchn.port);    /* the table lives until the last put */
    evtchn_kills++;
}
void evtchn_domain_destroy(struct domain *d)
{
    free_xenheap_pages(d->evtchn.port, 0);
    d->evtchn.port = NULL;
}
int claim_pages_set(u64 *claim, u64 pages, u64 tot_pages, u64 max_pages)
{
    (void)tot_pages;
    (void)max_pages;
    *claim = pages;
    return 0;
}

int gnttab_domain_init(struct domain *d, unsigned int max_frames, unsigned int max_maptrack)
{
    (void)max_frames;
    (void)max_maptrack;
    d->grant_table = alloc_xenheap_pages(0);
    return d->grant_table ? 0 : -XEN_ENOMEM;
}
int gnttab_domain_relinquish(struct domain *d)
{
    (void)d;
    return 0;
}
void gnttab_domain_destroy(struct domain *d)
{
    free_xenheap_pages(d->grant_table, 0);
    d->grant_table = NULL;
}
void gnt_table_get(struct gnt_table *t)
{
    (void)t;
}

int arch_domain_init(struct domain *d)
{
    d->arch.perdomain_l3 = alloc_xenheap_pages(0);
    return d->arch.perdomain_l3 ? 0 : -XEN_ENOMEM;
}
void arch_domain_destroy(struct domain *d)
{
    free_xenheap_pages(d->arch.perdomain_l3, 0);
    d->arch.perdomain_l3 = NULL;
}

/* The vCPU's FPU area stands for what arch_vcpu_init allocates. */
int arch_vcpu_init(struct vcpu *v)
{
    v->pv.fpu_area = alloc_xenheap_pages(0);
    return v->pv.fpu_area ? 0 : -XEN_ENOMEM;
}
void arch_vcpu_destroy(struct vcpu *v)
{
    free_xenheap_pages(v->pv.fpu_area, 0);
    v->pv.fpu_area = NULL;
}
void arch_unshare_xen_page(void *va) { free_xenheap_pages(va, 0); }
void arch_show_guest_state(struct vcpu *v, const struct cpu_regs *regs) { (void)v; (void)regs; }

/* Frames a domain owns in the test, and which of them another domain maps
 * (those keep a reference when the owner lets go). */
static bool frame_foreign_mapped[NR_TEST_FRAMES];
static unsigned int relinquish_calls, relinquish_batch = 1;

static bool frame_of(const struct domain *d, unsigned long mfn)
{
    return test_frames[mfn].state == FRAME_DOMAIN && test_frames[mfn].owner == d->domain_id;
}

static void frame_free(unsigned long mfn)
{
    struct domain *d = get_domain_by_id_any((domid_t)test_frames[mfn].owner);

    assert_non_null(d);
    domain_remove_page(d, mfn);
    test_frames[mfn].state = FRAME_FREE;
    test_frames[mfn].owner = DOMID_INVALID;
    put_domain(d);
}

/* Gives back relinquish_batch frames per call, -ERESTART until none is left
 * (the vCPUs must be off every pCPU by then). */
int arch_domain_relinquish_resources(struct domain *d)
{
    unsigned int done = 0;

    relinquish_calls++;
    for (unsigned int i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i])
            assert_false(d->vcpu[i]->is_running || d->vcpu[i]->ctx_loaded);
    for (unsigned long mfn = d->arch.relmem_cursor; mfn < NR_TEST_FRAMES; mfn++) {
        d->arch.relmem_cursor = mfn;
        if (!frame_of(d, mfn))
            continue;
        if (done == relinquish_batch)
            return -XEN_ERESTART;
        done++;
        if (!frame_foreign_mapped[mfn])
            frame_free(mfn);
        else
            test_frames[mfn].count_info = 0;    /* the allocation's reference dropped */
    }
    d->arch.relmem_cursor = NR_TEST_FRAMES;
    return 0;
}

/* ---- running on a hypervisor-like stack ------------------------------ */

static struct vcpu caller_vcpu;          /* `current` while tests run */

static struct cpu_info *test_cpu_info;

static void set_current(struct domain *d)
{
    caller_vcpu.domain = d;
    test_cpu_info->curr_vcpu = &caller_vcpu;
}

static int reset(void **state)
{
    (void)state;
    live_blocks = allocs = 0;
    fail_at = -1;
    dom_exc_sent = evtchn_kills = 0;
    relinquish_calls = 0;
    relinquish_batch = 1;
    lazy_release_calls = lazy_release_after = 0;
    memset(test_frames, 0, sizeof(test_frames));
    memset(frame_foreign_mapped, 0, sizeof(frame_foreign_mapped));
    dom0 = NULL;
    set_current(NULL);                   /* the idle vCPU: no domain */
    return 0;
}

static void give_frames(struct domain *d, unsigned long first, unsigned long n)
{
    d->max_pages = 1000;
    for (unsigned long mfn = first; mfn < first + n; mfn++) {
        test_frames[mfn].state = FRAME_DOMAIN;
        test_frames[mfn].owner = d->domain_id;
        test_frames[mfn].count_info = 1;
        domain_add_page(d, mfn);
    }
}

static int kill_fully(struct domain *d)
{
    int rc, rounds = 0;

    while ((rc = domain_kill(d)) == -XEN_ERESTART)
        assert_true(++rounds < 10000);
    return rc;
}

static struct domain *make_domain(domid_t id, unsigned int vcpus)
{
    struct domain *d = domain_create(id, false, vcpus);

    if (!d)
        return NULL;
    for (unsigned int i = 0; i < vcpus; i++)
        if (!vcpu_create(d, i)) {
            kill_fully(d);
            return NULL;
        }
    return d;
}

/* ---- the tests ------------------------------------------------------- */

static void test_create_destroy_recreate(void **state)
{
    struct domain *d;

    (void)state;
    for (int round = 0; round < 3; round++) {
        d = make_domain(5, 2);
        assert_non_null(d);
        assert_ptr_equal(get_domain_by_id(5), d);
        put_domain(d);
        /* What the previous incarnation left must not be seen. */
        assert_false(d->is_shutting_down);
        assert_int_equal(d->tot_pages, 0);
        assert_int_equal(d->vcpu[0]->pause_flags, VPF_down);
        d->is_shutting_down = true;
        d->shutdown_code = 3;
        give_frames(d, 10, 4);
        assert_int_equal(kill_fully(d), 0);
        assert_null(get_domain_by_id(5));
        assert_null(get_domain_by_id_any(5));
        assert_int_equal(live_blocks, 0);
        for (unsigned long mfn = 10; mfn < 14; mfn++)
            assert_int_equal(test_frames[mfn].state, FRAME_FREE);
    }
}

static void test_same_id_refused_while_live(void **state)
{
    struct domain *d = make_domain(7, 1);

    (void)state;
    assert_non_null(d);
    assert_null(domain_create(7, false, 1));
    assert_null(domain_create(MAX_DOMAINS, false, 1));
    assert_null(domain_create(8, false, 0));
    assert_null(domain_create(8, false, MAX_VCPUS + 1));
    assert_int_equal(kill_fully(d), 0);
    assert_int_equal(live_blocks, 0);
}

/* Every allocation of domain_create and vcpu_create fails once: nothing
 * is left behind, and the domid is free again. */
static void test_failure_at_every_allocation(void **state)
{
    int total;
    struct domain *d;

    (void)state;
    d = make_domain(3, 3);
    assert_non_null(d);
    total = allocs;
    assert_int_equal(kill_fully(d), 0);
    assert_int_equal(live_blocks, 0);
    assert_true(total >= 5 + 3 * 2);     /* struct, shared_info, 3 parts; 2 per vCPU */
    for (int k = 0; k < total; k++) {
        allocs = 0;
        fail_at = k;
        d = make_domain(3, 3);
        assert_null(d);
        assert_int_equal(live_blocks, 0);
        fail_at = -1;
        assert_null(get_domain_by_id_any(3));
    }
    d = make_domain(3, 3);
    assert_non_null(d);
    assert_int_equal(kill_fully(d), 0);
    assert_int_equal(live_blocks, 0);
}

/* A reference taken before the kill keeps the struct (and its domid) until
 * it is dropped; ordinary lookups refuse the dying domain meanwhile. */
static void test_reference_held_across_destroy(void **state)
{
    struct domain *d = make_domain(9, 1), *ref, *any;
    int blocks;

    (void)state;
    assert_non_null(d);
    ref = get_domain_by_id(9);
    assert_ptr_equal(ref, d);
    blocks = live_blocks;
    assert_int_equal(kill_fully(d), 0);
    assert_int_equal(d->is_dying, DOMDYING_dead);
    assert_int_equal(live_blocks, blocks);         /* nothing freed yet */
    assert_null(get_domain_by_id(9));
    any = get_domain_by_id_any(9);
    assert_ptr_equal(any, d);
    put_domain(any);
    assert_null(domain_create(9, false, 1));       /* the domid is still taken */
    assert_int_equal(kill_fully(d), 0);            /* killing the dead again: done */
    put_domain(ref);
    assert_int_equal(live_blocks, 0);
    d = make_domain(9, 1);
    assert_non_null(d);
    assert_int_equal(kill_fully(d), 0);
    assert_int_equal(live_blocks, 0);
}

/* getdomaininfo's walk (get_domain_from): the next domain at or above an
 * id, dying ones too while anything holds them, none above the highest -
 * also once the highest is gone and a lower one remains, and for an id
 * far above every domain (where it used to scan the whole table). */
static void test_domain_from_walk(void **state)
{
    struct domain *a = make_domain(3, 1), *b = make_domain(40, 1), *ref, *got;

    (void)state;
    assert_non_null(a);
    assert_non_null(b);
    got = get_domain_from(0);
    assert_ptr_equal(got, a);
    put_domain(got);
    got = get_domain_from(4);
    assert_ptr_equal(got, b);
    put_domain(got);
    assert_null(get_domain_from(41));
    assert_null(get_domain_from(MAX_DOMAINS - 1));
    ref = get_domain_by_id(40);
    assert_int_equal(kill_fully(b), 0);
    got = get_domain_from(4);                   /* dead, still held */
    assert_ptr_equal(got, b);
    put_domain(got);
    put_domain(ref);
    assert_null(get_domain_from(4));            /* gone: 3 is the highest */
    got = get_domain_from(3);
    assert_ptr_equal(got, a);
    put_domain(got);
    b = make_domain(MAX_DOMAINS - 1, 1);        /* the last id there is */
    assert_non_null(b);
    got = get_domain_from(4);
    assert_ptr_equal(got, b);
    put_domain(got);
    assert_int_equal(kill_fully(b), 0);
    assert_null(get_domain_from(4));
    assert_int_equal(kill_fully(a), 0);
    assert_null(get_domain_from(0));
    assert_int_equal(live_blocks, 0);
}

/* Destroy preempted after every frame: resumed until done, every frame
 * back, the vCPUs paused from the first call on, dom0 told once. */
static void test_destroy_preempted_and_resumed(void **state)
{
    struct domain *d0, *d;
    int rc, calls = 0;

    (void)state;
    d0 = make_domain(0, 1);
    assert_non_null(d0);
    dom0 = d0;
    set_current(d0);
    d = make_domain(4, 2);
    assert_non_null(d);
    give_frames(d, 20, 16);
    d->outstanding_pages = 8;
    assert_int_equal(d->tot_pages, 16);
    while ((rc = domain_kill(d)) == -XEN_ERESTART) {
        calls++;
        assert_true(d->is_dying);
        assert_null(get_domain_by_id(4));
        assert_true(d->vcpu[0]->pause_flags & VPF_paused);
        assert_true(d->vcpu[1]->pause_flags & VPF_paused);
        assert_int_equal(dom_exc_sent, 0);
        assert_false(domain_reserve_pages(d, 1));   /* no frame joins a dying domain */
        assert_int_equal(d->outstanding_pages, 0);  /* nor does it claim any */
    }
    assert_int_equal(rc, 0);
    assert_int_equal(calls, 15);              /* one frame per call */
    assert_int_equal(evtchn_kills, 1);            /* its ports closed once */
    assert_int_equal(dom_exc_sent, 1);
    for (unsigned long mfn = 20; mfn < 36; mfn++)
        assert_int_equal(test_frames[mfn].state, FRAME_FREE);
    assert_null(get_domain_by_id_any(4));
    /* dom0 cannot kill itself. */
    assert_int_equal(domain_kill(d0), -XEN_EINVAL);
    set_current(NULL);
    dom0 = NULL;
    assert_int_equal(kill_fully(d0), 0);
    assert_int_equal(live_blocks, 0);
}

/* A vCPU descheduled onto an idle pCPU that keeps its page tables loaded
 * (ctx_loaded, not running): the kill asks that pCPU to let go and waits
 * until it has, before anything is relinquished (the stub asserts). */
static void test_kill_releases_lazily_held_tables(void **state)
{
    struct domain *d;

    (void)state;
    d = make_domain(6, 2);
    assert_non_null(d);
    give_frames(d, 40, 4);
    d->vcpu[1]->ctx_loaded = true;
    lazy_release_after = 50;            /* the holder takes its time */
    assert_int_equal(kill_fully(d), 0);
    assert_int_equal(lazy_release_calls, 50);   /* asked until it let go, then relinquished */
    /* A vCPU whose tables are nowhere is not asked about. */
    d = make_domain(6, 1);
    assert_non_null(d);
    lazy_release_calls = 0;
    assert_int_equal(kill_fully(d), 0);
    assert_int_equal(lazy_release_calls, 0);
    assert_int_equal(live_blocks, 0);
}

/* A frame another domain still maps outlives its owner's kill; the owner's
 * struct and domid stay until that mapping goes, then all is freed. */
static void test_frame_mapped_elsewhere_keeps_owner(void **state)
{
    struct domain *d = make_domain(6, 1);

    (void)state;
    assert_non_null(d);
    give_frames(d, 40, 3);
    frame_foreign_mapped[41] = true;
    relinquish_batch = 100;
    assert_int_equal(kill_fully(d), 0);
    assert_int_equal(d->tot_pages, 1);
    assert_int_equal(test_frames[40].state, FRAME_FREE);
    assert_int_equal(test_frames[41].state, FRAME_DOMAIN);
    assert_null(domain_create(6, false, 1));
    assert_true(live_blocks > 0);
    frame_free(41);                                /* the mapping goes */
    assert_int_equal(live_blocks, 0);
    d = make_domain(6, 1);
    assert_non_null(d);
    assert_int_equal(kill_fully(d), 0);
    assert_int_equal(live_blocks, 0);
}

/* Frames reserved before the kill began are waited for, then given back;
 * an abandoned reservation is as good. */
static void test_kill_waits_for_reserved_frames(void **state)
{
    struct domain *d = make_domain(12, 1);

    (void)state;
    assert_non_null(d);
    d->max_pages = 100;
    assert_true(domain_reserve_pages(d, 3));
    assert_int_equal(domain_kill(d), -XEN_ERESTART);
    assert_int_equal(domain_kill(d), -XEN_ERESTART);
    assert_int_equal(relinquish_calls, 0);
    for (unsigned long mfn = 50; mfn < 52; mfn++) {
        test_frames[mfn].state = FRAME_DOMAIN;
        test_frames[mfn].owner = d->domain_id;
        domain_add_reserved_page(d, mfn);
    }
    assert_int_equal(domain_kill(d), -XEN_ERESTART);
    domain_unreserve_pages(d, 1);                  /* the third never came */
    relinquish_batch = 100;
    assert_int_equal(kill_fully(d), 0);
    assert_int_equal(test_frames[50].state, FRAME_FREE);
    assert_int_equal(test_frames[51].state, FRAME_FREE);
    assert_int_equal(live_blocks, 0);
}

/* Two callers at once: the second is told to come back, not blocked. */
static void test_concurrent_kill_restarts(void **state)
{
    struct domain *d = make_domain(11, 1);

    (void)state;
    assert_non_null(d);
    spin_lock(&d->kill_lock);
    assert_int_equal(domain_kill(d), -XEN_ERESTART);
    assert_false(d->is_dying);
    spin_unlock(&d->kill_lock);
    assert_int_equal(kill_fully(d), 0);
    assert_int_equal(live_blocks, 0);
}

static __attribute__((noinline)) void shutdown_expecting_power_off(struct domain *d)
{
    if (!setjmp(power_off_jmp))
        domain_shutdown(d, SHUTDOWN_poweroff);
}

/* A domU's shutdown tells dom0 and pauses only that domain; dom0's powers
 * the machine off. */
/* A reserved extent joins in one go: counted once (frames are not
 * listed: the frame table's owner says whose they are); a frame freed
 * from its middle leaves the count; all come back on kill. */
static void test_reserved_extent_joins(void **state)
{
    struct domain *d = make_domain(13, 1);

    (void)state;
    assert_non_null(d);
    d->max_pages = 100;
    assert_true(domain_reserve_pages(d, 9));
    for (unsigned long mfn = 20; mfn < 29; mfn++) {
        test_frames[mfn].state = FRAME_DOMAIN;
        test_frames[mfn].owner = d->domain_id;
    }
    domain_add_reserved_page(d, 28);
    domain_add_reserved_pages(d, 20, 8);
    assert_int_equal(d->pages_pending, 0);
    assert_int_equal(d->tot_pages, 9);
    frame_free(24);
    assert_int_equal(d->tot_pages, 8);
    relinquish_batch = 100;
    assert_int_equal(kill_fully(d), 0);
    for (unsigned long mfn = 20; mfn < 29; mfn++)
        assert_int_equal(test_frames[mfn].state, FRAME_FREE);
    assert_int_equal(live_blocks, 0);
}

static void test_shutdown_events(void **state)
{
    struct domain *d0 = make_domain(0, 1), *d;

    (void)state;
    assert_non_null(d0);
    d0->is_initial = true;
    dom0 = d0;
    d = make_domain(2, 1);
    assert_non_null(d);
    domain_crash(d, "test");
    assert_true(d->is_shut_down);
    assert_int_equal(d->shutdown_code, SHUTDOWN_crash);
    assert_true(d->vcpu[0]->pause_flags & VPF_paused);
    assert_false(d0->vcpu[0]->pause_flags & VPF_paused);
    assert_int_equal(dom_exc_sent, 1);
    assert_int_equal(power_offs, 0);
    domain_unpause(d);                             /* a shut-down domain stays paused */
    assert_true(d->vcpu[0]->pause_flags & VPF_paused);
    set_current(d0);
    assert_int_equal(kill_fully(d), 0);
    assert_int_equal(dom_exc_sent, 2);             /* and once more on its death */
    set_current(NULL);
    shutdown_expecting_power_off(d0);
    assert_int_equal(power_offs, 1);
    d0->is_initial = false;
    dom0 = NULL;
    assert_int_equal(kill_fully(d0), 0);
    assert_int_equal(live_blocks, 0);
}

static int result;

static void run_all(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_create_destroy_recreate, reset),
        cmocka_unit_test_setup(test_same_id_refused_while_live, reset),
        cmocka_unit_test_setup(test_failure_at_every_allocation, reset),
        cmocka_unit_test_setup(test_reference_held_across_destroy, reset),
        cmocka_unit_test_setup(test_domain_from_walk, reset),
        cmocka_unit_test_setup(test_destroy_preempted_and_resumed, reset),
        cmocka_unit_test_setup(test_frame_mapped_elsewhere_keeps_owner, reset),
        cmocka_unit_test_setup(test_kill_releases_lazily_held_tables, reset),
        cmocka_unit_test_setup(test_concurrent_kill_restarts, reset),
        cmocka_unit_test_setup(test_kill_waits_for_reserved_frames, reset),
        cmocka_unit_test_setup(test_reserved_extent_joins, reset),
        cmocka_unit_test_setup(test_shutdown_events, reset),
    };
    result = cmocka_run_group_tests(tests, NULL, NULL);
}

int main(void)
{
    static ucontext_t main_ctx, test_ctx;
    /* One stack block, as a hypervisor CPU has: get_cpu_info finds the
     * cpu_info at its top by masking the stack pointer. */
    char *stack = aligned_alloc(STACK_SIZE, STACK_SIZE);

    if (!stack)
        return 1;
    memset(stack, 0, STACK_SIZE);
    test_cpu_info = stack_cpu_info(stack);
    getcontext(&test_ctx);
    test_ctx.uc_stack.ss_sp = stack;
    test_ctx.uc_stack.ss_size = STACK_SIZE - CPU_INFO_SIZE;
    test_ctx.uc_link = &main_ctx;
    makecontext(&test_ctx, run_all, 0);
    swapcontext(&main_ctx, &test_ctx);
    free(stack);
    return result;
}
