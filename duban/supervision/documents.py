"""A supervision notice as a Word document laid out like an official document
(GB/T 9704: A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; title in
小标宋; body in 仿宋_GB2312 三号 = 16 pt; number line 督办〔2026〕N号) and as a PDF.

Fonts: Word files name the official fonts (方正小标宋简体, 仿宋_GB2312, 黑体) and set
the East Asian font attribute (w:rFonts w:eastAsia) so Word uses them for Chinese; a
machine without them substitutes. The PDF embeds a CJK TrueType font found on the
machine (WenQuanYi Micro Hei or Noto CJK, from Debian's fonts-wqy-microhei /
fonts-noto-cjk) and falls back to reportlab's built-in STSong-Light CID font (not
embedded; readers supply it) when none is installed.
"""
from __future__ import annotations

import io
from pathlib import Path

from django.utils import timezone

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
ISSUER = "区政府督查室"

CJK_FONT_CANDIDATES = [
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", 0),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", 0),
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", 2),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", 2),
]


def _cn_date(day) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def notice_units(notice) -> list:
    """The notice's units in the task's written order (lead units first)."""
    order = {a.unit_id: (a.role != "lead", a.order) for a in notice.task.assignments.all()}
    return sorted(notice.units.all(), key=lambda u: (order.get(u.pk, (True, 999)), u.name))


def notice_sections(notice) -> dict:
    """The document's parts as text, shared by the Word and PDF versions."""
    task = notice.task
    units = [u.name for u in notice_units(notice)]
    leaders = [leader.name for leader in notice.leaders.all()]
    issued = timezone.localdate(notice.issued_at)
    task_line = f"第{task.number}项：{task.title}" if task.number else task.title
    deadline = _cn_date(task.deadline) if task.deadline else (task.deadline_text or "持续推进")
    body = [
        ("heading", "一、督办事项"),
        ("para", f"任务：{task_line}"),
        ("para", f"完成时限：{deadline}"),
        ("para", notice.facts),
        ("heading", "二、办理要求"),
        ("para", notice.requirement),
        ("heading", "三、回复期限"),
        ("para", f"请于{_cn_date(notice.reply_by)}前通过督办系统回复办理情况。"),
    ]
    if leaders:
        body.insert(-3, ("para", f"呈报领导：{'、'.join(leaders)}（约谈）"))
    return {
        "title": notice.title,
        "number": notice.number,
        "addressees": "、".join(units) + "：",
        "body": body,
        "issuer": ISSUER,
        "date": _cn_date(issued),
    }


# --- Word -----------------------------------------------------------------------------

def _set_font(run, name: str, size_pt: float, bold: bool = False) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    run.font.name = name
    run.font.size = Pt(size_pt)
    run.font.bold = bold
    rpr = run._element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.insert(0, fonts)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), name)


def _paragraph(doc, text: str, font: str, size: float, *, align=None, bold=False, indent=True, space_after=0):
    from docx.shared import Pt

    p = doc.add_paragraph()
    fmt = p.paragraph_format
    fmt.line_spacing = Pt(28)  # GB/T 9704: 22 lines a page at 三号
    fmt.space_after = Pt(space_after)
    fmt.space_before = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size * 2)
    if align is not None:
        p.alignment = align
    _set_font(p.add_run(text), font, size, bold)
    return p


def notice_docx(notice) -> bytes:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm

    parts = notice_sections(notice)
    doc = Document()
    for section in doc.sections:
        section.page_width, section.page_height = Mm(210), Mm(297)
        section.top_margin, section.bottom_margin = Mm(37), Mm(35)
        section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = doc.styles["Normal"]
    _set_font_style(normal, BODY_FONT, 16)
    doc.core_properties.title = f"{parts['title']} {parts['number']}"
    doc.core_properties.author = ISSUER

    _paragraph(doc, parts["title"], TITLE_FONT, 22, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, space_after=6)
    _paragraph(doc, parts["number"], BODY_FONT, 16, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False, space_after=12)
    _paragraph(doc, parts["addressees"], BODY_FONT, 16, indent=False)
    for kind, text in parts["body"]:
        if kind == "heading":
            _paragraph(doc, text, HEADING_FONT, 16)
        else:
            for line in text.splitlines() or [""]:
                if line.strip():
                    _paragraph(doc, line.strip(), BODY_FONT, 16)
    _paragraph(doc, "", BODY_FONT, 16, indent=False)
    _paragraph(doc, parts["issuer"], BODY_FONT, 16, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _paragraph(doc, parts["date"], BODY_FONT, 16, align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _set_font_style(style, name: str, size_pt: float) -> None:
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


# --- PDF ------------------------------------------------------------------------------

_registered: str | None = None


def pdf_font() -> tuple[str, bool]:
    """The registered CJK font name and whether it is embedded (a TTF) or the
    built-in STSong-Light CID font."""
    global _registered
    from reportlab.pdfbase import pdfmetrics

    if _registered:
        return _registered, _registered != "STSong-Light"
    for path, index in CJK_FONT_CANDIDATES:
        if Path(path).exists():
            from reportlab.pdfbase.ttfonts import TTFont

            try:
                pdfmetrics.registerFont(TTFont("DubanCJK", path, subfontIndex=index))
            except Exception:  # noqa: BLE001 - a broken font file: try the next
                continue
            _registered = "DubanCJK"
            return _registered, True
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    _registered = "STSong-Light"
    return _registered, False


def notice_pdf(notice) -> bytes:
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
    from xml.sax.saxutils import escape

    font, _ = pdf_font()
    parts = notice_sections(notice)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, topMargin=37 * mm, bottomMargin=35 * mm, leftMargin=28 * mm,
                            rightMargin=26 * mm, title=f"{parts['title']} {parts['number']}", author=ISSUER)
    body = ParagraphStyle("body", fontName=font, fontSize=16, leading=28, firstLineIndent=32, wordWrap="CJK")
    plain = ParagraphStyle("plain", parent=body, firstLineIndent=0)
    title = ParagraphStyle("title", parent=plain, fontSize=22, leading=34, alignment=TA_CENTER, spaceAfter=6)
    number = ParagraphStyle("number", parent=plain, alignment=TA_CENTER, spaceAfter=12)
    right = ParagraphStyle("right", parent=plain, alignment=TA_RIGHT)
    story = [Paragraph(escape(parts["title"]), title), Paragraph(escape(parts["number"]), number),
             Paragraph(escape(parts["addressees"]), plain)]
    for kind, text in parts["body"]:
        for line in text.splitlines():
            if line.strip():
                story.append(Paragraph(escape(line.strip()), body))
    story += [Spacer(1, 28), Paragraph(escape(parts["issuer"]), right), Paragraph(escape(parts["date"]), right)]
    doc.build(story)
    return out.getvalue()
