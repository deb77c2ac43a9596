#!/bin/sh
# Boot test with several domains at boot: test guests (hello, events,
# traps) as domUs next to an idle dom0 (tests/boot/multi-domain.sh).
exec sh "$(dirname "$0")/multi-domain.sh" domus 4000 hello events traps
