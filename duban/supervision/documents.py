"""A supervision notice as a Word document laid out like an official document
(GB/T 9704: A4, margins top 37 mm, bottom 35 mm, left 28 mm, right 26 mm; title in
小标宋; body in 仿宋_GB2312 三号 = 16 pt; number line 督办〔2026〕N号) and as a PDF.

The page, the fonts and the embedded CJK font of the PDF (``pdf_font``) are shared
with the other official documents (briefings, meeting packs) in duban.lib.officedoc.
"""
from __future__ import annotations

import io

from django.utils import timezone

from duban.lib.officedoc import BODY_FONT, HEADING_FONT, ISSUER, TITLE_FONT, new_docx, pdf_font, pdf_page_kwargs
from duban.lib.officedoc import cn_date as _cn_date
from duban.lib.officedoc import paragraph as _paragraph

__all__ = ["notice_docx", "notice_pdf", "notice_sections", "notice_units", "pdf_font"]


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

def notice_docx(notice) -> bytes:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    parts = notice_sections(notice)
    doc = new_docx(title=f"{parts['title']} {parts['number']}", author=ISSUER)

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


# --- PDF ------------------------------------------------------------------------------

def notice_pdf(notice) -> bytes:
    from reportlab.lib.enums import TA_CENTER, TA_RIGHT
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
    from xml.sax.saxutils import escape

    font, _ = pdf_font()
    parts = notice_sections(notice)
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, title=f"{parts['title']} {parts['number']}", author=ISSUER, **pdf_page_kwargs())
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
