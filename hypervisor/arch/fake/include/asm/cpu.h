/* Fake asm/cpu.h: the real declarations; arch/fake/cpu.c defines them. */
#ifndef FAKE_ASM_CPU_H
#define FAKE_ASM_CPU_H
#include "../../../x86_64/include/asm/cpu.h"
#endif
