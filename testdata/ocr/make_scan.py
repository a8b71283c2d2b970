#!/usr/bin/env python3
"""Wraps JPEG page images in a minimal PDF, one image filling each page, with
no text layer: the shape of a scanned report. Used once to make
crazyones-scanned.pdf (see SOURCES.md); kept so the fixture can be remade.

    make_scan.py OUT.pdf DPI PAGE1.jpg [PAGE2.jpg ...]
"""
import struct
import sys


def jpeg_size(data):
    """Width, height and components from the JPEG's SOF marker."""
    at = 2
    while at < len(data):
        if data[at] != 0xFF:
            raise ValueError("not a JPEG marker")
        marker = data[at + 1]
        length = struct.unpack(">H", data[at + 2:at + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", data[at + 5:at + 9])
            return width, height, data[at + 9]
        at += 2 + length
    raise ValueError("no SOF marker")


def main():
    out, dpi, pages = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    objects = []  # bytes of objects 1..n

    def add(body):
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in last
    tree = add(b"")
    kids = []
    for path in pages:
        data = open(path, "rb").read()
        w, h, comps = jpeg_size(data)
        space = b"/DeviceGray" if comps == 1 else b"/DeviceRGB"
        image = add(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace %s "
                    b"/BitsPerComponent 8 /Filter /DCTDecode /Length %d >>\nstream\n"
                    % (w, h, space, len(data)) + data + b"\nendstream")
        pw, ph = w * 72 / dpi, h * 72 / dpi
        content = b"q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q" % (pw, ph)
        stream = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %.2f %.2f] "
                        b"/Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>"
                        % (tree, pw, ph, image, stream)))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % tree
    objects[tree - 1] = b"<< /Type /Pages /Count %d /Kids [%s] >>" % (
        len(kids), b" ".join(b"%d 0 R" % k for k in kids))
    pdf = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(pdf))
        pdf += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(pdf)
    pdf += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        pdf += b"%010d 00000 n \n" % offset
    pdf += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, catalog, xref)
    open(out, "wb").write(pdf)


if __name__ == "__main__":
    main()
