"""The forecasts of tasks' indicators (指标预测) for the pages, dashboards and the API.

The forecast itself (the pure math, and reading targets and actuals) is
``duban.status.forecast``, below the status light that uses it; the results here take
each task's facts from ``duban.status.facts.load_facts`` (its effective deadline, the
plan's year and start)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from duban.status.facts import load_facts
from duban.status.forecast import Forecast, Indicator, evaluate, horizon_for, miss_reason


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    """An indicator of a task with its forecast, for pages, dashboards and the API."""

    task_id: int
    indicator: Indicator
    forecast: Forecast
    start: dt.date | None  # the plan's start: the baseline's date
    horizon_is_deadline: bool  # False: 31 December of the plan's year (no deadline)

    @property
    def target_id(self) -> int:
        return self.indicator.target_id

    @property
    def latest(self) -> tuple[dt.date, Decimal] | None:
        return self.indicator.actuals[-1] if self.indicator.actuals else None

    @property
    def miss_reason(self) -> str:
        return miss_reason(self.indicator, self.forecast, at_deadline=self.horizon_is_deadline) \
            if self.forecast.meets is False else ""


def results_from_facts(facts) -> list[IndicatorResult]:
    """The forecasts of one task's indicators from its ``TaskFacts`` (pure)."""
    horizon = horizon_for(facts.deadline, facts.year)
    return [IndicatorResult(facts.task_id, ind, evaluate(ind, horizon, facts.start), facts.start,
                            facts.deadline is not None) for ind in facts.indicators]


def forecasts_for_tasks(tasks, as_of: dt.date | None = None) -> dict[int, IndicatorResult]:
    """Every indicator of `tasks` (a Task queryset — e.g. ``Task.objects.visible_to(user)``
    — or task ids) with its forecast on `as_of` (today by default), by target id. The
    horizon is each task's effective deadline (approved extensions applied) or 31
    December of its plan's year; facts come from ``duban.status.facts.load_facts``."""
    as_of = as_of or timezone.localdate()
    out: dict[int, IndicatorResult] = {}
    for f in load_facts(tasks, as_of).values():
        if f.indicators:
            for r in results_from_facts(f):
                out[r.target_id] = r
    return out
