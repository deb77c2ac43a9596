/*
 * Test-guest library: console, printf, test reporting, traps, memory
 * helpers.  Every guest defines `void guest_main(void)`; the library's
 * guest_start() sets up the console, maps shared_info, then calls it and
 * finally reports the verdict and shuts the domain down.
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hypercall.h"

#define VIRT_BASE 0xffffffff80000000UL
#define PAGE_SIZE 4096UL
#define PAGE_MASK (~(PAGE_SIZE - 1))

#define _PAGE_PRESENT  0x001UL
#define _PAGE_RW       0x002UL
#define _PAGE_USER     0x004UL
#define _PAGE_ACCESSED 0x020UL
#define _PAGE_DIRTY    0x040UL
#define PTE_ADDR_MASK  0x000ffffffffff000UL

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PAGE_ALIGNED __attribute__((aligned(4096), section(".bss.page_aligned")))

/* Entry state recorded by head.S. */
extern uint64_t boot_rsi, boot_rsp, boot_rflags;
extern uint16_t boot_cs, boot_ss, boot_ds, boot_es, boot_fs, boot_gs;
extern char _image_start[], _image_end[];
extern char user_text_start[], user_text_end[];

extern start_info_t *start_info;
extern struct shared_info *shared;	/* mapped by guest_start() */
extern struct vcpu_info *vcpu;		/* vCPU 0's vcpu_info in use */
extern bool on_keel;			/* extraversion contains "keel" */

void guest_main(void);
/* Map start_info->shared_info at a page of ours; sets shared, vcpu. */
void map_shared_info(void);

/* Console. */
void console_write(const char *s, size_t n);
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Small libc. */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
const char *strstr(const char *h, const char *n);

/* Test reporting (TAP-like).  check() returns cond. */
bool check(bool cond, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
#define CHECK_EQ(name, got, exp)                                            \
	({                                                                  \
		unsigned long _g = (unsigned long)(got);                    \
		unsigned long _e = (unsigned long)(exp);                    \
		check(_g == _e, name, "got %#lx, expected %#lx", _g, _e);   \
	})
#define CHECK_RC(name, got, exp)                                            \
	({                                                                  \
		long _g = (long)(got);                                      \
		long _e = (long)(exp);                                      \
		check(_g == _e, name, "returned %ld, expected %ld", _g, _e); \
	})
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void guest_finish(void) __attribute__((noreturn));
/* Print the plan and the verdict line; true if every check passed. */
bool guest_verdict(void);
/* pvclock system time (needs map_shared_info()), "key=N" from the command
 * line, sleeping on VIRQ_TIMER with events masked, one-line "# " notes. */
uint64_t pvclock_ns(const volatile struct vcpu_time_info *t);
uint64_t system_time_ns(void);
uint64_t cmdline_num(const char *key, uint64_t dflt);
evtchn_port_t timer_virq_port(void);
uint64_t sleep_until_ns(uint64_t end);   /* returns how often it blocked */
void sleep_ms(uint64_t ms);
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void guest_crash(const char *why) __attribute__((noreturn));
void guest_shutdown(unsigned int reason);

/* Memory helpers (bootstrap region: pfn = (va - VIRT_BASE) >> 12). */
unsigned long va_to_pfn(const void *va);
unsigned long va_to_mfn(const void *va);
/* Machine address of the L1 entry mapping va in the current kernel page
 * tables (walked from start_info->pt_base through the M2P); 0 if absent. */
uint64_t pte_maddr(unsigned long va);
/* Read-only view of any frame of ours by machine frame number (through
 * the bootstrap region, using the M2P), or NULL. */
void *mfn_to_va(unsigned long mfn);
/* Remap one of our pages read-only / read-write (update_va_mapping). */
long set_page_rw(void *va, bool rw);

/* Traps. */
#define NR_TRAP_VECTORS 256
#define VEC_SYSCALL_CB 0x100	/* pseudo vector: syscall callback */
#define VEC_EVENT_CB   0x101
#define VEC_FAILSAFE_CB 0x102

struct trap_rec {
	unsigned int vector;
	bool has_err;
	uint64_t err, rip, cs, rflags, rsp, ss, rcx, r11;
	uint64_t frame;		/* address of the rcx slot */
	uint64_t cr2;		/* vcpu->arch.cr2 at handler entry */
	uint8_t mask;		/* vcpu->evtchn_upcall_mask at entry */
	uint64_t gs0;		/* %gs:0 at handler entry if trap_read_gs */
};

/* Saved GPRs as pushed by trap_common, then the vector and the frame. */
struct trap_regs {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector;	/* on return: bit 0 = frame has error code */
	uint64_t frame[];	/* rcx, r11, [err], rip, cs, rflags, rsp, ss */
};

extern volatile struct trap_rec last_trap;
extern volatile unsigned int trap_count;
/* If non-zero, the next trap resumes at this rip (then it is cleared). */
extern volatile uint64_t trap_resume;
/* A 64-bit write or read that may fault: the number of traps it took. */
unsigned int try_write64(volatile uint64_t *p, uint64_t v);
unsigned int try_read64(const volatile uint64_t *p, uint64_t *out);
/* If set, called for every trap (r->vector holds the vector, VEC_* for
 * callbacks); return true if handled. */
extern bool (*volatile trap_hook)(struct trap_regs *r, uint64_t *rip);
extern volatile bool trap_read_gs;

bool vector_has_error_code(unsigned int v);
/* Install the library's trap table (0-31 DPL0 but 3 and 4 DPL3; 0x80
 * DPL3, 0x81 DPL0, 0x84 DPL1) and callbacks.  Returns the set_trap_table
 * result. */
long traps_install(void);
/* Trap entry stub for a vector (for building custom trap tables). */
unsigned long trap_stub(unsigned int vector);
extern char syscall_entry[], event_entry[], failsafe_entry[];

/* iret hypercall with the given frame (never returns). */
struct iret_frame {
	uint64_t rax, r11, rcx, flags, rip, cs, rflags, rsp, ss;
};
void do_iret(const struct iret_frame *f) __attribute__((noreturn));


#endif
