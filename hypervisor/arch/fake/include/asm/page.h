/* Fake asm/page.h: the real entry bits (pure definitions). */
#ifndef FAKE_ASM_PAGE_H
#define FAKE_ASM_PAGE_H
#include "../../../x86_64/include/asm/page.h"
#endif
