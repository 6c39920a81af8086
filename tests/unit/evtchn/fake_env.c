/* The fake machine of fake_env.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fake_env.h"

static __thread struct fake_dom *held[4];
static __thread unsigned int nr_held;

unsigned int fake_locks_held(void)
{
    return nr_held;
}

static struct fake_env *env_of(void *ctx)
{
    return ctx;
}

static struct fake_dom *dom_of(struct evtchn_domain *e)
{
    return (struct fake_dom *)((char *)e - offsetof(struct fake_dom, ev));
}

static void note_held(struct fake_dom *fd)
{
    if (nr_held >= 4)
        abort();
    held[nr_held++] = fd;
}

static void f_lock(void *ctx, struct evtchn_domain *e)
{
    struct fake_dom *fd = dom_of(e);

    /* Rule 5: blocking on a lock is only allowed for a higher domid than
     * any lock already held. */
    for (unsigned int i = 0; i < nr_held; i++)
        if (held[i] == fd || held[i]->ev.domid >= e->domid)
            __atomic_add_fetch(&env_of(ctx)->order_violations, 1, __ATOMIC_RELAXED);
    pthread_mutex_lock(&fd->lock);
    note_held(fd);
}

static bool f_trylock(void *ctx, struct evtchn_domain *e)
{
    struct fake_dom *fd = dom_of(e);

    (void)ctx;
    if (pthread_mutex_trylock(&fd->lock))
        return false;
    note_held(fd);
    return true;
}

static void f_unlock(void *ctx, struct evtchn_domain *e)
{
    struct fake_dom *fd = dom_of(e);
    unsigned int i;

    (void)ctx;
    for (i = 0; i < nr_held && held[i] != fd; i++)
        ;
    if (i == nr_held)
        abort();                    /* unlocking a lock not held */
    held[i] = held[--nr_held];
    pthread_mutex_unlock(&fd->lock);
}

static struct evtchn_domain *f_get_domain(void *ctx, domid_t id)
{
    struct fake_env *fe = env_of(ctx);

    for (unsigned int i = 0; i < FAKE_NR_DOMS; i++)
        if (fe->dom[i].ev.domid == id && fe->dom[i].alive) {
            __atomic_add_fetch(&fe->dom[i].refs, 1, __ATOMIC_RELAXED);
            return &fe->dom[i].ev;
        }
    return NULL;
}

static void f_put_domain(void *ctx, struct evtchn_domain *e)
{
    (void)ctx;
    __atomic_sub_fetch(&dom_of(e)->refs, 1, __ATOMIC_RELAXED);
}

static shared_info_t *f_shared_info(void *ctx, struct evtchn_domain *e)
{
    (void)ctx;
    return &dom_of(e)->shared;
}

static vcpu_info_t *f_vcpu_info(void *ctx, struct evtchn_domain *e, unsigned int vcpu)
{
    struct fake_dom *fd = dom_of(e);

    (void)ctx;
    return vcpu < fd->nr_vcpus ? &fd->shared.vcpu_info[vcpu] : NULL;
}

static u16 *f_virq_map(void *ctx, struct evtchn_domain *e, unsigned int vcpu)
{
    struct fake_dom *fd = dom_of(e);

    (void)ctx;
    return vcpu < fd->nr_vcpus ? fd->virq_map[vcpu] : NULL;
}

static void f_kick(void *ctx, struct evtchn_domain *e, unsigned int vcpu)
{
    struct fake_dom *fd = dom_of(e);

    (void)ctx;
    if (vcpu >= fd->nr_vcpus)
        abort();
    __atomic_add_fetch(&fd->kicks[vcpu], 1, __ATOMIC_RELAXED);
}

static void f_raised(void *ctx, struct evtchn_domain *e, unsigned int port)
{
    (void)ctx;
    (void)port;
    __atomic_add_fetch(&dom_of(e)->raised, 1, __ATOMIC_RELAXED);
}

static bool f_preempt(void *ctx)
{
    struct fake_env *fe = env_of(ctx);

    fe->preempt_checks++;
    return fe->preempt;
}

static bool f_paused(void *ctx, struct evtchn_domain *e)
{
    (void)ctx;
    return dom_of(e)->paused;
}

static const struct evtchn_env_ops fake_ops = {
    .lock = f_lock, .trylock = f_trylock, .unlock = f_unlock,
    .get_domain = f_get_domain, .put_domain = f_put_domain,
    .shared_info = f_shared_info, .vcpu_info = f_vcpu_info, .virq_map = f_virq_map,
    .kick = f_kick, .raised = f_raised, .preempt_check = f_preempt,
    .controller_paused = f_paused,
};

void fake_init(struct fake_env *fe)
{
    static const unsigned int vcpus[FAKE_NR_DOMS] = { 2, 2, 1, 1 };

    memset(fe, 0, sizeof(*fe));
    fe->env.ops = &fake_ops;
    fe->env.ctx = fe;
    for (unsigned int i = 0; i < FAKE_NR_DOMS; i++) {
        struct fake_dom *fd = &fe->dom[i];
        fd->nr_vcpus = vcpus[i];
        fd->alive = true;
        pthread_mutex_init(&fd->lock, NULL);
        evtchn_setup(&fd->ev, fd->ports, i, fd->nr_vcpus, i == 0, EVTCHN_MAX_PORT_LIMIT);
    }
}

void fake_destroy(struct fake_env *fe)
{
    for (unsigned int i = 0; i < FAKE_NR_DOMS; i++)
        pthread_mutex_destroy(&fe->dom[i].lock);
}

static char why[160];

#define BAD(...) do { snprintf(why, sizeof(why), __VA_ARGS__); return why; } while (0)

static const char *check_dom(struct fake_env *fe, struct fake_dom *fd)
{
    struct evtchn_domain *d = &fd->ev;
    unsigned int active = 0;

    if (d->valid % EVTCHN_BUCKET || d->valid < EVTCHN_BUCKET || d->valid > EVTCHN_NR_PORTS)
        BAD("d%u: valid %u", d->domid, d->valid);
    if (fd->ports[0].state != ECS_RESERVED)
        BAD("d%u: port 0 state %u", d->domid, fd->ports[0].state);
    static const struct evtchn_port zero[EVTCHN_NR_PORTS];
    if (memcmp(&fd->ports[d->valid], zero, (EVTCHN_NR_PORTS - d->valid) * sizeof(zero[0])))
        BAD("d%u: a port beyond valid %u is used", d->domid, d->valid);
    for (unsigned int w = d->valid / 64; w < EVTCHN_NR_PORTS / 64; w++)
        if (fd->shared.evtchn_pending[w])
            BAD("d%u: a port beyond valid %u is pending", d->domid, d->valid);
    for (unsigned int p = 1; p < d->valid; p++) {
        struct evtchn_port *c = &fd->ports[p];
        bool pending = (fd->shared.evtchn_pending[p / 64] >> (p % 64)) & 1;

        if (c->notify_vcpu >= fd->nr_vcpus)
            BAD("d%u: port %u notifies vCPU %u", d->domid, p, c->notify_vcpu);
        switch (c->state) {
        case ECS_FREE:
            if (pending || c->notify_vcpu || c->remote)
                BAD("d%u: free port %u left pending %d / vcpu %u", d->domid, p, pending,
                    c->notify_vcpu);
            continue;
        case ECS_UNBOUND:
            if (c->remote)
                BAD("d%u: unbound port %u has a peer", d->domid, p);
            break;
        case ECS_INTERDOMAIN: {
            struct evtchn_domain *r = c->remote;
            struct evtchn_port *pc;
            if (!r || r->domid != c->remote_domid || c->remote_port >= r->valid)
                BAD("d%u: port %u peer broken", d->domid, p);
            pc = &r->port[c->remote_port];
            if (pc->state != ECS_INTERDOMAIN || pc->remote != d || pc->remote_port != p)
                BAD("d%u: port %u peer d%u:%u does not point back", d->domid, p, r->domid,
                    c->remote_port);
            break;
        }
        case ECS_VIRQ: {
            unsigned int v = evtchn_virq_is_global(c->virq) ? 0 : c->notify_vcpu;
            if (c->virq >= NR_VIRQS || fd->virq_map[v][c->virq] != p)
                BAD("d%u: virq port %u not in vCPU %u's map", d->domid, p, v);
            if (!evtchn_virq_is_global(c->virq) && c->notify_vcpu != v)
                BAD("d%u: per-vCPU virq port %u moved", d->domid, p);
            break;
        }
        case ECS_IPI:
            break;
        default:
            BAD("d%u: port %u in state %u", d->domid, p, c->state);
        }
        active++;
    }
    if (active != d->active)
        BAD("d%u: %u ports in use, active says %u", d->domid, active, d->active);
    if (d->dying && active)
        BAD("d%u: dying with %u ports", d->domid, active);
    for (unsigned int v = 0; v < FAKE_MAX_VCPUS; v++)
        for (unsigned int q = 0; q < NR_VIRQS; q++) {
            unsigned int p = fd->virq_map[v][q];
            if (!p)
                continue;
            if (v >= fd->nr_vcpus || p >= d->valid || fd->ports[p].state != ECS_VIRQ ||
                fd->ports[p].virq != q)
                BAD("d%u: vCPU %u virq %u maps to port %u (not its)", d->domid, v, q, p);
            if (evtchn_virq_is_global(q) && v)
                BAD("d%u: global virq %u on vCPU %u", d->domid, q, v);
        }
    if (fd->refs)
        BAD("d%u: %d references left", d->domid, fd->refs);
    (void)fe;
    return NULL;
}

const char *fake_check(struct fake_env *fe)
{
    if (fake_locks_held())
        BAD("%u locks still held", fake_locks_held());
    if (fe->order_violations)
        BAD("%u lock-order violations", fe->order_violations);
    for (unsigned int i = 0; i < FAKE_NR_DOMS; i++) {
        const char *w = check_dom(fe, &fe->dom[i]);
        if (w)
            return w;
    }
    return NULL;
}

/* Ports at and beyond valid are all zero (fake_check), and a change of
 * valid shows in ev: comparing the valid ones is enough. */
void fake_snap(struct fake_env *fe, struct fake_snapshot *s)
{
    for (unsigned int i = 0; i < FAKE_NR_DOMS; i++) {
        memcpy(&s->ev[i], &fe->dom[i].ev, sizeof(s->ev[i]));
        memcpy(s->ports[i], fe->dom[i].ports, fe->dom[i].ev.valid * sizeof(s->ports[i][0]));
        memcpy(&s->shared[i], &fe->dom[i].shared, sizeof(s->shared[i]));
        memcpy(s->virq_map[i], fe->dom[i].virq_map, sizeof(s->virq_map[i]));
    }
}

bool fake_same(struct fake_env *fe, const struct fake_snapshot *s)
{
    for (unsigned int i = 0; i < FAKE_NR_DOMS; i++)
        if (memcmp(&s->ev[i], &fe->dom[i].ev, sizeof(s->ev[i])) ||
            memcmp(s->ports[i], fe->dom[i].ports, s->ev[i].valid * sizeof(s->ports[i][0])) ||
            memcmp(&s->shared[i], &fe->dom[i].shared, sizeof(s->shared[i])) ||
            memcmp(s->virq_map[i], fe->dom[i].virq_map, sizeof(s->virq_map[i])))
            return false;
    return true;
}
