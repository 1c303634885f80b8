"""Documents laid out like official documents (GB/T 9704-2012) in Word (.docx,
python-docx): the page, the fonts, and a small block model.

Page: A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (a 156 × 225 mm
type area); body text 仿宋_GB2312 三号 (16 pt) on a 28 pt line (22 lines a page);
titles 方正小标宋简体; first-level headings 黑体, second-level 楷体_GB2312; page
numbers "— 1 —" at the foot.

Fonts: Word files name the official fonts and set the East Asian font attribute
(w:rFonts w:eastAsia) so Word uses them for Chinese; a machine without them
substitutes (duban.documents.pdf maps them to an installed serif CJK font for the PDF).

The block model (``Masthead``, ``Title``, ``DocNumber``, ``Heading``, ``Para``,
``Table``, ``Signature``) is what a document says; ``render_docx`` lays it out. The
built-in templates of every document Duban produces (duban.documents.builtin) are
blocks with placeholders, so the office's own templates start from this layout.
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Sequence

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
KAI_FONT = "楷体_GB2312"
ISSUER = "区政府督查室"
RED = "FF0000"  # the masthead and its rule (发文机关标志、版头分隔线)

# GB/T 9704: A4 and the margins of the type area, in millimetres.
PAGE_MM = (210, 297)
MARGINS_MM = {"top": 37, "bottom": 35, "left": 28, "right": 26}
TEXT_WIDTH_MM = PAGE_MM[0] - MARGINS_MM["left"] - MARGINS_MM["right"]  # 156
BODY_PT = 16  # 三号
LINE_PT = 28
TABLE_PT = 10.5  # 五号: tables inside the body



def cn_date(day) -> str:
    """2026年11月30日 (dates in documents)."""
    return f"{day.year}年{day.month}月{day.day}日"


# --- the blocks -------------------------------------------------------------------------

@dataclass
class Masthead:
    """The red head of a briefing (督查通报): the name in red, the issue number, the
    issuing office and the date on one line, a red rule under them."""

    name: str
    number: str
    issuer: str
    date: str


@dataclass
class Title:
    text: str


@dataclass
class DocNumber:
    """The 文号 line centred under a notice's title (督办〔2026〕3号)."""

    text: str


@dataclass
class Heading:
    text: str
    level: int = 1  # 1: 一、 in 黑体; 2: （一） in 楷体


@dataclass
class Para:
    text: str
    indent: bool = True


@dataclass
class Table:
    """A table inside the body: a header row (repeated on every page) and rows of text.
    `widths` are relative column widths (scaled to the type area)."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[float] = ()
    empty: str = "无。"  # said instead of the table when it has no rows


@dataclass
class Signature:
    """Right-aligned lines at the end (issuer, date)."""

    lines: Sequence[str] = field(default_factory=list)


Block = Masthead | Title | DocNumber | Heading | Para | Table | Signature


# --- Word -----------------------------------------------------------------------------

def set_font(run, name: str, size_pt: float, bold: bool = False, color: str | None = None) -> None:
    """The run's font for Latin and Chinese text alike (w:rFonts ascii/hAnsi/eastAsia/cs)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run.font.name = name
    run.font.size = Pt(size_pt)
    run.font.bold = bold
    if color:
        run.font.color.rgb = RGBColor.from_string(color)
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def set_style_font(style, name: str, size_pt: float) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    style.font.name = name
    style.font.size = Pt(size_pt)
    rpr = style.element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), name)


def paragraph(doc_or_cell, text: str, font: str, size: float, *, align=None, bold=False, indent=True,
              space_after=0, color: str | None = None, line_pt: float | None = LINE_PT):
    """A paragraph of one run; `indent` gives the first line two characters' indent."""
    from docx.shared import Pt

    p = doc_or_cell.add_paragraph()
    fmt = p.paragraph_format
    if line_pt:
        fmt.line_spacing = Pt(line_pt)  # GB/T 9704: 22 lines a page at 三号
    fmt.space_after = Pt(space_after)
    fmt.space_before = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if align is not None:
        p.alignment = align
    set_font(p.add_run(text), font, size, bold, color)
    return p


def new_docx(*, title: str, author: str = ISSUER):
    """An empty Word document with the GB/T 9704 page, 仿宋 三号 body text and the
    page number (— 1 —) centred at the foot."""
    from docx import Document
    from docx.shared import Mm

    doc = Document()
    for section in doc.sections:
        section.page_width, section.page_height = Mm(PAGE_MM[0]), Mm(PAGE_MM[1])
        section.top_margin, section.bottom_margin = Mm(MARGINS_MM["top"]), Mm(MARGINS_MM["bottom"])
        section.left_margin, section.right_margin = Mm(MARGINS_MM["left"]), Mm(MARGINS_MM["right"])
        _page_number_footer(section)
    set_style_font(doc.styles["Normal"], BODY_FONT, BODY_PT)
    set_chinese(doc)
    doc.core_properties.title = title
    doc.core_properties.author = author
    return doc


def set_chinese(doc) -> None:
    """Chinese (zh-CN) as the East Asian language of the document's default text and
    theme: Word and LibreOffice then apply the Chinese line-breaking rules (no ，。：；”）
    at the start of a line, no “（ at the end) and pick the Chinese face of a CJK font."""
    from docx.oxml.ns import qn

    rpr = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = rpr.makeelement(qn("w:lang"), {})
        rpr.append(lang)
    lang.set(qn("w:eastAsia"), "zh-CN")
    theme = doc.settings.element.find(qn("w:themeFontLang"))
    if theme is not None:
        theme.set(qn("w:eastAsia"), "zh-CN")


def _page_number_footer(section) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p = section.footer.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    set_font(p.add_run("— "), "宋体", 14)
    field_ = OxmlElement("w:fldSimple")
    field_.set(qn("w:instr"), "PAGE")
    inner = p.add_run("1")
    set_font(inner, "宋体", 14)
    field_.append(inner._element)
    p._p.append(field_)
    set_font(p.add_run(" —"), "宋体", 14)


def _bottom_rule(p, color: str = RED, size_eighths: int = 12) -> None:
    """A rule under the paragraph (the masthead's red 版头分隔线)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    ppr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for k, v in (("w:val", "single"), ("w:sz", str(size_eighths)), ("w:space", "4"), ("w:color", color)):
        bottom.set(qn(k), v)
    borders.append(bottom)
    ppr.append(borders)


def _repeat_header(row) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _scaled(widths: Sequence[float], n: int, total_mm: float) -> list[float]:
    widths = list(widths) if widths and len(widths) == n else [1.0] * n
    s = sum(widths)
    return [w * total_mm / s for w in widths]


def docx_table(doc, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[float] = (),
               size: float = TABLE_PT) -> None:
    """A grid table in the body: header in 黑体, cells in 仿宋, header row repeated on
    each page, widths scaled to the type area."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt

    mm = _scaled(widths, len(header), TEXT_WIDTH_MM)
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.autofit = False

    def fill(cell, text: str, font: str, width: float, center: bool) -> None:
        cell.width = Mm(width)
        p = cell.paragraphs[0]
        p.paragraph_format.space_after = Pt(0)
        p.paragraph_format.line_spacing = 1.0
        if center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        lines = str(text).split("\n")
        set_font(p.add_run(lines[0]), font, size)
        for extra in lines[1:]:
            q = cell.add_paragraph()
            q.paragraph_format.space_after = Pt(0)
            q.paragraph_format.line_spacing = 1.0
            set_font(q.add_run(extra), font, size)

    for column, w in zip(table.columns, mm):
        column.width = Mm(w)  # the grid (w:gridCol): what LibreOffice lays the table out by
    head = table.rows[0]
    _repeat_header(head)
    for cell, text, w in zip(head.cells, header, mm):
        fill(cell, text, HEADING_FONT, w, True)
    for row in rows:
        cells = table.add_row().cells
        for cell, text, w in zip(cells, row, mm):
            fill(cell, "" if text is None else str(text), BODY_FONT, w, False)


def _leads_a_table(blocks: Sequence[Block], b: Block) -> bool:
    """Whether `b` introduces a table (kept on the same page as its first rows)."""
    i = next(k for k, x in enumerate(blocks) if x is b)
    return i + 1 < len(blocks) and isinstance(blocks[i + 1], Table) and bool(blocks[i + 1].rows)


def render_docx(blocks: Sequence[Block], *, title: str, author: str = ISSUER) -> bytes:
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
    from docx.shared import Mm

    doc = new_docx(title=title, author=author)
    center, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
    for b in blocks:
        if isinstance(b, Masthead):
            paragraph(doc, b.name, TITLE_FONT, 42, align=center, indent=False, color=RED, line_pt=None, space_after=6)
            paragraph(doc, b.number, BODY_FONT, BODY_PT, align=center, indent=False, space_after=4)
            p = paragraph(doc, f"{b.issuer}\t{b.date}", BODY_FONT, BODY_PT, indent=False, space_after=18)
            p.paragraph_format.tab_stops.add_tab_stop(Mm(TEXT_WIDTH_MM), WD_TAB_ALIGNMENT.RIGHT)
            _bottom_rule(p)
        elif isinstance(b, Title):
            paragraph(doc, b.text, TITLE_FONT, 22, align=center, indent=False, line_pt=34, space_after=12)
        elif isinstance(b, DocNumber):
            paragraph(doc, b.text, BODY_FONT, BODY_PT, align=center, indent=False, space_after=12)
        elif isinstance(b, Heading):
            p = paragraph(doc, b.text, HEADING_FONT if b.level == 1 else KAI_FONT, BODY_PT)
            p.paragraph_format.keep_with_next = True
        elif isinstance(b, Para):
            lines = [line.strip() for line in b.text.splitlines() if line.strip()]
            for k, line in enumerate(lines):
                p = paragraph(doc, line, BODY_FONT, BODY_PT, indent=b.indent)
                if k == len(lines) - 1 and _leads_a_table(blocks, b):
                    p.paragraph_format.keep_with_next = True
        elif isinstance(b, Table):
            if b.rows:
                docx_table(doc, b.header, b.rows, b.widths)
                paragraph(doc, "", BODY_FONT, 8, indent=False, line_pt=None)
            else:
                paragraph(doc, b.empty, BODY_FONT, BODY_PT)
        elif isinstance(b, Signature):
            paragraph(doc, "", BODY_FONT, BODY_PT, indent=False)
            for line in b.lines:
                paragraph(doc, line, BODY_FONT, BODY_PT, align=right, indent=False)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
