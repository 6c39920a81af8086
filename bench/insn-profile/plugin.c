/*
 * A QEMU TCG plugin (QEMU 7.2's plugin API, version 1) that counts how
 * often every translated block at a high-half address (hypervisor and
 * guest kernels) runs, and writes "vaddr instructions executions" per block
 * at exit to $PROF_OUT. diff.py turns two such files into instructions
 * per operation for each symbol. Build: see run.sh.
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
#define QEMU_PLUGIN_INLINE_ADD_U64 0

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

struct block {
    uint64_t vaddr, insns, runs;
    struct block *next;
};
static struct block *blocks;

static void on_translate(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
    uint64_t va = qemu_plugin_tb_vaddr(tb);
    struct block *b;

    (void)id;
    if (va < 0xffff800000000000ULL)
        return;
    b = calloc(1, sizeof(*b));
    if (!b)
        return;
    b->vaddr = va;
    b->insns = qemu_plugin_tb_n_insns(tb);
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
