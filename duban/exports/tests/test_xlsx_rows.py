"""duban.lib.xlsx.RowWriter (the rows of large write-only sheets, the ledger's) writes
the file openpyxl's own ``ws.append`` writes, and the ledger it writes keeps its
styles: chapter rows, lights, the default cell format, row heights."""
from __future__ import annotations

import io
import zipfile

import pytest

from duban.exports.ledger import HEADER_ROW, HEADERS

COL = {h: i for i, h in enumerate(HEADERS)}


def _workbook(fast: bool) -> bytes:
    """One small sheet written through RowWriter (`fast`) or ``ws.append`` from the
    same values: text (with line breaks, with leading spaces, formula-like behind
    safe_row, an error code's text), numbers, styled cells,
    empty styled cells, gaps, rows with and without a height."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side

    from duban.lib.xlsx import RowWriter, Styled, safe_row, set_default_cell_style, style_id

    wb = Workbook(write_only=True)
    thin = Side(style="thin")
    set_default_cell_style(wb, font=Font(name="仿宋_GB2312", size=10), border=Border(left=thin, right=thin),
                           alignment=Alignment(wrap_text=True, vertical="top"))
    wb.add_named_style(NamedStyle("head", font=Font(name="黑体", bold=True), fill=PatternFill("solid", fgColor="D9E1F2")))
    wb.add_named_style(NamedStyle("red", font=Font(color="9C0006"), fill=PatternFill("solid", fgColor="FFC7CE")))
    ws = wb.create_sheet("表")
    ws.column_dimensions["A"].width = 7
    ws.merged_cells.add("A1:D1")
    ws.row_dimensions[1].height = 36

    def cell(value, style):
        c = WriteOnlyCell(ws, value)
        c.style = style
        return c

    rows = [
        ([cell("标题", "head")], None),
        ([cell("序号", "head"), cell("", "head"), cell(None, "head"), cell("状态", "head")], 30),
        (["1", "第一行\n第二行", None, 3, 2.5], 44.5),
        (safe_row(ws, ["=HYPERLINK(\"http://evil.example\")", "+1", "  前后有空格 ", "#N/A"]), 17.5),
        ([None, None, "红灯\n逾期", "red"], 71.5),
        (["", "末行"], None),
    ]
    if fast:
        writer = RowWriter(ws)
        for values, height in rows:
            if values and values[-1] == "red":
                values = [*values[:-2], Styled(values[-2], style_id(ws, "red"))]
            writer.append(values, height=height)
    else:
        for i, (values, height) in enumerate(rows, start=1):
            if values and values[-1] == "red":
                values = [*values[:-2], cell(values[-2], "red")]
            if height is not None:
                ws.row_dimensions[i].height = height
            ws.append(values)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist() if name != "docProps/core.xml"}  # core: the time


def test_row_writer_writes_what_openpyxl_writes():
    fast, slow = _parts(_workbook(True)), _parts(_workbook(False))
    assert fast.keys() == slow.keys()
    for name in slow:
        assert fast[name] == slow[name], name
    assert b"HYPERLINK" in fast["xl/worksheets/sheet1.xml"]


def test_row_writer_refuses_a_formula_and_other_types():
    import datetime as dt

    from openpyxl import Workbook

    from duban.lib.xlsx import RowWriter

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("表")
    writer = RowWriter(ws)
    for bad in (["=1+1"], [dt.date(2026, 1, 1)], [True]):
        with pytest.raises(ValueError):
            writer.append(bad)
    writer.append(["正常"])
    out = io.BytesIO()
    wb.save(out)
    sheet = _parts(out.getvalue())["xl/worksheets/sheet1.xml"]
    assert b'<row r="1"><c r="A1" t="inlineStr"><is><t>' in sheet and b"<f>" not in sheet


@pytest.mark.django_db
def test_the_ledger_keeps_its_styles(seed):
    from openpyxl import load_workbook

    from duban.exports.ledger import write_ledger
    from duban.plans.models import Task

    from .conftest import TODAY

    out = io.BytesIO()
    write_ledger(Task.objects.active().order_by("order"), out, as_of=TODAY)
    ws = load_workbook(io.BytesIO(out.getvalue())).active
    assert [c.value for c in ws[HEADER_ROW]] == HEADERS
    assert ws[HEADER_ROW][0].fill.fgColor.rgb == "00D9E1F2" and ws[HEADER_ROW][0].font.name == "黑体"
    assert ws.row_dimensions[1].height == 36 and ws.row_dimensions[HEADER_ROW].height == 30
    chapter = ws[HEADER_ROW + 1]
    assert chapter[0].value is None and chapter[1].value.startswith("一、")
    assert all(c.fill.fgColor.rgb == "00F2F2F2" and c.font.bold for c in chapter)
    assert ws.row_dimensions[HEADER_ROW + 1].height == 20
    lights = {}
    for cells in ws.iter_rows(min_row=HEADER_ROW + 2):
        if cells[0].value:
            status = cells[COL["状态"]]
            lights.setdefault(status.value.split("\n")[0], status)
            # Every task row says its height: a whole number of 13.5 pt lines and 4 pt.
            assert (ws.row_dimensions[cells[0].row].height - 4) % 13.5 == 0
            deadline = cells[COL["完成时限"]].value
            assert deadline and (deadline[:4].isdigit() and deadline[4] == "-" or not deadline[0].isdigit())
    red = lights["红灯"]
    assert red.fill.fgColor.rgb == "00FFC7CE" and red.font.color.rgb == "009C0006"
    assert red.alignment.wrap_text and red.alignment.vertical == "top" and red.border.left.style == "thin"
    plain = ws.cell(row=HEADER_ROW + 2, column=COL["工作任务"] + 1)
    assert not plain.has_style or plain.style_id == 0  # the default format: no style of its own
    assert plain.font.name == "仿宋_GB2312" and plain.alignment.wrap_text and plain.border.left.style == "thin"
