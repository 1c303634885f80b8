"""PDF line breaking by the Chinese rules, in LibreOffice and in the reportlab fallback;
and the check itself catches a line that breaks them."""
from __future__ import annotations

import io

import pytest

from duban.documents import pdf
from duban.documents.builtin import builtin_template
from duban.documents.engine import fill
from duban.documents.kinds import KINDS

from .linecheck import broken_lines

# Sentences with a comma, a colon, quotes and brackets after every count of characters
# from 1 to 30: at the 16 pt body size (26 characters a line), some would fall at the
# start or the end of a line without the rules.
TRAPS = "\n".join("测" * k + "，“督办”（重点）：落实；完成。" for k in range(1, 31))


def document() -> bytes:
    context = KINDS["notice_notice"].sample() | {"督办事项": TRAPS}
    return fill(builtin_template("notice_notice"), context)


def test_it_breaks_lines_by_the_rules():
    font, _ = pdf.pdf_fonts()
    for k in range(1, 40):
        lines = pdf.break_lines("测" * k + "，“督办”（重点）：落实；完成。" * 3, 200, font, 16)
        assert all(x[:1] not in "，。：；”）" and x[-1:] not in "“（" for x in lines), lines
        assert "".join(lines) == "测" * k + "，“督办”（重点）：落实；完成。" * 3


def test_the_reportlab_fallback_keeps_the_rules_in_a_serif_font(settings):
    import pdfplumber

    data = pdf.to_pdf(document())  # tests lay PDFs out with reportlab unless marked libreoffice
    assert broken_lines(data) == []
    with pdfplumber.open(io.BytesIO(data)) as doc:
        assert {c["fontname"].partition("+")[2] for c in doc.pages[0].chars if c["text"] == "测"} == {"UMingCN-0"}
        assert doc.metadata["Subject"] == "正文字体：AR PL UMing CN"


@pytest.mark.libreoffice
def test_libreoffice_keeps_the_rules_in_a_serif_font():
    import pdfplumber

    data = pdf.libreoffice_pdf(document())
    assert broken_lines(data) == []
    with pdfplumber.open(io.BytesIO(data)) as doc:
        fonts = {c["fontname"].partition("+")[2] for page in doc.pages for c in page.chars if c["text"] == "测"}
    assert fonts and all("Serif" in f for f in fonts), fonts


def test_the_check_finds_a_line_that_starts_with_a_comma():
    from reportlab.pdfgen import canvas

    font, _ = pdf.pdf_fonts()
    out = io.BytesIO()
    c = canvas.Canvas(out)
    c.setFont(font, 16)
    c.drawString(72, 700, "各单位要抓好落实")
    c.drawString(72, 672, "，确保按期完成。")
    c.drawString(72, 644, "请于月底前报送（")
    c.save()
    assert broken_lines(out.getvalue()) == ["，确保按期完成。", "请于月底前报送（"]
