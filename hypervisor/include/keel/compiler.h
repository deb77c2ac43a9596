/* Included first in every hypervisor object (via -include). */
#ifndef KEEL_COMPILER_H
#define KEEL_COMPILER_H
#ifndef __ASSEMBLY__
/* Everything links statically into one image: no GOT, no PLT. */
#pragma GCC visibility push(hidden)
#endif
#endif
