"""The year-end table (年终考核表) of one year's 督办事项 of every kind: per lead unit,
per chapter (a plan's section; a meeting for decisions; the kind for other items) and
per kind, how many were completed on time, completed late, extended, carried into a
later year, and are still open — as an .xlsx for the 年终考核 of units.

Completed means struck off (销号) and not reopened; on time means struck off no later
than the effective deadline (after approved extensions); carried means linked to a
later year's item (结转 or 延续, duban.items). Figures come from what Duban holds today.
"""
from __future__ import annotations

import datetime as dt
import io
from collections import defaultdict
from dataclasses import dataclass, field

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from duban.lib.xlsx import neutralise_formulas
from duban.items.models import ItemLink
from duban.plans.models import Category, Section, Task
from duban.rounds.models import Report
from duban.supervision.models import TaskClosure

from .ledger import ledger_rows

COLUMNS = ["事项数", "按时完成", "逾期完成", "已延期", "结转下年", "未完成", "按时完成率"]


@dataclass
class Tally:
    total: int = 0
    on_time: int = 0
    late: int = 0
    extended: int = 0
    carried: int = 0
    open: int = 0

    def add(self, outcome: str, extended: bool) -> None:
        self.total += 1
        setattr(self, outcome, getattr(self, outcome) + 1)
        self.extended += extended

    def cells(self) -> list:
        rate = f"{self.on_time * 100 / self.total:.1f}%" if self.total else "—"
        return [self.total, self.on_time, self.late, self.extended, self.carried, self.open, rate]


@dataclass
class YearTable:
    year: int
    as_of: dt.date
    units: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    chapters: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    kinds: dict[str, Tally] = field(default_factory=lambda: defaultdict(Tally))
    total: Tally = field(default_factory=Tally)


def outcome(closed_on: dt.date | None, deadline: dt.date | None, carried: bool) -> str:
    if closed_on is not None:
        return "on_time" if deadline is None or closed_on <= deadline else "late"
    return "carried" if carried else "open"


def build(year: int, *, viewer, as_of: dt.date) -> YearTable:
    tasks = (Task.objects.visible_to(viewer).active().filter(plan__year=year).select_related("plan")
             .order_by("plan_id", "order"))
    rows = ledger_rows(tasks, as_of=as_of, reports=Report.objects.visible_to(viewer))
    ids = [r.pk for r in rows]
    closed = dict(TaskClosure.objects.filter(task_id__in=ids, reopened_on__isnull=True).values_list("task_id", "closed_on"))
    carried = set(ItemLink.objects.filter(from_task_id__in=ids, to_task__plan__year__gt=year,
                                          relation__in=[ItemLink.Relation.CARRIED, ItemLink.Relation.CONTINUES])
                  .values_list("from_task_id", flat=True))
    categories = dict(tasks.values_list("pk", "plan__category"))
    sections = dict(Section.objects.filter(pk__in={r.section_id for r in rows if r.section_id})
                    .values_list("pk", "title"))
    table = YearTable(year, as_of)
    for r in rows:
        result = outcome(closed.get(r.pk), r.effective_deadline, r.pk in carried)
        extended = bool(r.extended)
        category = categories[r.pk]
        label = Category(category).label
        table.total.add(result, extended)
        table.kinds[label].add(result, extended)
        chapter = sections.get(r.section_id) if r.section_id else None
        table.chapters[chapter or label].add(result, extended)
        for unit in r.lead_units or ["（未注明牵头单位）"]:
            table.units[unit].add(result, extended)
    return table


def write_xlsx(t: YearTable) -> bytes:
    wb = Workbook()
    first = True
    for title, group, label in (("按单位", t.units, "牵头单位"), ("按部分", t.chapters, "部分（会议、类别）"),
                                ("按类别", t.kinds, "事项类别")):
        ws = wb.active if first else wb.create_sheet()
        first = False
        ws.title = title
        ws.append([f"{t.year}年度督办事项完成情况（{title}，截至{t.as_of:%Y-%m-%d}）"])
        ws["A1"].font = Font(bold=True, size=14)
        ws.append([label] + COLUMNS)
        for cell in ws[2]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center", wrap_text=True)
        ordered = sorted(group.items(), key=lambda kv: (-kv[1].open, -kv[1].total, kv[0])) if group is t.units \
            else list(group.items())
        for name, tally in ordered:
            ws.append([name] + tally.cells())
        ws.append(["合计"] + t.total.cells())
        ws.column_dimensions["A"].width = 36
        for col in "BCDEFGH":
            ws.column_dimensions[col].width = 11
        ws.freeze_panes = "B3"
        ws.print_title_rows = "2:2"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
    buf = io.BytesIO()
    for ws in wb.worksheets:
        neutralise_formulas(ws)
    wb.save(buf)
    return buf.getvalue()
