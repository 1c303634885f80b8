"""The unit × task matrix: each unit's part (牵头/配合) and each task's light, a page of
task columns at a time. Definitions: ``metrics``."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.utils import timezone

from duban.lib.rows import rows as raw_rows
from duban.org.models import Unit
from duban.plans.models import Plan, Section, Task, TaskUnit
from duban.status import store

from .metrics import Light, lights, narrow


# --- the unit × task matrix ----------------------------------------------------------------

MATRIX_PAGE = 150  # task columns a page
ROLE_MARK = {"lead": "牵", "co": "配"}
COLOR_MARK = {"red": "✕", "yellow": "!", "green": "", "done": "✓"}


@dataclass
class MatrixColumn:
    pk: int
    number: str
    title: str
    color: str
    reasons: str


@dataclass
class MatrixCell:
    role: str  # "" (not carried), "lead", "co"
    color: str = ""
    reasons: str = ""

    @property
    def mark(self) -> str:
        return ROLE_MARK.get(self.role, "") + COLOR_MARK.get(self.color, "") if self.role else ""


@dataclass
class MatrixRow:
    pk: int
    name: str
    collective: bool
    cells: list[MatrixCell]
    lead: int = 0  # over every task of the filter, not only this page's columns
    co: int = 0
    counts: Counter = field(default_factory=Counter)


@dataclass
class Matrix:
    columns: list[MatrixColumn]
    rows: list[MatrixRow]
    tasks_total: int
    page: int
    pages: int

    @property
    def unit_count(self) -> int:
        """Real units only: a collective assignee (各部门) has a row but is not a unit."""
        return sum(1 for r in self.rows if not r.collective)


def matrix(as_of: dt.date, *, plan: Plan | None = None, section: Section | None = None, order: str = "trouble",
           page: int = 1, category: str | None = None, year: int | None = None) -> Matrix:
    """Every unit against the tasks it carries (lead or co), by the task's light.
    Rows: units with a part in the filtered tasks (collective assignees such as 各部门
    last); columns: the tasks in document order, MATRIX_PAGE a page. Each row also
    counts, over every filtered task, the tasks the unit leads and co-works on and
    how many of them are red, yellow, green, done."""
    tasks = narrow(Task.objects.active(), plan, category, year)
    if section is not None:
        tasks = tasks.filter(section=section)
    if as_of != timezone.localdate():
        return _matrix_from_lights(lights(as_of), tasks, page, order)
    # Today's: from the stored lights; only the page's columns are read whole.
    store.ensure_current(as_of)
    lit = tasks.filter(light__isnull=False)
    total = lit.count()
    pages = max(1, -(-total // MATRIX_PAGE))
    page = min(max(page, 1), pages)
    found = list(lit.order_by("-plan__year", "-plan_id", "order")[(page - 1) * MATRIX_PAGE: page * MATRIX_PAGE]
                 .values_list("pk", "number", "title", "light__color", "light__reasons"))
    columns = [MatrixColumn(pk, number, title, color, "，".join(reasons)) for pk, number, title, color, reasons in found]
    position = {c.pk: i for i, c in enumerate(columns)}
    # Each unit's tasks by role and light, counted in Python over the links joined
    # from the tasks, read straight from the cursor; the units taking part come from
    # the same rows. (A GROUP BY with an IN subquery of the tasks, and a second query
    # for the units, took 227 + 163 ms at 100,000 tasks; with this the matrix page
    # went from 575 to 311 ms, SQLite.)
    grouped = Counter(raw_rows(tasks.filter(assignments__isnull=False).order_by(),
                               "assignments__unit_id", "assignments__role", "light__color"))
    rows = _matrix_rows({unit_id for unit_id, *_ in grouped}, len(columns))
    for (unit_id, role, color), n in grouped.items():
        if not color:  # a task whose light is not stored yet: the unit takes part, nothing to count
            continue
        row = rows[unit_id]
        if role == TaskUnit.Role.LEAD:
            row.lead += n
        else:
            row.co += n
        row.counts[color] += n
    for task_id, unit_id, role in (TaskUnit.objects.filter(task_id__in=list(position)).order_by()
                                   .values_list("task_id", "unit_id", "role")):
        col = columns[position[task_id]]
        rows[unit_id].cells[position[task_id]] = MatrixCell(role, col.color, col.reasons)
    return _matrix(columns, rows, total, page, pages, order)


def _matrix_rows(unit_ids, width: int) -> dict[int, MatrixRow]:
    """A row of `width` empty cells for each unit of `unit_ids` (ids or a subquery)."""
    return {u.pk: MatrixRow(u.pk, u.name, u.is_collective, [MatrixCell("") for _ in range(width)])
            for u in Unit.objects.filter(pk__in=unit_ids)}


def _matrix_from_lights(light_of: dict[int, Light], tasks, page: int, order: str) -> Matrix:
    """The matrix from lights computed in Python (`light_of`): another date's, and the
    reference the SQL of ``matrix`` is tested against."""
    ordered = [pk for pk in tasks.order_by("-plan__year", "-plan_id", "order").values_list("pk", flat=True)
               if pk in light_of]
    pages = max(1, -(-len(ordered) // MATRIX_PAGE))
    page = min(max(page, 1), pages)
    page_ids = ordered[(page - 1) * MATRIX_PAGE: page * MATRIX_PAGE]
    details = {pk: (number, title) for pk, number, title in Task.objects.filter(pk__in=page_ids)
               .values_list("pk", "number", "title")}
    columns = [MatrixColumn(pk, details[pk][0], details[pk][1], light_of[pk][0], light_of[pk][1]) for pk in page_ids]
    position = {pk: i for i, pk in enumerate(page_ids)}
    rows = _matrix_rows(TaskUnit.objects.filter(task__in=tasks).values("unit_id"), len(page_ids))
    wanted = set(ordered)
    for task_id, unit_id, role in TaskUnit.objects.filter(task__in=tasks).order_by().values_list("task_id", "unit_id", "role"):
        if task_id not in wanted:
            continue
        row = rows[unit_id]
        c = light_of[task_id][0]
        if role == TaskUnit.Role.LEAD:
            row.lead += 1
        else:
            row.co += 1
        row.counts[c] += 1
        i = position.get(task_id)
        if i is not None:
            row.cells[i] = MatrixCell(role, c, light_of[task_id][1])
    return _matrix(columns, rows, len(ordered), page, pages, order)


def _matrix(columns, rows: dict[int, MatrixRow], total: int, page: int, pages: int, order: str) -> Matrix:
    key = (lambda r: (r.collective, r.name)) if order == "name" else (
        lambda r: (r.collective, -r.counts["red"], -r.counts["yellow"], -(r.lead + r.co), r.name))
    return Matrix(columns=columns, rows=sorted(rows.values(), key=key), tasks_total=total, page=page, pages=pages)
