/*
 * spin: a CPU-bound domU for the scheduler's isolation tests.  It spins
 * from "start=A" to "stop=B" milliseconds of system time (since boot;
 * defaults 1500 and 5500), counting loop iterations, then prints its own
 * running time from its runstate area (RUNSTATE_running) and the count.
 * With "timer=1" it instead sleeps in 2 ms steps (set_timer_op + block)
 * and records how late each wake-up was: the latency a spinning
 * neighbour can cause.  With "unpriv=1" it first checks that the control
 * interface (domctl, sysctl, SCHEDOP_remote_shutdown) refuses a domU.
 * With "updown=1" it is the attacker of issue 11 (defect 1): it brings up
 * all its vCPUs, and every vCPU spins and, every few thousand iterations,
 * downs and ups each sibling (VCPUOP_down + VCPUOP_up); Keel used to give
 * a vCPU coming up its caller's virtual time, which stopped the domain's
 * virtual time and starved every other domain.
 */
#include "lib/guest.h"
#include <public/domctl.h>
#include <public/sysctl.h>



static struct vcpu_runstate_info runstate;

/* ---- updown=1: the down/up attacker ---- */
#define UD_MAXV 4
#define UD_STACK 8192
#define UD_EVERY 4096		/* spin iterations between two down/up rounds */
static uint8_t ud_stacks[UD_MAXV][UD_STACK] __attribute__((aligned(4096)));
static struct vcpu_guest_context ud_ctx;
static volatile bool ud_stop;
static volatile uint64_t ud_rounds[UD_MAXV];

/* Down and up every sibling of vCPU `me` (errors ignored: one that is
 * mid-start may refuse). */
static void updown_round(unsigned int me, unsigned int nr)
{
	unsigned int k;

	for (k = 0; k < nr; k++)
		if (k != me) {
			HYPERVISOR_vcpu_op(VCPUOP_down, k, NULL);
			HYPERVISOR_vcpu_op(VCPUOP_up, k, NULL);
		}
	ud_rounds[me]++;
}

static unsigned int ud_nr;

static void __attribute__((noreturn)) updown_sibling(unsigned int id)
{
	uint64_t n;

	for (n = 0; !ud_stop; n++)
		if (!(n % UD_EVERY))
			updown_round(id, ud_nr);
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
}

/* Start vCPU id at updown_sibling(id) (as the smp guest does). */
static long updown_start(unsigned int id)
{
	unsigned int i;
	long rc;

	memset(&ud_ctx, 0, sizeof(ud_ctx));
	ud_ctx.flags = VGCF_in_kernel | VGCF_failsafe_disables_events;
	ud_ctx.user_regs.rip = (unsigned long)updown_sibling;
	ud_ctx.user_regs.rsp = (unsigned long)&ud_stacks[id][UD_STACK] - 8;
	ud_ctx.user_regs.rdi = id;
	ud_ctx.user_regs.cs = FLAT_KERNEL_CS;
	ud_ctx.user_regs.ss = FLAT_KERNEL_SS;
	for (i = 0; i < 32; i++) {
		ud_ctx.trap_ctxt[i].vector = (uint8_t)i;
		ud_ctx.trap_ctxt[i].flags = 4 | ((i == 3 || i == 4) ? 3 : 0);
		ud_ctx.trap_ctxt[i].cs = FLAT_KERNEL_CS;
		ud_ctx.trap_ctxt[i].address = trap_stub(i);
	}
	ud_ctx.kernel_ss = FLAT_KERNEL_SS;
	ud_ctx.kernel_sp = (unsigned long)&ud_stacks[id][UD_STACK];
	ud_ctx.event_callback_eip = (unsigned long)event_entry;
	ud_ctx.failsafe_callback_eip = (unsigned long)failsafe_entry;
	ud_ctx.syscall_callback_eip = (unsigned long)syscall_entry;
	ud_ctx.ctrlreg[3] = xen_pfn_to_cr3(va_to_mfn((void *)start_info->pt_base));
	rc = HYPERVISOR_vcpu_op(VCPUOP_initialise, id, &ud_ctx);
	return rc ? rc : HYPERVISOR_vcpu_op(VCPUOP_up, id, NULL);
}

/* The attacker: every vCPU up, then spin with down/up rounds until stop. */
static void updown_attack(uint64_t stop)
{
	uint64_t n, total = 0;
	unsigned int k;

	for (ud_nr = 1; ud_nr < UD_MAXV; ud_nr++)
		if (HYPERVISOR_vcpu_op(VCPUOP_is_up, ud_nr, NULL) < 0)
			break;
	for (k = 1; k < ud_nr; k++)
		CHECK_RC("updown: start a sibling", updown_start(k), 0);
	for (n = 0; system_time_ns() < stop; n++)
		if (!(n % UD_EVERY))
			updown_round(0, ud_nr);
	ud_stop = true;
	for (k = 0; k < ud_nr; k++)
		total += ud_rounds[k];
	printf("spin-result: updown vcpus %u rounds %lu\n", ud_nr, (unsigned long)total);
}

/* A domU may not use the control interface (-EPERM, after the version). */
static void check_unprivileged(void)
{
	struct xen_domctl op;
	struct xen_sysctl s;
	struct sched_remote_shutdown rs = { .domain_id = 0, .reason = SHUTDOWN_poweroff };

	memset(&op, 0, sizeof(op));
	op.cmd = XEN_DOMCTL_getdomaininfo;
	op.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	CHECK_RC("domU: domctl getdomaininfo -EPERM", HC(__HYPERVISOR_domctl, &op, 0, 0, 0, 0),
		 -XEN_EPERM);
	op.cmd = XEN_DOMCTL_pausedomain;
	CHECK_RC("domU: domctl pausedomain dom0 -EPERM", HC(__HYPERVISOR_domctl, &op, 0, 0, 0, 0),
		 -XEN_EPERM);
	op.cmd = XEN_DOMCTL_scheduler_op;
	op.domain = DOMID_SELF;		/* not an id: the lookup fails first */
	CHECK_RC("domU: domctl on DOMID_SELF -ESRCH", HC(__HYPERVISOR_domctl, &op, 0, 0, 0, 0),
		 -XEN_ESRCH);
	op.interface_version = 0;
	CHECK_RC("domU: domctl version 0 -EACCES", HC(__HYPERVISOR_domctl, &op, 0, 0, 0, 0),
		 -XEN_EACCES);
	memset(&s, 0, sizeof(s));
	s.cmd = XEN_SYSCTL_getdomaininfolist;
	s.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	CHECK_RC("domU: sysctl getdomaininfolist -EPERM", HC(__HYPERVISOR_sysctl, &s, 0, 0, 0, 0),
		 -XEN_EPERM);
	CHECK_RC("domU: remote_shutdown dom0 -EPERM",
		 HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &rs), -XEN_EPERM);
}


void guest_main(void)
{
	struct vcpu_register_runstate_memory_area area;
	uint64_t start = cmdline_num("start=", 1500) * 1000000UL, stop = cmdline_num("stop=", 5500) * 1000000UL;
	uint64_t iters = 0, worst = 0, sum = 0, n = 0, over1ms = 0, t;

	map_shared_info();
	set_xen_guest_handle(area.addr.h, &runstate);
	CHECK_RC("register runstate area",
		 HC(__HYPERVISOR_vcpu_op, VCPUOP_register_runstate_memory_area, 0, &area, 0, 0), 0);
	timer_virq_port();
	if (cmdline_num("unpriv=", 0))
		check_unprivileged();
	sleep_until_ns(start);
	if (cmdline_num("updown=", 0)) {
		updown_attack(stop);
	} else if (cmdline_num("timer=", 0)) {
		for (t = start + 2000000; t < stop; t += 2000000) {
			uint64_t late;
			sleep_until_ns(t);
			late = system_time_ns() - t;
			worst = late > worst ? late : worst;
			over1ms += late > 1000000;
			sum += late;
			n++;
		}
		printf("spin-result: timer wakeups %lu mean-late-us %lu worst-late-us %lu over-1ms %lu\n",
		       (unsigned long)n, (unsigned long)(n ? sum / n / 1000 : 0),
		       (unsigned long)(worst / 1000), (unsigned long)over1ms);
	} else {
		uint64_t before = runstate.time[RUNSTATE_running];
		while (system_time_ns() < stop)
			iters++;
		/* The runstate area is refreshed when we are switched in: yield once. */
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
		printf("spin-result: running-us %lu iterations %lu\n",
		       (unsigned long)((runstate.time[RUNSTATE_running] - before) / 1000),
		       (unsigned long)iters);
	}
	check(true, "spin finished", "%s", "");
}
