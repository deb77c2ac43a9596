/*
 * Fake asm/config.h for host unit tests: the real layout, except that
 * the direct map is a host array (fake_machine_mem, arch/fake/mm.c), so
 * the inline mfn_to_virt()/virt_to_mfn() of keel/mm.h work unchanged.
 */
#ifndef FAKE_ASM_CONFIG_H
#define FAKE_ASM_CONFIG_H
#include "../../../x86_64/include/asm/config.h"

#ifndef __ASSEMBLY__
/* A test may ask for more fake machine memory (-DFAKE_NR_FRAMES=...). */
#ifndef FAKE_NR_FRAMES
#define FAKE_NR_FRAMES 64u
#endif
extern unsigned char fake_machine_mem[];   /* FAKE_NR_FRAMES pages, page aligned */
#undef DIRECTMAP_VIRT_START
#define DIRECTMAP_VIRT_START ((unsigned long)fake_machine_mem)
#endif
#endif
