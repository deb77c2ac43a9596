/*
 * Time sources: the TSC and the local APIC timer, calibrated at boot
 * against the PIT's count (the best of 5 windows); the APIC timer in one-shot
 * mode for deadlines; the CMOS RTC for the wallclock.  System time = scale(tsc - boot_tsc) with the pvclock
 * formula, so the hypervisor and every guest compute the same time.
 * Locking: set up once at boot; afterwards read-only, except the APIC
 * timer, which only its own CPU programs.
 */
#include <keel/time.h>
#include <keel/domain.h>
#include <keel/console.h>
#include <keel/lib.h>
#include <keel/mm.h>
#include <asm/processor.h>
#include <asm/page.h>
#include <asm/cpu.h>

#define LAPIC_VIRT 0xffff820100000000UL
#define APIC_EOI 0xb0
#define APIC_SVR 0xf0
#define APIC_TPR 0x80
#define APIC_LVT_TIMER 0x320
#define APIC_TMICT 0x380
#define APIC_TMCCT 0x390
#define APIC_TDCR 0x3e0
#define APIC_ID 0x20
#define APIC_ICR_LOW 0x300
#define APIC_ICR_HIGH 0x310
#define APIC_ICR_BUSY (1u << 12)

static uint64_t boot_tsc, tsc_hz, lapic_hz;
static uint32_t tsc_mul;
static int8_t tsc_shift;
static uint64_t boot_wallclock_sec;
static bool tsc_invariant;

static uint32_t apic_read(unsigned int reg) { return *(volatile uint32_t *)(LAPIC_VIRT + reg); }
static void apic_write(unsigned int reg, uint32_t v) { *(volatile uint32_t *)(LAPIC_VIRT + reg) = v; }

/*
 * One reading of PIT channel 2's count and of the APIC timer's current
 * count, with the TSC read just before and just after: *tsc is the
 * middle of that bracket, the return value its width in TSC ticks (wide
 * when the CPU was descheduled inside it).
 */
static uint64_t pit_sample(uint16_t *count, uint32_t *apic, uint64_t *tsc)
{
    uint64_t a, b;
    uint8_t lo, hi;

    a = rdtsc();
    outb(0x43, 0x80);            /* latch channel 2's count */
    lo = inb(0x42);
    hi = inb(0x42);
    *apic = apic_read(APIC_TMCCT);
    b = rdtsc();
    *count = (uint16_t)(lo | hi << 8);
    *tsc = a + (b - a) / 2;
    return b - a;
}

/*
 * One calibration window of CALIB_PIT_TICKS (25 ms): PIT channel 2 (gate
 * via port 0x61) counts down from 0xffff in mode 0; the TSC and the APIC
 * timer are compared with the PIT's own count read at both ends, not
 * with the moment the end is seen, so time the CPU spends descheduled
 * inside the window (QEMU's TCG on a loaded host) is counted by all three
 * clocks alike.  Only the two readings' brackets carry an error: *width
 * is their sum in TSC ticks.  The count wraps every 55 ms; a window whose
 * end was read after the PIT's output rose (the count reached 0, so a
 * wrap cannot be ruled out) returns 0.  Returns the window's TSC ticks,
 * its PIT ticks in *pit and its APIC ticks in *apic.
 */
#define CALIB_PIT_TICKS 29830u   /* 25 ms at 1193182 Hz */
static uint64_t pit_window(uint32_t *pit, uint32_t *apic, uint64_t *width)
{
    uint16_t c0, c1;
    uint32_t a0, a1;
    uint64_t t0, t1, w0, w1;

    outb(0x61, (uint8_t)((inb(0x61) & ~0x02) | 0x01));
    outb(0x43, 0xb0);            /* channel 2, lobyte/hibyte, mode 0 */
    outb(0x42, 0xff);
    outb(0x42, 0xff);
    w0 = pit_sample(&c0, &a0, &t0);
    do {
        w1 = pit_sample(&c1, &a1, &t1);
    } while ((uint16_t)(c0 - c1) < CALIB_PIT_TICKS && !(inb(0x61) & 0x20));
    if (inb(0x61) & 0x20)
        return 0;
    *pit = (uint16_t)(c0 - c1);
    *apic = a0 - a1;
    *width = w0 + w1;
    return t1 - t0;
}

/*
 * The TSC's and the APIC timer's rates from the best of CALIB_TRIES
 * complete windows: the one whose two readings had the narrowest
 * brackets.
 * Before, a window ended when the PIT's output was seen to rise and the
 * shortest of 5 windows counted: at host load 11 every one of the 5 was
 * seen late and the TSC read 4.5 GHz for 2.6 (bench/dom0-io.sh: dom0's
 * clock then ran at 0.57 of real time).
 */
#define CALIB_TRIES 5
#define CALIB_MAX_TRIES 100      /* windows lost to a wrap of the count included */
static void calibrate(void)
{
    uint64_t best_width = ~0UL, best_tsc = 0, t, width;
    uint32_t pit, apic, best_pit = 0, best_apic = 0;
    int good = 0;

    apic_write(APIC_TDCR, 0xb);                          /* divide by 1 */
    apic_write(APIC_LVT_TIMER, 1u << 16);               /* masked */
    for (int i = 0; i < CALIB_MAX_TRIES && good < CALIB_TRIES; i++) {
        apic_write(APIC_TMICT, 0xffffffff);
        t = pit_window(&pit, &apic, &width);
        if (!t || !pit)
            continue;
        good++;
        if (width < best_width) {
            best_width = width;
            best_tsc = t;
            best_pit = pit;
            best_apic = apic;
        }
    }
    apic_write(APIC_TMICT, 0);
    if (!best_pit)
        panic("TSC calibration failed");
    tsc_hz = best_tsc * 1193182UL / best_pit;
    lapic_hz = (uint64_t)best_apic * 1193182UL / best_pit;
}

/* mul/shift such that ns = ((delta << shift) * mul) >> 32 (pvclock). */
static void compute_scale(uint64_t hz, uint32_t *mul, int8_t *shift)
{
    uint64_t r = (1000000000UL << 32) / hz;     /* 1e9 < 2^30: no overflow */
    int s = 0;

    while (r >= (1ULL << 32)) {
        r >>= 1;
        s++;
    }
    while (r && r < (1ULL << 31)) {
        r <<= 1;
        s--;
    }
    *mul = (uint32_t)r;
    *shift = (int8_t)s;
}

static uint64_t scale_delta(uint64_t delta)
{
    if (tsc_shift >= 0)
        delta <<= tsc_shift;
    else
        delta >>= -tsc_shift;
    return (uint64_t)(((unsigned __int128)delta * tsc_mul) >> 32);
}

uint64_t get_s_time(void)
{
    return scale_delta(rdtsc() - boot_tsc);
}

uint64_t tsc_khz(void)
{
    return tsc_hz / 1000;
}

static uint8_t cmos(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static unsigned int bcd(uint8_t v, bool is_bcd)
{
    return is_bcd ? (v & 15) + (v >> 4) * 10 : v;
}

/* Days since 1970-01-01 of a date (year >= 1970). */
static uint64_t days_since_epoch(unsigned int y, unsigned int m, unsigned int d)
{
    static const unsigned int cum[12] = { 0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334 };
    uint64_t days = (uint64_t)(y - 1970) * 365 + (y - 1969) / 4 - (y - 1901) / 100 +
                    (y - 1601) / 400;
    days += cum[(m - 1) % 12] + d - 1;
    if (m > 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        days++;
    return days;
}

static void read_rtc(void)
{
    unsigned int sec, min, hour, day, mon, year, spins = 0;
    bool is_bcd;

    while ((cmos(0x0a) & 0x80) && spins++ < 1000000)
        cpu_relax();
    is_bcd = !(cmos(0x0b) & 0x04);
    sec = bcd(cmos(0x00), is_bcd);
    min = bcd(cmos(0x02), is_bcd);
    hour = bcd(cmos(0x04) & 0x7f, is_bcd);
    day = bcd(cmos(0x07), is_bcd);
    mon = bcd(cmos(0x08), is_bcd);
    year = bcd(cmos(0x09), is_bcd) + 2000;
    if (mon < 1 || mon > 12 || day < 1 || day > 31) {
        boot_wallclock_sec = 0;
        return;
    }
    boot_wallclock_sec = days_since_epoch(year, mon, day) * 86400 + hour * 3600 + min * 60 + sec;
}

static void lapic_init(void)
{
    uint64_t base = rdmsr(MSR_IA32_APICBASE);

    wrmsr(MSR_IA32_APICBASE, base | (1UL << 11));       /* global enable */
    map_pages_hv(LAPIC_VIRT, _mfn((base & PADDR_MASK) >> PAGE_SHIFT), 1,
                 _PAGE_PRESENT | _PAGE_RW | _PAGE_PCD | _PAGE_PWT | pte_nx());
    apic_write(APIC_TPR, 0);
    apic_write(APIC_SVR, 0x100 | SPURIOUS_VECTOR);
    calibrate();
    apic_write(APIC_TMICT, 0);
    apic_write(APIC_LVT_TIMER, TIMER_VECTOR);           /* one-shot */
}

/* A CPU other than the boot CPU: the same APIC set-up, calibration reused. */
void lapic_ap_init(void)
{
    wrmsr(MSR_IA32_APICBASE, rdmsr(MSR_IA32_APICBASE) | (1UL << 11));
    apic_write(APIC_TPR, 0);
    apic_write(APIC_SVR, 0x100 | SPURIOUS_VECTOR);
    apic_write(APIC_TDCR, 0xb);
    apic_write(APIC_TMICT, 0);
    apic_write(APIC_LVT_TIMER, TIMER_VECTOR);
}

uint32_t lapic_id(void)
{
    return apic_read(APIC_ID) >> 24;
}

/* Send an interprocessor interrupt (ICR low word `cmd`) to APIC `dest`. */
void lapic_send_ipi(uint32_t dest, uint32_t cmd)
{
    unsigned int spins = 0;

    while ((apic_read(APIC_ICR_LOW) & APIC_ICR_BUSY) && spins++ < 1000000)
        cpu_relax();
    apic_write(APIC_ICR_HIGH, dest << 24);
    apic_write(APIC_ICR_LOW, cmd);
}

/* Busy-wait `us` microseconds on the TSC (after time_init). */
void udelay(uint64_t us)
{
    uint64_t end = get_s_time() + us * 1000;

    while (get_s_time() < end)
        cpu_relax();
}

void time_init(void)
{
    uint32_t a, b, c, d;

    cpuid_count(0x80000000, 0, &a, &b, &c, &d);
    if (a >= 0x80000007) {
        cpuid_count(0x80000007, 0, &a, &b, &c, &d);
        tsc_invariant = d & (1u << 8);
    }
    lapic_init();               /* calibrates the TSC and the APIC timer */
    compute_scale(tsc_hz, &tsc_mul, &tsc_shift);
    boot_tsc = rdtsc();
    read_rtc();
    printk("time: TSC %lu kHz%s, APIC timer %lu kHz, wallclock %lu\n", tsc_hz / 1000,
           tsc_invariant ? " (invariant)" : "", lapic_hz / 1000, boot_wallclock_sec);
}

void arch_timer_program(uint64_t deadline)
{
    uint64_t now, ticks;

    if (!deadline) {
        apic_write(APIC_TMICT, 0);
        return;
    }
    now = get_s_time();
    /* At most 10 s ahead (the timer is re-armed when it fires early). */
    ticks = deadline > now ? MIN(deadline - now, 10000000000UL) * (lapic_hz / 1000) / 1000000
                           : 1;
    if (ticks == 0)
        ticks = 1;
    if (ticks > 0xffffffffUL)
        ticks = 0xffffffffUL;
    apic_write(APIC_TMICT, (uint32_t)ticks);
}

void arch_timer_ack(void)
{
    apic_write(APIC_EOI, 0);
}

/* pvclock of one vCPU: version odd while the fields change. */
void update_vcpu_system_time(struct vcpu *v)
{
    struct vcpu_time_info *t = &v->vcpu_info->time;
    uint64_t tsc = rdtsc();

    t->version++;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    t->tsc_timestamp = tsc;
    t->system_time = scale_delta(tsc - boot_tsc);
    t->tsc_to_system_mul = tsc_mul;
    t->tsc_shift = tsc_shift;
    t->flags = tsc_invariant ? XEN_PVCLOCK_TSC_STABLE_BIT : 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    t->version++;
}

/* The wall time at system time 0, in ns: from the CMOS RTC at boot, then
 * from the hardware domain's XENPF_settime (time_set_wallclock). */
static uint64_t wallclock_base_ns;

/* shared_info wallclock: the wall time at system time 0. */
void domain_set_wallclock(struct domain *d)
{
    struct shared_info *s = d->shared_info;
    uint64_t base = wallclock_base_ns ? wallclock_base_ns : boot_wallclock_sec * 1000000000UL;
    uint64_t sec = base / 1000000000UL;

    s->wc_version++;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    s->wc_sec = (uint32_t)sec;
    s->wc_sec_hi = (uint32_t)(sec >> 32);
    s->wc_nsec = (uint32_t)(base % 1000000000UL);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    s->wc_version++;
}

/*
 * XENPF_settime: the wall time was secs:nsecs at system time system_time
 * (Xen's do_settime); every domain's shared_info follows.  A base before
 * the epoch is clamped to it.
 */
void time_set_wallclock(uint64_t secs, uint32_t nsecs, uint64_t system_time)
{
    struct domain *d;
    uint64_t wall;

    if (secs > (~0UL - nsecs) / 1000000000UL)
        return;
    wall = secs * 1000000000UL + nsecs;
    wallclock_base_ns = wall > system_time ? wall - system_time : 1;
    for (d = domain_list; d; d = d->next)
        if (d->shared_info)
            domain_set_wallclock(d);
}
