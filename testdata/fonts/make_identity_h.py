#!/usr/bin/env python3
"""Makes a one-page PDF whose text is drawn with an embedded TrueType font
through Identity-H (two-byte codes = glyph ids) and no /ToUnicode map: the
shape of office exports whose text only the embedded font's cmap can read.
Used once to make identity-h-no-tounicode.pdf (see SOURCES.md).

    make_identity_h.py FONT.ttf OUT.pdf "line one" "line two" ...
    make_identity_h.py --vertical FONT.ttf OUT.pdf "column one" "column two" ...

With --vertical the font is Identity-V and each argument is a column written
top to bottom, columns from right to left, as vertical Japanese is set.
"""
import struct
import sys
import zlib


def tables(font):
    count = struct.unpack(">H", font[4:6])[0]
    out = {}
    for i in range(count):
        tag, _, offset, length = struct.unpack(">4sIII", font[12 + 16 * i:28 + 16 * i])
        out[tag.decode()] = font[offset:offset + length]
    return out


def cmap_format4(cmap):
    """The (3,1) subtable as a dict: character -> glyph id."""
    count = struct.unpack(">H", cmap[2:4])[0]
    for i in range(count):
        platform, encoding, offset = struct.unpack(">HHI", cmap[4 + 8 * i:12 + 8 * i])
        if (platform, encoding) != (3, 1):
            continue
        sub = cmap[offset:]
        assert struct.unpack(">H", sub[0:2])[0] == 4
        segs = struct.unpack(">H", sub[6:8])[0] // 2
        ends = struct.unpack(">%dH" % segs, sub[14:14 + 2 * segs])
        at = 16 + 2 * segs
        starts = struct.unpack(">%dH" % segs, sub[at:at + 2 * segs])
        deltas = struct.unpack(">%dh" % segs, sub[at + 2 * segs:at + 4 * segs])
        ro_at = at + 4 * segs
        offsets = struct.unpack(">%dH" % segs, sub[ro_at:ro_at + 2 * segs])
        out = {}
        for s in range(segs):
            for c in range(starts[s], ends[s] + 1):
                if c == 0xFFFF:
                    continue
                if offsets[s] == 0:
                    gid = (c + deltas[s]) & 0xFFFF
                else:
                    where = ro_at + 2 * s + offsets[s] + 2 * (c - starts[s])
                    gid = struct.unpack(">H", sub[where:where + 2])[0]
                    if gid:
                        gid = (gid + deltas[s]) & 0xFFFF
                if gid:
                    out[chr(c)] = gid
        return out
    raise ValueError("no (3,1) cmap")


def main():
    args = sys.argv[1:]
    vertical = args[0] == "--vertical"
    if vertical:
        args = args[1:]
    font_path, out, lines = args[0], args[1], args[2:]
    font = open(font_path, "rb").read()
    gids = cmap_format4(tables(font)["cmap"])
    if vertical:
        content = b"BT /F1 14 Tf 500 720 Td\n"
        for line in lines:
            content += b"<" + "".join("%04X" % gids[c] for c in line).encode() + b"> Tj -24 0 Td\n"
    else:
        content = b"BT /F1 14 Tf 72 720 Td 18 TL\n"
        for line in lines:
            content += b"<" + "".join("%04X" % gids[c] for c in line).encode() + b"> Tj T*\n"
    content += b"ET"
    packed = zlib.compress(font)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count 1 /Kids [3 0 R] >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /LiberationSerif /Encoding /Identity-%s "
        b"/DescendantFonts [6 0 R] >>" % (b"V" if vertical else b"H"),
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /LiberationSerif "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> "
        b"/CIDToGIDMap /Identity /DW 500 /FontDescriptor 7 0 R >>",
        b"<< /Type /FontDescriptor /FontName /LiberationSerif /Flags 32 "
        b"/FontBBox [-200 -300 1200 900] /ItalicAngle 0 /Ascent 891 /Descent -216 "
        b"/CapHeight 662 /StemV 80 /FontFile2 8 0 R >>",
        b"<< /Length %d /Length1 %d /Filter /FlateDecode >>\nstream\n" % (len(packed), len(font))
        + packed + b"\nendstream",
    ]
    pdf = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        pdf += b"%010d 00000 n \n" % offset
    pdf += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    open(out, "wb").write(pdf)


if __name__ == "__main__":
    main()
