/*
 * flood: the attacker of the denial-of-service test (run-dos.sh), an
 * unprivileged domU with 2 vCPUs next to the `ticker` dom0 (the victim,
 * dos-common.h).  Each attack asks the hypervisor for work whose length
 * the guest chooses (issue 10, defects 3 and 4):
 *
 *  - console: CONSOLEIO_write of 2^31 bytes, twice.  The hypervisor must
 *    return at once with at most a budget's worth written (the script
 *    counts the bytes in the log);
 *  - mmu_update of 2^31-1 plain writes as one multicall entry (bit 31 of
 *    the count marks a continued batch, as in Xen);
 *  - GNTTABOP_copy of 2^31-1 page copies as one multicall entry.
 *    Both must preempt: the victim's wake-ups go on while they run;
 *  - its PV console ring kept full of newlines for RING_MS (issue 11,
 *    defect 4): each newline is a whole "[flood] " line of the serial log,
 *    13 times the ring's size per drain.  The hypervisor must take them
 *    from the ring no faster than its pace for a domU (16 KiB of tagged
 *    output a second after a 4 KiB burst, common/console_backend.c) and
 *    never hold its lock for the UART's time: the victim's wake-ups go
 *    on.  Before the pacing the ring was emptied on every event;
 *  - pinning then unpinning one L3 over a tree of page tables (issue 11
 *    defect 2): 16384 distinct L1s of 512 entries each (64 MiB of the
 *    domain's 128), each mapping one data frame 512 times.  Validation
 *    and devalidation must preempt: the victim's longest wait stays
 *    short (without preemption it waits for the whole pin, ~0.4 s);
 *  - VCPUOP_initialise of vCPU 1 with an FPU image whose MXCSR is
 *    0xffffffff, then VCPUOP_up: the hypervisor must survive loading it
 *    (Xen masks the reserved bits); vCPU 1 reports what it got.
 *
 * The batches read their arguments from a large virtual range that
 * aliases five frames (one L3, one L2, five L1s, every 2 MiB of it the
 * same pattern), so 2^31 entries need no memory: the first K * 2 MiB are
 * mapped, and the entry just past them faults, which ends the batch
 * (-EFAULT).  K is chosen from a timed run of the same batch outside a
 * multicall (which preempts anyway) so the attack lasts about 1.5 s.
 * Under a hypervisor that does not preempt, the victim sees (almost) no
 * wake-up in that time (1 to 3 were seen); with preemption it sees most
 * of them on one CPU, and 10-25 % on two CPUs of a heavily loaded host
 * under TCG.  We ask for a thirtieth of the expected count, at least 3.
 */
#include "lib/xdom.h"
#include "mmu-space.h"
#include "dos-common.h"
#include <public/vcpu.h>
#include <public/io/console.h>

#define NR_D 5                          /* data frames: the pattern's period in pages */
#define PERIOD (NR_D * 4096UL)
#define ALIAS ((uint8_t *)SPACE_VA)     /* L4 slot 1 */
#define MS 1000000UL
#define TARGET_MS 1500UL
#define RING_MS 3000UL
#define RING_RATE (16UL << 10)          /* the backend's pace: bytes a second */
#define RING_BURST (4UL << 10)

static uint8_t victim_window[4096] PAGE_ALIGNED;
static volatile struct dos_page *victim;
static unsigned long d_mfn[NR_D], l1_mfn[NR_D], l2_mfn, l3_mfn, s_mfn, a_mfn, b_mfn;
static unsigned int prefix;             /* L2 entries present (2 MiB each) */

/* ---- the aliased range ------------------------------------------------- */

static void alias_build(void)
{
	unsigned long l4 = va_to_mfn((void *)start_info->pt_base);
	unsigned int j, k;
	uint64_t *t;

	pool_init(3 * NR_D + 5);
	for (j = 0; j < NR_D; j++) {
		d_mfn[j] = pool[j];
		l1_mfn[j] = pool[NR_D + j];
	}
	l2_mfn = pool[2 * NR_D];
	l3_mfn = pool[2 * NR_D + 1];
	s_mfn = pool[2 * NR_D + 2];
	a_mfn = pool[2 * NR_D + 3];
	b_mfn = pool[2 * NR_D + 4];
	for (j = 0; j < NR_D; j++)
		memset(window_map(d_mfn[j]), 0, 4096);
	memset(window_map(s_mfn), 0, 4096);
	memset(window_map(a_mfn), 0xa5, 4096);
	memset(window_map(b_mfn), 0, 4096);
	/* Page p of the range is data frame p % NR_D: L2 entry i maps L1
	 * i % NR_D, whose entry k is frame ((i % NR_D) * 512 + k) % NR_D. */
	for (j = 0; j < NR_D; j++) {
		t = window_map(l1_mfn[j]);
		for (k = 0; k < 512; k++)
			t[k] = ((uint64_t)d_mfn[(j * 512 + k) % NR_D] << 12) | PTE_RW_FLAGS;
	}
	memset(window_map(l2_mfn), 0, 4096);
	t = window_map(l3_mfn);
	memset(t, 0, 4096);
	t[0] = ((uint64_t)l2_mfn << 12) | PTE_RW_FLAGS;
	window_unmap();
	CHECK_RC("hook the aliased range into L4 slot 1",
		 mmu1(entry_maddr(l4, SPACE_SLOT), ((uint64_t)l3_mfn << 12) | PTE_RW_FLAGS), 0);
}

/* Map the first k * 2 MiB of the range, nothing after. */
static bool alias_prefix(unsigned int k)
{
	struct mmu_update u[512];
	unsigned int i, n = 0;

	for (i = 0; i < 512; i++) {
		bool want = i < k, have = i < prefix;

		if (want == have)
			continue;
		u[n].ptr = entry_maddr(l2_mfn, i);
		u[n].val = want ? ((uint64_t)l1_mfn[i % NR_D] << 12) | PTE_RW_FLAGS : 0;
		n++;
	}
	if (n && HYPERVISOR_mmu_update(u, (int)n, NULL, DOMID_SELF))
		return check(false, "resize the aliased range", "mmu_update refused");
	prefix = k;
	return mmuext1(MMUEXT_TLB_FLUSH_LOCAL, 0) == 0;
}

/* Write pattern (period bytes, dividing PERIOD) over the whole range. */
static void alias_fill(const void *pattern, unsigned long period)
{
	unsigned long off;

	for (off = 0; off < PERIOD; off += period)
		memcpy(ALIAS + off, pattern, period);
}

/* ---- measuring --------------------------------------------------------- */

struct span { uint64_t t0, ticks0, ms, ticks, gap_ms; };

static void span_start(struct span *s)
{
	s->ticks0 = victim->ticks;
	victim->max_gap_ns = 0;
	s->t0 = system_time_ns();
}

static void span_end(struct span *s)
{
	s->ms = (system_time_ns() - s->t0) / MS;
	s->ticks = victim->ticks - s->ticks0;
	s->gap_ms = victim->max_gap_ns / MS;
}

/* The victim ran while the attack did (see the top comment). */
static void check_victim(const char *name, const struct span *s)
{
	uint64_t expected = s->ms / DOS_TICK_MS, want = expected / 30 > 3 ? expected / 30 : 3;

	if (!check(s->ms >= 300, "the attack lasted long enough to judge",
		   "%lu ms: too short", (unsigned long)s->ms))
		return;
	check(s->ticks >= want, name, "%lu of about %lu wake-ups in %lu ms (want %lu)",
	      (unsigned long)s->ticks, (unsigned long)expected, (unsigned long)s->ms,
	      (unsigned long)want);
}

/* Batch size in 2 MiB units for about TARGET_MS, from one timed unit. */
static unsigned int scale(uint64_t unit_ms)
{
	uint64_t k = unit_ms ? TARGET_MS / unit_ms : 512;

	return k < 1 ? 1 : (k > 512 ? 512 : (unsigned int)k);
}

/* ---- the attacks -------------------------------------------------------- */

static void attack_console(void)
{
	static char line[64];
	struct span s;
	long rc1, rc2;

	memset(line, 'Z', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\n';
	alias_prefix(1);
	alias_fill(line, sizeof(line));
	span_start(&s);
	rc1 = HC(__HYPERVISOR_console_io, CONSOLEIO_write, 1UL << 31, ALIAS, 0, 0);
	rc2 = HC(__HYPERVISOR_console_io, CONSOLEIO_write, 1UL << 31, ALIAS, 0, 0);
	span_end(&s);
	/* Our own lines come out of the same budget: let it refill (8 KiB/s). */
	sleep_ms(2000);
	CHECK_RC("console_io write of 2^31 bytes", rc1, 0);
	CHECK_RC("and at once again", rc2, 0);
	say("flood: console 2 x 2^31 bytes: %lu ms, victim %lu wake-ups", (unsigned long)s.ms,
	    (unsigned long)s.ticks);
	if (s.ms >= 300)
		check_victim("victim ran during the console writes", &s);
}

/* Keep our console ring full of newlines for RING_MS, telling the backend
 * each time; count what it took. */
static void attack_console_ring(void)
{
	struct xencons_interface *r = mfn_to_va(start_info->console.domU.mfn);
	struct evtchn_send send = { .port = start_info->console.domU.evtchn };
	uint64_t end, taken, line = sizeof("[flood] \n") - 1, allowed;
	uint32_t cons0;
	struct span s;

	if (!check(r != NULL, "console ring mapped", "mfn %#lx",
		   (unsigned long)start_info->console.domU.mfn))
		return;
	cons0 = __atomic_load_n(&r->out_cons, __ATOMIC_ACQUIRE);
	span_start(&s);
	end = s.t0 + RING_MS * MS;
	while (system_time_ns() < end) {
		uint32_t prod = r->out_prod;

		while (prod - __atomic_load_n(&r->out_cons, __ATOMIC_ACQUIRE) < sizeof(r->out))
			r->out[prod++ % sizeof(r->out)] = '\n';
		__atomic_store_n(&r->out_prod, prod, __ATOMIC_RELEASE);
		HC(__HYPERVISOR_event_channel_op, EVTCHNOP_send, &send, 0, 0, 0);
	}
	span_end(&s);
	taken = (uint32_t)(__atomic_load_n(&r->out_cons, __ATOMIC_ACQUIRE) - cons0);
	allowed = (RING_RATE * (s.ms + 100) / 1000 + RING_BURST) / line + 1;
	say("flood: console ring of newlines for %lu ms: %lu taken (pace allows %lu), "
	    "victim %lu wake-ups", (unsigned long)s.ms, (unsigned long)taken,
	    (unsigned long)allowed, (unsigned long)s.ticks);
	check(taken <= allowed, "the backend took our ring no faster than its pace",
	      "%lu newlines taken in %lu ms, pace allows %lu", (unsigned long)taken,
	      (unsigned long)s.ms, (unsigned long)allowed);
	check(taken > 0, "the backend still drained the ring", "nothing taken");
	check_victim("victim ran during the console ring flood", &s);
}

static long mmu_batch(bool in_multicall)
{
	struct multicall_entry mc = { .op = __HYPERVISOR_mmu_update,
				      .args = { (uint64_t)ALIAS, 0x7fffffff, 0, DOMID_SELF } };
	long rc;

	if (!in_multicall)
		return HC(__HYPERVISOR_mmu_update, ALIAS, 0x7fffffff, 0, DOMID_SELF, 0);
	rc = HC(__HYPERVISOR_multicall, &mc, 1, 0, 0, 0);
	return rc ? rc : (long)mc.result;
}

static void attack_mmu_update(void)
{
	static struct mmu_update reqs[256];
	struct span s;
	unsigned int i, k;
	long rc;

	for (i = 0; i < 256; i++) {       /* plain writes into an ordinary frame */
		reqs[i].ptr = ((uint64_t)s_mfn << 12) + i * 16 + MMU_NORMAL_PT_UPDATE;
		reqs[i].val = i;
	}
	alias_prefix(1);
	alias_fill(reqs, sizeof(reqs));
	span_start(&s);
	rc = mmu_batch(false);
	span_end(&s);
	CHECK_RC("mmu_update of 2^31-1 (2 MiB mapped) ends at the unmapped entry", rc, -XEN_EFAULT);
	k = scale(s.ms);
	alias_prefix(k);
	span_start(&s);
	rc = mmu_batch(true);
	span_end(&s);
	CHECK_RC("multicall: mmu_update of 2^31-1 ends at the unmapped entry", rc, -XEN_EFAULT);
	say("flood: mmu_update in a multicall, %u x 131072 entries: %lu ms, victim %lu wake-ups",
	    k, (unsigned long)s.ms, (unsigned long)s.ticks);
	check_victim("victim ran during the multicall mmu_update", &s);
}

static long copy_batch(bool in_multicall)
{
	struct multicall_entry mc = { .op = __HYPERVISOR_grant_table_op,
				      .args = { GNTTABOP_copy, (uint64_t)ALIAS, 0x7fffffff } };
	long rc;

	if (!in_multicall)
		return HC(__HYPERVISOR_grant_table_op, GNTTABOP_copy, ALIAS, 0x7fffffff, 0, 0);
	rc = HC(__HYPERVISOR_multicall, &mc, 1, 0, 0, 0);
	return rc ? rc : (long)mc.result;
}

static void attack_grant_copy(void)
{
	static struct gnttab_copy ops[PERIOD / sizeof(struct gnttab_copy)];
	struct span s;
	unsigned int i, k;
	long rc;

	_Static_assert(PERIOD % sizeof(struct gnttab_copy) == 0, "copy ops tile the period");
	for (i = 0; i < ARRAY_SIZE(ops); i++) {     /* one of our frames into another */
		ops[i].source.u.gmfn = a_mfn;
		ops[i].source.domid = DOMID_SELF;
		ops[i].dest.u.gmfn = b_mfn;
		ops[i].dest.domid = DOMID_SELF;
		ops[i].len = 4096;
		ops[i].status = 99;
	}
	alias_prefix(1);
	alias_fill(ops, sizeof(ops));
	span_start(&s);
	rc = copy_batch(false);
	span_end(&s);
	CHECK_RC("grant copy of 2^31-1 (2 MiB mapped) ends at the unmapped op", rc, -XEN_EFAULT);
	CHECK_EQ("the copies were made", ((volatile struct gnttab_copy *)ALIAS)->status, GNTST_okay);
	k = scale(s.ms);
	alias_prefix(k);
	span_start(&s);
	rc = copy_batch(true);
	span_end(&s);
	CHECK_RC("multicall: grant copy of 2^31-1 ends at the unmapped op", rc, -XEN_EFAULT);
	say("flood: grant copy in a multicall, %u x 52428 pages: %lu ms, victim %lu wake-ups",
	    k, (unsigned long)s.ms, (unsigned long)s.ticks);
	check_victim("victim ran during the multicall grant copy", &s);
}

/* ---- page-table validation --------------------------------------------- */

#define PIN_MAX_L1 16384                /* 64 MiB of L1s: 32 GiB mapped */
#define PIN_GAP_MS 200                  /* the victim's longest wait always accepted */
static unsigned long pin_l1[PIN_MAX_L1], pin_l2[PIN_MAX_L1 / 512], pin_l3;

static bool in_pool(unsigned long m)
{
	unsigned long i;

	for (i = 0; i < pool_n; i++)
		if (pool[i] == m)
			return true;
	return false;
}

/* Frames below the pool's (pool_init takes them from the top). */
static void pin_frames(void)
{
	const unsigned long *mfn_list = (const unsigned long *)start_info->mfn_list;
	unsigned long first = va_to_pfn((void *)start_info->pt_base) + start_info->nr_pt_frames + 128;
	unsigned long pfn = start_info->nr_pages, n = 0, want = PIN_MAX_L1 + PIN_MAX_L1 / 512 + 1;

	while (n < want && pfn-- > first) {
		unsigned long m = mfn_list[pfn];

		if (m == start_info->console.domU.mfn || m == start_info->store_mfn ||
		    m == (start_info->shared_info >> 12) || in_pool(m))
			continue;
		if (n < PIN_MAX_L1)
			pin_l1[n] = m;
		else if (n < PIN_MAX_L1 + PIN_MAX_L1 / 512)
			pin_l2[n - PIN_MAX_L1] = m;
		else
			pin_l3 = m;
		n++;
	}
	if (n < want)
		guest_crash("pin_frames: not enough free frames");
}

/* The tree: L3 -> L2s -> the first nr L1s, each mapping data frame 0
 * read-only 512 times. */
static void pin_build(unsigned int nr)
{
	unsigned int j, k;
	uint64_t *t;

	for (j = 0; j < PIN_MAX_L1; j++) {
		t = window_map(pin_l1[j]);
		for (k = 0; k < 512; k++)
			t[k] = ((uint64_t)d_mfn[0] << 12) | PTE_RO_FLAGS;
	}
	for (j = 0; j < PIN_MAX_L1 / 512; j++) {
		t = window_map(pin_l2[j]);
		memset(t, 0, 4096);
		for (k = 0; k < 512 && j * 512 + k < nr; k++)
			t[k] = ((uint64_t)pin_l1[j * 512 + k] << 12) | PTE_RW_FLAGS;
	}
	t = window_map(pin_l3);
	memset(t, 0, 4096);
	for (j = 0; j < PIN_MAX_L1 / 512; j++)
		t[j] = ((uint64_t)pin_l2[j] << 12) | PTE_RW_FLAGS;
	window_unmap();
}

static long pin_unpin(struct span *pin, struct span *unpin)
{
	long rc;

	span_start(pin);
	rc = mmuext1(MMUEXT_PIN_L3_TABLE, pin_l3);
	span_end(pin);
	if (rc)
		return rc;
	span_start(unpin);
	rc = mmuext1(MMUEXT_UNPIN_TABLE, pin_l3);
	span_end(unpin);
	return rc;
}

/* The victim's longest wait during s: at most PIN_GAP_MS, or a quarter
 * of the operation (a loaded host stalls QEMU itself now and then);
 * without preemption it waits for the whole operation. */
static void check_gap(const char *name, const struct span *s)
{
	uint64_t bound = s->ms / 4 > PIN_GAP_MS ? s->ms / 4 : PIN_GAP_MS;

	check(s->gap_ms <= bound, name, "it waited %lu ms of %lu (bound %lu)",
	      (unsigned long)s->gap_ms, (unsigned long)s->ms, (unsigned long)bound);
}

static void attack_pin(void)
{
	struct span p, u;

	pin_frames();
	pin_build(PIN_MAX_L1);
	CHECK_RC("pin and unpin a tree of 16384 L1s", pin_unpin(&p, &u), 0);
	say("flood: pin of %u L1s (%u entries): %lu ms, victim %lu wake-ups, longest gap %lu ms; "
	    "unpin %lu ms, %lu wake-ups, longest gap %lu ms", PIN_MAX_L1, PIN_MAX_L1 * 512,
	    (unsigned long)p.ms, (unsigned long)p.ticks, (unsigned long)p.gap_ms,
	    (unsigned long)u.ms, (unsigned long)u.ticks, (unsigned long)u.gap_ms);
	check_gap("the victim kept waking up during the pin", &p);
	check_gap("the victim kept waking up during the unpin", &u);
	if (p.ms >= 300)
		check_victim("victim ran during the pin of a big tree", &p);
	if (u.ms >= 300)
		check_victim("victim ran during the unpin of a big tree", &u);
}

/* ---- the FPU image ------------------------------------------------------ */

#define STACK_SIZE 16384
static uint8_t stack1[STACK_SIZE] __attribute__((aligned(4096)));
static struct vcpu_guest_context ctx;
static uint8_t fxarea[512] __attribute__((aligned(16)));
static volatile uint32_t got_mxcsr, got_fcw, got_ran;

static void secondary(void)
{
	uint32_t mxcsr;
	uint16_t fcw;

	asm volatile("stmxcsr %0; fnstcw %1" : "=m"(mxcsr), "=m"(fcw));
	got_mxcsr = mxcsr;
	got_fcw = fcw;
	__atomic_store_n(&got_ran, 1, __ATOMIC_SEQ_CST);
	for (;;)
		HYPERVISOR_vcpu_op(VCPUOP_down, 1, NULL);
}

static void attack_fpu_image(void)
{
	uint32_t mask;
	uint64_t end;
	unsigned int i;

	asm volatile("fxsave64 %0" : "=m"(fxarea));
	mask = *(uint32_t *)&fxarea[28] ? *(uint32_t *)&fxarea[28] : 0xffbf;
	memset(&ctx, 0, sizeof(ctx));
	memcpy(ctx.fpu_ctxt.x, fxarea, 512);
	*(uint16_t *)&ctx.fpu_ctxt.x[0] = 0x027f;          /* FCW: not the default 0x037f */
	*(uint32_t *)&ctx.fpu_ctxt.x[24] = 0xffffffff;     /* MXCSR: every reserved bit */
	ctx.flags = VGCF_in_kernel | VGCF_i387_valid;
	ctx.user_regs.rip = (unsigned long)secondary;
	ctx.user_regs.rsp = (unsigned long)&stack1[STACK_SIZE] - 8;
	ctx.user_regs.cs = FLAT_KERNEL_CS;
	ctx.user_regs.ss = FLAT_KERNEL_SS;
	for (i = 0; i < 32; i++) {
		ctx.trap_ctxt[i].vector = (uint8_t)i;
		ctx.trap_ctxt[i].flags = 4;
		ctx.trap_ctxt[i].cs = FLAT_KERNEL_CS;
		ctx.trap_ctxt[i].address = trap_stub(i);
	}
	ctx.kernel_ss = FLAT_KERNEL_SS;
	ctx.kernel_sp = (unsigned long)&stack1[STACK_SIZE];
	ctx.event_callback_eip = (unsigned long)event_entry;
	ctx.failsafe_callback_eip = (unsigned long)failsafe_entry;
	ctx.syscall_callback_eip = (unsigned long)syscall_entry;
	ctx.ctrlreg[3] = xen_pfn_to_cr3(va_to_mfn((void *)start_info->pt_base));
	say("flood: vCPU 1 gets MXCSR 0xffffffff (the CPU's mask is %#x)", mask);
	CHECK_RC("VCPUOP_initialise with MXCSR 0xffffffff", HYPERVISOR_vcpu_op(VCPUOP_initialise,
										1, &ctx), 0);
	CHECK_RC("VCPUOP_up", HYPERVISOR_vcpu_op(VCPUOP_up, 1, NULL), 0);
	end = system_time_ns() + 5000 * MS;
	while (!__atomic_load_n(&got_ran, __ATOMIC_SEQ_CST) && system_time_ns() < end)
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	if (!check(got_ran, "vCPU 1 ran (the hypervisor survived loading the image)",
		   "vCPU 1 never ran"))
		return;
	CHECK_EQ("vCPU 1's MXCSR has no reserved bit", got_mxcsr & ~mask, 0);
	CHECK_EQ("vCPU 1's MXCSR is the image's, masked (Xen's mxcsr_mask)", got_mxcsr,
		 0xffffffff & mask);
	CHECK_EQ("vCPU 1's FCW is the image's", got_fcw, 0x027f);
}

void guest_main(void)
{
	grant_handle_t h;
	const char *only = strstr((const char *)start_info->cmd_line, "only=");
	char which = only ? only[5] : 0;

	map_shared_info();
	timer_virq_port();
	if (xd_map_retry(0, DOS_REF, victim_window, false, &h, 5000) != GNTST_okay)
		guest_crash("cannot map the victim's page");
	victim = (volatile struct dos_page *)victim_window;
	CHECK_EQ("the victim's page", victim->magic, DOS_MAGIC);
	alias_build();
	/* "only=c|r|m|g|p|f" runs one attack (to show one defect by hand). */
	if (!which || which == 'c')
		attack_console();
	if (!which || which == 'r')
		attack_console_ring();
	if (!which || which == 'm')
		attack_mmu_update();
	if (!which || which == 'g')
		attack_grant_copy();
	if (!which || which == 'p')
		attack_pin();
	if (!which || which == 'f')
		attack_fpu_image();
	say("flood: attacks done");
	victim->done = 1;
}
