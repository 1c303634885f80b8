"""PDF: the text layer through pdfplumber, lines in reading order, ruled tables as tables.

A line that reaches the page's right text margin is marked `wrapped` (broken for
width, the paragraph goes on); the grammar joins such lines. Text inside a ruled table
is taken out of the line flow and returned as a Table at its place on the page. A PDF
without any text layer (a scan) cannot be read: there is no OCR here.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from . import Document, Line, ReadError, Row, Table, log

MAX_PAGES = 2000


def _open(path: Path) -> Any:
    import pdfplumber  # why: pdfminer's text layer with positions, and ruled-table finding

    try:
        from pdfminer.pdfdocument import PDFPasswordIncorrect
    except ImportError:  # pragma: no cover
        PDFPasswordIncorrect = ()  # type: ignore[assignment,misc]
    try:
        pdf = pdfplumber.open(path)
        _ = pdf.pages  # parses the page tree; raises on damaged files
        return pdf
    except Exception as exc:  # pdfminer raises many types for damaged or locked files
        chain: list[BaseException] = [exc]
        cur: BaseException | None = exc
        while cur is not None and len(chain) < 10:
            cur = cur.__cause__ or cur.__context__
            if cur is not None:
                chain.append(cur)
        names = " ".join(type(e).__name__ for e in chain) + " " + " ".join(str(e) for e in chain)
        if any(isinstance(e, PDFPasswordIncorrect) for e in chain if PDFPasswordIncorrect) or "Password" in names or "Encrypt" in names:
            raise ReadError(path, "文件已加密（需要密码才能打开），请取消密码保护后重新导出") from None
        log.warning("pdfplumber could not open %s", path.name, exc_info=True)
        raise ReadError(path, f"PDF文件已损坏或格式不正确（{type(exc).__name__}）") from None


def _inside(obj: dict[str, Any], bboxes: list[tuple[float, float, float, float]]) -> bool:
    cx = (obj["x0"] + obj["x1"]) / 2
    cy = (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in bboxes)


def _char_width(line: dict[str, Any]) -> float:
    text = "".join(line["text"].split())
    if not text:
        return 10.0
    return max(1.0, (line["x1"] - line["x0"]) / len(text))


def _cell_text(page: Any, bbox: tuple[float, float, float, float]) -> str:
    """A cell's text; its visual lines joined directly when a line fills the cell width
    (a wrap), with a line break when it stops short (the writer ended the line)."""
    try:
        lines = page.crop(bbox, strict=False).extract_text_lines(strip=True)
    except (ValueError, KeyError):
        return ""
    out = ""
    for i, ln in enumerate(lines):
        if i:
            prev = lines[i - 1]
            full = prev["x1"] >= bbox[2] - 2.2 * _char_width(prev)
            out += "" if full else "\n"
        out += ln["text"]
    return out


def _table_rows(page: Any, table: Any) -> list[list[str]]:
    rows: list[list[str]] = []
    last: dict[int, tuple[tuple[float, float, float, float], str]] = {}
    for row in table.rows:
        cells: list[str] = []
        row_top = row.bbox[1]
        for c, bbox in enumerate(row.cells):
            if bbox is None:
                prev = last.get(c)
                # Covered by a merge: vertical when the cell above reaches into this row.
                if prev is not None and prev[0][3] > row_top + 1:
                    cells.append(prev[1])
                else:
                    cells.append("")
                continue
            text = _cell_text(page, bbox)
            last[c] = (bbox, text)
            cells.append(text)
        rows.append(cells)
    return rows


def read_pdf(path: Path) -> Document:
    pdf = _open(path)
    doc = Document()
    number = 0
    table_no = 0
    text_pages = 0
    blank_pages: list[int] = []
    try:
        pages = pdf.pages
        if len(pages) > MAX_PAGES:
            raise ReadError(path, f"PDF超过{MAX_PAGES}页，已拒绝")
        for page_no, page in enumerate(pages, start=1):
            try:
                if not page.chars:
                    blank_pages.append(page_no)
                    continue
                text_pages += 1
                tables = page.find_tables() if (page.lines or page.rects or page.edges) else []
                bboxes = [t.bbox for t in tables]
                body = page.filter(lambda o: o.get("object_type") != "char" or not _inside(o, bboxes)) if bboxes else page
                lines = body.extract_text_lines(strip=True)
            except ReadError:
                raise
            except Exception as exc:  # a damaged content stream on one page
                raise ReadError(path, f"PDF第{page_no}页无法解析（{type(exc).__name__}）") from None
            items: list[tuple[float, int, Line | Table]] = []
            if lines:
                left = min(ln["x0"] for ln in lines)
                right = max(ln["x1"] for ln in lines)
                for ln in lines:
                    cw = _char_width(ln)
                    wrapped = ln["x1"] >= right - 1.6 * cw and (ln["x1"] - ln["x0"]) > 0.6 * (right - left)
                    items.append((ln["top"], 0, Line(ln["text"], 0, wrapped=wrapped, page=page_no)))
            for t in tables:
                table_no += 1
                cells = _table_rows(page, t)
                rows = [Row(cells=c, number=i) for i, c in enumerate(cells, start=1)]
                items.append((t.bbox[1], 1, Table(rows=rows, name=f"第{page_no}页表格")))
            items.sort(key=lambda it: (it[0], it[1]))
            for _, _, block in items:
                if isinstance(block, Line):
                    number += 1
                    block.number = number
                doc.blocks.append(block)
    finally:
        pdf.close()
    if text_pages == 0:
        raise ReadError(path, "PDF没有文字层（可能是扫描件或图片），无法识别文字，请提供带文字的PDF或Word文件")
    if blank_pages:
        shown = "、".join(str(p) for p in blank_pages[:10]) + ("等" if len(blank_pages) > 10 else "")
        doc.warnings.append(f"PDF第{shown}页没有文字层（可能是扫描页），已跳过")
    return doc
