#!/usr/bin/env python3
"""Writes the seed corpus for fuzz_pvmm and fuzz_ptwr (run from tests/fuzz/).

Each fuzz_pvmm seed is a short, meaningful sequence of PV MMU calls in the
encoding fuzz_pvmm.c decodes (see its top comment and pvmm_world.h for the
frames): legal remaps, building and switching an address space, ptwr
writes, and the classic attacks, which must all be refused.
"""
import os
import struct

P, RW, US, A, D = 1, 2, 4, 0x20, 0x40
DOM_SELF_SEL, GOOD_PTR = 5, 5


def b(*v):
    return bytes(v)


def frame(m):
    assert m < 0xf0
    return b(m)


def entry(m, fl, nx=False):
    return frame(m) + struct.pack("<H", fl) + b(1 if nx else 0)


def va(l4=0, l3=0, l2=0, l1=0, off=0):
    return b(l4 & 3, l3, l2, l1 & 15) + struct.pack("<H", off)


def mmu(reqs, kind=0):
    """reqs: (mfn, index, value-bytes, cmd)"""
    out = b(kind, len(reqs), DOM_SELF_SEL, GOOD_PTR, GOOD_PTR)
    for m, idx, val, cmd in reqs:
        if kind == 0:
            out += frame(m) + struct.pack("<H", idx) + b(0x80 | cmd) + val
        else:
            out += struct.pack("<QQ", (m << 12) | (idx << 3) | cmd, val)
    return out + b(0)


def upd(m, idx, val):
    return (m, idx, val, 0)


def mmuext(ops):
    out = b(1, len(ops), DOM_SELF_SEL, GOOD_PTR, GOOD_PTR)
    for cmd, arg in ops:
        out += b(cmd)
        if cmd in (7, 9, 11, 13):
            out += arg
        else:
            out += frame(arg)
        out += b(GOOD_PTR) if cmd in (8, 9) else struct.pack("<H", 0)
    return out


def mmuext_b(ops):
    """mmuext() on domain B's tables (foreigndom B: selector 1), for a
    privileged A (a toolstack)."""
    out = mmuext(ops)
    return out[:2] + b(1) + out[3:]


def uvm(v, val, flags=2):
    return b(2) + v + val + b(flags)


def ptwr(v, insn, rcx, rax=entry(0, 0)):
    insn = insn + b"\x90" * (15 - len(insn))
    return (b(4) + v + b(0) + insn + rax + rcx + struct.pack("<QQ", 0, 0) + entry(0, 0) +
            entry(0, 0))


def reservation(op, frames):
    """op 0: decrease, 1: increase; up to 4 frames."""
    return b(9, op, len(frames)) + b(*(frames + [0] * (4 - len(frames))))


def ev(sub, port=0, args=b""):
    """fuzz_pvmm.c step 13 (event channels): port (2 bytes), sub-op, args."""
    return b(13) + struct.pack("<H", port) + b(sub) + args


def ev_init(m, off8, vcpu):
    return ev(0, 0, frame(m) + struct.pack("<H", off8) + b(vcpu))


def ev_scribble(which, word, val):
    return ev(9, 0, b(which) + struct.pack("<HI", word, val))


PIN = {1: 0, 2: 1, 3: 2, 4: 3}
# An unvalidated tree in plain frames: L4 24 -> L3 25 -> L2 26 -> L1 27 -> 28.
TREE = mmu([(24, 0, entry(25, P | RW), 0), (25, 0, entry(26, P | RW), 0),
            (26, 0, entry(27, P | RW), 0), (27, 0, entry(28, P | RW), 0)])
UNPIN, BASEPTR, FLUSH, INVLPG, USERBASE = 4, 5, 6, 7, 15

seeds = {
    "remap-rw": b(0) + mmu([upd(4, 0, entry(22, P | RW | A | D))]),
    "remap-ro-batch": b(0) + mmu([upd(4, i, entry(22 + i, P | A)) for i in range(4)]),
    "plain-write-then-pin-l1": b(0) + mmu([upd(23, 0, entry(24, P | RW)),
                                           upd(23, 1, entry(25, P))])
    + mmuext([(PIN[1], 23)]) + mmu([upd(3, 2, entry(23, P | RW))])
    + mmuext([(UNPIN, 23)]) + mmu([upd(3, 2, entry(0, 0))]),
    "new-space-and-switch": b(0)
    + mmu([upd(24, 0, entry(25, P | RW)), upd(25, 0, entry(26, P | RW)),
           upd(26, 0, entry(27, P | RW)), upd(27, 0, entry(28, P | RW))])
    + mmuext([(PIN[4], 24), (BASEPTR, 24), (USERBASE, 24), (UNPIN, 1), (FLUSH, 0)])
    + mmuext([(BASEPTR, 6), (UNPIN, 24)]),
    "uvm-remap": b(0) + uvm(va(l1=1), entry(23, P | RW)) + uvm(va(l1=1), entry(0, 0), 1),
    "ptwr-mov": b(0) + ptwr(va(l1=8, off=8), b(0x48, 0x89, 0x0a), entry(22, P | RW)),
    "ptwr-or-rw": b(0) + ptwr(va(l1=8, off=0), b(0xf0, 0x48, 0x09, 0x0a), entry(0, RW)),
    "ptwr-cmpxchg": b(0) + ptwr(va(l1=8, off=0), b(0xf0, 0x48, 0x0f, 0xb1, 0x0a),
                                entry(23, P), rax=entry(18, P)),
    "attack-l1-rw-self": b(0) + mmu([upd(4, 12, entry(4, P | RW))]),
    "attack-l4-rw": b(0) + mmu([upd(4, 12, entry(1, P | RW))]),
    "attack-foreign": b(0) + mmu([upd(4, 12, entry(33, P))]) + uvm(va(l1=2), entry(33, P)),
    "attack-hv-frame": b(0) + mmu([upd(4, 12, entry(41, P | RW))]),
    "attack-io-frame": b(0) + mmu([upd(4, 12, entry(44, P | RW))]),
    "attack-hv-slot": b(0) + mmu([upd(1, 256, entry(2, P | RW))]),
    "attack-l2-pse": b(0) + mmu([upd(3, 5, entry(22, P | RW | 0x80))]),
    "attack-linear-rw": b(0) + mmu([upd(1, 2, entry(1, P | RW))]),
    "attack-pin-mapped-rw": b(0) + mmuext([(PIN[1], 10)]),
    "attack-unpin-not-pinned": b(0) + mmuext([(UNPIN, 2)]),
    "privileged-foreign": b(1) + b(0, 1, 1, GOOD_PTR, GOOD_PTR) + frame(4)
    + struct.pack("<H", 12) + b(0x80) + entry(33, P) + b(0),
    "machphys": b(0) + mmu([(22, 0, 0x1234, 1)], kind=7),
    "user-mode-uvm": b(0, 5) + uvm(va(l1=1), entry(23, P)) + b(5, 6) + mmuext([(BASEPTR, 1)]),
    # Frames the hypervisor shares with A (shared_info 45, grant frame 63)
    # or uses (console ring 22): never tables, never given back in use.
    "attack-pin-shared-info": b(0) + mmuext([(PIN[1], 45)]) + mmuext([(PIN[4], 45)]),
    "attack-pin-grant-frame": b(0) + mmuext([(PIN[1], 63)]),
    "attack-pin-ring": b(0) + mmuext([(PIN[1], 22)]),
    "attack-l2-to-shared-info": b(0) + mmu([upd(3, 5, entry(45, P | RW))]),
    "attack-decrease-ring": b(0) + reservation(0, [22]),
    "reservation-cycle": b(0) + reservation(0, [23]) + reservation(1, [0]) + b(8, 70, 0),
    "hv-drain-and-events": b(0) + mmu([(22, 385, 5 << 32, 0)], kind=7) + b(8, 70, 0)
    + b(8, 0x80, 0) + mmu([upd(4, 12, entry(45, P | RW))]),
    "grant-grow-then-pin": b(0, 10, 3) + mmuext([(PIN[1], 62)]) + mmuext([(PIN[2], 61)]),
    # Grant tables v2 (step 10: 0xc1 set_version(2), 0xc0 set_version(1),
    # 0xe0+n get_status_frames(n)): the status frame (62, the next frame
    # after the grant frame 63) mapped by A, then v1 asked for (refused
    # while mapped: XSA-255/379), unmapped, v1 again; the status frame
    # pinned as a table; the table grown under v2.
    "v2-status-mapped-then-v1": b(0, 10, 0xc1, 10, 0xe1) + mmu([upd(4, 12, entry(62, P))])
    + b(10, 0xc0) + mmu([upd(4, 12, entry(0, 0))]) + b(10, 0xc0, 10, 0xe1),
    "v2-status-mapped-rw": b(0, 10, 0xc1) + uvm(va(l1=2), entry(62, P | RW)) + b(10, 0xc0),
    "attack-pin-status-frame": b(0, 10, 0xc1) + mmuext([(PIN[1], 62)]),
    "v2-grow-and-switch": b(0, 10, 0xc1, 10, 5, 10, 0xe2, 10, 0xc0, 10, 0xc1, 10, 0xe1),
    # Preemptible validation (step 11: preemption on, every entry stops;
    # step 12: re-issue the continuation): trees half validated, resumed,
    # adopted by NEW_BASEPTR, failing and undone, or abandoned at the end.
    "preempt-pin-resume-unpin": b(0) + TREE + b(11, 3) + mmuext([(PIN[4], 24)])
    + b(12) * 6 + b(11, 2) + b(12) + mmuext([(UNPIN, 24)]) + b(11, 3) + b(12) * 3
    + b(11, 0) + b(12),
    "preempt-pin-abandon": b(0) + TREE + b(11, 3) + mmuext([(PIN[4], 24)]) + b(12) * 3
    + mmuext([(PIN[2], 26)]) + mmu([upd(25, 0, entry(0, 0))]),
    "preempt-pin-fails": b(0) + TREE + mmu([upd(27, 1, entry(33, P))]) + b(11, 3)
    + mmuext([(PIN[4], 24)]) + b(12) * 8 + b(11, 2) + b(12) * 2,
    "preempt-baseptr-adopts": b(0) + TREE + b(11, 3) + mmuext([(PIN[4], 24)]) + b(12)
    + mmuext([(BASEPTR, 24)]) + b(11, 2) + b(12) + mmuext([(BASEPTR, 1)]),
    "preempt-upper-entry": b(0) + mmu([(26, 0, entry(27, P | RW), 0), (27, 0, entry(28, P | RW), 0)]) + b(11, 3) + mmu([upd(3, 3, entry(26, P | RW))])
    + b(12) * 4 + b(11, 2) + b(12) + mmu([upd(3, 3, entry(0, 0))]) + b(12),
    # The same for B's tree (L4 36 -> 37 -> 38 -> L1 39, 514 entries,
    # pvmm_world.h) pinned by a privileged A with foreigndom B, as a
    # toolstack does: preemptible as A's own pins; abandoned half-way (B
    # is torn down after A), or failing on its last entry (35 pinned as
    # an L1 first, so 39's writable mapping of it is refused) and undone
    # in A's vCPU's undo slot, then pinned again once 35 is unpinned.
    "preempt-foreign-pin-resume-unpin": b(1, 11, 3) + mmuext_b([(PIN[4], 36)]) + b(12) * 10
    + mmuext_b([(PIN[1], 39)]) + mmuext_b([(UNPIN, 36)]) + b(12) * 3 + b(11, 2) + b(12)
    + mmuext_b([(UNPIN, 39)]),
    "preempt-foreign-pin-abandon": b(1, 11, 3) + mmuext_b([(PIN[4], 36)]) + b(12)
    + mmuext_b([(PIN[1], 39)]) + mmuext_b([(PIN[2], 38)]) + mmu([upd(4, 12, entry(39, P))]),
    "preempt-foreign-pin-fails": b(1) + mmuext_b([(PIN[1], 35)]) + b(11, 3)
    + mmuext_b([(PIN[4], 36)]) + b(12) * 4 + mmuext_b([(PIN[1], 39)]) + b(12) * 2
    + b(11, 2) + b(12) + mmuext_b([(UNPIN, 35)]) + mmuext_b([(PIN[4], 36)]) + b(12) * 8,
    # FIFO event channels: control blocks (23, 24) and an event-array page
    # (25) are A's frames the hypervisor holds; the guest scribbles on them.
    "fifo-basic": b(0) + ev_init(23, 0, 0) + ev_init(24, 8, 1) + ev(1, 0, frame(25))
    + ev(2, 0, b(0)) + ev(2, 0, b(0)) + ev(2, 0, b(1)) + ev(3, 1) + ev(3, 2)
    + ev_scribble(2, 1, 0xffffffff) + ev(3, 2) + ev(6, 3, b(2)) + ev(3, 3)
    + ev(7, 1, b(1)) + ev(5, 1) + ev(4, 1) + ev(8),
    "fifo-attack": b(0) + ev_init(23, 0, 0) + mmuext([(PIN[1], 23)]) + reservation(0, [23])
    + ev_init(1, 0, 1) + ev_init(33, 0, 1) + ev_init(23, 507, 1) + ev(1, 0, frame(4))
    + ev(1, 0, frame(23)) + ev(8) + mmuext([(PIN[1], 23)]) + mmuext([(UNPIN, 23)]),
}

ptwr_seeds = {
    "mov-rcx": (b(0x48, 0x89, 0x0a), 0, entry(22, P | RW)),
    "or-imm8": (b(0xf0, 0x80, 0x0a, 0x02), 0, entry(0, 0)),
    "xchg": (b(0x48, 0x87, 0x0a), 0, entry(23, P)),
    "cmpxchg": (b(0xf0, 0x48, 0x0f, 0xb1, 0x0a), 0, entry(23, P)),
    "bts-imm": (b(0xf0, 0x48, 0x0f, 0xba, 0x2a, 0x01), 0, entry(0, 0)),
    "movl-high": (b(0xc7, 0x42, 0x04, 0, 0, 0, 0x80), 4, entry(0, 0)),
    "mov-ah": (b(0x88, 0x22), 0, entry(0, 0)),
    "sib-disp32": (b(0x48, 0x89, 0x8c, 0x02, 0x10, 0, 0, 0), 0, entry(22, P)),
}


def ptwr_seed(insn, off, rcx):
    # fuzz_ptwr.c: entry index, offset, error code, initial entry (frame,
    # flags), 15 instruction bytes, then rax, rcx, rdx, rbx, rsp, rbp, rsi,
    # rdi, r8..r15 (8 bytes each), rflags (2 bytes).
    insn = insn + b"\x90" * (15 - len(insn))
    regs = [0] * 16
    regs[1] = struct.unpack("<Q", b"\0" * 8)[0]
    m, fl = rcx[0], struct.unpack("<H", rcx[1:3])[0]
    regs[1] = (m << 12) | fl
    regs[0] = (18 << 12) | P | US
    return (b(1, off, 0) + b(18) + struct.pack("<H", P) + insn +
            b"".join(struct.pack("<Q", r) for r in regs) + struct.pack("<H", 0x202))


def write(d, name, blob):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(blob)


for name, blob in seeds.items():
    write("corpus/pvmm", name, blob)
for name, (insn, off, rcx) in ptwr_seeds.items():
    write("corpus/ptwr", name, ptwr_seed(insn, off, rcx))
