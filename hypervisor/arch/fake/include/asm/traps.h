/* Fake asm/traps.h: the real declarations; arch/fake/traps.c defines the hooks. */
#ifndef FAKE_ASM_TRAPS_H
#define FAKE_ASM_TRAPS_H
#include "../../../x86_64/include/asm/traps.h"
#endif
