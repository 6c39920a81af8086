/* The scheduler (a stub until PV domains exist). */
#ifndef PVISOR_SCHED_H
#define PVISOR_SCHED_H
void schedule(void);
void __attribute__((noreturn)) idle_loop(void);
#endif
