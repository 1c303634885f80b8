"""Write one plan's text into the containers offices use, with the libraries their
files come from: a .txt, a .docx whose paragraphs follow the lines (python-docx), a
text-layer .pdf typeset line by line (reportlab), a one-column .xlsx (openpyxl), and
tables as Word tables, sheets and ruled PDF tables.

The line writers keep the text's line breaks as they are: a unit list or a title cut
over two lines stays cut in every container, as when an office pastes a text (or a
PDF's text) into Word. `CONTAINERS` names the line writers for parametrized tests.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path


def cid_font() -> str:
    """reportlab's built-in CJK font (no font file needed)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    return "STSong-Light"


def write_txt(path: Path, lines: Sequence[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_docx(path: Path, lines: Sequence[str]) -> Path:
    """One Word paragraph per line (blank lines become empty paragraphs)."""
    import docx

    d = docx.Document()
    for text in lines:
        d.add_paragraph(text)
    d.save(path)
    return path


def write_xlsx(path: Path, lines: Sequence[str]) -> Path:
    """One line per row in column A, as a text pasted into a sheet."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "方案"
    for text in lines:
        ws.append([text if text.strip() else None])
    wb.save(path)
    return path


def write_pdf(path: Path, lines: Sequence[str], per_line: int = 36, size: int = 12) -> Path:
    """A text-layer A4 PDF: each line typeset from the left margin; a line longer than
    the measure wraps at `per_line` characters (the last piece stops short), pages
    carry a page number at the foot."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = cid_font()
    width, height = A4
    c = canvas.Canvas(str(path), pagesize=A4)
    y_top, bottom, leading, left = height - 72, 80, size * 1.6, 60
    page = 1
    y = y_top

    def new_page() -> None:
        nonlocal page, y
        c.setFont(font, 9)
        c.drawCentredString(width / 2, 40, f"— {page} —")
        c.showPage()
        page += 1
        y = y_top

    for text in lines:
        pieces = [text[i : i + per_line] for i in range(0, len(text), per_line)] or [""]
        for piece in pieces:
            if y < bottom:
                new_page()
            if piece:
                c.setFont(font, size)
                c.drawString(left, y, piece)
            y -= leading
    c.setFont(font, 9)
    c.drawCentredString(width / 2, 40, f"— {page} —")
    c.showPage()
    c.save()
    return path


CONTAINERS: dict[str, Callable[[Path, Sequence[str]], Path]] = {
    "txt": write_txt,
    "docx": write_docx,
    "pdf": write_pdf,
    "xlsx": write_xlsx,
}


def write_as(container: str, path_stem: Path, lines: Sequence[str]) -> Path:
    """Write `lines` as `container` (txt, docx, pdf, xlsx) next to `path_stem`."""
    return CONTAINERS[container](path_stem.with_suffix("." + container), lines)


# --------------------------------------------------------------------------- tables


def write_docx_table(path: Path, rows: Sequence[Sequence[str]], before: Sequence[str] = (),
                     after: Sequence[str] = ()) -> Path:
    """Paragraphs, one Word table (a cell's line breaks become paragraphs), paragraphs.
    A row of one value is merged across the table (a section row)."""
    import docx

    d = docx.Document()
    for text in before:
        d.add_paragraph(text)
    width = max(len(r) for r in rows)
    table = d.add_table(rows=len(rows), cols=width)
    for r, values in enumerate(rows):
        if len(values) == 1:
            merged = table.cell(r, 0).merge(table.cell(r, width - 1))
            merged.text = values[0]
            continue
        for c, value in enumerate(values):
            parts = str(value).split("\n")
            cell = table.cell(r, c)
            cell.text = parts[0]
            for extra in parts[1:]:
                cell.add_paragraph(extra)
    for text in after:
        d.add_paragraph(text)
    d.save(path)
    return path


def write_xlsx_table(path: Path, rows: Sequence[Sequence[str]], before: Sequence[str] = ()) -> Path:
    """Title rows merged across, then the table; a one-value row is merged across."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "任务表"
    width = max(len(r) for r in rows)
    r = 0
    for text in before:
        r += 1
        ws.cell(row=r, column=1, value=text)
        ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
    for values in rows:
        r += 1
        for c, value in enumerate(values, start=1):
            ws.cell(row=r, column=c, value=value if value != "" else None)
        if len(values) == 1:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
    wb.save(path)
    return path


def write_pdf_table(path: Path, rows: Sequence[Sequence[str]], before: Sequence[str] = (),
                    after: Sequence[str] = ()) -> Path:
    """A ruled table in a landscape PDF (platypus), repeating its header on each page."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    font = cid_font()
    cell = ParagraphStyle("cell", fontName=font, fontSize=9, leading=12, wordWrap="CJK")
    text = ParagraphStyle("text", fontName=font, fontSize=12, leading=16, wordWrap="CJK")
    width = max(len(r) for r in rows)
    data, spans = [], []
    for i, values in enumerate(rows):
        if len(values) == 1:
            data.append([Paragraph(values[0], cell)] + [""] * (width - 1))
            spans.append(("SPAN", (0, i), (-1, i)))
        else:
            data.append([Paragraph(str(v).replace("\n", "<br/>"), cell) for v in values])
    usable = landscape(A4)[0] - 72
    first = 36
    rest = (usable - first) / (width - 1)
    widths = [first] + [rest * (2.2 if k == 0 else 0.8) for k in range(width - 1)]
    scale = (usable - first) / sum(widths[1:])
    widths = [first] + [w * scale for w in widths[1:]]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), *spans]))
    doc = SimpleDocTemplate(str(path), pagesize=landscape(A4), leftMargin=36, rightMargin=36)
    story = [Paragraph(t, text) for t in before] + [Spacer(1, 8), table, Spacer(1, 8)]
    story += [Paragraph(t, text) for t in after]
    doc.build(story)
    return path


def write_web_print_pdf(path: Path, pages: Sequence[Sequence[str]], stamp: str, address: str,
                        size: int = 11) -> Path:
    """A web page printed to PDF by a browser: on every page the print stamp (date,
    time and the page's title) at the top and the address with "n/m" at the foot,
    in a small font on one line; `pages` holds each page's body lines."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = cid_font()
    width, height = A4
    c = canvas.Canvas(str(path), pagesize=A4)
    for n, body in enumerate(pages, start=1):
        c.setFont(font, 7)
        c.drawString(30, height - 24, stamp)
        c.drawString(30, 20, f"{address}    {n}/{len(pages)}")
        y = height - 70
        c.setFont(font, size)
        for text in body:
            if text:
                c.drawString(50, y, text)
            y -= size * 1.7
        c.showPage()
    c.save()
    return path
