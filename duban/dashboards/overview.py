"""The overview (驾驶舱): the counts by light, the tasks in trouble, the groupings by chapter,
leader and unit, and the trend across rounds (report slots on time, late, missing;
the lights on each round's due date). Definitions: ``metrics``."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Q
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
    that GROUP BY over it counts each task once."""
    return Task.objects.filter(pk__in=tasks.order_by().values("pk")) if tasks.query.distinct else tasks


def overview(user, as_of: dt.date, plan: Plan | None = None, *, category: str | None = None,
             year: int | None = None) -> Overview:
    """The overview of the tasks `user` may see (of `plan`, of one kind and one year
    when given), on `as_of` (the office's and the leaders' overview and meeting-room
    screen). Today's is counted in SQL over the stored lights (GROUP BY, and the lists
    with LIMIT); another date's from the lights computed for it."""
    tasks = scope_tasks(user, plan, category, year)
    if as_of != timezone.localdate():
        return overview_from_lights(user, as_of, plan, tasks, lights(as_of, tasks), category=category, year=year)
    store.ensure_current(as_of)
    lit = _flat(tasks).filter(light__isnull=False)
    not_done = ~Q(light__color="done")
    horizon = as_of + dt.timedelta(days=DUE_SOON_DAYS)
    due_soon_q = not_done & Q(light__deadline__gte=as_of, light__deadline__lte=horizon)

    counts: Counter = Counter()
    by_section: dict[int | None, Counter] = defaultdict(Counter)
    by_kind_unsectioned: dict[str, Counter] = defaultdict(Counter)
    by_kind: dict[str, Counter] = defaultdict(Counter)
    plans, overdue, soon_total = set(), 0, 0
    for section_id, plan_id, kind, color, n, late, soon in (
            lit.order_by().values_list("section_id", "plan_id", "plan__category", "light__color")
            .annotate(n=Count("pk"), late=Count("pk", filter=not_done & Q(light__deadline__lt=as_of)),
                      soon=Count("pk", filter=due_soon_q))
            .values_list("section_id", "plan_id", "plan__category", "light__color", "n", "late", "soon")):
        counts[color] += n
        plans.add(plan_id)
        overdue += late
        soon_total += soon
        by_kind[kind][color] += n
        if section_id is None and kind != Category.PLAN:
            by_kind_unsectioned[kind][color] += n
        else:
            by_section[section_id][color] += n
    sections = _section_groups(by_section, by_kind_unsectioned, plan is None and len(plans) > 1)
    kinds = [Group(k, Category(k).label, by_kind[k]) for k in Category.values if k in by_kind]

    ids_query = lit.values("pk")
    by_leader: dict[int, Counter] = defaultdict(Counter)
    for leader_id, color, n in (lit.order_by().values_list("leader_links__leader_id", "light__color")
                                .annotate(n=Count("pk"))):
        if leader_id is not None:  # a task without a leader (the join is an outer one)
            by_leader[leader_id][color] += n
    leaders = [Group(x.pk, x.name, by_leader[x.pk]) for x in Leader.objects.filter(pk__in=list(by_leader))]
    by_unit: dict[int, Counter] = defaultdict(Counter)
    for unit_id, color, n in (TaskUnit.objects.filter(task__in=ids_query, role=TaskUnit.Role.LEAD).order_by()
                              .values_list("unit_id", "task__light__color").annotate(n=Count("pk"))):
        by_unit[unit_id][color] += n
    units = sorted((Group(u.pk, u.name, by_unit[u.pk])
                    for u in Unit.objects.filter(pk__in=list(by_unit), is_collective=False)), key=_trouble)

    def listed(qs, *order):
        found = list(qs.order_by(*order)[:LIST_LIMIT].values_list("pk", "light__color", "light__reasons",
                                                                  "light__deadline"))
        light_of = {pk: (color, "，".join(reasons), deadline) for pk, color, reasons, deadline in found}
        return _task_rows([r[0] for r in found], light_of, as_of)

    doc = ("-plan_id", "order", "pk")
    total = sum(counts.values())
    return Overview(
        as_of=as_of, total=total, counts=counts, overdue=overdue, completion=pct(counts["done"], total),
        sections=sections, leaders=leaders, units=units, kinds=kinds,
        red=listed(lit.filter(light__color="red"), *doc), red_total=counts["red"],
        yellow=listed(lit.filter(light__color="yellow"), *doc), yellow_total=counts["yellow"],
        due_soon=listed(lit.filter(due_soon_q), "light__deadline", *doc), due_soon_total=soon_total,
        trend=trend(user, as_of, plan, lit, counts, category=category, year=year),
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


def overview_from_lights(user, as_of: dt.date, plan: Plan | None, tasks, light_of: dict[int, Light], *,
                         category: str | None = None, year: int | None = None) -> Overview:
    """The overview from lights computed in Python (`light_of`, by task id): a past
    date's (and the reference the SQL of ``overview`` is tested against)."""
    rows = [r for r in tasks.order_by().values_list("pk", "section_id", "plan_id", "order", "plan__category")
            if r[0] in light_of]
    color = {pk: light_of[pk][0] for pk, *_ in rows}
    counts = Counter(color.values())
    doc_order = {pk: (-plan_id, order) for pk, _, plan_id, order, _ in rows}

    # By chapter, in document order; an item of a register without a section (a
    # meeting is one) is counted under its kind.
    by_section: dict[int | None, Counter] = defaultdict(Counter)
    by_kind_unsectioned: dict[str, Counter] = defaultdict(Counter)
    by_kind: dict[str, Counter] = defaultdict(Counter)
    for pk, section_id, _, _, kind in rows:
        by_kind[kind][color[pk]] += 1
        if section_id is None and kind != Category.PLAN:
            by_kind_unsectioned[kind][color[pk]] += 1
        else:
            by_section[section_id][color[pk]] += 1
    sections = _section_groups(by_section, by_kind_unsectioned, plan is None and _several_plans(rows))
    kinds = [Group(k, Category(k).label, by_kind[k]) for k in Category.values if k in by_kind]

    ids_query = tasks.values("pk")
    # By lead leader (a task with two leaders counts for each), in the plan's order.
    by_leader: dict[int, Counter] = defaultdict(Counter)
    for task_id, leader_id in TaskLeader.objects.filter(task__in=ids_query).order_by().values_list("task_id", "leader_id"):
        if task_id in color:
            by_leader[leader_id][color[task_id]] += 1
    leaders = [Group(x.pk, x.name, by_leader[x.pk]) for x in Leader.objects.filter(pk__in=list(by_leader))]

    # By lead unit, most trouble first.
    by_unit: dict[int, Counter] = defaultdict(Counter)
    for task_id, unit_id in TaskUnit.objects.filter(task__in=ids_query, role=TaskUnit.Role.LEAD).order_by().values_list(
            "task_id", "unit_id"):
        if task_id in color:
            by_unit[unit_id][color[task_id]] += 1
    # A collective assignee (各部门、各单位) is every unit's shared task, not a lead unit.
    units = sorted((Group(u.pk, u.name, by_unit[u.pk])
                    for u in Unit.objects.filter(pk__in=list(by_unit), is_collective=False)), key=_trouble)

    def listed(pred, sort_key):
        ids = sorted((pk for pk in color if pred(pk)), key=sort_key)
        return _task_rows(ids[:LIST_LIMIT], light_of, as_of), len(ids)

    by_doc = doc_order.__getitem__
    red, red_total = listed(lambda pk: color[pk] == "red", by_doc)
    yellow, yellow_total = listed(lambda pk: color[pk] == "yellow", by_doc)
    horizon = as_of + dt.timedelta(days=DUE_SOON_DAYS)

    def due_soon(pk):
        d = light_of[pk][2]
        return color[pk] != "done" and d is not None and as_of <= d <= horizon

    soon, soon_total = listed(due_soon, lambda pk: (light_of[pk][2], doc_order[pk]))
    overdue = sum(1 for pk in color if color[pk] != "done" and light_of[pk][2] is not None and light_of[pk][2] < as_of)
    total = len(color)
    return Overview(
        as_of=as_of, total=total, counts=counts, overdue=overdue, completion=pct(counts["done"], total),
        sections=sections, leaders=leaders, units=units, kinds=kinds,
        red=red, red_total=red_total, yellow=yellow, yellow_total=yellow_total, due_soon=soon, due_soon_total=soon_total,
        trend=trend(user, as_of, plan, set(color), counts, category=category, year=year),
    )


def _several_plans(rows) -> bool:
    return len({r[2] for r in rows}) > 1


# --- the trend across rounds ---------------------------------------------------------------

def slot_counts(reports, rnd, as_of: dt.date) -> dict:
    """On time, late, missing and pending slots of `reports` (already narrowed to the
    round and the viewer's units) on `as_of`: one aggregate query."""
    by_date = local_end(as_of)
    on_time_cut = min(local_end(rnd.due_on), by_date)
    agg = reports.aggregate(
        slots=Count("pk"),
        on_time=Count("pk", filter=Q(first_submitted_at__lt=on_time_cut)),
        by_date=Count("pk", filter=Q(first_submitted_at__lt=by_date)),
    )
    return _slots(agg, rnd, as_of)


def _slots(agg: dict, rnd, as_of: dt.date) -> dict:
    passed = as_of > rnd.due_on
    return {
        "slots": agg["slots"],
        "on_time": agg["on_time"],
        "late": agg["by_date"] - agg["on_time"] if passed else 0,
        "missing": agg["slots"] - agg["by_date"] if passed else 0,
        "pending": 0 if passed else agg["slots"] - agg["by_date"],
    }


def trend(user, as_of: dt.date, plan: Plan | None, scope_ids, current: Counter, *,
          category: str | None = None, year: int | None = None) -> list[RoundRow]:
    """Per round opened by `as_of`, oldest first: the report slots on time, late,
    missing, pending (the viewer's own unit's slots for a unit's people, every slot
    for the office and leaders), and the tasks in scope by light on the round's due
    date (a round not yet due: on `as_of`). `scope_ids`: the ids of the tasks in
    scope, a set or a queryset (read only when a round's due date has passed)."""
    rounds = narrow_rounds(Round.objects.visible_to(user).filter(opens_on__lte=as_of), plan, category, year)
    reports = Report.objects.all() if user.sees_all_tasks else Report.objects.filter(unit_id=user.unit_id)
    out = []
    for rnd in rounds.order_by("due_on", "pk"):
        c = slot_counts(reports.filter(round=rnd), rnd, as_of)
        passed = as_of > rnd.due_on
        if passed:
            if not isinstance(scope_ids, (set, frozenset)):
                scope_ids = {pk for (pk,) in raw_rows(scope_ids.order_by(), "pk")}  # 100,000 ids: no per-row ORM
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
