#!/usr/bin/env python3
"""Writes the seed corpus for fuzz_elf and fuzz_desc (run from tests/fuzz/)."""
import os
import struct

VB = 0xffffffff80000000


def note(ntype, desc, align=4):
    name = b"Xen\0"
    pad = lambda b: b + b"\0" * (-len(b) % align)
    return struct.pack("<III", len(name), len(desc), ntype) + pad(name) + pad(desc)


def elf(notes, segs, entry=0x1000000, note_align=4, in_section=False):
    nph = len(segs) + (0 if in_section else 1)
    pos = 64 + 56 * nph
    blob = b"".join(notes)
    notes_off = pos
    pos += len(blob)
    data = b""
    ph = b""
    for paddr, filesz, memsz in segs:
        off = pos + len(data)
        ph += struct.pack("<IIQQQQQQ", 1, 7, off, paddr + VB, paddr, filesz, memsz, 0x1000)
        data += bytes((i * 7) & 0xff for i in range(filesz))
    shoff = 0
    tail = b""
    if in_section:
        shoff = pos + len(data)
        tail = b"\0" * 64 + struct.pack("<IIQQQQIIQQ", 0, 7, 0, 0, notes_off, len(blob), 0, 0, note_align, 0)
    else:
        ph += struct.pack("<IIQQQQQQ", 4, 4, notes_off, 0, 0, len(blob), len(blob), note_align)
    eh = b"\x7fELF" + bytes([2, 1, 1]) + b"\0" * 9
    eh += struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, entry, 64, shoff, 0, 64, 56, nph, 64,
                      2 if in_section else 0, 0)
    return eh + ph + blob + data + tail


def linux_notes(align=4):
    n = lambda t, d: note(t, d, align)
    q = lambda v: struct.pack("<Q", v)
    return [n(6, b"linux\0"), n(7, b"2.6\0"), n(5, b"xen-3.0\0"), n(3, q(VB)),
            n(15, q(0x8000000000)), n(1, q(VB + 0x1000100)),
            n(10, b"!writable_page_tables|pae_pgdir_above_4gb"),
            n(17, struct.pack("<I", 0x8801)), n(9, b"yes\0"), n(8, b"generic\0"),
            n(14, struct.pack("<I", 1)), n(16, struct.pack("<I", 1)),
            n(12, q(0xffff800000000000)), n(4, q(0))]


def write(d, name, b):
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(b)


segs = [(0x1000000, 0x80, 0x80), (0x1001000, 0x20, 0x2000)]
write("corpus/elf", "linux-like", elf(linux_notes(), segs))
write("corpus/elf", "align8", elf(linux_notes(8), segs, note_align=8))
write("corpus/elf", "shnote", elf(linux_notes(), segs, in_section=True))
write("corpus/elf", "hypercall-page",
      elf(linux_notes() + [note(2, struct.pack("<Q", VB + 0x1001000))],
          [(0x1000000, 0x80, 0x1000), (0x1001000, 0x20, 0x2000)]))
write("corpus/elf", "minios-like",
      elf([note(6, b"Mini-OS\0"), note(8, b"generic\0"), note(5, b"xen-3.0\0"),
           note(1, struct.pack("<I", 0x2010))], [(0x2000, 0x40, 0x1000)], entry=0x2000))

descs = [0x00af9b000000ffff, 0x00cf93000000ffff, 0x00affb000000ffff, 0,
         0x0000890000000067, 0x0000820000000000, 0x12348c0000135678 | (3 << 45),
         0x0000ee0000100000, 0x00cf9b000000ffff]
for i, d in enumerate(descs):
    write("corpus/desc", "d%02d" % i, struct.pack("<Q", d) + bytes([i & 1]))

# fuzz_xz: 2 bytes of output room (0x0100 * 16) + an .xz stream from xz(1).
# fuzz_bzimage: a minimal boot-protocol 2.15 header + an .xz payload.
import random
import subprocess

random.seed(7)


def xz(data, opts):
    return subprocess.run(["xz", "-q", "-c"] + opts, input=data, stdout=subprocess.PIPE,
                          check=True).stdout


text = b"".join(random.choice([b"guest ", b"page ", b"xen ", b"keel ", b"\n"]) for _ in range(300))
code = open("/bin/true", "rb").read()[:3000]
rnd = bytes(random.getrandbits(8) for _ in range(700))
streams = {
    "text-crc32": xz(text, ["--check=crc32"]),
    "text-crc64": xz(text, ["--check=crc64"]),
    "text-none-blocks": xz(text, ["--check=none", "--block-size=500"]),
    "x86-crc32": xz(code, ["--check=crc32", "--x86", "--lzma2"]),
    "random-stored": xz(rnd, ["--check=crc32"]),
    "empty": xz(b"", ["--check=crc32"]),
}
for name, stream in streams.items():
    write("corpus/xz", name, b"\x01\x00" + stream)
for name in ["x86-crc32", "text-crc32"]:
    pl = streams[name]
    img = bytearray(2048 + 0x40)
    img[0x1f1] = 3
    struct.pack_into("<H", img, 0x1fe, 0xaa55)
    img[0x202:0x206] = b"HdrS"
    struct.pack_into("<H", img, 0x206, 0x20f)
    struct.pack_into("<II", img, 0x248, 0x40, len(pl) + 4)
    write("corpus/bzimage", name, bytes(img) + pl + struct.pack("<I", 3000))
