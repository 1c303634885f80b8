"""The status light (红黄绿灯) rules: a pure function over plain facts.

``compute_status(facts, as_of, rules)`` knows nothing of Django: it takes a
``TaskFacts`` (dates, milestones, report rounds, indicators), a date and a ``Rules``
and returns a ``Status`` (colour and reasons in words). ``duban.status.facts`` reads
the facts from the database; ``duban.status.store`` keeps the result per task.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable

from .forecast import Indicator, evaluate, horizon_for, miss_reason

GREEN, YELLOW, RED, DONE = "green", "yellow", "red", "done"
LABELS = {GREEN: "绿灯", YELLOW: "黄灯", RED: "红灯", DONE: "已销号"}
SEVERITY = {DONE: 0, GREEN: 1, YELLOW: 2, RED: 3}


@dataclass(frozen=True)
class Rules:
    """The status rules as plain values (``duban.status.facts.current_rules`` reads the office's)."""

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
    deadline: dt.date | None = None  # the deadline in force (after approved extensions)

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
        return Status(DONE, [f"已于 {closed_on.isoformat()} 销号"], facts.deadline)

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
    # (duban.status.forecast); too little data to forecast is not a warning.
    if rules.yellow_forecast_miss and facts.indicators:
        horizon = horizon_for(dl, facts.year)
        for ind in facts.indicators:
            fc = evaluate(ind, horizon, start)
            if fc.meets is False:
                reasons.append(miss_reason(ind, fc, at_deadline=dl is not None))
                if level < 2:
                    level = 2

    return Status(_COLORS[level], reasons, facts.deadline)


def statuses_of(facts: Iterable[TaskFacts], as_of: dt.date, rules: Rules = Rules()) -> list[Status]:
    return [compute_status(f, as_of, rules) for f in facts]
