#!/bin/sh
# Grant-table boot test: gnt-granter (domain 1) grants pages to gnt-mapper
# (domain 2), which maps, copies, unmaps, and keeps one mapping while the
# granter dies (tests/guests/gnt-*.c), next to an idle dom0
# (tests/boot/multi-domain.sh).
exec sh "$(dirname "$0")/multi-domain.sh" gnttab 6000 gnt-granter gnt-mapper
