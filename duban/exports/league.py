"""The unit league table (考核排名) as an Excel workbook (openpyxl): the page's table,
the date and plan it was computed for, the formula with the office's weights, a frozen
header row and a print setup (landscape, one page wide, header repeated)."""
from __future__ import annotations

import datetime as dt
import io

from duban.lib.xlsx import neutralise_formulas

from .ledger import CELL_FONT, HEAD_FONT, TITLE_FONT

HEADERS = ["名次", "单位", "应报报告", "按时报送", "按时报送率", "被退回报告数", "承担任务", "已销号", "办结率",
           "逾期任务数", "得分"]
WIDTHS = [7, 28, 10, 10, 12, 13, 10, 9, 10, 12, 9]


def _rate(value: float | None):
    """A percentage as a fraction for a percent cell; no data reads "—"."""
    if value is None:
        return "—"
    return value / 100


def write_league(ranked, unranked, *, as_of: dt.date, plan=None, weights) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "单位考核排名"
    last = get_column_letter(len(HEADERS))
    thin = Side(style="thin", color="808080")
    grid = Border(left=thin, right=thin, top=thin, bottom=thin)

    ws.append(["单位考核排名"])
    ws.merge_cells(f"A1:{last}1")
    ws["A1"].font = Font(name=TITLE_FONT, size=16)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 30
    scope = f"《{plan.title}》" if plan is not None else "全部方案"
    ws.append([f"统计日期：{as_of:%Y-%m-%d}　范围：{scope}　参加排名：{len(ranked)} 个单位"])
    ws.merge_cells(f"A2:{last}2")
    formula = (f"得分 = {weights.on_time:g}×按时报送率 + {weights.completion:g}×办结率 − "
               f"{weights.returned:g}×被退回报告数 − {weights.overdue:g}×逾期任务数（比率按小数计；标 * 的比率无数据，按本单位另一比率计）")
    ws.append([formula])
    ws.merge_cells(f"A3:{last}3")
    for row in (2, 3):
        ws.cell(row, 1).font = Font(name=CELL_FONT, size=10)
        ws.cell(row, 1).alignment = Alignment(wrap_text=True, vertical="center")
    ws.row_dimensions[3].height = 30

    ws.append(HEADERS)
    header_row = ws.max_row
    for col in range(1, len(HEADERS) + 1):
        cell = ws.cell(header_row, col)
        cell.font = Font(name=HEAD_FONT, size=10, bold=True)
        cell.fill = PatternFill("solid", fgColor="D9E1F2")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = grid

    def add(s, rank):
        ws.append([rank, s.name, s.due_slots, s.on_time, _rate(s.on_time_rate), s.returned,
                   s.tasks, s.done, _rate(s.completion_rate), s.overdue,
                   float(s.score) if s.score is not None else "—"])
        r = ws.max_row
        for col in range(1, len(HEADERS) + 1):
            cell = ws.cell(r, col)
            cell.font = Font(name=CELL_FONT, size=10)
            cell.border = grid
            cell.alignment = Alignment(horizontal="left" if col == 2 else "center", vertical="center")
        for col, key in ((5, "on_time"), (9, "completion")):
            cell = ws.cell(r, col)
            if isinstance(cell.value, float):
                cell.number_format = '0.0%"*"' if key in s.filled else "0.0%"
        if isinstance(ws.cell(r, 11).value, float):
            ws.cell(r, 11).number_format = "0.0"

    for s in ranked:
        add(s, s.rank)
    for s in unranked:
        add(s, "不参加排名")
    for i, width in enumerate(WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = ws.cell(header_row + 1, 1)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    neutralise_formulas(ws)  # unit names are people's text
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
