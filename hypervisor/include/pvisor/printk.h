/*
 * Hypervisor log. Every line goes out prefixed "(PV) " (as Xen's "(XEN) ");
 * a level prefix selects whether it is shown under loglvl=.
 *   loglvl=none|error|warning|info|debug|all  (or 0..4)
 */
#ifndef PVISOR_PRINTK_H
#define PVISOR_PRINTK_H
#include <pvisor/compiler.h>
#include <stdarg.h>

#define LOG_ERR   "\001" "1"
#define LOG_WARN  "\001" "2"
#define LOG_INFO  "\001" "3"
#define LOG_DEBUG "\001" "4"

#define LOGLVL_NONE  0
#define LOGLVL_ERR   1
#define LOGLVL_WARN  2
#define LOGLVL_INFO  3
#define LOGLVL_DEBUG 4

void printk(const char *fmt, ...) __printf(1, 2);
void vprintk(const char *fmt, va_list ap) __printf(1, 0);
/* A line a guest can make the hypervisor print (a refused request): rate
 * limited as Xen limits XENLOG_GUEST lines, 10 at once, then one per 5 s,
 * with a count of what was suppressed, so a guest cannot flood the log
 * while the first occurrences still show. */
void gprintk(const char *fmt, ...) __printf(1, 2);
void __noreturn panic(const char *fmt, ...) __printf(1, 2);

/* Take the console lock even if its holder is stuck (panic path). */
void console_force_unlock(void);

#define BUG_ON(c) do { if (unlikely(c)) panic("BUG at %s:%d: %s", __FILE__, __LINE__, #c); } while (0)
#define BUG() panic("BUG at %s:%d", __FILE__, __LINE__)
#ifdef CONFIG_DEBUG
#define ASSERT(c) BUG_ON(!(c))
#else
#define ASSERT(c) do { (void)sizeof(c); } while (0)
#endif

#endif
