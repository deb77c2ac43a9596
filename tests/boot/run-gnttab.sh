#!/bin/sh
# Grant-table boot test, next to an idle dom0 (tests/boot/multi-domain.sh):
#  - version 1: gnt-granter (domain 1) grants pages to gnt-mapper
#    (domain 2), which maps, copies, unmaps, and keeps one mapping while
#    the granter dies;
#  - version 2: gnt2-granter (domain 3) switches to grant tables v2 (the
#    switching rules, its status frame) and grants full_page, sub_page
#    and transitive entries to gnt2-mapper (domain 4), which maps and
#    copies them and keeps one mapping while the granter dies
# (see the guests' header comments, tests/guests/gnt*.c).
exec sh "$(dirname "$0")/multi-domain.sh" gnttab 6000 gnt-granter gnt-mapper gnt2-granter gnt2-mapper
