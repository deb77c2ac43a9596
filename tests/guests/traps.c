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
	/*
	 * `int $N` refused: hardware reports #GP((N << 3) | 2).  QEMU's TCG
	 * reports (N << 4) | 2 in long mode and Xen passes on what the CPU
	 * gave it, so only on Xen is TCG's value accepted; Keel takes N from
	 * the instruction and always gives hardware's (issue 16).
	 */
	if (err_expected && (err & 7) == 2 && !on_keel)
		check(last_trap.err == err || last_trap.err == (((err >> 3) << 4 | 2) & 0xffff),
		      NAME("error code"), "got %#lx, expected %#lx (or TCG's %#lx)",
		      (unsigned long)last_trap.err, (unsigned long)err,
		      (unsigned long)(((err >> 3) << 4 | 2) & 0xffff));
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
	SHOOT(&s, "", "int $0x84");
	if (!on_keel && s.traps == 1 && last_trap.vector == 13) {
		/* Xen takes N from the CPU's error code: under TCG (0x842)
		 * that reads as vector 8, whose entry is DPL0, so Xen gives
		 * #GP where on hardware it delivers 0x84. */
		note("Xen under QEMU TCG: int $0x84 gives #GP (TCG's error code misread)");
		check_frame("int $0x84 via a DPL1 entry (Xen under TCG: #GP)", &s, 13, true, true,
			    0x84 * 8 + 2, 1);
	} else {
		check_frame("int $0x84 via a DPL1 entry (kernel may)", &s, 0x84, false, false, 0, 1);
	}
	SHOOT(&s, "", "int $0xf0");
	check_frame("int $0xf0 with no entry => #GP(0xf0*8+2)", &s, 13, true, true, 0xf0 * 8 + 2, 1);
	SHOOT(&s, "", "int $0x20");
	check_frame("int $0x20 with no entry => #GP(0x20*8+2)", &s, 13, true, true, 0x20 * 8 + 2, 1);

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

#define NONCANON 0x8000000000000000UL
static uint8_t strio_buf[32];

/* One string I/O instruction with rsi/rdi/rcx in/out and dx = port. */
#define STRIO(insn, si, di, cx, port) \
	GUARDED(insn, "+S"(si) COMMA "+D"(di) COMMA "+c"(cx), "d"(port))

/*
 * ins/outs with enough virtual IOPL are emulated (Xen: x86_emulate's
 * rep_ins/rep_outs).  Xen's serial ports are not dom0's: ins reads all
 * ones and outs is dropped.  A memory operand outside guest space raises
 * #GP(0) (it is never SS-relative: 64-bit code ignores an SS override), an
 * unmapped one #PF.
 */
static void test_string_io(void)
{
	unsigned long si, di, cx;
	unsigned int n = trap_count;
	struct shot s;

	memset(strio_buf, 0, sizeof(strio_buf));
	si = 0; di = (unsigned long)strio_buf; cx = 0;
	STRIO("insb", si, di, cx, 0x3fd);
	CHECK_EQ("insb is emulated (no bounce)", trap_count - n, 0);
	CHECK_EQ("insb stored all ones", strio_buf[0], 0xff);
	CHECK_EQ("insb advanced rdi by 1", di, (unsigned long)strio_buf + 1);
	di = (unsigned long)strio_buf + 4; cx = 3;
	STRIO("rep insb", si, di, cx, 0x3fd);
	CHECK_EQ("rep insb x3: three bytes of all ones",
		 strio_buf[4] & strio_buf[5] & strio_buf[6], 0xff);
	CHECK_EQ("rep insb x3: the fourth untouched", strio_buf[7], 0);
	CHECK_EQ("rep insb: rcx counted down to 0", cx, 0);
	CHECK_EQ("rep insb: rdi advanced by 3", di, (unsigned long)strio_buf + 7);
	di = (unsigned long)strio_buf + 12; cx = 2;
	STRIO("std; rep insw; cld", si, di, cx, 0x3fd);
	CHECK_EQ("std; rep insw: rdi moved down by 4", di, (unsigned long)strio_buf + 8);
	CHECK_EQ("std; rep insw: wrote [10..13]", strio_buf[10] & strio_buf[13], 0xff);
	CHECK_EQ("std; rep insw: [9] untouched", strio_buf[9], 0);
	si = (unsigned long)strio_buf; cx = 5;
	STRIO("rep outsb", si, di, cx, 0x3ff);
	CHECK_EQ("rep outsb x5: rsi advanced by 5, rcx 0", (si - (unsigned long)strio_buf) | (cx << 8), 5);
	si = (unsigned long)strio_buf; cx = 0;
	STRIO("rep outsl", si, di, cx, 0x3ff);
	CHECK_EQ("rep outsl with rcx 0: nothing moves", si, (unsigned long)strio_buf);
	CHECK_EQ("string I/O so far without a bounce", trap_count - n, 0);

	/* 64-bit code ignores an SS override: rsi stays DS-relative, and
	 * hardware and Xen raise #GP(0), not #SS. */
	SHOOT_ARG(&s, NONCANON, "mov $0x3ff, %%edx", ".byte 0x36\n\toutsb");
	check_frame("ss outsb from a non-canonical rsi => #GP(0) (override ignored)", &s, 13,
		    true, true, 0, 1);
	SHOOT_ARG(&s, NONCANON, "mov $0x3ff, %%edx", "outsb");
	check_frame("outsb (ds) from a non-canonical rsi => #GP(0)", &s, 13, true, true, 0, 1);
	SHOOT_ARG(&s, 0xffff830000000000UL, "mov $0x3ff, %%edx", "outsb");
	check_frame("outsb from the hypervisor's slots => #GP(0)", &s, 13, true, true, 0, 1);
	SHOOT_ARG(&s, NONCANON, "mov $0x3ff, %%edx", "fs outsb");
	check_frame("fs outsb from a non-canonical rsi => #GP(0)", &s, 13, true, true, 0, 1);
	SHOOT(&s, "mov $0x3fd, %%edx; movabs $0x8000000000000000, %%rdi", "insb");
	check_frame("insb (es) to a non-canonical rdi => #GP(0)", &s, 13, true, true, 0, 1);
	SHOOT_ARG(&s, 0x1000, "mov $0x3ff, %%edx", ".byte 0x36\n\toutsb");
	check_frame("ss outsb from an unmapped rsi => #PF", &s, 14, true, true, 0, 1);
	CHECK_EQ("... cr2 = rsi", last_trap.cr2, 0x1000);
	SHOOT(&s, "mov $0x3fd, %%edx; mov $0x1000, %%edi", "insb");
	check_frame("insb to an unmapped rdi => #PF (write)", &s, 14, true, true, 2, 1);
	CHECK_EQ("... cr2 = rdi", last_trap.cr2, 0x1000);
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
	test_string_io();
	iopl.iopl = 0;
	HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl);
	n = trap_count;
	{
		unsigned long si = (unsigned long)strio_buf, di = (unsigned long)strio_buf, cx = 0;

		STRIO("insb", si, di, cx, 0x3fd);
	}
	CHECK_EQ("insb with virtual IOPL 0 => one bounce", trap_count - n, 1);
	CHECK_EQ("... #GP(0)", last_trap.vector | (last_trap.err << 8), 13);
}

static uint64_t iret_iopl;

/* Puts iret_iopl into the IOPL field of the frame the handler irets with. */
static bool iopl_hook(struct trap_regs *r, uint64_t *rip)
{
	(void)r;
	rip[2] = (rip[2] & ~0x3000UL) | (iret_iopl << 12);
	return false;
}

static void set_iopl(unsigned int l)
{
	struct physdev_set_iopl iopl = { .iopl = l };

	HYPERVISOR_physdev_op(PHYSDEVOP_set_iopl, &iopl);
}

/* int3, then the IOPL field (bits 12-13) of its bounce frame's rflags. */
static unsigned int frame_iopl(void)
{
	struct shot s;

	SHOOT(&s, "", "int3");
	return s.traps == 1 ? (unsigned int)(last_trap.rflags >> 12) & 3 : 99;
}

/*
 * VMASST_TYPE_architectural_iopl (Xen 4.17): the guest kernel counts as
 * ring 0 for the virtual IOPL (so cli/sti/in/out need no set_iopl), bounce
 * frames carry the virtual IOPL in rflags, and iret loads it from its
 * frame.  Without the assist the kernel is ring 1, frames show IOPL 0 and
 * iret ignores the frame's IOPL.
 */
static void test_architectural_iopl(void)
{
	unsigned int n;
	uint8_t b = 0;

	set_iopl(2);
	CHECK_EQ("no assist: bounce frame IOPL 0 whatever the virtual IOPL", frame_iopl(), 0);
	set_iopl(0);
	n = trap_count;
	GUARDED("cli", , );
	GUARDED("sti", , );
	CHECK_EQ("no assist, virtual IOPL 0: kernel cli and sti => #GP each", trap_count - n, 2);
	CHECK_EQ("... #GP(0)", last_trap.vector | (last_trap.err << 8), 13);
	CHECK_RC("vm_assist(enable, architectural_iopl)",
		 HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_architectural_iopl), 0);
	n = trap_count;
	GUARDED("cli", , );
	GUARDED("sti", , );
	GUARDED("inb $0x80, %%al", "+a"(b), );
	GUARDED("outb %%al, $0x80", , "a"(0));
	CHECK_EQ("assist, virtual IOPL 0: the kernel (ring 0) may cli/sti/in/out", trap_count - n, 0);
	CHECK_EQ("assist: bounce frame shows virtual IOPL 0", frame_iopl(), 0);
	set_iopl(2);
	CHECK_EQ("assist: bounce frame shows virtual IOPL 2 after set_iopl(2)", frame_iopl(), 2);
	iret_iopl = 1;
	trap_hook = iopl_hook;
	frame_iopl();
	trap_hook = NULL;
	CHECK_EQ("assist: iret with IOPL 1 in its frame sets the virtual IOPL to 1", frame_iopl(), 1);
	iret_iopl = 3;
	trap_hook = iopl_hook;
	frame_iopl();
	trap_hook = NULL;
	CHECK_EQ("assist: iret with IOPL 3 sets it to 3", frame_iopl(), 3);
	CHECK_RC("vm_assist(disable, architectural_iopl)",
		 HYPERVISOR_vm_assist(VMASST_CMD_disable, VMASST_TYPE_architectural_iopl), 0);
	CHECK_EQ("assist off: frames show IOPL 0 again", frame_iopl(), 0);
	iret_iopl = 0;
	trap_hook = iopl_hook;
	frame_iopl();
	trap_hook = NULL;
	n = trap_count;
	GUARDED("cli", , );
	CHECK_EQ("assist off: iret ignored the frame's IOPL 0 (3 kept: cli allowed)", trap_count - n, 0);
	set_iopl(0);
	n = trap_count;
	GUARDED("cli", , );
	CHECK_EQ("assist off, virtual IOPL 0: cli => #GP", trap_count - n, 1);
}

static unsigned char page_a[4096] PAGE_ALIGNED;
static unsigned char page_b[4096] PAGE_ALIGNED;

static void invlpg(const void *va)
{
	struct mmuext_op op = { .cmd = MMUEXT_INVLPG_LOCAL,
				.arg1.linear_addr = (unsigned long)va };

	HYPERVISOR_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

uint64_t ptwr_bad_val;

/* Writable page tables: direct writes to a (read-only) L1 page that the
 * hypervisor traps, validates and emulates, as Linux does. */
static void test_ptwr(void)
{
	uint64_t maddr = pte_maddr((unsigned long)page_a), old;
	uint64_t pte_a = (va_to_mfn(page_a) << 12) | _PAGE_PRESENT | _PAGE_RW |
			 _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;
	uint64_t pte_b = (va_to_mfn(page_b) << 12) | _PAGE_PRESENT | _PAGE_RW |
			 _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY;
	unsigned char *l1page;
	volatile uint64_t *l1e;
	unsigned int n;
	uint8_t cf = 0;
	struct shot s;

	CHECK_RC("vm_assist(enable, writable_pagetables)",
		 HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables), 0);
	l1page = maddr ? mfn_to_va(maddr >> 12) : NULL;
	if (!check(l1page != NULL, "page_a's L1 page is visible in the bootstrap region",
		   "maddr %#lx", (unsigned long)maddr))
		return;
	l1e = (volatile uint64_t *)(l1page + (maddr & 0xfff));
	memset(page_a, 'a', sizeof(page_a));
	memset(page_b, 'b', sizeof(page_b));

	n = trap_count;
	GUARDED("movq %1, (%0)", , "r"(l1e) COMMA "r"(pte_b));
	CHECK_EQ("ptwr: mov to a live L1 entry is emulated (no bounce)", trap_count - n, 0);
	invlpg(page_a);
	CHECK_EQ("ptwr: mov took effect (page_a maps page_b)", page_a[9], 'b');

	n = trap_count;
	old = pte_a;
	GUARDED("xchg %0, (%1)", "+r"(old), "r"(l1e));
	CHECK_EQ("ptwr: xchg is emulated", trap_count - n, 0);
	CHECK_EQ("ptwr: xchg returns the old entry's frame", old & PTE_ADDR_MASK,
		 pte_b & PTE_ADDR_MASK);
	invlpg(page_a);
	CHECK_EQ("ptwr: xchg took effect", page_a[9], 'a');

	n = trap_count;
	GUARDED("lock andb $0xfd, (%0)", , "r"(l1e));
	CHECK_EQ("ptwr: lock and (clear RW) is emulated", trap_count - n, 0);
	CHECK_EQ("ptwr: RW is clear", *l1e & _PAGE_RW, 0);
	invlpg(page_a);
	SHOOT_ARG(&s, page_a, "", "movb $1, (%%rsi)");
	CHECK_EQ("ptwr: write to the now read-only page => #PF", s.traps == 1 && last_trap.vector == 14, 1);
	n = trap_count;
	GUARDED("lock btsq $1, (%1); setc %0", "=q"(cf), "r"(l1e));
	CHECK_EQ("ptwr: lock bts (set RW) is emulated", trap_count - n, 0);
	CHECK_EQ("ptwr: bts reported RW was clear", cf, 0);
	n = trap_count;
	GUARDED("lock btrq $5, (%1); setc %0", "=q"(cf), "r"(l1e));
	CHECK_EQ("ptwr: lock btr (clear Accessed, as Linux's test_and_clear_young) is emulated",
		 trap_count - n, 0);
	CHECK_EQ("ptwr: btr reported Accessed was set", cf, 1);
	invlpg(page_a);
	page_a[0] = 'A';
	CHECK_EQ("page_a writable again", page_a[0], 'A');

	ptwr_bad_val = (va_to_mfn((void *)start_info->pt_base) << 12) | _PAGE_PRESENT | _PAGE_RW;
	SHOOT_ARG(&s, l1e, "mov ptwr_bad_val(%%rip), %%rax", "mov %%rax, (%%rsi)");
	CHECK_EQ("ptwr: mapping an L4 page writable is refused => one #PF bounce",
		 s.traps == 1 && last_trap.vector == 14, 1);
	CHECK_EQ("ptwr: refused write => error code present|write", last_trap.err & 3, 3);
	CHECK_EQ("ptwr: the entry is unchanged", *l1e & PTE_ADDR_MASK, pte_a & PTE_ADDR_MASK);
}

static struct trap_rec rec_ev;
static unsigned int nr_ev;

static bool event_hook(struct trap_regs *r, uint64_t *rip)
{
	(void)r;
	(void)rip;
	if (last_trap.vector != VEC_EVENT_CB)
		return false;
	memcpy(&rec_ev, (const void *)&last_trap, sizeof(rec_ev));
	nr_ev++;
	vcpu->evtchn_upcall_pending = 0;
	return true;
}

/* After VCPUOP_register_vcpu_info, cr2, the mask and pending live in the
 * new area.  Xen marks an event pending in the new area ("just to make
 * sure nothing gets lost"), which lets us check upcall delivery. */
static void test_vcpu_info_move(void)
{
	static struct vcpu_info vi[64] __attribute__((aligned(4096)));
	struct vcpu_register_vcpu_info r = { .mfn = va_to_mfn(vi), .offset = 3 * 64 };
	struct vcpu_info *old = vcpu;
	struct shot s;

	old->arch.cr2 = 0x5a5a;
	CHECK_RC("register_vcpu_info", HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, 0, &r), 0);
	vcpu = &vi[3];
	CHECK_EQ("the new vcpu_info holds the mask (1)", vi[3].evtchn_upcall_mask, 1);
	CHECK_EQ("the new vcpu_info has evtchn_upcall_pending set", vi[3].evtchn_upcall_pending, 1);
	trap_hook = event_hook;
	CHECK_EQ("masked: xen_version(0) returns without an upcall",
		 HYPERVISOR_xen_version(XENVER_version, NULL) > 0 && nr_ev == 0, 1);
	vi[3].evtchn_upcall_mask = 0;
	HYPERVISOR_xen_version(XENVER_version, NULL);
	vi[3].evtchn_upcall_mask = 1;
	CHECK_EQ("unmasked + pending: xen_version(0) delivers one event upcall", nr_ev, 1);
	CHECK_EQ("upcall frame: saved mask 0", (rec_ev.cs >> 32) & 0xff, 0);
	CHECK_EQ("upcall frame: rflags.IF set", (rec_ev.rflags >> 9) & 1, 1);
	CHECK_EQ("upcall frame: kernel cs", rec_ev.cs & 0xffff, KERNEL_FRAME_CS);
	check((rec_ev.rip >= (uint64_t)_image_start && rec_ev.rip < (uint64_t)user_text_start)
#ifdef GUEST_HCPAGE
	      || (rec_ev.rip >= (uint64_t)hypercall_page &&
		  rec_ev.rip < (uint64_t)hypercall_page + 4096)
#endif
	      , "upcall frame: rip in our kernel text (or the hypercall page)", "%#lx",
	      (unsigned long)rec_ev.rip);
	CHECK_EQ("upcall handler runs with events masked", rec_ev.mask, 1);
	trap_hook = NULL;
	SHOOT(&s, "mov $0x2008, %%eax", "mov (%%rax), %%rax");
	CHECK_EQ("#PF after the move: one bounce", s.traps, 1);
	CHECK_EQ("#PF after the move: cr2 written to the new vcpu_info", last_trap.cr2, 0x2008);
	CHECK_EQ("... and not to the old one", old->arch.cr2, 0x5a5a);
	SHOOT(&s, "", "int3");
	CHECK_EQ("int3 after the move: saved mask 1 from the new vcpu_info",
		 (last_trap.cs >> 32) & 0xff, 1);
	vi[3].evtchn_upcall_mask = 0;
	SHOOT(&s, "", "int3");
	CHECK_EQ("unmasked in the new vcpu_info: saved mask 0", (last_trap.cs >> 32) & 0xff, 0);
	CHECK_EQ("iret unmasks the new vcpu_info", vi[3].evtchn_upcall_mask, 0);
	vi[3].evtchn_upcall_mask = 1;
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
	test_architectural_iopl();
	test_ptwr();
	test_vcpu_info_move();
}
