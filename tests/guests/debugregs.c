/*
 * debugregs: guest debug registers as Xen 4.17 gives them to a 64-bit PV
 * kernel: HYPERVISOR_set_debugreg/get_debugreg with Xen's rules (reserved
 * bits, %dr0-3 in guest space only, no DR7.GD, no I/O breakpoints without
 * CR4.DE, %dr4/5 as %dr6/7), mov to/from %drN emulated (#UD for %dr8+,
 * #GP(0) for a refused value), data, instruction and single-step #DB with
 * the guest's sticky %dr6, and a #DB held back by a MOV SS shadow onto a
 * hypercall or `int` (XSA-260): the hypervisor survives and the call works.
 */
#include "lib/guest.h"

#define DR6_DEFAULT 0xffff0ff0UL
#define DR7_DEFAULT 0x400UL
#define NONCANON 0x8000000000000000UL

static volatile uint64_t watch __attribute__((aligned(8)));
static volatile uint16_t ss_word __attribute__((aligned(8))) = FLAT_KERNEL_SS;
static char xv_buf[16] __attribute__((aligned(16)));

/* Runs insn with trap_resume after it: the number of bounces. */
#define GUARDED_N(insn, ...)                                              \
	({ unsigned int _n = trap_count;                                  \
	   __asm__ volatile("lea 1f(%%rip), %%r11\n\t"                    \
			    "mov %%r11, trap_resume(%%rip)\n\t" insn "\n"  \
			    "1:\tmovq $0, trap_resume(%%rip)"              \
			    : : __VA_ARGS__ : "rax", "r11", "memory", "cc"); \
	   trap_count - _n; })

static void test_hypercalls(void)
{
	CHECK_EQ("get_debugreg(7) at start: 0x400", HYPERVISOR_get_debugreg(7), DR7_DEFAULT);
	CHECK_EQ("get_debugreg(6) at start: 0xffff0ff0", HYPERVISOR_get_debugreg(6), DR6_DEFAULT);
	CHECK_EQ("get_debugreg(0) at start: 0", HYPERVISOR_get_debugreg(0), 0);
	CHECK_RC("get_debugreg(8) => -ENODEV", HYPERVISOR_get_debugreg(8), -XEN_ENODEV);
	CHECK_RC("set_debugreg(0, &watch)", HYPERVISOR_set_debugreg(0, (unsigned long)&watch), 0);
	CHECK_EQ("get_debugreg(0) reads it back", HYPERVISOR_get_debugreg(0), (unsigned long)&watch);
	CHECK_RC("set_debugreg(1, user address)", HYPERVISOR_set_debugreg(1, 0x400000), 0);
	CHECK_RC("set_debugreg(1, non-canonical) => -EPERM",
		 HYPERVISOR_set_debugreg(1, NONCANON), -XEN_EPERM);
	CHECK_RC("set_debugreg(2, the hypervisor's slots) => -EPERM",
		 HYPERVISOR_set_debugreg(2, 0xffff830000000000UL), -XEN_EPERM);
	CHECK_EQ("the refused dr1 write left it", HYPERVISOR_get_debugreg(1), 0x400000);
	CHECK_RC("set_debugreg(6, 0)", HYPERVISOR_set_debugreg(6, 0), 0);
	CHECK_EQ("... reads 0xffff0ff0 (reserved ones)", HYPERVISOR_get_debugreg(6), DR6_DEFAULT);
	CHECK_RC("set_debugreg(6, B0|bit 12)", HYPERVISOR_set_debugreg(6, 0x1001), 0);
	CHECK_EQ("... bit 12 forced clear", HYPERVISOR_get_debugreg(6), DR6_DEFAULT | 1);
	CHECK_EQ("get_debugreg(4) is dr6", HYPERVISOR_get_debugreg(4), DR6_DEFAULT | 1);
	CHECK_RC("set_debugreg(6, upper half) => -EINVAL",
		 HYPERVISOR_set_debugreg(6, 1UL << 32), -XEN_EINVAL);
	CHECK_RC("set_debugreg(6, default)", HYPERVISOR_set_debugreg(6, DR6_DEFAULT), 0);
	CHECK_RC("set_debugreg(7, 0xd800)", HYPERVISOR_set_debugreg(7, 0xd800), 0);
	CHECK_EQ("... reserved bits forced: 0x400", HYPERVISOR_get_debugreg(7), DR7_DEFAULT);
	CHECK_RC("set_debugreg(7, GD) => -EPERM", HYPERVISOR_set_debugreg(7, 0x2000), -XEN_EPERM);
	CHECK_RC("set_debugreg(7, enabled I/O breakpoint) => -EPERM",
		 HYPERVISOR_set_debugreg(7, 0x20001), -XEN_EPERM);
	CHECK_RC("set_debugreg(7, upper half) => -EINVAL",
		 HYPERVISOR_set_debugreg(7, 1UL << 32), -XEN_EINVAL);
	CHECK_RC("set_debugreg(5, LE) (dr5 is dr7)", HYPERVISOR_set_debugreg(5, 0x100), 0);
	CHECK_EQ("get_debugreg(7) = 0x500", HYPERVISOR_get_debugreg(7), 0x500);
	CHECK_RC("set_debugreg(7, 0)", HYPERVISOR_set_debugreg(7, 0), 0);
	CHECK_RC("set_debugreg(8) => -ENODEV", HYPERVISOR_set_debugreg(8, 0), -XEN_ENODEV);
}

static void test_mov_dr(void)
{
	uint64_t v = 0;
	unsigned int n;

	n = GUARDED_N("mov %%dr7, %%rax; mov %%rax, (%0)", "r"(&v));
	CHECK_EQ("mov %dr7, %rax: emulated, no bounce", n, 0);
	CHECK_EQ("... 0x400", v, DR7_DEFAULT);
	n = GUARDED_N("mov %0, %%dr2", "r"((uint64_t)&xv_buf));
	CHECK_EQ("mov %rax, %dr2: no bounce", n, 0);
	CHECK_EQ("... get_debugreg(2) sees it", HYPERVISOR_get_debugreg(2), (unsigned long)&xv_buf);
	n = GUARDED_N("mov %%dr2, %%rax; mov %%rax, (%0)", "r"(&v));
	CHECK_EQ("mov %dr2, %rax reads it", v, (unsigned long)&xv_buf);
	n = GUARDED_N("mov %%dr4, %%rax; mov %%rax, (%0)", "r"(&v));
	CHECK_EQ("mov %dr4 reads dr6", v, DR6_DEFAULT);
	n = GUARDED_N("mov %0, %%dr0", "r"(NONCANON));
	CHECK_EQ("mov non-canonical to %dr0: one bounce", n, 1);
	CHECK_EQ("... #GP(0)", last_trap.vector | (last_trap.err << 8), 13);
	n = GUARDED_N("mov %0, %%dr7", "r"(0x2000UL));
	CHECK_EQ("mov GD to %dr7: #GP(0)", n == 1 && last_trap.vector == 13 && last_trap.err == 0, 1);
	n = GUARDED_N(".byte 0x44, 0x0f, 0x21, 0xc0");          /* mov %dr8, %rax */
	CHECK_EQ("mov %dr8, %rax: #UD", n == 1 && last_trap.vector == 6, 1);
	HYPERVISOR_set_debugreg(2, 0);
}

/* A write watchpoint on `watch`: #DB after the write, B0 in the guest's %dr6. */
static void test_data_breakpoint(void)
{
	unsigned int n;

	HYPERVISOR_set_debugreg(6, DR6_DEFAULT);
	CHECK_RC("set_debugreg(0, &watch)", HYPERVISOR_set_debugreg(0, (unsigned long)&watch), 0);
	CHECK_RC("set_debugreg(7, L0 write 8 bytes)", HYPERVISOR_set_debugreg(7, 0xd0001), 0);
	n = GUARDED_N("movq $1, (%0)", "r"(&watch));
	CHECK_EQ("a write to the watched word: one #DB", n == 1 && last_trap.vector == 1, 1);
	CHECK_EQ("... the write happened (a trap, not a fault)", watch, 1);
	CHECK_EQ("... guest dr6 has B0", HYPERVISOR_get_debugreg(6), DR6_DEFAULT | 1);
	n = GUARDED_N("movq (%0), %%rax", "r"(&watch));
	CHECK_EQ("a read does not match a write watchpoint", n, 0);
	HYPERVISOR_set_debugreg(1, (unsigned long)&xv_buf);
	HYPERVISOR_set_debugreg(7, 0xd0001 | 0xb00004);        /* + L1 read/write 8 bytes */
	n = GUARDED_N("movq (%0), %%rax", "r"(&xv_buf));
	CHECK_EQ("a read of a read/write watchpoint (dr1): one #DB", n == 1 && last_trap.vector == 1, 1);
	CHECK_EQ("... dr6 B0 is sticky, B1 added", HYPERVISOR_get_debugreg(6), DR6_DEFAULT | 3);
	/* The hypervisor writes xv_buf for the guest: a #DB in its own
	 * context, dismissed (Xen), the call works and no #DB reaches us. */
	n = trap_count;
	CHECK_RC("xen_version(extraversion) into a watched buffer",
		 HYPERVISOR_xen_version(XENVER_extraversion, xv_buf), 0);
	CHECK_EQ("... no #DB delivered for the hypervisor's own access", trap_count - n, 0);
	CHECK_EQ("... guest dr6 unchanged", HYPERVISOR_get_debugreg(6), DR6_DEFAULT | 3);
	HYPERVISOR_set_debugreg(7, 0);
	HYPERVISOR_set_debugreg(6, DR6_DEFAULT);
}

extern char bp_here[];

/* An execute breakpoint: a fault at the instruction, B2 in dr6. */
static void test_insn_breakpoint(void)
{
	unsigned int n;
	uint64_t at;

	CHECK_RC("set_debugreg(2, bp_here)", HYPERVISOR_set_debugreg(2, (unsigned long)bp_here), 0);
	CHECK_RC("set_debugreg(7, L2 execute)", HYPERVISOR_set_debugreg(7, 0x10), 0);
	n = GUARDED_N("bp_here: nop");
	at = last_trap.rip;
	HYPERVISOR_set_debugreg(7, 0);
	CHECK_EQ("executing bp_here: one #DB", n == 1 && last_trap.vector == 1, 1);
	CHECK_EQ("... a fault: frame rip = bp_here", at, (unsigned long)bp_here);
	CHECK_EQ("... dr6 has B2", HYPERVISOR_get_debugreg(6) & 0xf, 4);
	HYPERVISOR_set_debugreg(6, DR6_DEFAULT);
}

static unsigned int nr_step;

static bool clear_tf(struct trap_regs *r, uint64_t *rip)
{
	(void)r;
	rip[2] &= ~0x100UL;
	if (last_trap.vector != 1)
		return false;
	nr_step++;
	return true;                    /* resume at the frame's rip */
}

/* popf with TF: #DB after the next instruction, BS in dr6. */
static void test_single_step(void)
{
	unsigned int n;

	trap_hook = clear_tf;
	nr_step = 0;
	n = GUARDED_N("pushfq; orq $0x100, (%%rsp); popfq; nop", "r"(0));
	trap_hook = NULL;
	CHECK_EQ("TF set by popf: one #DB", n == 1 && nr_step == 1, 1);
	CHECK_EQ("... dr6 has BS", HYPERVISOR_get_debugreg(6) & 0x4000, 0x4000);
	HYPERVISOR_set_debugreg(6, DR6_DEFAULT);
#ifndef GUEST_HCPAGE
	{
		long rc;

		/* Single-stepping the hypercall's syscall: the step may be
		 * raised in the hypervisor (syscall masks TF only after it),
		 * which must survive it; the call must work. */
		trap_hook = clear_tf;
		nr_step = 0;
		n = trap_count;
		__asm__ volatile("pushfq; orq $0x100, (%%rsp); popfq\n\t"
				 "syscall\n\t"
				 "nop"
				 : "=a"(rc)
				 : "a"((long)__HYPERVISOR_xen_version), "D"(0L), "S"(0L)
				 : "rcx", "r11", "memory", "cc");
		n = trap_count - n;
		trap_hook = NULL;
		note("TF; syscall: %u bounce(s), %u #DB", n, nr_step);
		CHECK_EQ("TF; syscall(xen_version): the hypercall returned 4.17", rc, 0x40011);
		check(n == nr_step && n <= 2, "... nothing but single steps", "%u bounces, %u #DB",
		      n, nr_step);
		HYPERVISOR_set_debugreg(6, DR6_DEFAULT);
	}
#endif
}

/*
 * XSA-260: a read watchpoint on the word `mov ss` loads.  The #DB is held
 * back over the next instruction, here the hypercall's `syscall` or an
 * `int $0x80`, so the CPU raises it in the hypervisor.  As in Xen, the
 * hypervisor survives and dismisses it, the call completes; whether the
 * guest later sees a #DB depends on where the CPU (or QEMU) raises it, so
 * only the outcome of the call is checked, and that nothing else happened.
 */
static unsigned int nr_db;

/* #DB: count it and resume at the frame's rip (the held-back instruction). */
static bool db_resume(struct trap_regs *r, uint64_t *rip)
{
	(void)r;
	(void)rip;
	if (last_trap.vector != 1)
		return false;
	nr_db++;
	return true;
}

static void test_mov_ss_shadow(void)
{
	unsigned int n;

	CHECK_RC("set_debugreg(0, &ss_word)", HYPERVISOR_set_debugreg(0, (unsigned long)&ss_word), 0);
	CHECK_RC("set_debugreg(7, L0 read/write 2 bytes)", HYPERVISOR_set_debugreg(7, 0x70001), 0);
	trap_hook = db_resume;
#ifndef GUEST_HCPAGE
	{
		long rc;

		nr_db = 0;
		n = trap_count;
		__asm__ volatile("mov (%2), %%ss\n\t"
				 "syscall"
				 : "=a"(rc)
				 : "a"((long)__HYPERVISOR_xen_version), "r"(&ss_word), "D"(0L),
				   "S"(0L)
				 : "rcx", "r11", "memory", "cc");
		n = trap_count - n;
		note("mov ss; syscall: %u bounce(s), %u #DB", n, nr_db);
		CHECK_EQ("mov ss; syscall(xen_version): the hypercall returned 4.17", rc, 0x40011);
		check(n == nr_db && nr_db <= 1, "... nothing but at most one #DB",
		      "%u bounces, %u #DB", n, nr_db);
	}
#endif
	nr_db = 0;
	n = GUARDED_N("mov (%0), %%ss; int $0x80", "r"(&ss_word));
	note("mov ss; int $0x80: %u bounce(s), %u #DB", n, nr_db);
	check(n - nr_db == 1 && last_trap.vector == 0x80 && nr_db <= 1,
	      "mov ss; int $0x80: delivered, with at most one #DB", "%u bounces, %u #DB, last %#x",
	      n, nr_db, last_trap.vector);
	trap_hook = NULL;
	HYPERVISOR_set_debugreg(7, 0);
	HYPERVISOR_set_debugreg(6, DR6_DEFAULT);
	CHECK_EQ("the hypervisor is still here: xen_version",
		 HYPERVISOR_xen_version(XENVER_version, NULL), 0x40011);
}

void guest_main(void)
{
	map_shared_info();
	if (!check(traps_install() == 0, "install trap table and callbacks", "failed"))
		return;
	test_hypercalls();
	test_mov_dr();
	test_data_breakpoint();
	test_insn_breakpoint();
	test_single_step();
	test_mov_ss_shadow();
}
