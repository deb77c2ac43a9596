/*
 * COM1 (16550 UART at 0x3f8), polled.  The console is the only user; it
 * serialises callers with its own lock.
 */
#include <keel/console.h>
#include <asm/processor.h>

#define COM1 0x3f8

void serial_init(void)
{
    outb(COM1 + 1, 0x00);   /* no interrupts */
    outb(COM1 + 3, 0x80);   /* DLAB */
    outb(COM1 + 0, 0x01);   /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);   /* 8n1 */
    outb(COM1 + 2, 0xc7);   /* FIFO on */
    outb(COM1 + 4, 0x0b);
}

void serial_putc(char c)
{
    unsigned int spins = 0;
    while (!(inb(COM1 + 5) & 0x20) && spins++ < 100000)
        cpu_relax();
    outb(COM1, (uint8_t)c);
}

int serial_getc(void)
{
    if (!(inb(COM1 + 5) & 0x01))
        return -1;
    return inb(COM1);
}
