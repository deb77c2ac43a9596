/* Test-guest library: libc subset, printf, console, reporting, start. */
#include "guest.h"

start_info_t *start_info;
struct shared_info *shared;
struct vcpu_info *vcpu;
bool on_keel;

static unsigned int tests_run, tests_failed;
static unsigned char shared_info_page[4096] PAGE_ALIGNED;

void *memset(void *d, int c, size_t n)
{
	unsigned char *p = d;

	while (n--)
		*p++ = (unsigned char)c;
	return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dp = d;
	const unsigned char *sp = s;

	while (n--)
		*dp++ = *sp++;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}

size_t strnlen(const char *s, size_t max)
{
	size_t n = 0;

	while (n < max && s[n])
		n++;
	return n;
}

size_t strlen(const char *s)
{
	return strnlen(s, (size_t)-1);
}

int strcmp(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return (unsigned char)*a - (unsigned char)*b;
}

const char *strstr(const char *h, const char *n)
{
	size_t ln = strlen(n);

	for (; *h; h++)
		if (!memcmp(h, n, ln))
			return h;
	return ln ? NULL : h;
}

/* printf: %[-0#][width][.prec][hh|h|l|ll|z](d|i|u|x|X|p|s|c|%) */
struct out {
	char *buf;
	size_t size, len;
};

static void put(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

static void put_num(struct out *o, unsigned long v, bool neg, unsigned base,
		    bool upper, int width, bool zero, bool left, const char *pfx)
{
	char tmp[24];
	int n = 0, plen = (int)strlen(pfx) + (neg ? 1 : 0), pad;
	const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	pad = width - n - plen;
	if (!left && !zero)
		for (; pad > 0; pad--)
			put(o, ' ');
	if (neg)
		put(o, '-');
	while (*pfx)
		put(o, *pfx++);
	if (!left && zero)
		for (; pad > 0; pad--)
			put(o, '0');
	while (n)
		put(o, tmp[--n]);
	for (; left && pad > 0; pad--)
		put(o, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };

	for (; *fmt; fmt++) {
		bool zero = false, left = false, alt = false;
		int width = 0, prec = -1, lng = 0;
		unsigned long v;
		long sv;
		const char *s;

		if (*fmt != '%') {
			put(&o, *fmt);
			continue;
		}
		for (fmt++;; fmt++) {
			if (*fmt == '0')
				zero = true;
			else if (*fmt == '-')
				left = true;
			else if (*fmt == '#')
				alt = true;
			else
				break;
		}
		if (*fmt == '*') {
			width = va_arg(ap, int);
			fmt++;
		}
		for (; *fmt >= '0' && *fmt <= '9'; fmt++)
			width = width * 10 + (*fmt - '0');
		if (*fmt == '.') {
			prec = 0;
			fmt++;
			if (*fmt == '*') {
				prec = va_arg(ap, int);
				fmt++;
			}
			for (; *fmt >= '0' && *fmt <= '9'; fmt++)
				prec = prec * 10 + (*fmt - '0');
		}
		for (;; fmt++) {
			if (*fmt == 'l' || *fmt == 'z')
				lng = 1;
			else if (*fmt != 'h')
				break;
		}
		switch (*fmt) {
		case 'd':
		case 'i':
			sv = lng ? va_arg(ap, long) : va_arg(ap, int);
			v = sv < 0 ? -(unsigned long)sv : (unsigned long)sv;
			put_num(&o, v, sv < 0, 10, false, width, zero, left, "");
			break;
		case 'u':
		case 'x':
		case 'X':
			v = lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
			put_num(&o, v, false, *fmt == 'u' ? 10 : 16, *fmt == 'X',
				width, zero, left, alt && *fmt != 'u' ? "0x" : "");
			break;
		case 'p':
			v = (unsigned long)va_arg(ap, void *);
			put_num(&o, v, false, 16, false, width, zero, left, "0x");
			break;
		case 'c':
			put(&o, (char)va_arg(ap, int));
			break;
		case 's':
			s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			sv = (long)strnlen(s, prec < 0 ? (size_t)-1 : (size_t)prec);
			for (width -= (int)sv; !left && width > 0; width--)
				put(&o, ' ');
			while (sv-- > 0)
				put(&o, *s++);
			for (; left && width > 0; width--)
				put(&o, ' ');
			break;
		case '%':
			put(&o, '%');
			break;
		default:	/* unknown conversion: print it verbatim */
			put(&o, '%');
			if (!*fmt)
				goto out;
			put(&o, *fmt);
		}
	}
out:
	if (size)
		buf[o.len < size ? o.len : size - 1] = 0;
	return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

void console_write(const char *s, size_t n)
{
	HYPERVISOR_console_io(CONSOLEIO_write, (int)n, (void *)s);
}

static void vprintf_(const char *fmt, va_list ap)
{
	char buf[512];
	int n = vsnprintf(buf, sizeof(buf), fmt, ap);

	if (n >= (int)sizeof(buf))
		n = sizeof(buf) - 1;
	console_write(buf, (size_t)n);
}

void printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf_(fmt, ap);
	va_end(ap);
}

/*
 * "# " + the text + "\n" in one console write of at most `size` bytes, so
 * that the line carries one "(dN)" tag and lines of domains running on
 * other CPUs cannot land inside it.
 */
static void comment_line(size_t size, const char *fmt, va_list ap)
{
	char buf[512];
	int n;

	if (size > sizeof(buf))
		size = sizeof(buf);
	buf[0] = '#';
	buf[1] = ' ';
	n = vsnprintf(buf + 2, size - 3, fmt, ap);
	n = n < 0 ? 0 : (n > (int)size - 4 ? (int)size - 4 : n);
	buf[2 + n] = '\n';
	console_write(buf, (size_t)n + 3);
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	comment_line(512, fmt, ap);
	va_end(ap);
}

bool check(bool cond, const char *name, const char *fmt, ...)
{
	char detail[256];
	va_list ap;

	tests_run++;
	if (cond) {
		printf("ok %u - %s\n", tests_run, name);
		return true;
	}
	tests_failed++;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	printf("not ok %u - %s: %s\n", tests_run, name, detail);
	return false;
}

void guest_shutdown(unsigned int reason)
{
	struct sched_shutdown sd = { .reason = reason };

	HYPERVISOR_sched_op(SCHEDOP_shutdown, &sd);
}

static void __attribute__((noreturn)) halt_forever(unsigned int reason)
{
	for (;;) {
		guest_shutdown(reason);
		HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
	}
}

bool guest_verdict(void)
{
	printf("1..%u\n", tests_run);
	if (tests_failed == 0 && tests_run > 0) {
		printf("VERDICT: PASS\n");
		return true;
	}
	printf("VERDICT: FAIL (%u failures)\n",
	       tests_failed ? tests_failed : 1);
	return false;
}

void guest_finish(void)
{
	halt_forever(guest_verdict() ? SHUTDOWN_poweroff : SHUTDOWN_crash);
}

void guest_crash(const char *why)
{
	tests_failed++;
	printf("not ok %u - fatal: %s\n", ++tests_run, why);
	guest_finish();
}

unsigned long va_to_pfn(const void *va)
{
	return ((unsigned long)va - VIRT_BASE) >> 12;
}

unsigned long va_to_mfn(const void *va)
{
	unsigned long pfn = va_to_pfn(va);

	if (pfn >= start_info->nr_pages)
		guest_crash("va_to_mfn: address outside the bootstrap region");
	return ((const unsigned long *)start_info->mfn_list)[pfn];
}

void *mfn_to_va(unsigned long mfn)
{
	const unsigned long *m2p = (const unsigned long *)MACH2PHYS_VIRT_START;
	unsigned long pfn = m2p[mfn];

	if (pfn >= start_info->nr_pages ||
	    ((const unsigned long *)start_info->mfn_list)[pfn] != mfn)
		return NULL;
	return (void *)(VIRT_BASE + (pfn << 12));
}

uint64_t pte_maddr(unsigned long va)
{
	uint64_t *table = (uint64_t *)start_info->pt_base;
	int level;

	for (level = 4; level > 1; level--) {
		uint64_t e = table[(va >> (12 + 9 * (level - 1))) & 511];

		if (!(e & _PAGE_PRESENT))
			return 0;
		table = mfn_to_va((e & PTE_ADDR_MASK) >> 12);
		if (!table)
			return 0;
	}
	return (va_to_mfn(table) << 12) + 8 * ((va >> 12) & 511);
}

long set_page_rw(void *va, bool rw)
{
	uint64_t pte = (va_to_mfn(va) << 12) | _PAGE_PRESENT | _PAGE_ACCESSED |
		       _PAGE_USER | (rw ? _PAGE_RW | _PAGE_DIRTY : 0);

	return HYPERVISOR_update_va_mapping((unsigned long)va & PAGE_MASK, pte,
					    UVMF_INVLPG);
}

void map_shared_info(void)
{
	long rc = HYPERVISOR_update_va_mapping((unsigned long)shared_info_page,
					       (start_info->shared_info &
						PTE_ADDR_MASK) |
					       _PAGE_PRESENT | _PAGE_RW |
					       _PAGE_ACCESSED | _PAGE_DIRTY,
					       UVMF_INVLPG);

	if (rc)
		guest_crash("cannot map shared_info");
	shared = (struct shared_info *)shared_info_page;
	vcpu = &shared->vcpu_info[0];
}

void guest_start(start_info_t *si);
void guest_start(start_info_t *si)
{
	xen_extraversion_t extra;

	start_info = si;
	printf("\n# test guest starting (start_info %p)\n", (void *)si);
	if (!si)
		guest_crash("no start_info in rsi");
	memset(extra, 0, sizeof(extra));
	if (HYPERVISOR_xen_version(XENVER_extraversion, extra) == 0)
		on_keel = strstr(extra, "keel") != NULL;
	guest_main();
	guest_finish();
}

/* ---- time, sleeping, command line, one-line output (shared by guests) ---- */

/* System time from one vCPU's pvclock (version odd while it changes). */
uint64_t pvclock_ns(const volatile struct vcpu_time_info *t)
{
	uint32_t version, lo, hi;
	uint64_t ns, delta;

	do {
		version = t->version;
		__asm__ volatile("" ::: "memory");
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		delta = (((uint64_t)hi << 32) | lo) - t->tsc_timestamp;
		if (t->tsc_shift >= 0)
			delta <<= t->tsc_shift;
		else
			delta >>= -t->tsc_shift;
		ns = t->system_time +
		     (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
		__asm__ volatile("" ::: "memory");
	} while ((version & 1) || version != t->version);
	return ns;
}

uint64_t system_time_ns(void)
{
	return pvclock_ns(&vcpu->time);
}

uint64_t cmdline_num(const char *key, uint64_t dflt)
{
	const char *p = strstr((const char *)start_info->cmd_line, key);
	uint64_t n = 0;

	if (!p)
		return dflt;
	for (p += strlen(key); *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (uint64_t)(*p - '0');
	return n;
}

static evtchn_port_t timer_port;

evtchn_port_t timer_virq_port(void)
{
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };

	if (!timer_port) {
		CHECK_RC("bind VIRQ_TIMER", HC(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq,
					       &bv, 0, 0, 0), 0);
		timer_port = bv.port;
	}
	return timer_port;
}

/*
 * Sleep until system time `end` with set_timer_op + SCHEDOP_block and no
 * upcall handler: block unmasks events, so they are masked again at once,
 * and the timer port, its selector word and evtchn_upcall_pending are
 * acknowledged by hand before each block (2-level ABI: a set selector bit
 * would keep the next event from raising an upcall).  Returns the number
 * of times it blocked.
 */
uint64_t sleep_until_ns(uint64_t end)
{
	evtchn_port_t port = timer_virq_port();
	uint64_t blocks = 0;

	while (system_time_ns() < end) {
		shared->evtchn_pending[port / 64] &= ~(1UL << (port % 64));
		vcpu->evtchn_upcall_pending = 0;
		vcpu->evtchn_pending_sel = 0;
		HC(__HYPERVISOR_set_timer_op, end, 0, 0, 0, 0);
		HYPERVISOR_sched_op(SCHEDOP_block, NULL);
		vcpu->evtchn_upcall_mask = 1;
		blocks++;
	}
	return blocks;
}

void sleep_ms(uint64_t ms)
{
	sleep_until_ns(system_time_ns() + ms * 1000000UL);
}

/* As note(), in lines of at most 160 bytes. */
void say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	comment_line(160, fmt, ap);
	va_end(ap);
}
