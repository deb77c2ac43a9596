/*
 * ctl: a dom0 that drives two spinning domUs (spin.c, ids "a=1 b=2")
 * through Xen's control interface, as a toolstack would
 * (docs/hypervisor.md, "Run-time parameters"):
 *
 *  1. sysctl getdomaininfolist / sched_id / physinfo, domctl getdomaininfo;
 *  2. shares from cpu_time: 1:1 at equal weights, then 3:1 after
 *     scheduler_op putinfo gives A weight 768;
 *  3. a 25 % cap on A holds; removed again;
 *  4. pausedomain B: its cpu_time stops, flags say paused; unpause: it
 *     runs again, without a catch-up burst;
 *  5. SCHEDOP_remote_shutdown B (reason reboot): reported shut down with
 *     that code, then dying once reaped;
 *  6. refusals: interface versions, bad domids, other schedulers, caps
 *     out of range, dom0 pausing itself, unknown commands;
 *  7. waits for A to finish on its own (shutdown code poweroff).
 *
 * Every ratio is checked within a tolerance that holds under TCG on a
 * loaded host, where the host preempting QEMU shows as guest CPU time.
 */
#include "lib/guest.h"
#include <public/domctl.h>
#include <public/sysctl.h>

static domid_t dom_a, dom_b;

static long domctl(struct xen_domctl *op)
{
	return HC(__HYPERVISOR_domctl, op, 0, 0, 0, 0);
}

static long sysctl(struct xen_sysctl *op)
{
	return HC(__HYPERVISOR_sysctl, op, 0, 0, 0, 0);
}

static struct xen_domctl dc(uint32_t cmd, domid_t dom)
{
	struct xen_domctl op;

	memset(&op, 0, sizeof(op));
	op.cmd = cmd;
	op.interface_version = XEN_DOMCTL_INTERFACE_VERSION;
	op.domain = dom;
	return op;
}

static struct xen_sysctl sc(uint32_t cmd)
{
	struct xen_sysctl op;

	memset(&op, 0, sizeof(op));
	op.cmd = cmd;
	op.interface_version = XEN_SYSCTL_INTERFACE_VERSION;
	return op;
}

/* getdomaininfo of exactly dom; flags/cpu_time out; false if not found. */
static bool info(domid_t dom, struct xen_domctl_getdomaininfo *gi)
{
	struct xen_domctl op = dc(XEN_DOMCTL_getdomaininfo, dom);

	if (domctl(&op) || op.domain != dom)
		return false;
	*gi = op.u.getdomaininfo;
	return true;
}

static uint64_t cpu_ns(domid_t dom)
{
	struct xen_domctl_getdomaininfo gi;

	return info(dom, &gi) ? gi.cpu_time : 0;
}

static long sched_put(domid_t dom, uint32_t id, uint16_t weight, uint16_t cap)
{
	struct xen_domctl op = dc(XEN_DOMCTL_scheduler_op, dom);

	op.u.scheduler_op.sched_id = id;
	op.u.scheduler_op.cmd = XEN_DOMCTL_SCHEDOP_putinfo;
	op.u.scheduler_op.u.credit2.weight = weight;
	op.u.scheduler_op.u.credit2.cap = cap;
	return domctl(&op);
}

/* CPU time A and B get over ms milliseconds (dom0 sleeps meanwhile). */
static void window(uint64_t ms, uint64_t *da, uint64_t *db)
{
	uint64_t a0 = cpu_ns(dom_a), b0 = cpu_ns(dom_b);

	sleep_ms(ms);
	*da = cpu_ns(dom_a) - a0;
	*db = cpu_ns(dom_b) - b0;
}

static unsigned long permille(uint64_t x, uint64_t y)
{
	return y ? (unsigned long)(x * 1000 / y) : ~0UL;
}

static void check_list(void)
{
	struct xen_domctl_getdomaininfo list[8];
	struct xen_sysctl s = sc(XEN_SYSCTL_getdomaininfolist);
	unsigned int i;

	memset(list, 0, sizeof(list));
	s.u.getdomaininfolist.first_domain = 0;
	s.u.getdomaininfolist.max_domains = ARRAY_SIZE(list);
	set_xen_guest_handle(s.u.getdomaininfolist.buffer, list);
	CHECK_RC("sysctl getdomaininfolist", sysctl(&s), 0);
	CHECK_EQ("three domains listed", s.u.getdomaininfolist.num_domains, 3);
	for (i = 0; i < 3; i++)
		CHECK_EQ("listed in id order", list[i].domain, i == 0 ? 0 : i == 1 ? dom_a : dom_b);
	check(list[0].flags & XEN_DOMINF_running, "dom0 is running (it is asking)",
	      "flags %#x", list[0].flags);
	check(!(list[1].flags & (XEN_DOMINF_shutdown | XEN_DOMINF_dying | XEN_DOMINF_paused)) &&
	      list[1].nr_online_vcpus == 1 && list[1].max_vcpu_id == 0,
	      "domU A: alive, one vCPU", "flags %#x vcpus %u max id %u", list[1].flags,
	      list[1].nr_online_vcpus, list[1].max_vcpu_id);
	check(list[1].tot_pages >= 32 * 256 - 64 && list[1].tot_pages <= list[1].max_pages,
	      "domU A: ~32 MiB, within max_pages", "tot %lu max %lu",
	      (unsigned long)list[1].tot_pages, (unsigned long)list[1].max_pages);

	s = sc(XEN_SYSCTL_getdomaininfolist);
	s.u.getdomaininfolist.first_domain = (domid_t)(dom_a + 1);
	s.u.getdomaininfolist.max_domains = 1;
	set_xen_guest_handle(s.u.getdomaininfolist.buffer, list);
	CHECK_RC("getdomaininfolist from A+1, one entry", sysctl(&s), 0);
	check(s.u.getdomaininfolist.num_domains == 1 && list[0].domain == dom_b,
	      "it is B", "num %u dom %u", s.u.getdomaininfolist.num_domains, list[0].domain);

	s = sc(XEN_SYSCTL_sched_id);
	CHECK_RC("sysctl sched_id", sysctl(&s), 0);
	CHECK_EQ("scheduler is credit2", s.u.sched_id.sched_id, XEN_SCHEDULER_CREDIT2);
	s = sc(XEN_SYSCTL_physinfo);
	CHECK_RC("sysctl physinfo", sysctl(&s), 0);
	check(s.u.physinfo.nr_cpus >= 1 && s.u.physinfo.cpu_khz > 100000 &&
	      s.u.physinfo.free_pages > 0 && s.u.physinfo.free_pages < s.u.physinfo.total_pages &&
	      (s.u.physinfo.capabilities & XEN_SYSCTL_PHYSCAP_pv),
	      "physinfo is plausible", "cpus %u khz %u total %lu free %lu caps %#x",
	      s.u.physinfo.nr_cpus, s.u.physinfo.cpu_khz,
	      (unsigned long)s.u.physinfo.total_pages, (unsigned long)s.u.physinfo.free_pages,
	      s.u.physinfo.capabilities);
}

static void check_shares(void)
{
	uint64_t da, db, w = 1500;
	unsigned long r;
	struct xen_domctl op;

	window(1000, &da, &db);
	check(da > 0 && db > 0, "both spinners accumulate cpu_time",
	      "A +%lu us, B +%lu us", (unsigned long)(da / 1000), (unsigned long)(db / 1000));
	r = permille(da, db);
	check(r >= 750 && r <= 1333, "equal weights: shares 1:1 (+-25%)",
	      "A %lu us, B %lu us, ratio %lu/1000", (unsigned long)(da / 1000),
	      (unsigned long)(db / 1000), r);
	check(da + db >= 1000000000UL / 2, "spinners get most of the CPU",
	      "%lu us of 1 s", (unsigned long)((da + db) / 1000));
	note("1:1 window: A %lu us, B %lu us", (unsigned long)(da / 1000), (unsigned long)(db / 1000));

	CHECK_RC("putinfo A weight 768", sched_put(dom_a, XEN_SCHEDULER_CREDIT2, 768, 0), 0);
	op = dc(XEN_DOMCTL_scheduler_op, dom_a);
	op.u.scheduler_op.sched_id = XEN_SCHEDULER_CREDIT2;
	op.u.scheduler_op.cmd = XEN_DOMCTL_SCHEDOP_getinfo;
	CHECK_RC("getinfo A", domctl(&op), 0);
	check(op.u.scheduler_op.u.credit2.weight == 768 && op.u.scheduler_op.u.credit2.cap == 0,
	      "getinfo reads weight 768, no cap", "weight %u cap %u",
	      op.u.scheduler_op.u.credit2.weight, op.u.scheduler_op.u.credit2.cap);
	window(w, &da, &db);
	r = permille(da, db);
	check(r >= 2400 && r <= 3750, "weights 768:256: shares 3:1 (-20%/+25%)",
	      "A %lu us, B %lu us, ratio %lu/1000", (unsigned long)(da / 1000),
	      (unsigned long)(db / 1000), r);
	note("3:1 window: A %lu us, B %lu us", (unsigned long)(da / 1000), (unsigned long)(db / 1000));
	CHECK_RC("putinfo A weight 256 again", sched_put(dom_a, XEN_SCHEDULER_CREDIT2, 256, 0), 0);
}

static void check_cap(void)
{
	uint64_t da, db, w = 1000;

	CHECK_RC("putinfo A cap 25% (weight 0 = unchanged)",
		 sched_put(dom_a, XEN_SCHEDULER_CREDIT2, 0, 25), 0);
	window(w, &da, &db);
	/* At most 25 % of 1 s plus a 10 ms period and slack; at least 10 %:
	 * under host load TCG charges stalls to the budget (run-sched.sh). */
	check(da <= 270000000UL && da >= 100000000UL, "cap 25%: A gets at most a quarter",
	      "A %lu us, B %lu us of %lu ms", (unsigned long)(da / 1000),
	      (unsigned long)(db / 1000), (unsigned long)w);
	check(db >= 500000000UL, "B takes the rest", "B %lu us", (unsigned long)(db / 1000));
	note("cap window: A %lu us, B %lu us", (unsigned long)(da / 1000), (unsigned long)(db / 1000));
	CHECK_RC("putinfo A cap 0 (removed)", sched_put(dom_a, XEN_SCHEDULER_CREDIT2, 0, 0), 0);
}

static void check_pause(void)
{
	struct xen_domctl_getdomaininfo gi;
	struct xen_domctl op;
	uint64_t da, db;
	unsigned long r;

	op = dc(XEN_DOMCTL_pausedomain, dom_b);
	CHECK_RC("pausedomain B", domctl(&op), 0);
	check(info(dom_b, &gi) && (gi.flags & XEN_DOMINF_paused) && !(gi.flags & XEN_DOMINF_running),
	      "B reported paused", "flags %#x", gi.flags);
	op = dc(XEN_DOMCTL_getvcpuinfo, dom_b);
	op.u.getvcpuinfo.vcpu = 0;
	CHECK_RC("getvcpuinfo B vCPU 0", domctl(&op), 0);
	check(op.u.getvcpuinfo.online && !op.u.getvcpuinfo.running && op.u.getvcpuinfo.cpu_time > 0,
	      "B's vCPU: online, not running, has run", "online %u running %u time %lu",
	      op.u.getvcpuinfo.online, op.u.getvcpuinfo.running,
	      (unsigned long)op.u.getvcpuinfo.cpu_time);
	window(500, &da, &db);
	CHECK_EQ("paused B's cpu_time stands still", db, 0);
	check(da >= 350000000UL, "A has the CPU alone", "A %lu us of 500 ms",
	      (unsigned long)(da / 1000));

	op = dc(XEN_DOMCTL_unpausedomain, dom_b);
	CHECK_RC("unpausedomain B", domctl(&op), 0);
	CHECK_RC("unpausedomain B again: not paused", domctl(&op), -XEN_EINVAL);
	check(info(dom_b, &gi) && !(gi.flags & XEN_DOMINF_paused), "B no longer paused",
	      "flags %#x", gi.flags);
	window(600, &da, &db);
	r = permille(db, da + db);
	/* No catch-up for the paused time: about half each, not all for B. */
	check(db > 0 && r >= 250 && r <= 750, "unpaused B runs, sharing 1:1 (25..75%)",
	      "A %lu us, B %lu us", (unsigned long)(da / 1000), (unsigned long)(db / 1000));
}

static void check_remote_shutdown(void)
{
	struct sched_remote_shutdown rs = { .domain_id = dom_b, .reason = SHUTDOWN_reboot };
	struct xen_domctl_getdomaininfo gi;
	uint64_t t;

	CHECK_RC("remote_shutdown B (reboot)", HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &rs), 0);
	check(info(dom_b, &gi) && (gi.flags & XEN_DOMINF_shutdown) &&
	      ((gi.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask) == SHUTDOWN_reboot &&
	      gi.nr_online_vcpus == 0, "B reported shut down, code reboot",
	      "flags %#x vcpus %u", gi.flags, gi.nr_online_vcpus);
	CHECK_RC("remote_shutdown B again: no-op", HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &rs), 0);
	/* Teardown is done in bounded steps (as Xen's, which the toolstack
	 * drives with continuations): wait for it, up to 2 s. */
	for (t = 0; t < 40; t++) {
		sleep_ms(50);
		if (info(dom_b, &gi) && gi.tot_pages == 0)
			break;
	}
	check(info(dom_b, &gi) && (gi.flags & XEN_DOMINF_dying) && gi.tot_pages == 0,
	      "B reaped: dying, its memory freed", "flags %#x tot %lu", gi.flags,
	      (unsigned long)gi.tot_pages);
	t = cpu_ns(dom_b);
	sleep_ms(100);
	CHECK_EQ("B's cpu_time stopped", cpu_ns(dom_b), t);
}

static void check_refusals(void)
{
	struct sched_remote_shutdown rs = { .domain_id = 9, .reason = SHUTDOWN_poweroff };
	struct xen_domctl op;
	struct xen_sysctl s;

	op = dc(XEN_DOMCTL_getdomaininfo, 0);
	op.interface_version = 0x14;
	CHECK_RC("domctl interface 0x14: -EACCES", domctl(&op), -XEN_EACCES);
	op.interface_version = 0x16;
	CHECK_RC("domctl interface 0x16: -EACCES", domctl(&op), -XEN_EACCES);
	s = sc(XEN_SYSCTL_sched_id);
	s.interface_version = 0x14;
	CHECK_RC("sysctl interface 0x14: -EACCES", sysctl(&s), -XEN_EACCES);
	op = dc(XEN_DOMCTL_getdomaininfo, (domid_t)(dom_b + 1));
	CHECK_RC("getdomaininfo past the last domain: -ESRCH", domctl(&op), -XEN_ESRCH);
	op = dc(XEN_DOMCTL_getdomaininfo, DOMID_SELF);
	CHECK_RC("getdomaininfo DOMID_SELF: -EINVAL", domctl(&op), -XEN_EINVAL);
	op = dc(XEN_DOMCTL_pausedomain, 9);
	CHECK_RC("pausedomain 9: -ESRCH", domctl(&op), -XEN_ESRCH);
	op = dc(XEN_DOMCTL_pausedomain, 0);
	CHECK_RC("pausedomain of dom0 by dom0: -EINVAL", domctl(&op), -XEN_EINVAL);
	op = dc(XEN_DOMCTL_createdomain, 0);
	CHECK_RC("createdomain with max_vcpus 0 (Xen: -EINVAL)", domctl(&op), -XEN_EINVAL);
	op = dc(XEN_DOMCTL_destroydomain, 0);
	CHECK_RC("destroydomain of dom0 by dom0: -EINVAL", domctl(&op), -XEN_EINVAL);
	op = dc(XEN_DOMCTL_destroydomain, dom_a);
	CHECK_RC("destroydomain of a boot-time domU: -EPERM", domctl(&op), -XEN_EPERM);
	CHECK_RC("scheduler_op for credit: -EINVAL", sched_put(dom_a, XEN_SCHEDULER_CREDIT, 512, 0),
		 -XEN_EINVAL);
	CHECK_RC("cap 101 on one vCPU: -EINVAL", sched_put(dom_a, XEN_SCHEDULER_CREDIT2, 0, 101),
		 -XEN_EINVAL);
	CHECK_RC("remote_shutdown 9: -ESRCH", HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &rs),
		 -XEN_ESRCH);
	rs.domain_id = DOMID_SELF;
	CHECK_RC("remote_shutdown DOMID_SELF: -ESRCH",
		 HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &rs), -XEN_ESRCH);
	/* readconsole: the hypervisor's boot messages, "(KEEL) " lines. */
	{
		static char buf[512];

		s = sc(XEN_SYSCTL_readconsole);
		set_xen_guest_handle(s.u.readconsole.buffer, buf);
		s.u.readconsole.count = sizeof(buf) - 1;
		CHECK_RC("sysctl readconsole", sysctl(&s), 0);
		buf[s.u.readconsole.count < sizeof(buf) ? s.u.readconsole.count : sizeof(buf) - 1] = 0;
		check(s.u.readconsole.count == sizeof(buf) - 1 && strstr(buf, "(KEEL) ") == buf,
		      "readconsole: the first messages", "count %u, starts '%.12s'",
		      s.u.readconsole.count, buf);
		s = sc(XEN_SYSCTL_readconsole);
		s.u.readconsole.buffer = 0x1000;	/* not mapped */
		s.u.readconsole.count = 16;
		CHECK_RC("sysctl readconsole to a bad buffer: -EFAULT", sysctl(&s), -XEN_EFAULT);
	}
	s = sc(17 /* XEN_SYSCTL_numainfo */);
	CHECK_RC("sysctl numainfo: -ENOSYS", sysctl(&s), -XEN_ENOSYS);
}

void guest_main(void)
{
	struct xen_domctl_getdomaininfo gi;
	uint64_t deadline;

	map_shared_info();
	timer_virq_port();
	dom_a = (domid_t)cmdline_num("a=", 1);
	dom_b = (domid_t)cmdline_num("b=", 2);
	sleep_until_ns(cmdline_num("start=", 1200) * 1000000UL);
	check_list();
	check_shares();
	check_cap();
	check_pause();
	check_remote_shutdown();
	check_refusals();
	check(info(dom_a, &gi) && !(gi.flags & XEN_DOMINF_shutdown), "A still running",
	      "flags %#x (its stop= is too early for this host)", gi.flags);
	/* A finishes on its own (stop=): wait for it, then report. */
	deadline = system_time_ns() + 30000000000UL;
	while (system_time_ns() < deadline && info(dom_a, &gi) && !(gi.flags & XEN_DOMINF_shutdown))
		sleep_ms(100);
	check(info(dom_a, &gi) && (gi.flags & XEN_DOMINF_shutdown) &&
	      ((gi.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask) == SHUTDOWN_poweroff,
	      "A shut itself down (poweroff)", "flags %#x", gi.flags);
}
