"""Notices: race-free numbering per year, the official-document .docx and the .pdf."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine

from duban.supervision import actions
from duban.supervision.models import Notice

from .conftest import at

D = dt.date


def issue(task, office, unit, **kw):
    params = dict(level=Notice.Level.NOTICE, units=[unit], facts="该任务进展滞后，节点逾期。",
                  requirement="请于限期内书面回复办理情况。", reply_by=D(2026, 12, 5))
    params.update(kw)
    return actions.issue_notice(task, actor=office, **params)


@pytest.mark.django_db
def test_it_numbers_notices_per_year(task1, office, units):
    with time_machine.travel(at(D(2026, 11, 28)), tick=False):
        assert [issue(task1, office, units["甲局"]).number for _ in range(2)] == ["督办〔2026〕1号", "督办〔2026〕2号"]
    with time_machine.travel(at(D(2027, 1, 4)), tick=False):
        assert issue(task1, office, units["甲局"], reply_by=D(2027, 1, 10)).number == "督办〔2027〕1号"


@pytest.mark.django_db
def test_it_refuses_a_notice_without_units_or_by_a_unit(task1, office, liaison_a, units):
    with pytest.raises(actions.ActionError, match="至少选择一个"):
        issue(task1, office, units["甲局"], units=[])
    with pytest.raises(actions.ActionError, match="只有督查室"):
        issue(task1, liaison_a, units["甲局"])
    assert not Notice.objects.exists()


@pytest.mark.django_db
def test_it_lays_the_docx_out_like_an_official_document(task1, office, units):
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt  # noqa: F401

    from duban.supervision.documents import notice_docx

    with time_machine.travel(at(D(2026, 11, 28)), tick=False):
        notice = issue(task1, office, units["甲局"], units=[units["甲局"], units["丙局"]])
    doc = Document(io.BytesIO(notice_docx(notice)))
    section = doc.sections[0]
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm, 1) for m in margins] == [37, 35, 28, 26]
    assert abs(section.page_width - Mm(210)) < Mm(1) and abs(section.page_height - Mm(297)) < Mm(1)
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "督办通知单"
    assert texts[1] == "督办〔2026〕1号"
    assert texts[2] == "甲局、丙局："
    body = "\n".join(texts)
    assert "该任务进展滞后，节点逾期。" in body
    assert "请于2026年12月5日前通过督办系统回复办理情况。" in body
    assert "2026年11月28日" in body
    title_run = doc.paragraphs[0].runs[0]
    assert title_run.font.name == "方正小标宋简体"
    assert title_run._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "方正小标宋简体"
    body_run = doc.paragraphs[2].runs[0]
    assert body_run._element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    assert body_run.font.size == Pt(16)


@pytest.mark.libreoffice
@pytest.mark.django_db
def test_it_makes_the_pdf_from_the_word_file_in_a_serif_font(task1, office, units):
    import pdfplumber

    from duban.supervision.documents import notice_pdf

    with time_machine.travel(at(D(2026, 11, 28)), tick=False):
        notice = issue(task1, office, units["甲局"])
    data = notice_pdf(notice)
    assert data.startswith(b"%PDF")
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        text = "".join(page.extract_text() or "" for page in pdf.pages).replace(" ", "")
        fonts = {c["fontname"].partition("+")[2] for page in pdf.pages for c in page.chars if c["text"] in "于前通过系统"}
        subject = pdf.metadata.get("Subject", "")
    assert "督办〔2026〕1号" in text
    assert "请于2026年12月5日前通过督办系统回复办理情况。" in text
    assert fonts and all("Serif" in f or "UMing" in f for f in fonts), fonts
    assert subject.startswith("正文字体：")


@pytest.mark.django_db
def test_it_numbers_by_the_offices_pattern_and_keeps_issued_numbers(task1, office, units):
    from duban.documents.actions import set_number_pattern

    with time_machine.travel(at(D(2026, 11, 28)), tick=False):
        first = issue(task1, office, units["甲局"])
        set_number_pattern("notice", "区督查〔{年}〕第{序号:3}号", actor=office)
        second = issue(task1, office, units["甲局"])
    first.refresh_from_db()
    assert (first.number, second.number) == ("督办〔2026〕1号", "区督查〔2026〕第002号")
