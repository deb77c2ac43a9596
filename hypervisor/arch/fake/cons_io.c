/*
 * What common/console_backend.c needs around it: serial input (a buffer
 * the test fills, fake_serial_in) and event notifications (counted).
 * The notifications are weak: a program that links the real
 * event_channel.c (the PV MMU fuzzer) gets the real ones.
 */
#include <fake/fake.h>
#include <keel/console.h>
#include <keel/event.h>

const char *fake_serial_in;          /* NUL-terminated input, consumed */
unsigned int fake_port_notifies, fake_global_virqs;
uint32_t fake_last_notified_port;

int console_getc(void)
{
    if (!fake_serial_in || !*fake_serial_in)
        return -1;
    return (unsigned char)*fake_serial_in++;
}

__attribute__((weak)) void evtchn_notify_port(struct domain *d, uint32_t port)
{
    (void)d;
    fake_port_notifies++;
    fake_last_notified_port = port;
}

__attribute__((weak)) void send_guest_global_virq(struct domain *d, unsigned int virq)
{
    (void)d;
    (void)virq;
    fake_global_virqs++;
}
