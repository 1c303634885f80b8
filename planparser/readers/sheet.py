"""Spreadsheets: .xlsx through openpyxl (read-only), every sheet; .csv lives in text.py.

openpyxl's read-only mode does not report merged ranges, so they are read from the
sheet XML: a vertical merge repeats its value down (a category or leader cell spanning
several task rows), a horizontal one keeps the value in its first column only.
"""
from __future__ import annotations

import datetime as dt
import posixpath
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

from . import Document, ReadError, Row, Table, log, open_zip_checked

_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NS_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_CELL_REF = re.compile(r"^([A-Z]{1,3})(\d+)$")
MAX_ROWS = 100_000
MAX_COLS = 200


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + (ord(ch) - 64)
    return n


def _merged_ranges(zf: zipfile.ZipFile) -> dict[str, list[tuple[int, int, int, int]]]:
    """Sheet name → merged ranges (min_row, min_col, max_row, max_col), 1-based."""
    out: dict[str, list[tuple[int, int, int, int]]] = {}
    try:
        wb = ET.fromstring(zf.read("xl/workbook.xml"))
        rels = ET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ET.ParseError):
        return out
    targets = {r.get("Id"): r.get("Target", "") for r in rels.iter(f"{_NS_PKG_REL}Relationship")}
    for sheet in wb.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sheet.get(f"{_NS_REL}id"))
        if not target:
            continue
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        try:
            root = ET.fromstring(zf.read(part))
        except (KeyError, ET.ParseError):
            continue
        ranges = []
        for mc in root.iter(f"{_NS_MAIN}mergeCell"):
            ref = mc.get("ref", "")
            if ":" not in ref:
                continue
            a, b = ref.split(":", 1)
            ma, mb = _CELL_REF.match(a), _CELL_REF.match(b)
            if ma and mb:
                ranges.append((int(ma[2]), _col_index(ma[1]), int(mb[2]), _col_index(mb[1])))
        out[sheet.get("name", "")] = ranges
    return out


def cell_text(value: object) -> str:
    """A cell value as the text a person sees (dates written the Chinese way)."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return f"{value.year}年{value.month}月{value.day}日"
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, dt.date):
        return f"{value.year}年{value.month}月{value.day}日"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)


def read_xlsx(path: Path) -> Document:
    import openpyxl  # why: .xlsx is how offices keep task ledgers
    from openpyxl.utils.exceptions import InvalidFileException

    with open_zip_checked(path) as zf:
        merged = _merged_ranges(zf)
    fh = path.open("rb")  # a file object: openpyxl refuses names not ending in .xlsx
    try:
        wb = openpyxl.load_workbook(fh, read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, ET.ParseError, OSError, ValueError, TypeError) as exc:
        fh.close()
        log.warning("openpyxl could not open %s", path.name, exc_info=True)
        raise ReadError(path, f"Excel文件已损坏或格式不正确（{type(exc).__name__}）") from None
    doc = Document()
    try:
        for ws in wb.worksheets:
            grid: list[list[str]] = []
            for r_idx, values in enumerate(ws.iter_rows(values_only=True), start=1):
                if r_idx > MAX_ROWS:
                    raise ReadError(path, f"工作表“{ws.title}”超过{MAX_ROWS}行，已拒绝")
                grid.append([cell_text(v) for v in values[:MAX_COLS]])
            _apply_merges(grid, merged.get(ws.title, []))
            rows = [Row(cells=cells, number=i) for i, cells in enumerate(grid, start=1) if any(c.strip() for c in cells)]
            if rows:
                doc.blocks.append(Table(rows=rows, name=ws.title))
    except ReadError:
        raise
    except (zipfile.BadZipFile, KeyError, ET.ParseError, OSError, ValueError, TypeError, EOFError) as exc:
        log.warning("openpyxl could not read the sheets of %s", path.name, exc_info=True)
        raise ReadError(path, f"Excel文件已损坏或格式不正确（{type(exc).__name__}）") from None
    finally:
        wb.close()
        fh.close()
    if not doc.blocks:
        raise ReadError(path, "Excel文件中没有任何内容")
    return doc


def _apply_merges(grid: list[list[str]], ranges: list[tuple[int, int, int, int]]) -> None:
    for r1, c1, r2, c2 in ranges:
        if r1 > len(grid) or c1 > MAX_COLS:
            continue
        top = grid[r1 - 1]
        value = top[c1 - 1] if c1 - 1 < len(top) else ""
        for r in range(r1, min(r2, len(grid)) + 1):
            row = grid[r - 1]
            while len(row) < min(c2, MAX_COLS):
                row.append("")
            row[c1 - 1] = value
            for c in range(c1 + 1, min(c2, MAX_COLS) + 1):
                row[c - 1] = ""
