/*
 * traps: exception bounces (exact frame of LINUX-PV-ABI.md C.7) and the
 * instructions the hypervisor emulates for a PV kernel (forced-emulation
 * cpuid, rdmsr/wrmsr, mov from CR0/CR3/CR4, in/out, wbinvd).  Expected
 * values are what Xen 4.17 does for a PV dom0.
 */
#include "lib/guest.h"

#define MAGIC_RCX 0x1c1c1c1cUL
#define MAGIC_R11 0x2b2b2b2bUL

/* Xen's bounce frame for a trap taken in guest kernel mode: CS with its
 * RPL cleared (so the guest's user_mode() sees kernel), SS unchanged. */
#define KERNEL_FRAME_CS 0xe030
#define KERNEL_FRAME_SS 0xe02b

struct shot {
	uint64_t at, after, sp;
	unsigned int traps;
};

/*
 * Run `insn` with rcx/r11 set to magic values; any trap resumes after it.
 * `setup` runs first (may use rax, rdx, rsi, rdi, r8).
 */
#define SHOOT(s, setup, insn) SHOOT_ARG(s, 0UL, setup, insn)
/* The same with `arg` in rsi. */
#define SHOOT_ARG(s, arg, setup, insn)                                      \
	do {                                                                \
		unsigned int _n = trap_count;                               \
		unsigned long _arg = (unsigned long)(arg);                  \
		__asm__ volatile(setup "\n\t"                               \
				 "lea 1f(%%rip), %%rcx\n\t"                 \
				 "mov %%rcx, trap_resume(%%rip)\n\t"        \
				 "lea 0f(%%rip), %0\n\t"                    \
				 "lea 1f(%%rip), %1\n\t"                    \
				 "mov %%rsp, %2\n\t"                        \
				 "mov $0x1c1c1c1c, %%ecx\n\t"               \
				 "mov $0x2b2b2b2b, %%r11d\n"                \
				 "0:\t" insn "\n"                           \
				 "1:\tmovq $0, trap_resume(%%rip)"          \
				 : "=&b"((s)->at), "=&r"((s)->after),       \
				   "=&r"((s)->sp), "+S"(_arg)               \
				 :                                          \
				 : "rax", "rcx", "rdx", "rdi", "r8",        \
				   "r11", "memory", "cc");                  \
		(s)->traps = trap_count - _n;                               \
	} while (0)

/* Check the recorded bounce frame of one trap. */
static void check_frame(const char *what, const struct shot *s,
			unsigned int vector, bool fault, bool err_expected,
			uint64_t err, uint8_t saved_mask)
{
	char n[96];
	uint64_t rip = fault ? s->at : s->after;
	unsigned int slots = err_expected ? 8 : 7;

#define NAME(x) (snprintf(n, sizeof(n), "%s: %s", what, x), n)
	if (!check(s->traps == 1, NAME("exactly one bounce"), "%u bounces", s->traps))
		return;
	CHECK_EQ(NAME("vector"), last_trap.vector, vector);
	CHECK_EQ(NAME("frame rip"), last_trap.rip, rip);
	/* QEMU's TCG reports an IDT #GP as vector*16+2 in long mode
	 * (hardware: vector*8+2); a hypervisor passes on what it got. */
	if (err_expected && (err & 7) == 2)
		check(last_trap.err == err || last_trap.err == ((err >> 3) << 4 | 2),
		      NAME("error code"), "got %#lx, expected %#lx (or TCG's %#lx)",
		      (unsigned long)last_trap.err, (unsigned long)err,
		      (unsigned long)((err >> 3) << 4 | 2));
	else if (err_expected)
		CHECK_EQ(NAME("error code"), last_trap.err, err);
	CHECK_EQ(NAME("frame cs (low 16 bits)"), last_trap.cs & 0xffff, KERNEL_FRAME_CS);
	CHECK_EQ(NAME("saved upcall mask in cs bits 32-39"), (last_trap.cs >> 32) & 0xff, saved_mask);
	CHECK_EQ(NAME("rflags.IF = !saved mask"), (last_trap.rflags >> 9) & 1, !saved_mask);
	CHECK_EQ(NAME("frame rsp = rsp at the trap"), last_trap.rsp, s->sp);
	CHECK_EQ(NAME("frame ss"), last_trap.ss, KERNEL_FRAME_SS);
	CHECK_EQ(NAME("rcx on top of the frame"), last_trap.rcx, MAGIC_RCX);
	CHECK_EQ(NAME("r11 above rcx"), last_trap.r11, MAGIC_R11);
	CHECK_EQ(NAME("frame ends 16-byte aligned"), (last_trap.frame + 8 * slots) & 15, 0);
	CHECK_EQ(NAME("events masked in the handler"), last_trap.mask, 1);
#undef NAME
}

static void test_bounces(void)
{
	static unsigned char ro_page[4096] PAGE_ALIGNED;
	struct shot s;

	SHOOT(&s, "", "int3");
	check_frame("int3", &s, 3, false, false, 0, 1);

	vcpu->evtchn_upcall_mask = 0;
	SHOOT(&s, "", "int3");
	{
		uint8_t after = vcpu->evtchn_upcall_mask;

		vcpu->evtchn_upcall_mask = 1;
		check_frame("int3 with events unmasked", &s, 3, false, false, 0, 0);
		CHECK_EQ("iret restores upcall_mask = !IF (0)", after, 0);
	}

	SHOOT(&s, "", "ud2");
	check_frame("ud2", &s, 6, true, false, 0, 1);
	SHOOT(&s, "xor %%r8d, %%r8d; mov $1, %%eax; xor %%edx, %%edx", "div %%r8");
	check_frame("#DE (div by 0)", &s, 0, true, false, 0, 1);
	SHOOT(&s, "", "hlt");
	check_frame("#GP (hlt is not emulated)", &s, 13, true, true, 0, 1);
	SHOOT(&s, "", "int $0x80");
	check_frame("int $0x80 via a DPL3 entry", &s, 0x80, false, false, 0, 1);
	SHOOT(&s, "", "int $0x81");
	check_frame("int $0x81 via a DPL0 entry => #GP(0x81*8+2)", &s, 13, true, true, 0x81 * 8 + 2, 1);
	SHOOT(&s, "", "int $0x83");
	check_frame("int $0x83 with no entry => #GP(0x83*8+2)", &s, 13, true, true, 0x83 * 8 + 2, 1);

	vcpu->arch.cr2 = 0;
	SHOOT(&s, "mov $0x1008, %%eax", "mov (%%rax), %%rax");
	check_frame("#PF read of an unmapped address", &s, 14, true, true, 0, 1);
	CHECK_EQ("#PF: vcpu_info.arch.cr2 = fault address", last_trap.cr2, 0x1008);

	ro_page[0] = 1;
	CHECK_RC("map a page read-only", set_page_rw(ro_page, false), 0);
	SHOOT_ARG(&s, ro_page, "", "movb $2, (%%rsi)");
	check_frame("#PF write to a read-only page", &s, 14, true, true, 3, 1);
	CHECK_EQ("#PF write: cr2", last_trap.cr2, (unsigned long)ro_page);
	CHECK_RC("map it read-write again", set_page_rw(ro_page, true), 0);
	CHECK_EQ("the faulting write did not happen", ro_page[0], 1);

	CHECK_RC("fpu_taskswitch(1)", HYPERVISOR_fpu_taskswitch(1), 0);
	SHOOT(&s, "", "fnop");
	check_frame("#NM after fpu_taskswitch(1)", &s, 7, true, false, 0, 1);
	CHECK_RC("fpu_taskswitch(0)", HYPERVISOR_fpu_taskswitch(0), 0);
	SHOOT(&s, "", "fnop");
	CHECK_EQ("fnop after fpu_taskswitch(0) does not trap", s.traps, 0);
}

static void xen_cpuid(uint32_t leaf, uint32_t r[4], unsigned int *traps)
{
	unsigned int n = trap_count;

	r[0] = leaf;
	r[1] = r[2] = r[3] = 0;
	__asm__ volatile("lea 1f(%%rip), %%r11\n\t"
			 "mov %%r11, trap_resume(%%rip)\n\t"
			 XEN_CPUID "\n"
			 "1:\tmovq $0, trap_resume(%%rip)"
			 : "+a"(r[0]), "=b"(r[1]), "+c"(r[2]), "=d"(r[3])
			 :
			 : "r11", "memory");
	*traps = trap_count - n;
}

#define COMMA ,
#define GUARDED(insn, outs, ins, ...)                                       \
	__asm__ volatile("lea 1f(%%rip), %%r11\n\t"                         \
			 "mov %%r11, trap_resume(%%rip)\n\t" insn "\n"      \
			 "1:\tmovq $0, trap_resume(%%rip)"                  \
			 : outs : ins : "r11", "memory", ##__VA_ARGS__)

static uint64_t rdmsr(uint32_t msr, unsigned int *traps)
{
	uint32_t lo = 0, hi = 0;
	unsigned int n = trap_count;

	GUARDED("rdmsr", "+a"(lo) COMMA "+d"(hi), "c"(msr));
	*traps = trap_count - n;
	return ((uint64_t)hi << 32) | lo;
}

static void wrmsr(uint32_t msr, uint64_t v, unsigned int *traps)
{
	unsigned int n = trap_count;

	GUARDED("wrmsr", , "c"(msr) COMMA "a"((uint32_t)v) COMMA "d"((uint32_t)(v >> 32)));
	*traps = trap_count - n;
}

static void test_cpuid(void)
{
	uint32_t r[4], nat[4];
	unsigned int traps;
	long ver = HYPERVISOR_xen_version(XENVER_version, NULL);

	xen_cpuid(0x40000000, r, &traps);
	CHECK_EQ("forced-emulation cpuid is emulated (no bounce)", traps, 0);
	check(!memcmp(&r[1], "XenV", 4) && !memcmp(&r[2], "MMXe", 4) && !memcmp(&r[3], "nVMM", 4),
	      "cpuid 0x40000000 signature XenVMMXenVMM", "%.4s%.4s%.4s",
	      (char *)&r[1], (char *)&r[2], (char *)&r[3]);
	check(r[0] >= 0x40000002 && r[0] < 0x40000100,
	      "cpuid 0x40000000 eax (max leaf) >= 0x40000002", "eax %#x", r[0]);
	xen_cpuid(0x40000001, r, &traps);
	CHECK_EQ("cpuid 0x40000001 eax = xen_version", r[0], (uint32_t)ver);
	xen_cpuid(0, r, &traps);
	__asm__ volatile("cpuid" : "=a"(nat[0]), "=b"(nat[1]), "=c"(nat[2]), "=d"(nat[3]) : "0"(0), "2"(0));
	check(r[0] >= 1 && r[1] == nat[1] && r[2] == nat[2] && r[3] == nat[3],
	      "cpuid leaf 0: max leaf >= 1, same vendor as native cpuid",
	      "emulated %#x '%.4s%.4s%.4s' native '%.4s%.4s%.4s'", r[0],
	      (char *)&r[1], (char *)&r[3], (char *)&r[2], (char *)&nat[1],
	      (char *)&nat[3], (char *)&nat[2]);
	xen_cpuid(1, r, &traps);
	CHECK_EQ("cpuid leaf 1 ecx.HYPERVISOR (bit 31)", (r[2] >> 31) & 1, 1);
	note("cpuid 1: eax %#x ebx %#x ecx %#x edx %#x", r[0], r[1], r[2], r[3]);
}

#define MSR_FS_BASE        0xc0000100
#define MSR_GS_BASE        0xc0000101
#define MSR_SHADOW_GS_BASE 0xc0000102

static void test_msr(void)
{
	static uint64_t word = 0x0badc0ffee0ddf00ULL;
	unsigned int traps;
	uint64_t v;

	HYPERVISOR_set_segment_base(SEGBASE_FS, 0x12345000);
	v = rdmsr(MSR_FS_BASE, &traps);
	CHECK_EQ("rdmsr FS_BASE is emulated", traps, 0);
	CHECK_EQ("rdmsr FS_BASE = set_segment_base(FS)", v, 0x12345000);
	HYPERVISOR_set_segment_base(SEGBASE_GS_KERNEL, 0x23456000);
	HYPERVISOR_set_segment_base(SEGBASE_GS_USER, 0x34567000);
	CHECK_EQ("rdmsr GS_BASE = kernel GS base", rdmsr(MSR_GS_BASE, &traps), 0x23456000);
	CHECK_EQ("rdmsr SHADOW_GS_BASE = user GS base", rdmsr(MSR_SHADOW_GS_BASE, &traps), 0x34567000);
	wrmsr(MSR_GS_BASE, (uint64_t)&word, &traps);
	CHECK_EQ("wrmsr GS_BASE (as in Linux startup_xen) is emulated", traps, 0);
	__asm__ volatile("mov %%gs:0, %0" : "=r"(v));
	CHECK_EQ("%gs:0 after wrmsr GS_BASE", v, word);
	wrmsr(MSR_FS_BASE, (uint64_t)&word, &traps);
	__asm__ volatile("mov %%fs:0, %0" : "=r"(v));
	CHECK_EQ("%fs:0 after wrmsr FS_BASE", v, word);
	wrmsr(MSR_SHADOW_GS_BASE, 0x45678000, &traps);
	CHECK_EQ("wrmsr SHADOW_GS_BASE then rdmsr", rdmsr(MSR_SHADOW_GS_BASE, &traps), 0x45678000);
	wrmsr(MSR_FS_BASE, 0x0000800000000000ULL, &traps);
	CHECK_EQ("wrmsr FS_BASE non-canonical => #GP", traps, 1);
	CHECK_EQ("... vector 13 error 0", last_trap.vector | (last_trap.err << 8), 13);

	rdmsr(0x12345, &traps);
	CHECK_EQ("rdmsr of an unknown MSR => one bounce", traps, 1);
	CHECK_EQ("... #GP(0)", last_trap.vector | (last_trap.err << 8), 13);
	wrmsr(0x12345, 0, &traps);
	CHECK_EQ("wrmsr of an unknown MSR => one bounce", traps, 1);
	CHECK_EQ("... #GP(0)", last_trap.vector | (last_trap.err << 8), 13);
	HYPERVISOR_set_segment_base(SEGBASE_FS, 0);
}

static void test_control_regs(void)
{
	unsigned int n = trap_count;
	uint64_t cr0, cr3, cr4, cr0_ts;

	GUARDED("mov %%cr0, %0", "=r"(cr0), "0"(0UL));
	GUARDED("mov %%cr3, %0", "=r"(cr3), "0"(0UL));
	GUARDED("mov %%cr4, %0", "=r"(cr4), "0"(0UL));
	CHECK_EQ("mov from cr0/cr3/cr4 is emulated (no bounce)", trap_count - n, 0);
	CHECK_EQ("cr0 has PE and PG", cr0 & 0x80000001UL, 0x80000001UL);
	CHECK_EQ("cr0.TS clear at start", cr0 & 8, 0);
	CHECK_EQ("cr3 = machine address of the L4 at pt_base", cr3,
		 va_to_mfn((void *)start_info->pt_base) << 12);
	CHECK_EQ("cr4 has PAE", cr4 & 0x20, 0x20);
	CHECK_EQ("cr4.TSD clear", cr4 & 4, 0);
	note("cr0 %#lx cr4 %#lx", (unsigned long)cr0, (unsigned long)cr4);
	HYPERVISOR_fpu_taskswitch(1);
	GUARDED("mov %%cr0, %0", "=r"(cr0_ts), "0"(0UL));
	HYPERVISOR_fpu_taskswitch(0);
	CHECK_EQ("cr0.TS set after fpu_taskswitch(1)", cr0_ts & 8, 8);
	n = trap_count;
	GUARDED("wbinvd", , );
	CHECK_EQ("wbinvd is emulated (no bounce)", trap_count - n, 0);
	n = trap_count;
	{
		uint32_t lo, hi;

		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		CHECK_EQ("rdtsc runs without a bounce", trap_count - n, 0);
		check(lo | hi, "rdtsc is non-zero", "0");
	}
}

static void test_port_io(void)
{
	struct physdev_set_iopl iopl = { .iopl = 0 };
	unsigned int n;
	uint8_t b = 0;
	uint32_t l = 0;

	CHECK_RC("set_iopl(0)", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0);
	n = trap_count;
	GUARDED("inb $0x80, %%al", "+a"(b), );
	CHECK_EQ("in with virtual IOPL 0 => one bounce", trap_count - n, 1);
	CHECK_EQ("... #GP(0)", last_trap.vector | (last_trap.err << 8), 13);
	iopl.iopl = 1;
	CHECK_RC("set_iopl(1)", HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl), 0);
	n = trap_count;
	b = 0;
	GUARDED("inb %%dx, %%al", "+a"(b), "d"(0x3fd));
	CHECK_EQ("inb from Xen's serial port (not dom0's) does not bounce", trap_count - n, 0);
	CHECK_EQ("... reads all ones", b, 0xff);
	GUARDED("inl %%dx, %%eax", "+a"(l), "d"(0x3fc));
	CHECK_EQ("inl from Xen's serial port reads all ones", l, 0xffffffff);
	n = trap_count;
	GUARDED("outb %%al, %%dx", , "a"('X') COMMA "d"(0x3f8));
	CHECK_EQ("outb to Xen's serial port is dropped without a bounce", trap_count - n, 0);
	n = trap_count;
	GUARDED("inb $0x80, %%al", "+a"(b), );
	CHECK_EQ("inb from port 0x80 (dom0's) does not bounce", trap_count - n, 0);
	iopl.iopl = 0;
	HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl);
}

void guest_main(void)
{
	map_shared_info();
	if (!check(traps_install() == 0, "install trap table and callbacks", "failed"))
		return;
	test_bounces();
	test_cpuid();
	test_msr();
	test_control_regs();
	test_port_io();
}
