"""Indicator forecasts (指标预测): where a quantitative target will stand at its horizon.

The pure part (no Django) comes first:

- ``forecast(actuals, horizon, target=, comparator=, baseline=, start=)`` — the value
  at ``horizon`` from dated actual figures: a least-squares straight line over the
  points (the actuals, plus the baseline dated at the plan's start when both are
  given), evaluated at the horizon (``statistics.linear_regression``; x is days). When
  the latest actual is already dated on or after the horizon, nothing is extrapolated:
  the value is that latest actual. With too little data it says so (``note``) and
  gives no value: no actual at all; one actual and no baseline; every point on one day.
- ``meets_target(value, target, comparator)`` — ">=": value ≥ target; ">": value >
  target; "<=": value ≤ target; "=" (达到): value ≥ target, since these are
  attainment targets (overshooting 达到100个 is not a miss); "~" (左右): within ±5% of
  the target (``ABOUT_TOLERANCE``), either side.
- ``evaluate(indicator, horizon, start)`` — ``forecast`` for an ``Indicator`` (the
  plain values of one ``plans.Target`` and its actuals, as ``load_indicators`` reads
  them), and ``miss_reason`` — the status light's reason in words.

Values are compared as decimals rounded to 4 places (the database's precision), so a
line that lands on the target exactly is not lost to binary rounding.

Then the Django side (imports inside the functions, so the pure part loads without
Django): ``load_indicators`` reads the targets and actuals of many tasks
in two queries (used by ``duban.status.facts.load_facts``). The per-target results for
pages, dashboards and the API are ``duban.indicators.forecast.forecasts_for_tasks``
(the indicator pages sit above the status; this part sits below it).

Which actual figures count (see ``load_indicators``): figures of reports that went
out — status submitted or accepted — and were submitted on or before the as-of date;
while a report is submitted or accepted its figures are those of its latest frozen
version (the figures can only change in draft or returned). One figure per target and
round: a lead unit's report before a co-unit's, then the latest submitted. The figure
is dated by the round's period end (调度期止), or by the submission date when the report
went out before the period ended (a figure cannot describe a later day than the day
it was written).
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from statistics import linear_regression
from typing import Iterable

from duban.lib.rows import Dates, select, task_rows
from duban.plans.models import Target
from duban.rounds.models import Round, TargetActual

Number = Decimal | int | float

ABOUT_TOLERANCE = Decimal("0.05")  # "~" (左右): within ±5% of the target
PLACES = Decimal("0.0001")

METHOD_LINEAR = "按已报实际值线性外推（最小二乘）"
METHOD_LINEAR_BASELINE = "按基数和已报实际值线性外推（最小二乘）"
METHOD_REACHED = "已到期限，取最近一次实际值"
SHORT_METHOD = {METHOD_LINEAR: "线性外推", METHOD_LINEAR_BASELINE: "线性外推", METHOD_REACHED: "按最近实际值"}

NO_HORIZON = "没有完成时限，也没有方案年度，无法确定预测到哪一天"
NO_ACTUALS = "尚无已报送的实际值，无法预测"
ONE_POINT = "仅有 1 个实际值且未填写基数，数据不足，无法预测"
SAME_DAY = "实际值和基数都在同一天，数据不足，无法预测"

ON_TRACK, MISS, NO_DATA = "on_track", "miss", "no_data"
STATE_LABELS = {ON_TRACK: "预计达标", MISS: "预计未达标", NO_DATA: "数据不足"}
COMPARATORS = (">=", ">", "<=", "~", "=")
COMPARATOR_WORDS = {">=": "不低于", ">": "超过", "<=": "不超过", "~": "左右", "=": "达到"}


@dataclass(slots=True)
class Forecast:
    """The forecast of one indicator at `horizon`. `value` is None when there is too
    little data (`note` says why); `meets` is None then too. `line` is the fitted
    straight line as two points (at the earliest point used and at the horizon), empty
    when nothing was extrapolated. (Not frozen only because a frozen dataclass is
    slower to build, and the status lights build one per indicator.)"""

    horizon: dt.date | None
    value: Decimal | None
    method: str = ""
    meets: bool | None = None
    note: str = ""
    points: int = 0  # how many points the value rests on (the baseline counted)
    first: dt.date | None = None  # where the fitted line starts
    intercept: float | None = None  # the line's value there

    @property
    def line(self) -> tuple[tuple[dt.date, Decimal], ...]:
        if self.first is None or self.intercept is None:
            return ()
        return ((self.first, _rounded(self.intercept)), (self.horizon, self.value))

    @property
    def state(self) -> str:
        if self.meets is None:
            return NO_DATA
        return ON_TRACK if self.meets else MISS

    @property
    def state_label(self) -> str:
        return STATE_LABELS[self.state]

    @property
    def short_method(self) -> str:
        return SHORT_METHOD.get(self.method, self.method)


def dec(value: Number) -> Decimal:
    """A number as a Decimal (floats through their shortest repr, not their binary expansion)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def _rounded(value: float) -> Decimal:
    return Decimal(value).quantize(PLACES, rounding=ROUND_HALF_UP)


def meets_target(value: Number, target: Number, comparator: str) -> bool:
    """Whether `value` satisfies the target (see the module docstring for "=" and "~")."""
    v, t = dec(value), dec(target)
    if comparator in (">=", "="):
        return v >= t
    if comparator == ">":
        return v > t
    if comparator == "<=":
        return v <= t
    if comparator == "~":
        return abs(v - t) <= ABOUT_TOLERANCE * abs(t)
    raise ValueError(f"unknown comparator {comparator!r}")


def forecast(actuals: Iterable[tuple[dt.date, Number]], horizon: dt.date | None, *, target: Number,
             comparator: str, baseline: Number | None = None, start: dt.date | None = None) -> Forecast:
    """The value at `horizon` from dated `actuals` (and `baseline` dated `start`, when
    both are given); see the module docstring for the method and its limits."""
    if comparator not in COMPARATORS:
        raise ValueError(f"unknown comparator {comparator!r}")
    if horizon is None:
        return Forecast(None, None, note=NO_HORIZON)
    # Sorted by date (then value: the order of figures of one day changes nothing below
    # but which of them counts as the latest in the "reached" case).
    points = sorted([(d, v if type(v) is Decimal else dec(v)) for d, v in actuals])
    if not points:
        return Forecast(horizon, None, note=NO_ACTUALS)
    last_day, last_value = points[-1]
    if last_day >= horizon:
        value = last_value.quantize(PLACES, rounding=ROUND_HALF_UP)
        return Forecast(horizon, value, METHOD_REACHED, meets_target(value, target, comparator), points=1)
    method = METHOD_LINEAR
    if baseline is not None and start is not None:
        points.append((start, dec(baseline)))
        points.sort()
        method = METHOD_LINEAR_BASELINE
    if len(points) < 2:
        return Forecast(horizon, None, note=ONE_POINT)
    first = points[0][0]
    if points[-1][0] == first:
        return Forecast(horizon, None, note=SAME_DAY)
    xs = [float((d - first).days) for d, _ in points]
    ys = [float(v) for _, v in points]
    slope, intercept = linear_regression(xs, ys)
    value = _rounded(slope * (horizon - first).days + intercept)
    return Forecast(horizon, value, method, meets_target(value, target, comparator), "", len(points), first, intercept)


# --- indicators: one target with its actuals, as plain values -----------------------------

@dataclass(slots=True)
class Indicator:
    """One quantitative target (``plans.Target``) and its dated actual figures. `label`
    is what is measured, in words: the name itself, or (``task_title`` given) the
    target's text to be named from the task's title, when first asked (``name``)."""

    target_id: int
    label: str
    value: Decimal
    unit: str = ""
    comparator: str = ">="
    baseline: Decimal | None = None
    actuals: list[tuple[dt.date, Decimal]] = field(default_factory=list)
    task_title: str = ""  # for a parsed target: the title its text is found in

    @property
    def name(self) -> str:
        if self.task_title:
            self.label, self.task_title = indicator_name(self.label, self.task_title), ""
        return self.label


def horizon_for(deadline: dt.date | None, year: int | None) -> dt.date | None:
    """The day an indicator is forecast for: the task's (effective) deadline, or 31
    December of the plan's year for a task without one."""
    if deadline is not None:
        return deadline
    return dt.date(year, 12, 31) if year else None


def evaluate(ind: Indicator, horizon: dt.date | None, start: dt.date | None) -> Forecast:
    return forecast(ind.actuals, horizon, target=ind.value, comparator=ind.comparator,
                    baseline=ind.baseline, start=start)


def number(value: Number | None) -> str:
    """A figure as people write it: no exponent, no trailing zeros, at most 2 decimals
    once it is 1 or more (820, 4.25, 0.0035)."""
    if value is None:
        return "—"
    d = dec(value)
    if abs(d) >= 1:
        d = d.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    text = format(d.normalize(), "f")
    return "0" if text in ("-0", "") else text


def quantity(value: Number | None, unit: str) -> str:
    """820 个, 4.2%, 450 亿元."""
    if value is None:
        return "—"
    if not unit:
        return number(value)
    sep = "" if unit in ("%", "‰") else " "
    return f"{number(value)}{sep}{unit}"


def miss_reason(ind: Indicator, fc: Forecast, *, at_deadline: bool = True) -> str:
    """The yellow light's reason: 指标“新增就业岗位”预计到期达到 820 个，未达目标 1000 个（线性外推）."""
    when = "到期" if at_deadline else "年底"
    if fc.method == METHOD_REACHED:
        when = "最近"
    got, want = quantity(fc.value, ind.unit), quantity(ind.value, ind.unit)
    if ind.comparator == "<=":
        tail = f"预计{when}为 {got}，超过目标上限 {want}"
    elif ind.comparator == "~":
        tail = f"预计{when}为 {got}，偏离目标 {want} 左右（±{number(ABOUT_TOLERANCE * 100)}%）"
    elif ind.comparator == ">":
        tail = f"预计{when}达到 {got}，未超过目标 {want}"
    else:
        tail = f"预计{when}达到 {got}，未达目标 {want}"
    return f"指标“{ind.name}”{tail}（{fc.short_method}）"


_CLAUSES = re.compile(r"[，。；;！!？?\n]")
NAME_MAX = 30


def indicator_name(text: str, task_title: str = "", *, manual: bool = False) -> str:
    """What an indicator measures, in words. A hand-added indicator's text is its name
    (新增就业岗位). A parsed one's text is only the figure as written (不少于20个), so the
    name is the clause of the task title holding it (全年引进高质量项目1000个以上),
    shortened around the figure when the clause is long."""
    text = (text or "").strip()
    if manual or not task_title or not text:
        return text
    for clause in _CLAUSES.split(task_title):
        clause = clause.strip()
        at = clause.find(text)
        if at < 0:
            continue
        if len(clause) <= NAME_MAX:
            return clause
        begin = max(0, min(at - 12, len(clause) - NAME_MAX))
        end = min(len(clause), max(begin + NAME_MAX, at + len(text)))
        return ("…" if begin else "") + clause[begin:end] + ("…" if end < len(clause) else "")
    return text


# --- Django side: indicators of many tasks in bulk ---------------------------------------

COUNTED_STATUSES = ("submitted", "accepted")  # rounds.Report.Status values that count


def load_indicators(source, as_of: dt.date, dates=None) -> dict[int, list[Indicator]]:
    """The indicators of the tasks in `source` (a Task queryset, or a list of ids) on
    `as_of`: {task_id: [Indicator, …]} in target order, each with its actuals (one per
    round, dated; see the module docstring) sorted by date. Two queries for the
    targets and actuals, one for the rounds' period ends; tasks without targets are
    absent."""
    dates = dates or Dates(as_of)
    out: dict[int, list[Indicator]] = {}
    by_id: dict[int, Indicator] = {}
    for pk, task_id, value, unit, comparator, text, baseline, src, title in task_rows(
        ("forecast.targets",), lambda: Target.objects.order_by("task_id", "order", "id"), "task_id", source,
        "pk", "task_id", "value", "unit", "comparator", "text", "baseline", "source", "task__title",
    ):
        ind = Indicator(pk, text, dec(value), unit, comparator, None if baseline is None else dec(baseline),
                        task_title="" if src == "manual" else title)
        by_id[pk] = ind
        out.setdefault(task_id, []).append(ind)
    if not by_id:
        return out
    _load_actuals(by_id, source, as_of, dates)
    return out


def _load_actuals(by_id: dict[int, Indicator], source, as_of: dt.date, dates) -> None:
    period_end = {pk: dates.date(end) for pk, end in select(
        ("forecast.period_end",), lambda ids: Round.objects.order_by(), [], "pk", "period_end")}
    best: dict[tuple[int, int], tuple] = {}  # (target, round) → (rank, day, value)

    def actuals():
        return TargetActual.objects.order_by().filter(report__status__in=COUNTED_STATUSES,
                                                      report__submitted_at__isnull=False)

    for target_id, value, round_id, role, submitted_at, report_id in task_rows(
        ("forecast.actuals",), actuals, "report__task_id", source,
        "target_id", "value", "report__round_id", "report__role", "report__submitted_at", "report_id",
    ):
        if target_id not in by_id:
            continue
        if type(submitted_at) is dt.datetime and submitted_at.tzinfo is None:  # UTC, as SQLite gives it
            submitted_on = (submitted_at + dates.offset).date()
        else:
            submitted_on = dates.local_date(submitted_at)
        if submitted_on > as_of:
            continue
        rank = (role == "lead", submitted_at, report_id)  # one type per database: text or datetime
        key = (target_id, round_id)
        got = best.get(key)
        if got is None or rank > got[0]:
            end = period_end.get(round_id) or submitted_on
            best[key] = (rank, min(end, submitted_on), dec(value))
    for (target_id, _), (_, day, value) in best.items():
        by_id[target_id].actuals.append((day, value))
    for ind in by_id.values():
        if len(ind.actuals) > 1:
            ind.actuals.sort(key=lambda p: p[0])
