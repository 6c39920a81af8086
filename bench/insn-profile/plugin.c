/*
 * A QEMU TCG plugin (QEMU 7.2's plugin API, version 1) that counts how
 * often every translated block runs, and writes "vaddr instructions
 * executions" per block at exit to $PROF_OUT. diff.py turns two such files
 * into instructions per operation for each symbol. Build: see run.sh.
 *
 * Windows within one boot: a block that starts with `movabs $MARK, %rax`
 * (pvprof-mark.S, run in a guest at the window's edges) takes a snapshot
 * of every count when it runs; $PROF_OUT.N then gets the blocks run
 * between snapshot N and N+1 as "vaddr instructions executions hostaddr"
 * (the host address of the block's code tells whose memory it is in:
 * split.py).
 * The few declarations below are the plugin API's, written out because
 * Debian packages no qemu-plugin.h.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

typedef uint64_t qemu_plugin_id_t;
typedef struct {
    const char *target_name;
    struct { int min, cur; } version;
    bool system_emulation;
    union { struct { int smp_vcpus, max_vcpus; } system; };
} qemu_info_t;
struct qemu_plugin_tb;
typedef void (*tb_trans_cb_t)(qemu_plugin_id_t, struct qemu_plugin_tb *);
typedef void (*udata_cb_t)(qemu_plugin_id_t, void *);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t, tb_trans_cb_t);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *, int op, void *ptr,
                                              uint64_t imm);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t, udata_cb_t, void *);
struct qemu_plugin_insn;
typedef void (*vcpu_udata_cb_t)(unsigned int vcpu, void *udata);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *, vcpu_udata_cb_t, int flags,
                                          void *udata);
struct qemu_plugin_insn *qemu_plugin_tb_get_insn(const struct qemu_plugin_tb *, size_t idx);
const void *qemu_plugin_insn_data(const struct qemu_plugin_insn *);
size_t qemu_plugin_insn_size(const struct qemu_plugin_insn *);
void *qemu_plugin_insn_haddr(const struct qemu_plugin_insn *);
#define QEMU_PLUGIN_INLINE_ADD_U64 0
#define QEMU_PLUGIN_CB_NO_REGS 0

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define MAX_SNAPS 16
/* movabs $0x6b72616d666f7270 ("profmark"), %rax */
static const unsigned char mark_insn[10] = {0x48, 0xb8, 'p', 'r', 'o', 'f', 'm', 'a', 'r', 'k'};

struct block {
    uint64_t vaddr, insns, runs, haddr;
    uint64_t snap[MAX_SNAPS];   /* runs when snapshot i was taken */
    struct block *next;
};
static struct block *blocks;
static unsigned int nsnaps;

static void on_mark(unsigned int vcpu, void *udata)
{
    (void)vcpu;
    (void)udata;
    if (nsnaps >= MAX_SNAPS)
        return;
    for (struct block *b = blocks; b; b = b->next)
        b->snap[nsnaps] = b->runs;
    nsnaps++;
}

static bool is_mark(struct qemu_plugin_tb *tb)
{
    struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(tb, 0);
    const unsigned char *p;

    if (!insn || qemu_plugin_insn_size(insn) != sizeof(mark_insn))
        return false;
    p = qemu_plugin_insn_data(insn);
    for (size_t i = 0; i < sizeof(mark_insn); i++)
        if (p[i] != mark_insn[i])
            return false;
    return true;
}

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    uint64_t va = qemu_plugin_tb_vaddr(tb);
    struct qemu_plugin_insn *first = qemu_plugin_tb_get_insn(tb, 0);
    struct block *b;

    (void)id;
    b = calloc(1, sizeof(*b));
    if (!b)
        return;
    b->vaddr = va;
    b->insns = qemu_plugin_tb_n_insns(tb);
    b->haddr = first ? (uint64_t)(uintptr_t)qemu_plugin_insn_haddr(first) : 0;
    if (is_mark(tb))
        qemu_plugin_register_vcpu_tb_exec_cb(tb, on_mark, QEMU_PLUGIN_CB_NO_REGS, NULL);
    b->next = blocks;
    blocks = b;
    qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &b->runs, 1);
}

static void at_exit(qemu_plugin_id_t id, void *p)
{
    const char *path = getenv("PROF_OUT");
    FILE *f = fopen(path ? path : "insn-profile.txt", "w");

    (void)id;
    (void)p;
    if (!f)
        return;
    for (struct block *b = blocks; b; b = b->next)
        if (b->runs)
            fprintf(f, "%llx %llu %llu\n", (unsigned long long)b->vaddr,
                    (unsigned long long)b->insns, (unsigned long long)b->runs);
    fclose(f);
    for (unsigned int n = 1; n < nsnaps; n++) {
        char name[4096];

        snprintf(name, sizeof(name), "%s.%u", path ? path : "insn-profile.txt", n);
        f = fopen(name, "w");
        if (!f)
            continue;
        for (struct block *b = blocks; b; b = b->next)
            if (b->snap[n] > b->snap[n - 1])
                fprintf(f, "%llx %llu %llu %llx\n", (unsigned long long)b->vaddr,
                        (unsigned long long)b->insns,
                        (unsigned long long)(b->snap[n] - b->snap[n - 1]),
                        (unsigned long long)b->haddr);
        fclose(f);
    }
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id,
                                                               const qemu_info_t *info,
                                                               int argc, char **argv)
{
    (void)info;
    (void)argc;
    (void)argv;
    qemu_plugin_register_vcpu_tb_trans_cb(id, on_translate);
    qemu_plugin_register_atexit_cb(id, at_exit, NULL);
    return 0;
}
