#!/bin/sh
# Cross-domain event channels: evt-ping (domain 1, 2-level ABI) and
# evt-pong (domain 2, which switches to the FIFO ABI) bounce 1000 events
# through an interdomain channel, waiting with SCHEDOP_block, SCHEDOP_poll
# and by spinning, each checking that every event arrived exactly once and
# in order; then close and rebind as Xen does them.  evt-intruder (domain 3) is refused the ports that are not
# its own (tests/guests/evt-*.c), next to an idle dom0
# (tests/boot/multi-domain.sh).
exec sh "$(dirname "$0")/multi-domain.sh" evtchn 8000 evt-ping evt-pong evt-intruder
