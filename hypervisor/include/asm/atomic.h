/* Atomics and barriers (GCC builtins, sequentially consistent unless said). */
#ifndef ASM_ATOMIC_H
#define ASM_ATOMIC_H
#define smp_mb()  __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb() __asm__ __volatile__("" ::: "memory")
#define smp_wmb() __asm__ __volatile__("" ::: "memory")
#define atomic_read(p)        __atomic_load_n(p, __ATOMIC_ACQUIRE)
#define atomic_set(p, v)      __atomic_store_n(p, v, __ATOMIC_RELEASE)
#define atomic_add(p, v)      __atomic_add_fetch(p, v, __ATOMIC_SEQ_CST)
#define atomic_sub(p, v)      __atomic_sub_fetch(p, v, __ATOMIC_SEQ_CST)
#define atomic_xchg(p, v)     __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST)
#define atomic_cmpxchg(p, o, n) ({ __typeof__(*(p)) _o = (o); \
        __atomic_compare_exchange_n(p, &_o, n, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); _o; })
#define test_and_set_bit(nr, addr) ({ unsigned long _m = 1UL << ((nr) % 64); \
        (__atomic_fetch_or(&((unsigned long *)(addr))[(nr) / 64], _m, __ATOMIC_SEQ_CST) & _m) != 0; })
#define test_and_clear_bit(nr, addr) ({ unsigned long _m = 1UL << ((nr) % 64); \
        (__atomic_fetch_and(&((unsigned long *)(addr))[(nr) / 64], ~_m, __ATOMIC_SEQ_CST) & _m) != 0; })
#define set_bit(nr, addr)   ((void)test_and_set_bit(nr, addr))
#define clear_bit(nr, addr) ((void)test_and_clear_bit(nr, addr))
#define test_bit(nr, addr) ((__atomic_load_n(&((const unsigned long *)(addr))[(nr) / 64], __ATOMIC_RELAXED) >> ((nr) % 64)) & 1)
#endif
