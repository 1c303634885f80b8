"""The figures of the dashboards, computed: plain functions over the other apps' data.

Status lights are computed, not stored (``duban.supervision.status``): for 100,000
tasks that is seconds of work. ``lights(as_of)`` computes every active task's light
for today once per data version and keeps it in Django's cache, so every dashboard,
scope and filter built in the same data version shares one computation. Counts that
need no light (reports per round and per unit) are SQL aggregates (GROUP BY).

Definitions (the pages print them in Chinese):

- a task's light: ``duban.supervision.status`` on the date (red, yellow, green, done
  = closed 销号); the effective deadline is the one after approved extensions;
- completion rate (办结率): done tasks ÷ tasks;
- overdue task (逾期任务): not done, effective deadline before the date;
- report slot (应报报告): one task × one responsible unit in one round;
- on time (按时报送): first submitted on a local date no later than the round's due
  date; late (迟报): first submitted after it, by the date; missing (缺报): not
  submitted by the date, the due date having passed; pending (未到截止): not
  submitted yet, the due date not passed;
- returned report (被退回报告): a slot sent back at least once (by the office, the
  unit head or the lead unit): now returned, or submitted more than once.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.core.cache import cache
from django.db.models import Count, Q
from django.utils import timezone

from duban.lib import dataversion
from duban.org.models import Leader, Unit
from duban.plans import ledger_cache
from duban.plans.models import Plan, Section, Task, TaskLeader, TaskUnit

COLORS = ("red", "yellow", "green", "done")
COLOR_LABELS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "done": "已销号"}
LIST_LIMIT = 50  # rows of each task list on the overview (the rest: a link to the ledger)
DUE_SOON_DAYS = 30

# A light: (color, reasons in words, effective deadline).
Light = tuple[str, str, "dt.date | None"]


# --- the lights of every task, cached --------------------------------------------------

def lights(as_of: dt.date, tasks=None) -> dict[int, Light]:
    """The light of every active task on `as_of` (or of `tasks` only, a queryset, when
    given), by task id.

    Today's lights of all tasks are computed once per day (and status rules), then kept
    current: each call reads which tasks' facts changed since (the log of
    duban.supervision.changes) and recomputes those alone. The map is held in the
    process and shared with other processes through the cache. A page about a few
    tasks (a unit's own view) asks with `tasks`: it takes them from that map when it
    is there, and otherwise computes just its own tasks' (milliseconds, where all
    100,000 take seconds) rather than all of them. Another date's lights are computed
    for the page that asks (whose body is cached in turn): a light map is megabytes
    for 100,000 tasks, and the dates anyone may ask for are many."""
    from duban.supervision import changes
    from duban.supervision.models import StatusRules
    from duban.supervision.status import as_rules, compute_status, load_facts

    rules = as_rules(StatusRules.current())  # before the version: its first reading writes the defaults

    def build(qs) -> dict[int, Light]:
        # status_for_tasks() reads the same facts; reading them here also gives the
        # effective deadlines (plans.lights.attach_status does the same).
        facts = load_facts(qs, as_of)
        out: dict[int, Light] = {}
        for pk, f in facts.items():
            s = compute_status(f, as_of, rules)
            out[pk] = (s.color, s.text, f.deadline)
        return out

    everything = Task.objects.active()
    epoch = changes.epoch() if ledger_cache.seconds() else None
    if as_of != timezone.localdate() or epoch is None:
        return build(everything if tasks is None else tasks)
    key = f"dash-lights:{as_of.isoformat()}:{_digest(repr(rules))}:{epoch}"
    held = _held.get(key) or cache.get(key)
    if held is None and tasks is not None:
        return build(tasks)
    # One computation per process at a time: the threads rebuilding several dashboards
    # after a write (duban.dashboards.refresh) wait for the first one's map instead of
    # each computing all of it.
    with _lights_lock:
        held = _held.get(key) or held or cache.get(key)
        if held is not None:
            seq, shared_seq, got = held
            newest, changed = changes.since(seq, PATCH_LIMIT)
            if changed is not None:
                if changed:
                    patch = build(everything.filter(pk__in=changed))
                    got = {**got, **patch}  # a new map: other threads may be reading the old one
                    for pk in changed - patch.keys():
                        got.pop(pk, None)  # withdrawn or deleted
                    if newest - shared_seq > SHARE_EVERY:  # spare other processes the log since
                        shared_seq = newest
                        cache.set(key, (newest, newest, got), LIGHTS_SECONDS)
                _held.clear()
                _held[key] = (newest, shared_seq, got)
                return got
        seq = changes.newest()  # before the facts: a later change is read next time
        got = build(everything)
        _held.clear()
        _held[key] = (seq, seq, got)
        cache.set(key, (seq, seq, got), LIGHTS_SECONDS)
        return got


_lights_lock = threading.Lock()
_held: dict[str, tuple[int, int, dict[int, Light]]] = {}  # this process's map: {key: (seq, seq shared, lights)}
PATCH_LIMIT = 5000  # more changes than this since the map: computed again whole
SHARE_EVERY = 2000  # the cache's copy is renewed after this many changes
LIGHTS_SECONDS = 26 * 3600  # the key holds the date


def forget_lights() -> None:
    """Drops the lights this process holds (tests: the data they came from was rolled back)."""
    with _lights_lock:
        _held.clear()


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def cache_key(name: str, parts: tuple) -> str | None:
    """A cache key under `name`, `parts` and the data version (so nothing is served
    after a change of the data), or None when the cache is off (LEDGER_CACHE_SECONDS
    = 0) or there is no data version yet."""
    version = dataversion.current() if ledger_cache.seconds() else None
    if version is None:
        return None
    return f"dash-{name}:{':'.join(str(p) for p in parts)}:{version}"


def cached(name: str, parts: tuple, build):
    """`build()`, kept in the cache under `cache_key(name, parts)`."""
    key = cache_key(name, parts)
    got = cache.get(key) if key else None
    if got is None:
        got = build()
        if key:
            cache.set(key, got, ledger_cache.seconds())
    return got


def scope_tasks(user, plan: Plan | None = None):
    """The active tasks `user` may see (Task.objects.visible_to), of `plan` if given."""
    tasks = Task.objects.visible_to(user).active()
    return tasks.filter(plan=plan) if plan is not None else tasks


def local_end(day: dt.date) -> dt.datetime:
    """The first moment after `day`, local time: "submitted by `day`" is ``< local_end(day)``."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def pct(part: int, whole: int) -> float | None:
    """A percentage with one decimal, or None (shown "—") when there is nothing to count."""
    return round(part * 100 / whole, 1) if whole else None


def fraction(part: int, whole: int) -> float | None:
    return part / whole if whole else None


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
            "trend": {
                "labels": [r.name for r in self.trend],
                "on_time_rate": [r.on_time_rate for r in self.trend],
                "series": {c: [r.counts.get(c, 0) for r in self.trend] for c in COLORS},
            },
        }


def _task_rows(ids: list[int], light_of: dict[int, Light], as_of: dt.date) -> list[TaskRow]:
    """The listed tasks' details, in the order of `ids` (a fixed number of queries)."""
    tasks = (
        Task.objects.filter(pk__in=ids).select_related("section")
        .prefetch_related("leader_links__leader", "assignments__unit")
    )
    by_pk = {t.pk: t for t in tasks}
    rows = []
    for pk in ids:
        t = by_pk.get(pk)
        if t is None:
            continue
        color, text, deadline = light_of[pk]
        leads = sorted((a for a in t.assignments.all() if a.role == TaskUnit.Role.LEAD), key=lambda a: a.order)
        rows.append(TaskRow(
            pk=pk, number=t.number, title=t.title, section=t.section.title if t.section else "",
            leaders="、".join(link.leader.name for link in t.leader_links.all()),
            lead_units="、".join(a.unit.name for a in leads), color=color, reasons=text, deadline=deadline,
            days_left=(deadline - as_of).days if deadline else None,
        ))
    return rows


def overview(user, as_of: dt.date, plan: Plan | None = None) -> Overview:
    """The overview of the tasks `user` may see (of `plan`), on `as_of`: built once per
    visibility scope, date, plan and data version, shared by the pages that show it
    (the office's and the leaders' overview and meeting-room screen)."""
    return cached("overview", (ledger_cache.scope(user), as_of.isoformat(), plan.pk if plan else ""),
                  lambda: _overview(user, as_of, plan))


def _overview(user, as_of: dt.date, plan: Plan | None) -> Overview:
    tasks = scope_tasks(user, plan)
    light_of = lights(as_of, None if user.sees_all_tasks else tasks)
    rows = [r for r in tasks.order_by().values_list("pk", "section_id", "plan_id", "order") if r[0] in light_of]
    color = {pk: light_of[pk][0] for pk, *_ in rows}
    counts = Counter(color.values())
    doc_order = {pk: (-plan_id, order) for pk, _, plan_id, order in rows}

    # By chapter, in document order.
    by_section: dict[int | None, Counter] = defaultdict(Counter)
    for pk, section_id, _, _ in rows:
        by_section[section_id][color[pk]] += 1
    sections = [
        Group(s.pk, f"{s.plan.year}·{s.title}" if plan is None and _several_plans(rows) else s.title, by_section[s.pk])
        for s in Section.objects.filter(pk__in=[k for k in by_section if k]).select_related("plan")
        .order_by("-plan__year", "-plan_id", "order")
    ]
    if None in by_section:
        sections.append(Group(None, "（未分部分）", by_section[None]))

    ids_query = tasks.values("pk")
    # By lead leader (a task with two leaders counts for each), in the plan's order.
    by_leader: dict[int, Counter] = defaultdict(Counter)
    for task_id, leader_id in TaskLeader.objects.filter(task__in=ids_query).order_by().values_list("task_id", "leader_id"):
        if task_id in color:
            by_leader[leader_id][color[task_id]] += 1
    leaders = [Group(l.pk, l.name, by_leader[l.pk]) for l in Leader.objects.filter(pk__in=list(by_leader))]

    # By lead unit, most trouble first.
    by_unit: dict[int, Counter] = defaultdict(Counter)
    for task_id, unit_id in TaskUnit.objects.filter(task__in=ids_query, role=TaskUnit.Role.LEAD).order_by().values_list(
            "task_id", "unit_id"):
        if task_id in color:
            by_unit[unit_id][color[task_id]] += 1
    units = sorted((Group(u.pk, u.name, by_unit[u.pk]) for u in Unit.objects.filter(pk__in=list(by_unit))),
                   key=_trouble)

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
        sections=sections, leaders=leaders, units=units,
        red=red, red_total=red_total, yellow=yellow, yellow_total=yellow_total, due_soon=soon, due_soon_total=soon_total,
        trend=trend(user, as_of, plan, set(color), counts),
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
    passed = as_of > rnd.due_on
    return {
        "slots": agg["slots"],
        "on_time": agg["on_time"],
        "late": agg["by_date"] - agg["on_time"] if passed else 0,
        "missing": agg["slots"] - agg["by_date"] if passed else 0,
        "pending": 0 if passed else agg["slots"] - agg["by_date"],
    }


def trend(user, as_of: dt.date, plan: Plan | None, scope_ids: set[int], current: Counter) -> list[RoundRow]:
    """Per round opened by `as_of`, oldest first: the report slots on time, late,
    missing, pending (the viewer's own unit's slots for a unit's people, every slot
    for the office and leaders), and the tasks in scope by light on the round's due
    date (a round not yet due: on `as_of`)."""
    from duban.rounds.models import Report, Round

    from .snapshots import colors_on_due_date

    rounds = Round.objects.visible_to(user).filter(opens_on__lte=as_of)
    if plan is not None:
        rounds = rounds.filter(plan=plan)
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


def matrix(as_of: dt.date, *, plan: Plan | None = None, section: Section | None = None, order: str = "trouble",
           page: int = 1) -> Matrix:
    """Every unit against the tasks it carries (lead or co), by the task's light.
    Rows: units with a part in the filtered tasks (collective assignees such as 各部门
    last); columns: the tasks in document order, MATRIX_PAGE a page. Each row also
    counts, over every filtered task, the tasks the unit leads and co-works on and
    how many of them are red, yellow, green, done."""
    light_of = lights(as_of)
    tasks = Task.objects.active()
    if plan is not None:
        tasks = tasks.filter(plan=plan)
    if section is not None:
        tasks = tasks.filter(section=section)
    ordered = [pk for pk in tasks.order_by("-plan__year", "-plan_id", "order").values_list("pk", flat=True)
               if pk in light_of]
    pages = max(1, -(-len(ordered) // MATRIX_PAGE))
    page = min(max(page, 1), pages)
    page_ids = ordered[(page - 1) * MATRIX_PAGE: page * MATRIX_PAGE]
    details = {pk: (number, title) for pk, number, title in Task.objects.filter(pk__in=page_ids)
               .values_list("pk", "number", "title")}
    columns = [MatrixColumn(pk, details[pk][0], details[pk][1], light_of[pk][0], light_of[pk][1]) for pk in page_ids]
    position = {pk: i for i, pk in enumerate(page_ids)}

    rows: dict[int, MatrixRow] = {}
    units = {u.pk: u for u in Unit.objects.filter(pk__in=TaskUnit.objects.filter(task__in=tasks).values("unit_id"))}
    for unit in units.values():
        rows[unit.pk] = MatrixRow(unit.pk, unit.name, unit.is_collective, [MatrixCell("") for _ in page_ids])
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
    key = (lambda r: (r.collective, r.name)) if order == "name" else (
        lambda r: (r.collective, -r.counts["red"], -r.counts["yellow"], -(r.lead + r.co), r.name))
    return Matrix(columns=columns, rows=sorted(rows.values(), key=key), tasks_total=len(ordered), page=page,
                  pages=pages)


# --- the unit league table (考核) ------------------------------------------------------------

@dataclass
class UnitScore:
    pk: int
    name: str
    due_slots: int = 0
    on_time: int = 0
    returned: int = 0
    tasks: int = 0  # tasks carried, lead or co (not those of a collective assignee such as 各部门)
    done: int = 0
    overdue: int = 0
    score: Decimal | None = None
    rank: int | None = None
    filled: list[str] = field(default_factory=list)  # rates without data, taken as the others' average

    @property
    def on_time_rate(self) -> float | None:
        return pct(self.on_time, self.due_slots)

    @property
    def completion_rate(self) -> float | None:
        return pct(self.done, self.tasks)


def score(weights, on_time: float | None, completion: float | None, returned: int, overdue: int
          ) -> tuple[Decimal | None, list[str]]:
    """得分 = w₁×按时报送率 + w₂×办结率 − w₃×被退回报告数 − w₄×逾期任务数, rates as
    fractions of 1, rounded to one decimal. A rate without data (no report due yet,
    no task) is taken as the weighted average of the unit's other rates; with no
    rate at all there is no score. Returns the score and the rates filled in."""
    rates = {"on_time": (on_time, Decimal(weights.on_time)), "completion": (completion, Decimal(weights.completion))}
    known = {k: (Decimal(str(v)), w) for k, (v, w) in rates.items() if v is not None}
    if not known:
        return None, []
    wsum = sum(w for _, w in known.values())
    fill = (sum(v * w for v, w in known.values()) / wsum) if wsum else (sum(v for v, _ in known.values()) / len(known))
    total = sum(w * (known[k][0] if k in known else fill) for k, (_, w) in rates.items())
    total -= Decimal(weights.returned) * returned + Decimal(weights.overdue) * overdue
    return total.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), [k for k in rates if k not in known]


def league(as_of: dt.date, weights, plan: Plan | None = None) -> tuple[list[UnitScore], list[UnitScore]]:
    """Each real unit (not a collective assignee) with a part in the tasks: on-time
    rate over the report slots of rounds due before `as_of`, returned reports in the
    rounds opened by `as_of`, tasks it carries (lead or co) done and overdue, and the
    score. Returns (ranked, unranked: units with no rate to score)."""
    from duban.rounds.models import Report, ReportVersion, Round

    light_of = lights(as_of)
    tasks = Task.objects.active()
    if plan is not None:
        tasks = tasks.filter(plan=plan)
    scores: dict[int, UnitScore] = {
        u.pk: UnitScore(u.pk, u.name)
        for u in Unit.objects.filter(is_collective=False, pk__in=TaskUnit.objects.filter(task__in=tasks).values("unit_id"))
    }
    for unit_id, task_id in TaskUnit.objects.filter(task__in=tasks).order_by().values_list("unit_id", "task_id"):
        s = scores.get(unit_id)
        if s is None or task_id not in light_of:
            continue
        color, _, deadline = light_of[task_id]
        s.tasks += 1
        if color == "done":
            s.done += 1
        elif deadline is not None and deadline < as_of:
            s.overdue += 1

    rounds = Round.objects.all() if plan is None else Round.objects.filter(plan=plan)
    for rnd in rounds.filter(due_on__lt=as_of):
        per_unit = (
            Report.objects.filter(round=rnd).order_by().values("unit_id")
            .annotate(slots=Count("pk"), on_time=Count("pk", filter=Q(first_submitted_at__lt=local_end(rnd.due_on))))
        )
        for row in per_unit:
            s = scores.get(row["unit_id"])
            if s is not None:
                s.due_slots += row["slots"]
                s.on_time += row["on_time"]
    # Submitted more than once: returned in between (an IN subquery, read once, not a
    # subquery per report).
    resubmitted = ReportVersion.objects.filter(number__gte=2).values("report_id")
    returned = (
        Report.objects.order_by().filter(round__in=rounds.filter(opens_on__lte=as_of))
        .filter(Q(status=Report.Status.RETURNED) | Q(pk__in=resubmitted))
        .values("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n")
    )
    for unit_id, n in returned:
        if unit_id in scores:
            scores[unit_id].returned = n

    ranked, unranked = [], []
    for s in scores.values():
        s.score, s.filled = score(weights, fraction(s.on_time, s.due_slots), fraction(s.done, s.tasks),
                                  s.returned, s.overdue)
        (ranked if s.score is not None else unranked).append(s)
    ranked.sort(key=lambda s: (-s.score, s.name))
    for i, s in enumerate(ranked):
        s.rank = ranked[i - 1].rank if i and ranked[i - 1].score == s.score else i + 1
    unranked.sort(key=lambda s: s.name)
    return ranked, unranked
