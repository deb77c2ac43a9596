/* Trap dispatch: record every bounce frame, then resume or fail. */
#include "guest.h"

volatile struct trap_rec last_trap;
volatile unsigned int trap_count;
volatile uint64_t trap_resume;
bool (*volatile trap_hook)(struct trap_regs *r, uint64_t *rip);
volatile bool trap_read_gs;

extern char trap_stubs[];
#define TRAP_STUB_SIZE 16

bool vector_has_error_code(unsigned int v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21;
}

unsigned long trap_stub(unsigned int vector)
{
	return (unsigned long)trap_stubs + TRAP_STUB_SIZE * (vector & 0xff);
}

void trap_dispatch(struct trap_regs *r);
void trap_dispatch(struct trap_regs *r)
{
	unsigned int v = (unsigned int)r->vector;
	bool err = v < 32 && vector_has_error_code(v);
	uint64_t *f = r->frame, *rip = &f[err ? 3 : 2];

	last_trap.vector = v;
	last_trap.has_err = err;
	last_trap.rcx = f[0];
	last_trap.r11 = f[1];
	last_trap.err = err ? f[2] : 0;
	last_trap.rip = rip[0];
	last_trap.cs = rip[1];
	last_trap.rflags = rip[2];
	last_trap.rsp = rip[3];
	last_trap.ss = rip[4];
	last_trap.frame = (uint64_t)f;
	last_trap.cr2 = vcpu ? vcpu->arch.cr2 : 0;
	last_trap.mask = vcpu ? vcpu->evtchn_upcall_mask : 0xff;
	if (trap_read_gs) {
		uint64_t g;

		__asm__ volatile("mov %%gs:0, %0" : "=r"(g));
		last_trap.gs0 = g;
	}
	trap_count++;
	/* The hook sees the vector in r->vector (per call: last_trap is
	 * shared by every vCPU); trap_common wants the error-code bit. */
	if (trap_hook && trap_hook(r, rip)) {
		r->vector = err;
		return;
	}
	r->vector = err;
	if (v < 0x100 && trap_resume) {
		*rip = trap_resume;
		trap_resume = 0;
		return;
	}
	printf("# unexpected trap: vector %#x err %#lx rip %#lx cs %#lx "
	       "rflags %#lx rsp %#lx ss %#lx cr2 %#lx\n", v,
	       (unsigned long)last_trap.err, (unsigned long)rip[0],
	       (unsigned long)rip[1], (unsigned long)rip[2],
	       (unsigned long)rip[3], (unsigned long)rip[4],
	       (unsigned long)last_trap.cr2);
	guest_crash("unexpected trap");
}

long traps_install(void)
{
	static struct trap_info table[40];
	struct callback_register cb = { .flags = CALLBACKF_mask_events };
	unsigned int i, n = 0;
	long rc;

	for (i = 0; i < 32; i++) {
		table[n].vector = (uint8_t)i;
		/* int3/into callable from any ring, as in Linux. */
		table[n].flags = 4 | ((i == 3 || i == 4) ? 3 : 0);
		table[n].cs = FLAT_KERNEL_CS;
		table[n].address = trap_stub(i);
		n++;
	}
	table[n++] = (struct trap_info){ .vector = 0x80, .flags = 4 | 3,
					 .cs = FLAT_KERNEL_CS,
					 .address = trap_stub(0x80) };
	table[n++] = (struct trap_info){ .vector = 0x81, .flags = 0,
					 .cs = FLAT_KERNEL_CS,
					 .address = trap_stub(0x81) };
	/* DPL 1: int $0x84 is allowed from the guest kernel, not from user. */
	table[n++] = (struct trap_info){ .vector = 0x84, .flags = 1,
					 .cs = FLAT_KERNEL_CS,
					 .address = trap_stub(0x84) };
	table[n] = (struct trap_info){ .address = 0 };
	rc = HYPERVISOR_set_trap_table(table);
	if (rc)
		return rc;
	cb.type = CALLBACKTYPE_event;
	cb.address = (unsigned long)event_entry;
	if ((rc = HYPERVISOR_callback_op(CALLBACKOP_register, &cb)))
		return rc;
	cb.type = CALLBACKTYPE_failsafe;
	cb.address = (unsigned long)failsafe_entry;
	if ((rc = HYPERVISOR_callback_op(CALLBACKOP_register, &cb)))
		return rc;
	cb.type = CALLBACKTYPE_syscall;
	cb.address = (unsigned long)syscall_entry;
	return HYPERVISOR_callback_op(CALLBACKOP_register, &cb);
}

/* A 64-bit write or read that may fault: the number of traps it took
 * (each trap is recorded in last_trap; execution resumes after it). */
unsigned int try_write64(volatile uint64_t *p, uint64_t v)
{
	unsigned int n = trap_count;

	__asm__ volatile("lea 1f(%%rip), %%r11\n\t"
			 "mov %%r11, trap_resume(%%rip)\n\t"
			 "movq %1, (%0)\n"
			 "1:\tmovq $0, trap_resume(%%rip)"
			 : : "r"(p), "r"(v) : "r11", "memory");
	return trap_count - n;
}

unsigned int try_read64(const volatile uint64_t *p, uint64_t *out)
{
	unsigned int n = trap_count;
	uint64_t v = 0;

	__asm__ volatile("lea 1f(%%rip), %%r11\n\t"
			 "mov %%r11, trap_resume(%%rip)\n\t"
			 "mov (%1), %0\n"
			 "1:\tmovq $0, trap_resume(%%rip)"
			 : "+r"(v) : "r"(p) : "r11", "memory");
	*out = v;
	return trap_count - n;
}
