/*
 * COM1 (16550 UART at 0x3f8), polled.  The console (common/console.c) is
 * the only user and serialises callers with its own lock.  Output is
 * either written without waiting, as much as the transmitter takes now
 * (serial_tx_room, serial_tx_byte), or, on the synchronous paths (boot,
 * panic, power-off), with a bounded wait per byte (serial_putc).
 */
#include <keel/console.h>
#include <asm/processor.h>

#define COM1 0x3f8
#define LSR_THRE 0x20           /* transmit holding register (FIFO) empty */
#define IIR_FIFO 0xc0           /* FIFOs enabled (16550A) */

static unsigned int fifo_size = 1;

void serial_init(void)
{
    outb(COM1 + 1, 0x00);   /* no interrupts */
    outb(COM1 + 3, 0x80);   /* DLAB */
    outb(COM1 + 0, 0x01);   /* 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);   /* 8n1 */
    outb(COM1 + 2, 0xc7);   /* FIFO on */
    outb(COM1 + 4, 0x0b);
    /* A 16550A reports its FIFOs in IIR; an older UART holds one byte. */
    fifo_size = (inb(COM1 + 2) & IIR_FIFO) == IIR_FIFO ? 16 : 1;
}

/* Bytes the transmitter takes now without waiting: its whole FIFO once
 * it is empty (as Xen's ns16550_tx_ready), else none. */
unsigned int serial_tx_room(void)
{
    return (inb(COM1 + 5) & LSR_THRE) ? fifo_size : 0;
}

void serial_tx_byte(char c)
{
    outb(COM1, (uint8_t)c);
}

void serial_putc(char c)
{
    unsigned int spins = 0;
    while (!(inb(COM1 + 5) & LSR_THRE) && spins++ < 100000)
        cpu_relax();
    outb(COM1, (uint8_t)c);
}

int serial_getc(void)
{
    if (!(inb(COM1 + 5) & 0x01))
        return -1;
    return inb(COM1);
}
