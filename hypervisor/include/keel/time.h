/*
 * Time: system time in ns since boot from the calibrated TSC (the same
 * scale every guest's pvclock uses), the wallclock at system time 0, and
 * per-vCPU timers that raise VIRQ_TIMER.  See arch/x86_64/time_sources.c and
 * common/timer.c.
 */
#ifndef KEEL_TIME_H
#define KEEL_TIME_H
#include <keel/types.h>
struct vcpu;
struct domain;

void time_init(void);
uint64_t get_s_time(void);                  /* ns since boot */
uint64_t tsc_khz(void);
void update_vcpu_system_time(struct vcpu *v);
void domain_set_wallclock(struct domain *d);
void time_set_wallclock(uint64_t secs, uint32_t nsecs, uint64_t system_time);

/* The one-shot hardware timer: fire at system time `deadline` (0: never). */
void arch_timer_program(uint64_t deadline);
void arch_timer_ack(void);
void lapic_ap_init(void);
uint32_t lapic_id(void);
void lapic_send_ipi(uint32_t dest, uint32_t cmd);
void udelay(uint64_t us);
#define TIMER_VECTOR 0xf0
#define SPURIOUS_VECTOR 0xff

/* vCPU timers (common/timer.c). */
/* Each on the queue of the CPU v runs or last ran on (keel/timer.h). */
void vcpu_set_singleshot(struct vcpu *v, uint64_t deadline);   /* 0 stops it */
void vcpu_set_periodic(struct vcpu *v, uint64_t period);       /* 0 stops it */
void vcpu_set_poll_timeout(struct vcpu *v, uint64_t deadline); /* 0: none */
/* The scheduler: v is switched in on this CPU (its timers move here, its
 * periodic timer runs again, one tick for those it missed), or out (its
 * periodic timer stops; v may be NULL). */
void vcpu_timers_switch_in(struct vcpu *v);
void vcpu_timers_switch_out(struct vcpu *v);
/* v is being destroyed: every timer of it stopped. */
void vcpu_timers_kill(struct vcpu *v);
/* This CPU: run its timers that are due, reprogram its timer interrupt. */
void timers_run(void);
#endif
