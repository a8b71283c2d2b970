#!/usr/bin/env python3
"""Builds the specimen case-review PDFs from their Markdown-ish sources.

Each `src/*.txt` becomes a flat ODF text document (`fodt/*.fodt`, LibreOffice's
native XML) and then a PDF (`pdf/*.pdf`) through LibreOffice Writer's own PDF
export, so the PDFs carry the structure a real office suite writes: a cover page
on its own master page, headings with outline levels, a table of contents,
running headers and "Page N of M" footers, footnotes, tables and lists.

The table of contents needs page numbers that only LibreOffice's layout knows,
and headless conversion does not refresh indexes. So the build runs twice: the
first PDF tells (through pdftotext) on which page each heading landed, and the
second build writes those numbers into the contents page.

Usage (from anywhere; stdlib only, needs `soffice`, `faketime` and `pdftotext` on PATH):
    python3 tests/specimens/src/generate.py build [NAME ...]
    python3 tests/specimens/src/generate.py check
    python3 tests/specimens/src/generate.py catalogue

`check` cross-checks expected.toml against the PDFs' text and corpus/regions.csv
(and against `casesearch extract` too when CASESEARCH_BIN names the binary);
`catalogue` writes catalogue.csv from catalogue.jsonl (the two must hold the same
records, and the JSON Lines file is the one edited by hand).

Source format, one block per line:
    key: value            front matter up to the first `---` line
                          (title, author, header, footer, h1_break, font, size)
    ::cover ... ::endcover   cover page; inside it `!title`, `!sub`, `!org`,
                          `!c` (centred), `!l` (left), `!gap` lines
    ::toc Contents        a table of contents (levels 1-2) followed by a page break
    ::pagebreak
    # / ## / ###         headings, outline levels 1-3
    - item                bullet list item
    | a | b |             table row; the first row of a table is its header
    > text                boxed paragraph (the "key learning" boxes reviews use)
    anything else         one paragraph
Inline: **bold**, *italic*, [^footnote text].
"""

import csv
import html
import json
import os
import re
import subprocess
import sys
import tempfile
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
SPECIMENS = os.path.dirname(HERE)
FODT = os.path.join(SPECIMENS, "fodt")
PDF = os.path.join(SPECIMENS, "pdf")


def find_repo(path):
    """The checkout's root: the nearest folder above `path` with a Cargo.toml."""
    while not os.path.exists(os.path.join(path, "Cargo.toml")):
        parent = os.path.dirname(path)
        if parent == path:
            raise SystemExit("no Cargo.toml above " + path)
        path = parent
    return path


REPO = find_repo(SPECIMENS)


def use_folder(folder):
    """Work on another specimen folder (its src/, fodt/, pdf/ and expected.toml), such
    as the held-out set: `generate.py --dir tests/specimens/holdout check`."""
    global HERE, SPECIMENS, FODT, PDF
    SPECIMENS = os.path.abspath(folder)
    HERE = os.path.join(SPECIMENS, "src")
    FODT = os.path.join(SPECIMENS, "fodt")
    PDF = os.path.join(SPECIMENS, "pdf")

NS = {
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "style": "urn:oasis:names:tc:opendocument:xmlns:style:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "fo": "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0",
    "dc": "http://purl.org/dc/elements/1.1/",
    "meta": "urn:oasis:names:tc:opendocument:xmlns:meta:1.0",
    "svg": "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0",
    "xlink": "http://www.w3.org/1999/xlink",
}

TEXT_WIDTH_CM = 16.0  # A4 (21 cm) less two 2.5 cm margins


def esc(s):
    return html.escape(s, quote=True)


class Source:
    """One specimen: its front matter and its blocks, parsed from the .txt file."""

    def __init__(self, path):
        self.name = os.path.splitext(os.path.basename(path))[0]
        self.meta = {}
        self.lines = []
        with open(path, encoding="utf-8") as f:
            in_front = True
            for raw in f:
                line = raw.rstrip("\n")
                if in_front:
                    if line.strip() == "---":
                        in_front = False
                    elif line.strip() and not line.startswith("%"):
                        key, _, value = line.partition(":")
                        self.meta[key.strip()] = value.strip()
                    continue
                if line.startswith("%"):  # a comment for whoever edits the source
                    continue
                self.lines.append(line)
        if in_front:
            raise SystemExit(f"{path}: no '---' line ends the front matter")

    def headings(self):
        """(level, text) of every heading up to level 2, in order: the TOC entries."""
        out = []
        for line in self.lines:
            m = re.match(r"^(#{1,2}) (.*)$", line)
            if m:
                out.append((len(m.group(1)), strip_inline(m.group(2))))
        return out


def strip_inline(s):
    s = re.sub(r"\[\^[^\]]*\]", "", s)
    return s.replace("**", "").replace("*", "")


def inline(s, counter):
    """Inline markup to ODF: bold and italic spans, footnotes."""
    out = []
    pos = 0
    for m in re.finditer(r"\*\*(.+?)\*\*|\*(.+?)\*|\[\^([^\]]+)\]", s):
        out.append(esc(s[pos : m.start()]))
        if m.group(1) is not None:
            out.append(f'<text:span text:style-name="Strong">{esc(m.group(1))}</text:span>')
        elif m.group(2) is not None:
            out.append(f'<text:span text:style-name="Emph">{esc(m.group(2))}</text:span>')
        else:
            counter[0] += 1
            n = counter[0]
            out.append(
                f'<text:note text:id="ftn{n}" text:note-class="footnote">'
                f"<text:note-citation>{n}</text:note-citation><text:note-body>"
                f'<text:p text:style-name="Footnote">{esc(m.group(3))}</text:p>'
                f"</text:note-body></text:note>"
            )
        pos = m.end()
    out.append(esc(s[pos:]))
    return "".join(out)


def table_xml(rows, index, counter):
    cells = [[c.strip() for c in r.strip().strip("|").split("|")] for r in rows]
    ncols = max(len(r) for r in cells)
    # Column widths follow the longest cell of each column, with a floor so a
    # date column is not squeezed to nothing.
    longest = [max(len(strip_inline(r[i])) if i < len(r) else 0 for r in cells) for i in range(ncols)]
    weights = [max(6, min(w, 60)) for w in longest]
    total = sum(weights)
    widths = [TEXT_WIDTH_CM * w / total for w in weights]
    name = f"Table{index}"
    styles = [
        f'<style:style style:name="{name}" style:family="table">'
        f'<style:table-properties style:width="{TEXT_WIDTH_CM}cm" table:align="margins" '
        f'fo:margin-top="0.1cm" fo:margin-bottom="0.3cm"/></style:style>'
    ]
    for i, w in enumerate(widths):
        styles.append(
            f'<style:style style:name="{name}.C{i}" style:family="table-column">'
            f'<style:table-column-properties style:column-width="{w:.3f}cm"/></style:style>'
        )
    body = [f'<table:table table:name="{name}" table:style-name="{name}">']
    for i in range(ncols):
        body.append(f'<table:table-column table:style-name="{name}.C{i}"/>')

    def row(r, head):
        cell_style = "CellHead" if head else "Cell"
        para = "Table_20_Heading" if head else "Table_20_Contents"
        x = ["<table:table-row>"]
        for i in range(ncols):
            text = r[i] if i < len(r) else ""
            x.append(
                f'<table:table-cell table:style-name="{cell_style}" office:value-type="string">'
                f'<text:p text:style-name="{para}">{inline(text, counter)}</text:p></table:table-cell>'
            )
        x.append("</table:table-row>")
        return "".join(x)

    body.append("<table:table-header-rows>" + row(cells[0], True) + "</table:table-header-rows>")
    for r in cells[1:]:
        body.append(row(r, False))
    body.append("</table:table>")
    return styles, "\n".join(body)


def toc_xml(title, entries, pages):
    tmpl = []
    for level in (1, 2):
        tmpl.append(
            f'<text:table-of-content-entry-template text:outline-level="{level}" '
            f'text:style-name="Contents_20_{level}">'
            "<text:index-entry-link-start/><text:index-entry-text/>"
            '<text:index-entry-tab-stop style:type="right" style:leader-char="."/>'
            "<text:index-entry-page-number/><text:index-entry-link-end/>"
            "</text:table-of-content-entry-template>"
        )
    body = []
    for (level, text), page in zip(entries, pages):
        body.append(
            f'<text:p text:style-name="Contents_20_{level}">{esc(text)}<text:tab/>{page}</text:p>'
        )
    return (
        '<text:table-of-content text:style-name="Sect1" text:protected="true" '
        'text:name="Table of Contents1">'
        '<text:table-of-content-source text:outline-level="2">'
        f'<text:index-title-template text:style-name="Contents_20_Heading">{esc(title)}'
        "</text:index-title-template>" + "".join(tmpl) + "</text:table-of-content-source>"
        "<text:index-body>"
        '<text:index-title text:style-name="Sect1" text:name="Table of Contents1_Head">'
        f'<text:p text:style-name="Contents_20_Heading">{esc(title)}</text:p></text:index-title>'
        + "".join(body)
        + "</text:index-body></text:table-of-content>"
        '<text:p text:style-name="PageBreak"/>'
    )


def body_xml(src, toc_pages):
    counter = [0]
    auto_styles = []
    out = []
    lines = src.lines
    h1_break = src.meta.get("h1_break", "yes") == "yes"
    i = 0
    table_index = 0
    seen_h1 = False
    after_page_break = False
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        if line.strip() == "::cover":
            cover = []
            i += 1
            while lines[i].strip() != "::endcover":
                if lines[i].strip():
                    cover.append(lines[i].strip())
                i += 1
            for n, c in enumerate(cover):
                kind, _, text = c.partition(" ")
                style = {
                    "!title": "Title",
                    "!sub": "Subtitle",
                    "!org": "CoverOrg",
                    "!c": "CoverLine",
                    "!l": "Text_20_body",
                    "!gap": "CoverGap",
                }[kind]
                if n == 0:
                    style = {"Title": "CoverFirstTitle", "CoverOrg": "CoverFirstOrg"}[style]
                if n == len(cover) - 1:
                    style = "CoverLast"
                out.append(f'<text:p text:style-name="{style}">{inline(text, counter)}</text:p>')
            after_page_break = True
            i += 1
            continue
        if line.startswith("::toc"):
            title = line[len("::toc") :].strip() or "Contents"
            entries = src.headings()
            pages = toc_pages or ["0"] * len(entries)
            out.append(toc_xml(title, entries, pages))
            after_page_break = True
            i += 1
            continue
        if line.strip() == "::pagebreak":
            out.append('<text:p text:style-name="PageBreak"/>')
            after_page_break = True
            i += 1
            continue
        m = re.match(r"^(#{1,3}) (.*)$", line)
        if m:
            level = len(m.group(1))
            style = f"Heading_20_{level}"
            if level == 1 and h1_break and seen_h1 and not after_page_break:
                style = "Heading_20_1_Break"
            if level == 1:
                seen_h1 = True
            out.append(
                f'<text:h text:style-name="{style}" text:outline-level="{level}">'
                f"{inline(m.group(2), counter)}</text:h>"
            )
            after_page_break = False
            i += 1
            continue
        if line.startswith("- "):
            items = []
            while i < len(lines) and lines[i].startswith("- "):
                items.append(
                    f'<text:list-item><text:p text:style-name="ListPara">'
                    f"{inline(lines[i][2:], counter)}</text:p></text:list-item>"
                )
                i += 1
            out.append('<text:list text:style-name="Bullets">' + "".join(items) + "</text:list>")
            after_page_break = False
            continue
        if line.startswith("|"):
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(lines[i])
                i += 1
            table_index += 1
            styles, xml = table_xml(rows, table_index, counter)
            auto_styles.extend(styles)
            out.append(xml)
            after_page_break = False
            continue
        if line.startswith("> "):
            out.append(f'<text:p text:style-name="Boxed">{inline(line[2:], counter)}</text:p>')
        else:
            out.append(f'<text:p text:style-name="Text_20_body">{inline(line, counter)}</text:p>')
        after_page_break = False
        i += 1
    return auto_styles, "\n".join(out)


STYLES = """
<office:font-face-decls>
 <style:font-face style:name="{font}" svg:font-family="'{font}'" style:font-family-generic="{generic}" style:font-pitch="variable"/>
</office:font-face-decls>
<office:styles>
 <style:default-style style:family="paragraph">
  <style:paragraph-properties fo:orphans="2" fo:widows="2" style:writing-mode="lr-tb"/>
  <style:text-properties style:font-name="{font}" fo:font-size="{size}" fo:language="en" fo:country="GB"/>
 </style:default-style>
 <style:default-style style:family="table-cell"><style:table-cell-properties fo:padding="0.1cm"/></style:default-style>
 <style:style style:name="Standard" style:family="paragraph" style:class="text"/>
 <style:style style:name="Text_20_body" style:display-name="Text body" style:family="paragraph" style:parent-style-name="Standard" style:class="text">
  <style:paragraph-properties fo:margin-top="0cm" fo:margin-bottom="0.25cm" fo:line-height="125%" fo:text-align="justify"/>
 </style:style>
 <style:style style:name="Heading" style:family="paragraph" style:parent-style-name="Standard" style:next-style-name="Text_20_body" style:class="text">
  <style:paragraph-properties fo:margin-top="0.42cm" fo:margin-bottom="0.21cm" fo:keep-with-next="always"/>
  <style:text-properties fo:font-weight="bold" fo:color="{colour}"/>
 </style:style>
 <style:style style:name="Heading_20_1" style:display-name="Heading 1" style:family="paragraph" style:parent-style-name="Heading" style:next-style-name="Text_20_body" style:default-outline-level="1" style:class="text">
  <style:text-properties fo:font-size="16pt"/>
 </style:style>
 <style:style style:name="Heading_20_2" style:display-name="Heading 2" style:family="paragraph" style:parent-style-name="Heading" style:next-style-name="Text_20_body" style:default-outline-level="2" style:class="text">
  <style:text-properties fo:font-size="13pt"/>
 </style:style>
 <style:style style:name="Heading_20_3" style:display-name="Heading 3" style:family="paragraph" style:parent-style-name="Heading" style:next-style-name="Text_20_body" style:default-outline-level="3" style:class="text">
  <style:text-properties fo:font-size="11.5pt" fo:font-style="italic"/>
 </style:style>
 <style:style style:name="Title" style:family="paragraph" style:parent-style-name="Standard" style:class="chapter">
  <style:paragraph-properties fo:text-align="center" fo:margin-top="0.6cm" fo:margin-bottom="0.4cm"/>
  <style:text-properties fo:font-size="26pt" fo:font-weight="bold" fo:color="{colour}"/>
 </style:style>
 <style:style style:name="Subtitle" style:family="paragraph" style:parent-style-name="Standard" style:class="chapter">
  <style:paragraph-properties fo:text-align="center" fo:margin-top="0.2cm" fo:margin-bottom="0.3cm"/>
  <style:text-properties fo:font-size="18pt"/>
 </style:style>
 <style:style style:name="CoverOrg" style:family="paragraph" style:parent-style-name="Standard">
  <style:paragraph-properties fo:text-align="center" fo:margin-top="0.3cm" fo:margin-bottom="0.6cm"/>
  <style:text-properties fo:font-size="15pt" fo:font-weight="bold"/>
 </style:style>
 <style:style style:name="CoverLine" style:family="paragraph" style:parent-style-name="Standard">
  <style:paragraph-properties fo:text-align="center" fo:margin-bottom="0.25cm"/>
  <style:text-properties fo:font-size="12pt"/>
 </style:style>
 <style:style style:name="CoverGap" style:family="paragraph" style:parent-style-name="Standard">
  <style:paragraph-properties fo:margin-top="2.5cm"/>
 </style:style>
 <style:style style:name="Header" style:family="paragraph" style:parent-style-name="Standard" style:class="extra">
  <style:paragraph-properties fo:text-align="end"/>
  <style:text-properties fo:font-size="9pt" fo:color="#555555"/>
 </style:style>
 <style:style style:name="Footer" style:family="paragraph" style:parent-style-name="Standard" style:class="extra">
  <style:paragraph-properties><style:tab-stops><style:tab-stop style:position="{width}cm" style:type="right"/></style:tab-stops></style:paragraph-properties>
  <style:text-properties fo:font-size="9pt"/>
 </style:style>
 <style:style style:name="Contents_20_Heading" style:display-name="Contents Heading" style:family="paragraph" style:parent-style-name="Heading" style:class="index">
  <style:text-properties fo:font-size="16pt"/>
 </style:style>
 <style:style style:name="Contents_20_1" style:display-name="Contents 1" style:family="paragraph" style:parent-style-name="Standard" style:class="index">
  <style:paragraph-properties fo:margin-bottom="0.15cm"><style:tab-stops><style:tab-stop style:position="{width}cm" style:type="right" style:leader-style="dotted" style:leader-text="."/></style:tab-stops></style:paragraph-properties>
 </style:style>
 <style:style style:name="Contents_20_2" style:display-name="Contents 2" style:family="paragraph" style:parent-style-name="Standard" style:class="index">
  <style:paragraph-properties fo:margin-left="0.6cm" fo:margin-bottom="0.1cm"><style:tab-stops><style:tab-stop style:position="{width2}cm" style:type="right" style:leader-style="dotted" style:leader-text="."/></style:tab-stops></style:paragraph-properties>
 </style:style>
 <style:style style:name="Table_20_Contents" style:display-name="Table Contents" style:family="paragraph" style:parent-style-name="Standard" style:class="extra">
  <style:text-properties fo:font-size="9.5pt"/>
 </style:style>
 <style:style style:name="Table_20_Heading" style:display-name="Table Heading" style:family="paragraph" style:parent-style-name="Table_20_Contents" style:class="extra">
  <style:text-properties fo:font-weight="bold"/>
 </style:style>
 <style:style style:name="Footnote" style:family="paragraph" style:parent-style-name="Standard" style:class="extra">
  <style:paragraph-properties fo:margin-left="0.5cm" fo:text-indent="-0.5cm"/>
  <style:text-properties fo:font-size="8.5pt"/>
 </style:style>
 <style:style style:name="ListPara" style:family="paragraph" style:parent-style-name="Text_20_body">
  <style:paragraph-properties fo:margin-bottom="0.12cm"/>
 </style:style>
 <style:style style:name="Boxed" style:family="paragraph" style:parent-style-name="Text_20_body">
  <style:paragraph-properties fo:background-color="#eef3f8" fo:border="0.6pt solid {colour}" fo:padding="0.2cm" fo:margin-top="0.2cm" fo:margin-bottom="0.35cm"/>
 </style:style>
 <style:style style:name="Strong" style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>
 <style:style style:name="Emph" style:family="text"><style:text-properties fo:font-style="italic"/></style:style>
 <text:outline-style style:name="Outline">
  <text:outline-level-style text:level="1" style:num-format=""/>
  <text:outline-level-style text:level="2" style:num-format=""/>
  <text:outline-level-style text:level="3" style:num-format=""/>
 </text:outline-style>
 <text:notes-configuration text:note-class="footnote" style:num-format="1" text:start-value="0" text:footnotes-position="page" text:start-numbering-at="document"/>
</office:styles>
<office:automatic-styles>
 <style:page-layout style:name="pm1">
  <style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin-top="1.5cm" fo:margin-bottom="1.5cm" fo:margin-left="2.5cm" fo:margin-right="2.5cm"/>
  <style:header-style><style:header-footer-properties fo:min-height="0cm" fo:margin-bottom="0.6cm"/></style:header-style>
  <style:footer-style><style:header-footer-properties fo:min-height="0cm" fo:margin-top="0.6cm"/></style:footer-style>
 </style:page-layout>
 <style:page-layout style:name="pm2">
  <style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm" fo:margin-top="2.5cm" fo:margin-bottom="2cm" fo:margin-left="2.5cm" fo:margin-right="2.5cm"/>
 </style:page-layout>
 <style:style style:name="CoverFirstTitle" style:family="paragraph" style:parent-style-name="Title" style:master-page-name="First_20_Page">
  <style:paragraph-properties fo:margin-top="3cm"/>
 </style:style>
 <style:style style:name="CoverFirstOrg" style:family="paragraph" style:parent-style-name="CoverOrg" style:master-page-name="First_20_Page"/>
 <style:style style:name="CoverLast" style:family="paragraph" style:parent-style-name="CoverLine">
  <style:paragraph-properties fo:break-after="page"/>
 </style:style>
 <style:style style:name="PageBreak" style:family="paragraph" style:parent-style-name="Standard">
  <style:paragraph-properties fo:break-after="page"/>
 </style:style>
 <style:style style:name="Heading_20_1_Break" style:family="paragraph" style:parent-style-name="Heading_20_1">
  <style:paragraph-properties fo:break-before="page"/>
 </style:style>
 <style:style style:name="Cell" style:family="table-cell">
  <style:table-cell-properties fo:padding="0.1cm" fo:border="0.5pt solid #000000"/>
 </style:style>
 <style:style style:name="CellHead" style:family="table-cell">
  <style:table-cell-properties fo:padding="0.1cm" fo:border="0.5pt solid #000000" fo:background-color="#dde6ee"/>
 </style:style>
 <style:style style:name="Sect1" style:family="section"/>
 <text:list-style style:name="Bullets">
  <text:list-level-style-bullet text:level="1" text:bullet-char="•">
   <style:list-level-properties text:list-level-position-and-space-mode="label-alignment">
    <style:list-level-label-alignment text:label-followed-by="listtab" text:list-tab-stop-position="1.0cm" fo:text-indent="-0.5cm" fo:margin-left="1.0cm"/>
   </style:list-level-properties>
  </text:list-level-style-bullet>
 </text:list-style>
 {auto}
</office:automatic-styles>
<office:master-styles>
 <style:master-page style:name="Standard" style:page-layout-name="pm1">
  <style:header><text:p text:style-name="Header">{header}</text:p></style:header>
  <style:footer><text:p text:style-name="Footer">{footer}<text:tab/>Page <text:page-number text:select-page="current">1</text:page-number> of <text:page-count>1</text:page-count></text:p></style:footer>
 </style:master-page>
 <style:master-page style:name="First_20_Page" style:display-name="First Page" style:page-layout-name="pm2" style:next-style-name="Standard"/>
</office:master-styles>
"""


def fodt(src, toc_pages):
    auto, body = body_xml(src, toc_pages)
    m = src.meta
    colour = m.get("colour", "#1f4e79")
    head = "".join(f' xmlns:{k}="{v}"' for k, v in NS.items())
    styles = STYLES.format(
        font=m.get("font", "Liberation Sans"),
        generic="roman" if "Serif" in m.get("font", "") else "swiss",
        size=m.get("size", "11pt"),
        colour=colour,
        width=f"{TEXT_WIDTH_CM:.2f}",
        width2=f"{TEXT_WIDTH_CM - 0.6:.2f}",
        header=inline(m.get("header", ""), [0]),
        footer=inline(m.get("footer", ""), [0]),
        auto="\n ".join(auto),
    )
    created = m.get("created", "2023-01-01T09:00:00")
    meta = (
        "<office:meta>"
        f"<dc:title>{esc(m.get('title', ''))}</dc:title>"
        f"<meta:initial-creator>{esc(m.get('author', ''))}</meta:initial-creator>"
        f"<dc:creator>{esc(m.get('author', ''))}</dc:creator>"
        f"<meta:creation-date>{esc(created)}</meta:creation-date>"
        f"<dc:date>{esc(created)}</dc:date>"
        f"<dc:language>{esc(m.get('language', 'en-GB'))}</dc:language>"
        "</office:meta>"
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<office:document{head} office:version="1.3" '
        'office:mimetype="application/vnd.oasis.opendocument.text">\n'
        f"{meta}\n{styles}\n<office:body><office:text>\n{body}\n</office:text></office:body>\n"
        "</office:document>\n"
    )


def convert(fodt_path, outdir, created):
    # LibreOffice stamps the PDF's CreationDate with the clock, not the document's
    # meta:creation-date; faketime makes it the date the specimen claims, as a real
    # export made at the time would have, and keeps rebuilds byte-comparable in text.
    # A private profile directory: a shared one would race with any other soffice.
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                "faketime",
                "-f",
                created.replace("T", " "),
                "soffice",
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf:writer_pdf_Export",
                "--outdir",
                outdir,
                fodt_path,
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "TZ": "UTC"},
        )


def pdf_pages(pdf_path):
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", pdf_path, "-"], check=True, capture_output=True
    ).stdout.decode("utf-8")
    return text.split("\f")


def squash(s):
    return re.sub(r"\s+", " ", s).strip()


def heading_pages(src, pdf_path):
    """The printed page number of each TOC heading, found in the pass-one PDF."""
    pages = [squash(p) for p in pdf_pages(pdf_path)]
    # Skip the cover and contents pages: the headings' own text appears there too.
    start = 0
    for n, p in enumerate(pages):
        if p.startswith("Contents") or " Contents " in p[:200] or p.startswith("Cynnwys"):
            start = n + 1
            break
    found = []
    page = start
    for _, text in src.headings():
        key = squash(text)[:40]
        while page < len(pages) and key not in pages[page]:
            page += 1
        if page >= len(pages):
            raise SystemExit(f"{src.name}: heading {text!r} not found in pass-one PDF")
        found.append(str(page + 1))
    return found


def build(names):
    os.makedirs(FODT, exist_ok=True)
    os.makedirs(PDF, exist_ok=True)
    sources = sorted(f for f in os.listdir(HERE) if f.endswith(".txt"))
    if names:
        sources = [f for f in sources if os.path.splitext(f)[0] in names]
    for f in sources:
        src = Source(os.path.join(HERE, f))
        path = os.path.join(FODT, src.name + ".fodt")
        toc_pages = None
        if any(l.startswith("::toc") for l in src.lines):
            with open(path, "w", encoding="utf-8") as out:
                out.write(fodt(src, None))
            with tempfile.TemporaryDirectory() as tmp:
                convert(path, tmp, src.meta["created"])
                toc_pages = heading_pages(src, os.path.join(tmp, src.name + ".pdf"))
        with open(path, "w", encoding="utf-8") as out:
            out.write(fodt(src, toc_pages))
        convert(path, PDF, src.meta["created"])
        print(f"{src.name}.pdf: {len(pdf_pages(os.path.join(PDF, src.name + '.pdf'))) - 1} pages")


def regions():
    with open(os.path.join(REPO, "corpus", "regions.csv"), encoding="utf-8") as f:
        return {r["publisher"]: r for r in csv.DictReader(f)}


REVIEW_TYPES = {
    "serious-case-review", "local-child-safeguarding-practice-review", "national-review",
    "rapid-review", "child-practice-review", "single-unified-safeguarding-review",
    "significant-case-review", "learning-review", "initial-case-review",
    "case-management-review", "thematic-review", "learning-brief", "other",
}
KINDS = {"full-report", "executive-summary", "learning-brief", "thematic"}
AGE_BANDS = {"under-1", "1-4", "5-10", "11-15", "16-17"}
STATUSES = {"published", "link_removed", "withdrawn", "delayed", "not_published"}
REVIEW_KEYS = {
    "file", "review_type", "document_kind", "publisher", "publisher_as_written", "nation",
    "region", "published", "incident_year", "child", "age_band", "age_as_written", "notes",
}
CATALOGUE_KEYS = {"heading", "year", "publisher", "nation", "child", "availability", "review_type"}


def check():
    """Every expected value is consistent with the PDFs' text and the publisher table.

    With CASESEARCH_BIN set to a built `casesearch`, its `extract` output must carry the
    same strings as pdftotext's.
    """
    extractor = os.environ.get("CASESEARCH_BIN")
    with open(os.path.join(SPECIMENS, "expected.toml"), "rb") as f:
        expected = tomllib.load(f)
    table = regions()
    problems = []
    files = set()
    for r in expected["review"]:
        name = r["file"]
        files.add(name)
        bad = set(r) - REVIEW_KEYS
        if bad:
            problems.append(f"{name}: unknown keys {sorted(bad)}")
        path = os.path.join(PDF, name)
        if not os.path.exists(path):
            problems.append(f"{name}: no such PDF")
            continue
        texts = {"pdftotext": squash(" ".join(pdf_pages(path)))}
        if extractor:
            texts["casesearch extract"] = squash(
                subprocess.run([extractor, "extract", path], check=True, capture_output=True)
                .stdout.decode("utf-8")
            )
        for tool, text in texts.items():
            for key in ("publisher_as_written", "child", "age_as_written"):
                if key in r and r[key] not in text:
                    problems.append(f"{name}: {key} {r[key]!r} is not in the {tool} text")
        text = texts["pdftotext"]
        if "incident_year" in r and str(r["incident_year"]) not in text:
            problems.append(f"{name}: incident_year {r['incident_year']} is not in the PDF text")
        if r["review_type"] not in REVIEW_TYPES:
            problems.append(f"{name}: review_type {r['review_type']!r}")
        if r["document_kind"] not in KINDS:
            problems.append(f"{name}: document_kind {r['document_kind']!r}")
        if "age_band" in r and r["age_band"] not in AGE_BANDS:
            problems.append(f"{name}: age_band {r['age_band']!r}")
        if ("age_band" in r) != ("age_as_written" in r):
            problems.append(f"{name}: age_band and age_as_written go together")
        if not re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", r.get("published", "")):
            problems.append(f"{name}: published {r.get('published')!r}")
        row = table.get(r["publisher"])
        if row is None:
            problems.append(f"{name}: publisher {r['publisher']!r} is not in regions.csv")
        else:
            if row["nation"] != r["nation"]:
                problems.append(f"{name}: nation {r['nation']} but regions.csv says {row['nation']}")
            if row["region"] != r.get("region", ""):
                problems.append(f"{name}: region {r.get('region')!r} but regions.csv says {row['region']!r}")
            aliases = {a.lower() for a in row["aliases"].split(";")} | {row["publisher"].lower()}
            written = r.get("publisher_as_written", "").lower()
            if written and written not in aliases:
                problems.append(f"{name}: {written!r} is not an alias of {row['publisher']!r}")
    on_disk = {f for f in os.listdir(PDF) if f.endswith(".pdf")}
    for f in sorted(on_disk - files):
        problems.append(f"{f}: PDF without an expected.toml table")
    records = {}
    # A folder without a catalogue (the held-out set) checks its reviews only.
    if not os.path.exists(os.path.join(SPECIMENS, "catalogue.jsonl")):
        for p in problems:
            print(p)
        print(f"{len(expected['review'])} reviews, 0 catalogue records, {len(problems)} problems")
        return 1 if problems else 0
    with open(os.path.join(SPECIMENS, "catalogue.jsonl"), encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            rec = json.loads(line)
            records[rec["heading"]] = rec
            if rec["status"] not in STATUSES:
                problems.append(f"catalogue.jsonl:{n}: status {rec['status']!r}")
    with open(os.path.join(SPECIMENS, "catalogue.csv"), encoding="utf-8", newline="") as f:
        csv_records = {r["heading"]: r for r in csv.DictReader(f)}
    if csv_records != records:
        problems.append("catalogue.csv and catalogue.jsonl differ: run `generate.py catalogue`")
    for c in expected.get("catalogue", []):
        bad = set(c) - CATALOGUE_KEYS
        if bad:
            problems.append(f"{c['heading']}: unknown keys {sorted(bad)}")
        rec = records.get(c["heading"])
        if rec is None:
            problems.append(f"{c['heading']}: no such catalogue record")
            continue
        if rec["status"] != c["availability"]:
            problems.append(f"{c['heading']}: availability {c['availability']} but status {rec['status']}")
        if c["review_type"] not in REVIEW_TYPES:
            problems.append(f"{c['heading']}: review_type {c['review_type']!r}")
        row = table.get(c["publisher"])
        if row is None:
            problems.append(f"{c['heading']}: publisher {c['publisher']!r} is not in regions.csv")
        elif row["nation"] != c["nation"]:
            problems.append(f"{c['heading']}: nation {c['nation']} but regions.csv says {row['nation']}")
        if not c["heading"].startswith(str(c["year"]) + " – "):
            problems.append(f"{c['heading']}: year {c['year']} is not the heading's")
        if "child" in c and not c["heading"].endswith(" – " + c["child"]):
            problems.append(f"{c['heading']}: child {c['child']!r} is not the heading's last part")
    if len(expected.get("catalogue", [])) != len(records):
        problems.append("every catalogue record needs a [[catalogue]] table")
    for p in problems:
        print(p)
    print(f"{len(expected['review'])} reviews, {len(records)} catalogue records, {len(problems)} problems")
    return 1 if problems else 0


CATALOGUE_FIELDS = [
    "heading", "summary", "learning", "recommendations", "keywords", "link", "status",
    "published", "review_type",
]


def catalogue():
    with open(os.path.join(SPECIMENS, "catalogue.jsonl"), encoding="utf-8") as f:
        records = [json.loads(l) for l in f if l.strip()]
    with open(os.path.join(SPECIMENS, "catalogue.csv"), "w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=CATALOGUE_FIELDS, lineterminator="\n")
        w.writeheader()
        for r in records:
            if set(r) != set(CATALOGUE_FIELDS):
                raise SystemExit(f"{r.get('heading')}: fields {sorted(r)}")
            w.writerow(r)
    print(f"catalogue.csv: {len(records)} records")


def main():
    args = sys.argv[1:]
    if len(args) >= 2 and args[0] == "--dir":
        use_folder(args[1])
        args = args[2:]
    if not args or args[0] not in ("build", "check", "catalogue"):
        raise SystemExit(__doc__)
    if args[0] == "build":
        build(set(args[1:]))
    elif args[0] == "check":
        sys.exit(check())
    else:
        catalogue()


if __name__ == "__main__":
    main()
