"""The overview (驾驶舱): the counts by light, the tasks in trouble, the groupings by chapter,
leader and unit, and the trend across rounds (report slots on time, late, missing;
the lights on each round's due date). Definitions: ``metrics``."""
from __future__ import annotations

import datetime as dt
import heapq
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.utils import timezone

from duban.lib.rows import rows as raw_rows
from duban.org.models import Leader, Unit
from duban.plans.models import CATEGORY_SHORT, Category, Plan, Section, Task, TaskLeader, TaskUnit
from duban.rounds.models import Report, Round
from duban.status import store

from .metrics import COLOR_LABELS, COLORS, DUE_SOON_DAYS, LIST_LIMIT, Light, lights, local_end, narrow_rounds, pct, scope_tasks
from .snapshots import colors_on_due_date


# --- grouping rows ---------------------------------------------------------------------

@dataclass
class Group:
    """One row of a "by chapter / leader / unit" table: tasks by light."""

    key: int | None
    label: str
    counts: Counter = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts[c] for c in COLORS)

    @property
    def completion(self) -> float | None:
        return pct(self.counts["done"], self.total)

    def cells(self) -> list[int]:
        return [self.counts[c] for c in COLORS]


def _trouble(g: Group):
    return (-g.counts["red"], -g.counts["yellow"], -g.total, g.label)


def _series(groups: list[Group]) -> dict:
    return {"labels": [g.label for g in groups], "series": {c: [g.counts[c] for g in groups] for c in COLORS}}


# --- the overview ----------------------------------------------------------------------

@dataclass
class TaskRow:
    pk: int
    number: str
    title: str
    section: str
    leaders: str
    lead_units: str
    color: str
    reasons: str
    deadline: dt.date | None
    days_left: int | None = None
    category: str = Category.PLAN
    category_label: str = ""
    category_short: str = ""


@dataclass
class RoundRow:
    pk: int
    name: str
    due_on: dt.date
    due_passed: bool
    slots: int
    on_time: int
    late: int
    missing: int
    pending: int
    on_time_rate: float | None
    counts: dict  # tasks by light on the due date (or on the date, for a round not yet due)
    counts_on: dt.date
    from_snapshot: bool


@dataclass
class Overview:
    as_of: dt.date
    total: int
    counts: Counter
    overdue: int
    completion: float | None
    sections: list[Group]
    leaders: list[Group]
    units: list[Group]
    kinds: list[Group]
    red: list[TaskRow]
    red_total: int
    yellow: list[TaskRow]
    yellow_total: int
    due_soon: list[TaskRow]
    due_soon_total: int
    trend: list[RoundRow]

    def chart_data(self) -> dict:
        """What the charts draw (through json_script); the tables beside them show the same."""
        return {
            "colors": {c: COLOR_LABELS[c] for c in COLORS},
            "status": [{"key": c, "name": COLOR_LABELS[c], "value": self.counts[c], "share": pct(self.counts[c], self.total)}
                       for c in COLORS],
            "sections": _series(self.sections),
            "leaders": _series(self.leaders),
            "units": _series(self.units),
            "kinds": _series(self.kinds),
            "trend": {
                "labels": [r.name for r in self.trend],
                "on_time_rate": [r.on_time_rate for r in self.trend],
                "series": {c: [r.counts.get(c, 0) for r in self.trend] for c in COLORS},
            },
        }


def _task_rows(ids: list[int], light_of: dict[int, Light], as_of: dt.date) -> list[TaskRow]:
    """The listed tasks' details, in the order of `ids`: four queries of plain values
    (prefetching the related objects built a queryset per task and relation)."""
    if not ids:
        return []
    by_pk = {pk: (number, title, section, category) for pk, number, title, section, category in
             Task.objects.filter(pk__in=ids).order_by().values_list("pk", "number", "title", "section__title",
                                                                    "plan__category")}
    leaders: dict[int, list[str]] = defaultdict(list)
    for task_id, name in (TaskLeader.objects.filter(task_id__in=ids).order_by("task_id", "order", "pk")
                          .values_list("task_id", "leader__name")):
        leaders[task_id].append(name)
    leads: dict[int, list[str]] = defaultdict(list)
    for task_id, name in (TaskUnit.objects.filter(task_id__in=ids, role=TaskUnit.Role.LEAD)
                          .order_by("task_id", "order", "pk").values_list("task_id", "unit__name")):
        leads[task_id].append(name)
    rows = []
    for pk in ids:
        if pk not in by_pk:
            continue
        number, title, section, category = by_pk[pk]
        color, text, deadline = light_of[pk]
        rows.append(TaskRow(
            pk=pk, number=number, title=title, section=section or "",
            leaders="、".join(leaders[pk]), lead_units="、".join(leads[pk]), color=color, reasons=text,
            deadline=deadline, days_left=(deadline - as_of).days if deadline else None,
            category=category, category_label=Category(category).label, category_short=CATEGORY_SHORT.get(category, ""),
        ))
    return rows


def _flat(tasks):
    """`tasks` without the join and DISTINCT of a unit's visibility (an id subquery), so
    that each task comes once."""
    return Task.objects.filter(pk__in=tasks.order_by().values("pk")) if tasks.query.distinct else tasks


# A task in scope with its light: (pk, section_id, plan_id, order, category, colour,
# effective deadline).
TaskFacts = tuple[int, "int | None", int, int, str, str, "dt.date | None"]
FACT_FIELDS = ("pk", "section_id", "plan_id", "order", "plan__category")
ID_LIST_MAX = 5000  # ids bound in one query (SQLite allows 32,766)


def overview(user, as_of: dt.date, plan: Plan | None = None, *, category: str | None = None,
             year: int | None = None) -> Overview:
    """The overview of the tasks `user` may see (of `plan`, of one kind and one year
    when given), on `as_of` (the office's and the leaders' overview and meeting-room
    screen). Today's is counted from the stored lights, read with the tasks in one
    query; another date's from the lights computed for it."""
    tasks = scope_tasks(user, plan, category, year)
    if as_of != timezone.localdate():
        return overview_from_lights(user, as_of, plan, tasks, lights(as_of, tasks), category=category, year=year)
    store.ensure_current(as_of)
    rows, leader_links, unit_links = stored_facts(tasks)
    return _figures(user, as_of, plan, rows=rows, leader_links=leader_links, unit_links=unit_links,
                    lights_of=lambda ids: store.lights(ids, as_of), category=category, year=year)


def stored_facts(tasks) -> tuple[list[TaskFacts], Iterator[tuple[int, int]], Iterator[tuple[int, int]]]:
    """What today's overview of `tasks` counts, read from the stored lights: every
    task with its colour and deadline in one query, its (task id, leader id) and
    (task id, lead unit id) links in one query each (joined from the tasks: an IN
    subquery of them took twice as long), all straight from the cursor; the links are
    read as they are consumed; the listed tasks' reasons are read later, for their
    rows only. One GROUP BY per grouping, joining every task to its light again, was
    slower: replacing them took the office's overview from 1,040 to about 720 ms at
    100,000 tasks (SQLite, 2026-12-03), and on 2026-12-04 the three GROUP BYs took
    894 ms against 326 for these reads. These reads are the floor of any overview
    computed from the stored lights when it is asked for (``bench/dashboard.py``
    times them alone)."""
    flat = _flat(tasks).order_by()
    rows = list(raw_rows(flat.filter(light__isnull=False), *FACT_FIELDS, "light__color", "light__deadline"))
    if tasks.query.distinct and len(rows) <= ID_LIST_MAX:
        # A unit's tasks: the links by the ids just read, not through the visibility
        # subquery again (130 ms a query on PostgreSQL at 100,000 tasks).
        flat = Task.objects.filter(pk__in=[r[0] for r in rows]).order_by()
    return (rows,
            raw_rows(flat.filter(leader_links__isnull=False), "pk", "leader_links__leader_id"),
            raw_rows(flat.filter(assignments__role=TaskUnit.Role.LEAD), "pk", "assignments__unit_id"))


def overview_from_lights(user, as_of: dt.date, plan: Plan | None, tasks, light_of: dict[int, Light], *,
                         category: str | None = None, year: int | None = None) -> Overview:
    """The overview from lights computed in Python (`light_of`, by task id): a past
    date's (and the reference today's stored rows are tested against)."""
    rows = [(*r, light_of[r[0]][0], light_of[r[0]][2]) for r in tasks.order_by().values_list(*FACT_FIELDS)
            if r[0] in light_of]
    ids_query = tasks.values("pk")
    return _figures(
        user, as_of, plan, rows=rows,
        leader_links=TaskLeader.objects.filter(task__in=ids_query).order_by().values_list("task_id", "leader_id"),
        unit_links=TaskUnit.objects.filter(task__in=ids_query, role=TaskUnit.Role.LEAD).order_by().values_list(
            "task_id", "unit_id"),
        lights_of=lambda ids: light_of, category=category, year=year,
    )


def _by_color(pairs) -> dict:
    """{key: Counter of colours} from (key, colour) pairs; a colour of None (a link of
    a task not in scope) is skipped."""
    out: dict = defaultdict(Counter)
    for (key, c), n in Counter(pairs).items():
        if c is not None:
            out[key][c] += n
    return out


def _figures(user, as_of: dt.date, plan: Plan | None, *, rows: list[TaskFacts], leader_links, unit_links,
             lights_of, category: str | None, year: int | None) -> Overview:
    """The overview of the tasks of `rows`; `leader_links` and `unit_links`: (task id,
    leader / lead unit id) pairs (those of tasks not in `rows` are skipped);
    `lights_of(ids)`: the listed tasks' lights. Counted with ``Counter`` over tuples
    (its loop is C): at 100,000 tasks a Python loop of increments was 160 ms."""
    color = {r[0]: r[5] for r in rows}
    counts = Counter(color.values())

    # By chapter, in document order; an item of a register without a section (a
    # meeting is one) is counted under its kind.
    by_section: dict[int | None, Counter] = defaultdict(Counter)
    by_kind_unsectioned: dict[str, Counter] = defaultdict(Counter)
    by_kind: dict[str, Counter] = defaultdict(Counter)
    for (section_id, kind, c), n in Counter((r[1], r[4], r[5]) for r in rows).items():
        by_kind[kind][c] += n
        if section_id is None and kind != Category.PLAN:
            by_kind_unsectioned[kind][c] += n
        else:
            by_section[section_id][c] += n
    sections = _section_groups(by_section, by_kind_unsectioned, plan is None and len({r[2] for r in rows}) > 1)
    kinds = [Group(k, Category(k).label, by_kind[k]) for k in Category.values if k in by_kind]

    # By lead leader (a task with two leaders counts for each), in the plan's order.
    get = color.get
    by_leader = _by_color((leader_id, get(task_id)) for task_id, leader_id in leader_links)
    leaders = [Group(x.pk, x.name, by_leader[x.pk]) for x in Leader.objects.filter(pk__in=list(by_leader))]

    # By lead unit, most trouble first. A collective assignee (各部门、各单位) is every
    # unit's shared task, not a lead unit.
    by_unit = _by_color((unit_id, get(task_id)) for task_id, unit_id in unit_links)
    units = sorted((Group(u.pk, u.name, by_unit[u.pk])
                    for u in Unit.objects.filter(pk__in=list(by_unit), is_collective=False)), key=_trouble)

    # The lists, the first LIST_LIMIT of each: red and yellow in document order, due
    # within DUE_SOON_DAYS by deadline.
    horizon = as_of + dt.timedelta(days=DUE_SOON_DAYS)
    red = [(-r[2], r[3], r[0]) for r in rows if r[5] == "red"]
    yellow = [(-r[2], r[3], r[0]) for r in rows if r[5] == "yellow"]
    dated = [r for r in rows if r[6] is not None and r[5] != "done"]
    overdue = sum(1 for r in dated if r[6] < as_of)
    soon = [(r[6], -r[2], r[3], r[0]) for r in dated if as_of <= r[6] <= horizon]
    listed = {"red": [k[-1] for k in heapq.nsmallest(LIST_LIMIT, red)],
              "yellow": [k[-1] for k in heapq.nsmallest(LIST_LIMIT, yellow)],
              "soon": [k[-1] for k in heapq.nsmallest(LIST_LIMIT, soon)]}
    light_of = lights_of([pk for ids in listed.values() for pk in ids])
    total = len(color)
    return Overview(
        as_of=as_of, total=total, counts=counts, overdue=overdue, completion=pct(counts["done"], total),
        sections=sections, leaders=leaders, units=units, kinds=kinds,
        red=_task_rows(listed["red"], light_of, as_of), red_total=len(red),
        yellow=_task_rows(listed["yellow"], light_of, as_of), yellow_total=len(yellow),
        due_soon=_task_rows(listed["soon"], light_of, as_of), due_soon_total=len(soon),
        trend=trend(user, as_of, plan, set(color), counts, category=category, year=year),
    )


def _section_groups(by_section, by_kind_unsectioned, several: bool) -> list[Group]:
    """By chapter, in document order; an item of a register without a section (a
    meeting is one) is counted under its kind."""
    sections = [
        Group(s.pk, f"{s.plan.year}·{s.title}" if several else s.title, by_section[s.pk])
        for s in Section.objects.filter(pk__in=[k for k in by_section if k]).select_related("plan")
        .order_by("-plan__year", "-plan_id", "order")
    ]
    if None in by_section:
        sections.append(Group(None, "（未分部分）", by_section[None]))
    sections += [Group(None, f"（{Category(k).label}）", by_kind_unsectioned[k])
                 for k in Category.values if k in by_kind_unsectioned]
    return sections


# --- the trend across rounds ---------------------------------------------------------------

def slot_counts(reports, rnd, as_of: dt.date) -> dict:
    """On time, late, missing and pending slots of `reports` (already narrowed to the
    round and the viewer's units) on `as_of`. Each figure is a count over a range of
    an index on (round[, unit], first submission): one aggregate with a FILTER per
    figure read every slot of the round and took 18 ms a round at 125,000 slots
    (SQLite), the two or three counts 7 ms together."""
    by_date = local_end(as_of)
    on_time_cut = min(local_end(rnd.due_on), by_date)
    slots = reports.count()
    on_time = reports.filter(first_submitted_at__lt=on_time_cut).count()
    submitted = on_time if on_time_cut == by_date else reports.filter(first_submitted_at__lt=by_date).count()
    passed = as_of > rnd.due_on
    return {
        "slots": slots,
        "on_time": on_time,
        "late": submitted - on_time if passed else 0,
        "missing": slots - submitted if passed else 0,
        "pending": 0 if passed else slots - submitted,
    }


def trend(user, as_of: dt.date, plan: Plan | None, scope_ids: set[int], current: Counter, *,
          category: str | None = None, year: int | None = None) -> list[RoundRow]:
    """Per round opened by `as_of`, oldest first: the report slots on time, late,
    missing, pending (the viewer's own unit's slots for a unit's people, every slot
    for the office and leaders), and the tasks in scope by light on the round's due
    date (a round not yet due: on `as_of`). `scope_ids`: the ids of the tasks in
    scope."""
    rounds = narrow_rounds(Round.objects.visible_to(user).filter(opens_on__lte=as_of), plan, category, year)
    reports = Report.objects.all() if user.sees_all_tasks else Report.objects.filter(unit_id=user.unit_id)
    out = []
    for rnd in rounds.order_by("due_on", "pk"):
        c = slot_counts(reports.filter(round=rnd), rnd, as_of)
        passed = as_of > rnd.due_on
        if passed:
            by_color = colors_on_due_date(rnd)
            counts = {k: len(scope_ids.intersection(ids)) for k, ids in by_color.items()}
        else:
            counts = {k: current[k] for k in COLORS}
        out.append(RoundRow(
            pk=rnd.pk, name=rnd.name, due_on=rnd.due_on, due_passed=passed, on_time_rate=pct(c["on_time"], c["slots"]),
            counts={k: counts.get(k, 0) for k in COLORS}, counts_on=rnd.due_on if passed else as_of,
            from_snapshot=passed, **c,
        ))
    return out
