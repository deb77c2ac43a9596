/*
 * hello: the smallest possible guest.  Prints through console_io and
 * powers off.  Only needs console_io(CONSOLEIO_write), xen_version and
 * sched_op(SCHEDOP_shutdown): the first thing to get working.
 */
#include "lib/guest.h"

void guest_main(void)
{
	static const char msg[] = "hello from a Keel test guest\n";

	CHECK_EQ("console_io write returns 0",
		 HYPERVISOR_console_io(CONSOLEIO_write, sizeof(msg) - 1,
				       (void *)msg), 0);
	check(start_info != NULL && !memcmp(start_info->magic, "xen-3.0-x86_64", 14),
	      "start_info magic is xen-3.0-x86_64", "magic '%.32s'",
	      start_info ? start_info->magic : "");
}
