"""Status lights (红黄绿灯): a pure function over plain facts, and a bulk loader.

``compute_status(facts, as_of, rules)`` knows nothing of Django: it takes a
``TaskFacts`` (dates, milestones, report rounds), a date and a ``Rules`` and returns a
``Status`` (color and reasons in words). ``load_facts`` reads the facts of many tasks
in a handful of queries; ``status_for_tasks`` ties both together for the ledger,
dashboards and ``bench/status.py``.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

from duban.indicators.forecast import Indicator, evaluate, horizon_for, miss_reason

GREEN, YELLOW, RED, DONE = "green", "yellow", "red", "done"
LABELS = {GREEN: "绿灯", YELLOW: "黄灯", RED: "红灯", DONE: "已销号"}
SEVERITY = {DONE: 0, GREEN: 1, YELLOW: 2, RED: 3}


@dataclass(frozen=True)
class Rules:
    """The status rules as plain values (``StatusRules.as_rules()`` reads the office's)."""

    red_when_overdue: bool = True
    red_missed_rounds: int = 2
    yellow_days_before: int = 7
    yellow_milestone_overdue: bool = True
    yellow_report_returned: bool = True
    yellow_lag_points: int = 20
    yellow_forecast_miss: bool = True  # an indicator's forecast misses its target (duban.indicators)


@dataclass(slots=True)
class RoundFacts:
    """A task's part in one round: its due date, whether any of the task's reports was
    submitted (and on which date), whether one is currently returned."""

    round_id: int
    opens_on: dt.date
    due_on: dt.date
    submitted_on: dt.date | None = None  # earliest first submission of the task's reports
    returned: bool = False


@dataclass(slots=True)
class TaskFacts:
    """Everything the status of one task depends on."""

    task_id: int
    deadline: dt.date | None  # effective deadline (after approved extensions)
    original_deadline: dt.date | None = None
    start: dt.date | None = None  # when the clock for 序时进度 starts (plan issued / 1 Jan)
    closed_on: dt.date | None = None  # closed (销号) and not reopened as of the date
    milestones: list[tuple[dt.date | None, dt.date | None]] = field(default_factory=list)  # (due, done_on)
    rounds: list[RoundFacts] = field(default_factory=list)
    percent: int | None = None  # latest reported percent complete
    percent_on: dt.date | None = None
    year: int | None = None  # the plan's year: indicators of a task without deadline are forecast to 31 Dec
    indicators: list[Indicator] = field(default_factory=list)  # quantitative targets with dated actuals


@dataclass(slots=True)
class Status:
    color: str
    reasons: list[str]

    @property
    def label(self) -> str:
        return LABELS[self.color]

    @property
    def text(self) -> str:
        return "，".join(self.reasons)

    def __str__(self) -> str:
        return f"{self.label}：{self.text}" if self.reasons else self.label


def _d(day: dt.date) -> str:
    return day.isoformat()


_COLORS = (DONE, GREEN, YELLOW, RED)  # by severity


def compute_status(facts: TaskFacts, as_of: dt.date, rules: Rules = Rules()) -> Status:
    """The status of one task on `as_of`: done when closed; red when the deadline has
    passed or too many rounds were missed; yellow when the deadline is near, a milestone
    is overdue, a report was returned, progress lags 序时进度 or an indicator's forecast
    misses its target; green otherwise. Tasks with no date (持续推进) are judged on
    milestones, reports and indicators (forecast to 31 December of the plan's year)."""
    closed_on = facts.closed_on
    if closed_on is not None and closed_on <= as_of:
        return Status(DONE, [f"已于 {closed_on.isoformat()} 销号"])

    level = 1  # green; 2 yellow, 3 red
    reasons: list[str] = []

    # Deadline.
    dl = facts.deadline
    if dl is not None:
        days = (dl - as_of).days
        orig = facts.original_deadline
        note = f"（原时限 {orig.isoformat()}，已延期）" if orig is not None and dl != orig else ""
        if days < 0:
            reasons.append(f"完成时限 {dl.isoformat()}{note}，已逾期 {-days} 天")
            if rules.red_when_overdue:
                level = 3
        else:
            reasons.append(f"完成时限 {dl.isoformat()}{note}，剩余 {days} 天")
            if rules.yellow_days_before and days <= rules.yellow_days_before:
                level = 2
    else:
        reasons.append("持续推进，无固定时限")

    # Milestones.
    if facts.milestones:
        overdue = [due for due, done in facts.milestones
                   if due is not None and due < as_of and (done is None or done > as_of)]
        if overdue:
            reasons.append(f"{len(overdue)} 个节点逾期（最早 {min(overdue).isoformat()}）")
            if rules.yellow_milestone_overdue and level < 2:
                level = 2

    # Rounds and reports.
    if facts.rounds:
        rounds = sorted(facts.rounds, key=lambda r: (r.due_on, r.round_id)) if len(facts.rounds) > 1 else facts.rounds
        started = [r for r in rounds if r.opens_on <= as_of]
        missed = 0
        current_unreported = None
        for r in started:
            unreported = r.submitted_on is None or r.submitted_on > as_of
            if as_of > r.due_on:
                missed += unreported
            elif current_unreported is None or current_unreported:
                current_unreported = unreported
        if missed:
            reasons.append(f"缺报 {missed} 期")
            if rules.red_missed_rounds and missed >= rules.red_missed_rounds:
                level = 3
        if current_unreported:
            reasons.append("本期未报送")
        if started and started[-1].returned:
            reasons.append("调度报告被退回")
            if rules.yellow_report_returned and level < 2:
                level = 2

    # Progress against time elapsed (序时进度), dated tasks only, once a percent is reported.
    start = facts.start
    if dl is not None and facts.percent is not None and start is not None and dl > start and rules.yellow_lag_points:
        elapsed = min(max((as_of - start).days / (dl - start).days, 0.0), 1.0) * 100
        lag = elapsed - facts.percent
        if lag > rules.yellow_lag_points:
            reasons.append(f"报送进度 {facts.percent}%，落后序时进度 {round(lag)} 个百分点")
            if level < 2:
                level = 2

    # Indicators: the year-end (or deadline) forecast from the actuals reported so far
    # (duban.indicators.forecast); too little data to forecast is not a warning.
    if rules.yellow_forecast_miss and facts.indicators:
        horizon = horizon_for(dl, facts.year)
        for ind in facts.indicators:
            fc = evaluate(ind, horizon, start)
            if fc.meets is False:
                reasons.append(miss_reason(ind, fc, at_deadline=dl is not None))
                if level < 2:
                    level = 2

    return Status(_COLORS[level], reasons)


# --- Django side: loading facts in bulk ---------------------------------------------

def _rules(rules: Rules | None) -> Rules:
    if rules is not None:
        return rules
    from .models import StatusRules

    return as_rules(StatusRules.current())


def as_rules(obj) -> Rules:
    return Rules(
        red_when_overdue=obj.red_when_overdue,
        red_missed_rounds=obj.red_missed_rounds,
        yellow_days_before=obj.yellow_days_before,
        yellow_milestone_overdue=obj.yellow_milestone_overdue,
        yellow_report_returned=obj.yellow_report_returned,
        yellow_lag_points=obj.yellow_lag_points,
        yellow_forecast_miss=obj.yellow_forecast_miss,
    )


def _chunks(ids: list[int], size: int = 5000):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def _filtered(qs, field_name: str, tasks):
    """Yields querysets of `qs` restricted to `tasks`: one subquery when `tasks` is a
    queryset, id chunks (within SQLite's parameter limit) otherwise."""
    from django.db.models import QuerySet

    if isinstance(tasks, QuerySet):
        if tasks.model is qs.model and field_name == "pk":
            yield tasks
        elif not tasks.query.where and not tasks.query.is_sliced:
            yield qs  # every task: no filter needed
        else:
            yield qs.filter(**{f"{field_name}__in": tasks.values("pk")})
    else:
        for chunk in _chunks(list(tasks)):
            yield qs.filter(**{f"{field_name}__in": chunk})


def _rows(qs, *fields):
    """The rows of ``qs.values_list(*fields)`` straight from the database cursor: the
    SQL is the ORM's, but Django's per-value converters are skipped (on SQLite dates
    come back as text; ``_date``/``_local_date`` turn them into dates, cached)."""
    from django.db import connections

    sql, params = qs.values_list(*fields).query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            chunk = cursor.fetchmany(20000)
            if not chunk:
                return
            yield from chunk


class _Dates:
    """Text → date conversions with a cache (a few hundred distinct dates cover
    100,000 tasks). Datetimes become local dates with the zone's offset for the
    as-of date (Asia/Shanghai has no daylight saving)."""

    def __init__(self, as_of: dt.date):
        from django.utils import timezone

        tz = timezone.get_current_timezone()
        self.tz = tz
        self.offset = dt.datetime(as_of.year, as_of.month, as_of.day, 12, tzinfo=tz).utcoffset() or dt.timedelta()
        self.dates: dict = {}
        self.hours: dict = {}

    def date(self, v):
        if v is None or type(v) is dt.date:
            return v
        got = self.dates.get(v)
        if got is None:
            got = self.dates[v] = dt.date.fromisoformat(str(v)[:10])
        return got

    def local_date(self, v):
        """A stored UTC moment (text on SQLite, aware datetime elsewhere) as a local date."""
        if v is None:
            return None
        if isinstance(v, dt.datetime):
            if v.tzinfo is None:
                v = v.replace(tzinfo=dt.timezone.utc)
            return v.astimezone(self.tz).date()
        key = v[:13]  # date and hour decide the local date for whole-hour offsets
        got = self.hours.get(key)
        if got is None:
            got = self.hours[key] = (dt.datetime.fromisoformat(v[:19]) + self.offset).date()
        return got


def load_facts(tasks, as_of: dt.date) -> dict[int, TaskFacts]:
    """The facts of `tasks` (a Task queryset, or an iterable of tasks or ids) on
    `as_of`, in one query per kind of fact (tasks, extensions, closures, milestones,
    reports, indicators and their actuals)."""
    import gc

    from django.db.models import QuerySet

    from duban.plans.models import Task
    from duban.workplans.models import Milestone

    from .models import ExtensionRequest, RequestStatus, TaskClosure

    if isinstance(tasks, QuerySet):
        source = tasks.order_by()
    else:
        source = [t if isinstance(t, int) else t.pk for t in tasks]
    dates = _Dates(as_of)
    facts: dict[int, TaskFacts] = {}
    # Building many small objects triggers the cyclic collector over and over; none
    # of them form cycles, so it is paused while they are built.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for qs in _filtered(Task.objects.order_by(), "pk", source):  # the tasks themselves
            for pk, deadline, issued, year in _rows(qs, "pk", "deadline", "plan__issued", "plan__year"):
                deadline = dates.date(deadline)
                facts[pk] = TaskFacts(pk, deadline, deadline, dates.date(issued) or dt.date(year, 1, 1), year=year)
        if not facts:
            return facts

        ext = ExtensionRequest.objects.order_by().filter(status=RequestStatus.APPROVED, decided_on__lte=as_of)
        latest: dict[int, tuple] = {}
        for qs in _filtered(ext, "task_id", source):
            for task_id, decided_on, pk, new in _rows(qs, "task_id", "decided_on", "pk", "new_deadline"):
                key = (dates.date(decided_on), pk)
                if task_id not in latest or key > latest[task_id][0]:
                    latest[task_id] = (key, dates.date(new))
        for task_id, (_, new) in latest.items():
            if task_id in facts:
                facts[task_id].deadline = new

        closures = TaskClosure.objects.order_by().filter(closed_on__lte=as_of).exclude(reopened_on__lte=as_of)
        for qs in _filtered(closures, "task_id", source):
            for task_id, closed_on in _rows(qs, "task_id", "closed_on"):
                if task_id in facts:
                    facts[task_id].closed_on = dates.date(closed_on)

        get = facts.get
        for qs in _filtered(Milestone.objects.order_by(), "task_id", source):
            for task_id, due, done_on in _rows(qs, "task_id", "due", "done_on"):
                f = get(task_id)
                if f is not None:
                    f.milestones.append((dates.date(due), dates.date(done_on)))

        if round_rules_available():
            _load_round_facts(facts, source, as_of, dates)

        from duban.indicators.forecast import load_indicators

        for task_id, indicators in load_indicators(source, as_of, dates).items():
            f = get(task_id)
            if f is not None:
                f.indicators = indicators
    finally:
        if gc_was_enabled:
            gc.enable()
    return facts


def _load_round_facts(facts: dict[int, TaskFacts], source, as_of: dt.date, dates: _Dates) -> None:
    """Per task and round: earliest submission date, returned flag; and the latest
    reported percent (lead-unit reports preferred, returned ones ignored)."""
    from duban.rounds.models import Report, Round

    per_task: dict[int, dict[int, RoundFacts]] = defaultdict(dict)
    best_percent: dict[int, tuple] = {}
    # The rounds opened by the date, read once: a few rows, so the reports need no join.
    opened = {
        pk: (dates.date(opens_on), dates.date(due_on))
        for pk, opens_on, due_on in _rows(Round.objects.order_by().filter(opens_on__lte=as_of), "pk", "opens_on", "due_on")
    }
    if not opened:
        return
    rows = Report.objects.order_by().filter(round_id__in=list(opened))
    returned = Report.Status.RETURNED.value
    for qs in _filtered(rows, "task_id", source):
        for task_id, round_id, status, first_at, sub_at, percent, role in _rows(
            qs, "task_id", "round_id", "status", "first_submitted_at", "submitted_at", "percent", "role",
        ):
            rounds = per_task[task_id]
            rf = rounds.get(round_id)
            if rf is None:
                rf = rounds[round_id] = RoundFacts(round_id, *opened[round_id])
            first_on = dates.local_date(first_at)
            if first_on is not None and (rf.submitted_on is None or first_on < rf.submitted_on):
                rf.submitted_on = first_on
            if status == returned:
                rf.returned = True
            elif percent is not None and sub_at is not None:
                sub_on = dates.local_date(sub_at)
                if sub_on <= as_of:
                    key = (role == "lead", sub_on, round_id)
                    best = best_percent.get(task_id)
                    if best is None or key > best[0]:
                        best_percent[task_id] = (key, percent)
    for task_id, rounds in per_task.items():
        f = facts.get(task_id)
        if f is not None:
            f.rounds = list(rounds.values())
    for task_id, (key, percent) in best_percent.items():
        f = facts.get(task_id)
        if f is not None:
            f.percent, f.percent_on = percent, key[1]


def round_rules_available() -> bool:
    """Whether the round-based rules (missed rounds, returned reports, 序时进度 from
    reported percent) can run: true when duban.rounds is installed."""
    from django.apps import apps

    return apps.is_installed("duban.rounds")


def status_for_tasks(tasks, as_of: dt.date | None = None, rules: Rules | None = None) -> dict[int, Status]:
    """Status of many tasks by task id, for the ledger, dashboards and the benchmark."""
    from django.utils import timezone

    import gc

    as_of = as_of or timezone.localdate()
    rules = _rules(rules)
    facts = load_facts(tasks, as_of)
    enabled = gc.isenabled()
    gc.disable()  # no cycles among the results; see load_facts
    try:
        return {pk: compute_status(f, as_of, rules) for pk, f in facts.items()}
    finally:
        if enabled:
            gc.enable()


def task_status(task, as_of: dt.date | None = None, rules: Rules | None = None) -> Status:
    """Status of one task (a Task or its id)."""
    from django.utils import timezone

    as_of = as_of or timezone.localdate()
    pk = task if isinstance(task, int) else task.pk
    return status_for_tasks([pk], as_of, rules)[pk]


def effective_deadline(task, as_of: dt.date | None = None) -> dt.date | None:
    """The deadline in force: the latest approved extension's new date, else
    ``Task.deadline`` (which always keeps the original)."""
    from django.utils import timezone

    from .models import ExtensionRequest, RequestStatus

    as_of = as_of or timezone.localdate()
    latest = (
        ExtensionRequest.objects.filter(task_id=task.pk, status=RequestStatus.APPROVED, decided_on__lte=as_of)
        .order_by("-decided_on", "-id").values_list("new_deadline", flat=True).first()
    )
    return latest or task.deadline


def effective_deadlines(tasks, as_of: dt.date | None = None) -> dict[int, dt.date | None]:
    """``effective_deadline`` for many tasks in one query (for the ledger's two
    deadline columns: original ``Task.deadline`` and this)."""
    from django.utils import timezone

    as_of = as_of or timezone.localdate()
    return {pk: f.deadline for pk, f in load_facts(tasks, as_of).items()}


def is_closed(task, as_of: dt.date | None = None) -> bool:
    from django.utils import timezone

    from .models import TaskClosure

    as_of = as_of or timezone.localdate()
    return (
        TaskClosure.objects.filter(task_id=task.pk, closed_on__lte=as_of)
        .exclude(reopened_on__lte=as_of).exists()
    )


def statuses_of(facts: Iterable[TaskFacts], as_of: dt.date, rules: Rules = Rules()) -> list[Status]:
    return [compute_status(f, as_of, rules) for f in facts]
