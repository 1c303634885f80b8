"""The Excel ledger (任务台账) in the customary layout.

``ledger_rows(tasks, as_of=, reports=)`` reads what each row shows for a task
queryset (already narrowed to what the reader may see: ``Task.objects.visible_to``)
in a fixed number of queries (subqueries, never lists of ids); ``write_ledger(tasks, out, as_of=...)``
writes them to an .xlsx stream with openpyxl in write-only mode, each row one XML
element (duban.lib.xlsx.RowWriter: the file ``ws.append`` writes, without a cell object
per value). 10,000 tasks of six rounds of reports, the lights stored: 2.3 s
(bench/export.py).

Layout: a title row, a line saying as of when, how many and which filters, then the
header row (frozen, repeated on every printed page) and one row per task, with a
shaded row for each chapter (部分) when the tasks are in document order. The columns
are the office's saved layout (duban.documents.ledgerlayout: which, their titles,
order and widths); the customary ones when it saved none:
序号, 工作任务, 牵头领导, 牵头单位, 配合单位, 完成时限 (the original; the extended one
under it), 工作节点 (counts and the next node), 量化指标 (target and latest actual),
进展情况 / 存在问题 / 下一步计划 (the latest report that went out — submitted or
accepted — that the reader may see: latest round first, the lead unit's before a
co-unit's), 状态 (light and reasons, ``duban.status``), 备注 (where
the progress comes from). Printed on A3 landscape, one page wide.
"""
from __future__ import annotations

import datetime as dt
import gc
from dataclasses import dataclass, field
from typing import BinaryIO, Iterable

from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.utils import timezone

from duban.documents.ledgerlayout import default_columns
from duban.lib.officedoc import cn_date
from duban.lib.xlsx import FORMULA_TRIGGERS, RowWriter, Styled, safe_row, set_default_cell_style, style_id
from duban.plans.models import Section, Task, TaskKind, TaskLeader, TaskUnit
from duban.rounds.models import Report
from duban.status.forecast import COMPARATOR_WORDS, load_indicators, quantity
from duban.status.store import statuses
from duban.workplans.models import Milestone

MAX_CELL = 32000  # Excel holds at most 32,767 characters in a cell

HEADERS = [c["title"] for c in default_columns()]  # the customary columns
HEADER_ROW = 3  # title, subtitle, header
KIND_LABELS = dict(TaskKind.choices)
TRIGGERS = frozenset(FORMULA_TRIGGERS)


@dataclass(slots=True)
class LatestReport:
    round_name: str
    unit_name: str
    role: str
    submitted_on: dt.date | None
    progress: str
    problems: str
    next_steps: str
    percent: int | None

    @property
    def source(self) -> str:
        when = f"，{self.submitted_on.isoformat()}报送" if self.submitted_on else ""
        return f"{self.round_name}·{self.unit_name}{when}"


@dataclass(slots=True)
class LedgerRow:
    pk: int
    number: str
    title: str
    section_id: int | None
    deadline: dt.date | None
    deadline_text: str
    kind: str
    leaders: list[str] = field(default_factory=list)
    lead_units: list[str] = field(default_factory=list)
    co_units: list[str] = field(default_factory=list)
    effective_deadline: dt.date | None = None
    status: object | None = None  # a stored duban.status TaskStatus, or a computed rules.Status
    milestones: str = "未分解"
    indicators: str = ""
    report: LatestReport | None = None

    @property
    def extended(self) -> bool:
        return self.effective_deadline is not None and self.effective_deadline != self.deadline

    def deadline_cell(self) -> str:
        if self.deadline is None:
            return self.deadline_text or KIND_LABELS.get(self.kind, "—")
        text = self.deadline.isoformat()
        if self.extended:
            text += f"\n延期至 {self.effective_deadline.isoformat()}"
        return text

    def status_cell(self) -> str:
        if self.status is None:
            return ""
        reasons = "；".join(self.status.reasons)
        return f"{self.status.label}\n{reasons}" if reasons else self.status.label

    def remark_cell(self) -> str:
        lines = []
        if self.extended:
            lines.append(f"经批准延期（原时限 {self.deadline.isoformat()}）")
        if self.report is not None:
            lines.append(f"进展来源：{self.report.source}")
            if self.report.percent is not None:
                lines.append(f"报送进度 {self.report.percent}%")
        return "\n".join(lines)


def as_subquery(tasks):
    """`tasks` as ``pk IN (SELECT …)`` of a plain Task queryset: every query about
    them takes the SQL of the selection, not a list of ids (Django prepares each id of
    a list one by one: 10,000 of them cost more than the query). A sliced queryset
    (``[:n]``) keeps its LIMIT inside the subquery (SQLite and PostgreSQL allow it)."""
    return Task.objects.filter(pk__in=tasks.values("pk")).order_by()


def latest_reports(tasks, reports=None) -> dict[int, LatestReport]:
    """Per task of `tasks` (a Task queryset): the latest report that went out
    (submitted or accepted) among `reports` (a Report queryset: what the reader may
    see; every report when None) — the latest round first (by period end), then the
    lead unit's before a co-unit's, then the latest submitted. One query."""
    reports = Report.objects.all() if reports is None else reports
    # Every counted report of the tasks ranked per task by a window function, the first
    # kept: one pass over the reports (a correlated subquery per task took PostgreSQL
    # 20 s for 5,000 tasks). The ranking carries only the ids; the texts and names are
    # read for the chosen reports alone (SQLite: 0.43 → 0.27 s for 10,000 tasks of six
    # rounds).
    order = [F("round__period_end").desc(), F("round_id").desc(), F("role").desc(), F("submitted_at").desc(),
             F("pk").desc()]
    picked = (
        reports.filter(task_id__in=tasks.values("pk"), status__in=[Report.Status.SUBMITTED, Report.Status.ACCEPTED],
                       submitted_at__isnull=False)
        .annotate(rank=Window(RowNumber(), partition_by=[F("task_id")], order_by=order))
        .filter(rank=1).order_by().values("pk")
    )
    out: dict[int, LatestReport] = {}
    for task_id, rname, uname, role, at, progress, problems, steps, percent in (
        Report.objects.filter(pk__in=picked).order_by()
        .values_list("task_id", "round__name", "unit__name", "role", "submitted_at", "progress", "problems",
                     "next_steps", "percent")
    ):
        out[task_id] = LatestReport(rname, uname, role, timezone.localdate(at) if at else None,
                                    progress, problems, steps, percent)
    return out


def _milestone_summary(items: list[tuple], as_of: dt.date) -> str:
    """共3个节点，已完成1个，逾期1个 / 下一节点：2026-12-31 完成验收."""
    if not items:
        return "未分解"
    done = sum(1 for _, due, done_on in items if done_on is not None and done_on <= as_of)
    overdue = sum(1 for _, due, done_on in items if due is not None and due < as_of
                  and (done_on is None or done_on > as_of))
    text = f"共{len(items)}个节点，已完成{done}个"
    if overdue:
        text += f"，逾期{overdue}个"
    pending = [(due, title) for title, due, done_on in items if done_on is None or done_on > as_of]
    if pending:
        due, title = min(pending, key=lambda p: (p[0] is None, p[0] or dt.date.max))
        short = title if len(title) <= 30 else title[:29] + "…"
        text += f"\n下一节点：{due.isoformat() + ' ' if due else ''}{short}"
    return text


def _indicator_summary(indicators) -> str:
    lines = []
    for ind in indicators:
        want = f"{COMPARATOR_WORDS.get(ind.comparator, '')}{quantity(ind.value, ind.unit)}"
        if ind.actuals:
            day, value = ind.actuals[-1]
            got = f"实际 {quantity(value, ind.unit)}（{day.isoformat()}）"
        else:
            got = "实际 未报"
        lines.append(f"{ind.name}：目标 {want}；{got}")
    return "\n".join(lines)


def ledger_rows(tasks, *, as_of: dt.date, reports=None) -> list[LedgerRow]:
    """The rows of the ledger for `tasks` (a Task queryset, in its order), as of
    `as_of`; the progress columns from `reports` (a Report queryset, e.g.
    ``Report.objects.visible_to(user)``; every report when None)."""
    source = as_subquery(tasks)
    in_source = source.values("pk")
    rows: dict[int, LedgerRow] = {}
    milestones: dict[int, list[tuple]] = {}
    enabled = gc.isenabled()
    gc.disable()  # many small objects, no cycles (as duban.status.facts.load_facts)
    try:
        # The tasks' own fields in the queryset's order (a sliced queryset too), each task once.
        for pk, number, title, section_id, deadline, deadline_text, kind in tasks.values_list(
                "pk", "number", "title", "section_id", "deadline", "deadline_text", "kind"):
            if pk not in rows:
                rows[pk] = LedgerRow(pk, number, title, section_id, deadline, deadline_text, kind,
                                     effective_deadline=deadline)
        for task_id, name in (TaskLeader.objects.filter(task_id__in=in_source)
                              .order_by("task_id", "order", "pk").values_list("task_id", "leader__name")):
            rows[task_id].leaders.append(name)
        for task_id, name, role in (TaskUnit.objects.filter(task_id__in=in_source)
                                    .order_by("task_id", "order", "pk").values_list("task_id", "unit__name", "role")):
            (rows[task_id].lead_units if role == TaskUnit.Role.LEAD else rows[task_id].co_units).append(name)
        for task_id, title, due, done_on in (Milestone.objects.filter(task_id__in=in_source)
                                             .order_by("task_id", "due", "order", "pk")
                                             .values_list("task_id", "title", "due", "done_on")):
            milestones.setdefault(task_id, []).append((title, due, done_on))
        for pk, items in milestones.items():
            rows[pk].milestones = _milestone_summary(items, as_of)

        # The stored lights (duban.status) for today; another date's computed from the
        # facts as they were then.
        for pk, status in statuses(source, as_of).items():
            row = rows.get(pk)
            if row is not None:
                row.status = status
                row.effective_deadline = status.deadline
        for pk, indicators in load_indicators(source, as_of).items():
            if pk in rows:
                rows[pk].indicators = _indicator_summary(indicators)
        for pk, report in latest_reports(source, reports).items():
            if pk in rows:
                rows[pk].report = report
    finally:
        if enabled:
            gc.enable()
    return list(rows.values())


# --- the workbook -----------------------------------------------------------------------

STATUS_COLORS = {  # light → (fill, font colour): Excel's own bad / neutral / good shades
    "red": ("FFC7CE", "9C0006"),
    "yellow": ("FFEB9C", "9C5700"),
    "green": ("C6EFCE", "006100"),
    "done": ("D9D9D9", "404040"),
}
CELL_FONT = "仿宋_GB2312"
HEAD_FONT = "黑体"
TITLE_FONT = "方正小标宋简体"


def _styles(wb) -> dict:
    """Registers the sheet's styles; returns the default one (font, alignment, border)."""
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side

    thin = Side(style="thin", color="808080")
    grid = Border(left=thin, right=thin, top=thin, bottom=thin)
    top = Alignment(wrap_text=True, vertical="top")
    default = {"font": Font(name=CELL_FONT, size=10), "alignment": top, "border": grid}
    # Every cell written without a style (nearly all of them) takes this one.
    set_default_cell_style(wb, **default)
    named = [
        NamedStyle("ledger_title", font=Font(name=TITLE_FONT, size=18),
                   alignment=Alignment(horizontal="center", vertical="center")),
        NamedStyle("ledger_subtitle", font=Font(name=CELL_FONT, size=10),
                   alignment=Alignment(horizontal="left", vertical="center", wrap_text=True)),
        NamedStyle("ledger_header", font=Font(name=HEAD_FONT, size=10, bold=True), border=grid,
                   fill=PatternFill("solid", fgColor="D9E1F2"),
                   alignment=Alignment(horizontal="center", vertical="center", wrap_text=True)),
        NamedStyle("ledger_section", font=Font(name=HEAD_FONT, size=10, bold=True), border=grid,
                   fill=PatternFill("solid", fgColor="F2F2F2"), alignment=Alignment(vertical="center")),
        NamedStyle("ledger_center", font=Font(name=CELL_FONT, size=10), border=grid,
                   alignment=Alignment(horizontal="center", vertical="top", wrap_text=True)),
    ]
    for color, (fill, ink) in STATUS_COLORS.items():
        named.append(NamedStyle(f"ledger_{color}", font=Font(name=CELL_FONT, size=10, color=ink), border=grid,
                                fill=PatternFill("solid", fgColor=fill), alignment=top))
    for style in named:
        wb.add_named_style(style)
    return default


LINE_PT = 13.5  # one line of 10 pt text
MAX_LINES = 30  # a cell taller than this is cut on screen; the text stays whole


def row_height(values: list, rooms: list[float]) -> float:
    """The height a row needs for its wrapped text, in points. Spreadsheets do not
    work row heights out for a file they open (LibreOffice keeps the default, and the
    wrapped text overlaps the next rows), so the sheet says them. A Chinese character
    is two character widths, a Latin one: (UTF-8 bytes + characters) / 2 counts that."""
    lines = 1
    for text, room in zip(values, rooms):
        if type(text) is not str:
            continue
        # At most this many lines (every character Chinese): skip the exact count when
        # that cannot make the row taller.
        if len(text) * 2 / room + text.count("\n") + 1 <= lines:
            continue
        n = 0
        for line in text.split("\n"):
            w = (len(line.encode()) + len(line)) / 2
            n += max(1, -(-w // room))
        if n > lines:
            lines = n
    return min(lines, MAX_LINES) * LINE_PT + 4


def _cell(ws, value, style: str):
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value)
    cell.style = style
    return cell


def _text(value: str | None) -> str:
    if not value:
        return ""
    return value if len(value) <= MAX_CELL else value[:MAX_CELL] + "…（内容过长，已截断）"


def cell_values(r: LedgerRow, i: int, section_titles: dict) -> dict:
    """Every column a layout may choose (duban.documents.ledgerlayout.COLUMNS), by key."""
    rep = r.report
    return {
        "number": r.number or str(i),
        "title": _text(r.title),
        "leaders": "、".join(r.leaders),
        "lead_units": "、".join(r.lead_units),
        "co_units": "、".join(r.co_units),
        "deadline": r.deadline_cell(),
        "milestones": r.milestones,
        "indicators": r.indicators,
        "progress": _text(rep.progress) if rep else "",
        "problems": _text(rep.problems) if rep else "",
        "next_steps": _text(rep.next_steps) if rep else "",
        "status": r.status_cell(),
        "remark": r.remark_cell(),
        "section": section_titles.get(r.section_id, ""),
        "percent": f"{rep.percent}%" if rep is not None and rep.percent is not None else "",
        "source": rep.source if rep else "",
    }


def write_ledger(tasks, out: BinaryIO, *, as_of: dt.date, title: str = "重点任务台账", subtitle: str = "",
                 reports=None, sections: bool = True, rows: Iterable[LedgerRow] | None = None,
                 columns: list[dict] | None = None) -> int:
    """Writes the ledger of `tasks` (a Task queryset already narrowed to what the
    reader may see, in the order wanted) to the binary stream `out` as .xlsx. The
    progress columns come from `reports` (``Report.objects.visible_to(reader)``; every
    report when None). `sections`: a shaded row before each chapter (for document
    order). `columns`: the office's ledger layout ({"key", "title", "width"} each;
    duban.documents.ledgerlayout), the customary columns when None. Returns the number
    of tasks written."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.properties import PageSetupProperties
    from openpyxl.worksheet.worksheet import Worksheet

    if rows is None:
        rows = ledger_rows(tasks, as_of=as_of, reports=reports)
    rows = list(rows)
    columns = columns or default_columns()
    keys = [c["key"] for c in columns]
    rooms = [c["width"] - 1.5 for c in columns]  # characters of text a column holds on a line
    status_at = keys.index("status") if "status" in keys else None
    section_titles = dict(Section.objects.filter(pk__in={r.section_id for r in rows if r.section_id})
                          .values_list("pk", "title")) if (sections or "section" in keys) else {}

    wb = Workbook(write_only=True)
    default = _styles(wb)
    ws = wb.create_sheet("任务台账")
    last_col = get_column_letter(len(columns))
    for i, col in enumerate(columns, start=1):
        dim = ws.column_dimensions[get_column_letter(i)]
        dim.width = col["width"]
        # The columns' own format is the default too (LibreOffice applies it to the
        # cells written without one).
        dim.font, dim.alignment, dim.border = default["font"], default["alignment"], default["border"]
    ws.row_dimensions[1].height = 36
    ws.row_dimensions[2].height = 30
    ws.row_dimensions[HEADER_ROW].height = 30
    ws.merged_cells.add(f"A1:{last_col}1")
    ws.merged_cells.add(f"A2:{last_col}2")
    # The header rows and the columns up to 工作任务 stay in view.
    ws.freeze_panes = f"{get_column_letter(keys.index('title') + 2) if 'title' in keys[:3] else 'A'}{HEADER_ROW + 1}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A3
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"

    line = f"截至{cn_date(as_of)}，共 {len(rows)} 项任务"
    if subtitle:
        line += f"。{subtitle}"
    # The rows are written as XML elements (duban.lib.xlsx.RowWriter): the same file
    # as ws.append, without an openpyxl cell object per value.
    writer = RowWriter(ws)
    writer.append([_cell(ws, title, "ledger_title")])
    writer.append([_cell(ws, line, "ledger_subtitle")])
    writer.append([_cell(ws, c["title"], "ledger_header") for c in columns])

    n = len(columns)
    status_styles: dict[str, int] = {}  # light → style id, registered when first used (as a cell's style is)
    current_section = object()
    data_rows = 0
    enabled = gc.isenabled()
    gc.disable()
    try:
        for i, r in enumerate(rows, start=1):
            if sections and n > 1 and r.section_id != current_section:
                current_section = r.section_id
                if r.section_id in section_titles:
                    writer.append([_cell(ws, "", "ledger_section"),
                                   _cell(ws, section_titles[r.section_id], "ledger_section")]
                                  + [_cell(ws, "", "ledger_section") for _ in range(n - 2)], height=20)
                    data_rows += 1
            cells = cell_values(r, i, section_titles)
            values = [cells[k] for k in keys]
            # Empty cells are not written: the columns' format (grid, font) shows for them.
            values = [v or None for v in values]
            height = row_height(values, rooms)
            # People's text (task titles, progress) is never a formula (a quick look at
            # the first characters first: nearly every row has none).
            if not TRIGGERS.isdisjoint([v[0] for v in values if v]):
                values = safe_row(ws, values)
            if status_at is not None and r.status is not None and not hasattr(values[status_at], "style"):
                color = r.status.color
                if color not in status_styles:
                    status_styles[color] = style_id(ws, f"ledger_{color}")
                values[status_at] = Styled(values[status_at], status_styles[color])
            writer.append(values, height=height)
            data_rows += 1
    finally:
        if enabled:
            gc.enable()
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last_col}{HEADER_ROW + max(data_rows, 1)}"
    wb.save(out)
    return len(rows)


# --- what the view says about the filter ------------------------------------------------------

def describe_filters(form) -> str:
    """The ledger filters in force, in words (筛选条件：牵头领导 李明；状态 红灯), from a
    ``ledger.filters.LedgerFilterForm``: what the sheet's second line says."""
    values = form.filters()
    parts = []
    for name, field_ in form.fields.items():
        value = values.get(name)
        if value in (None, "", []) or name in ("sort", "role"):
            continue
        if name == "unit" and values.get("role") in (TaskUnit.Role.LEAD, TaskUnit.Role.CO):
            shown = f"{value}（{'牵头' if values['role'] == TaskUnit.Role.LEAD else '配合'}）"
        elif hasattr(field_, "choices") and not hasattr(field_, "queryset"):
            shown = dict(field_.choices).get(value, value)
        elif isinstance(value, dt.date):
            shown = value.isoformat()
        else:
            shown = str(value)
        parts.append(f"{field_.label} {shown}")
    return "筛选条件：" + "；".join(parts) if parts else ""


def ledger_title(user, filters: dict) -> str:
    """The sheet's title from the scope: one leader's tasks, one unit's, the reader's
    own unit's, or the whole ledger."""
    unit, leader = filters.get("unit"), filters.get("leader")
    if unit is not None:
        return f"{unit.name}重点任务台账"
    if leader is not None:
        return f"{leader.name}同志牵头重点任务台账"
    if user.is_unit_person and user.unit_id:
        return f"{user.unit.name}重点任务台账"
    return "重点任务台账"
