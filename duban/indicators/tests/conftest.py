"""Indicator test helpers: reports with actual figures, written through the real round
actions under a frozen clock."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
import time_machine
from django.utils import timezone


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour))


def exact_line_at(points, horizon: dt.date) -> Fraction:
    """The least-squares line through `points` [(date, number)] at `horizon`, in exact
    rationals (the textbook formula; independent of the code under test)."""
    x0 = min(d for d, _ in points)
    xs = [Fraction((d - x0).days) for d, _ in points]
    ys = [Fraction(str(v)) for _, v in points]
    n = len(xs)
    xbar, ybar = sum(xs) / n, sum(ys) / n
    slope = sum((x - xbar) * (y - ybar) for x, y in zip(xs, ys)) / sum((x - xbar) ** 2 for x in xs)
    return ybar + slope * (Fraction((horizon - x0).days) - xbar)


def as_4places(value: Fraction) -> Decimal:
    """Rounded half up to 4 places, as the forecast stores it."""
    scaled = value * 10000
    whole = int(scaled)  # toward zero
    rest = abs(scaled - whole)
    if rest >= Fraction(1, 2):
        whole += 1 if scaled > 0 else -1
    return Decimal(whole) / Decimal(10000)


@pytest.fixture
def rounds(office):
    """rounds(plan, month) opens the month's round (period the whole month, due the 5th
    of the next month), opened on the 25th."""
    from duban.rounds.actions import open_round

    def make(plan, month: int, year: int = 2026, **kw):
        start = dt.date(year, month, 1)
        end = (dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1))
        params = dict(name=f"{year}年{month}月调度", period_start=start, period_end=end,
                      opens_on=dt.date(year, month, 25), due_on=end + dt.timedelta(days=5))
        params.update(kw)
        with time_machine.travel(at(params["opens_on"]), tick=False):
            return open_round(plan, actor=office, **params)

    return make


@pytest.fixture
def report_figures():
    """report_figures(round, task, person, {target: value}, on=date, submit=True) saves
    the figures in the person's unit's report of the task and submits it on `on`."""
    from duban.rounds.actions import save_report_draft, submit_report
    from duban.rounds.models import Report

    def fill(rnd, task, person, figures: dict, *, on: dt.date, submit: bool = True):
        report = Report.objects.get(round=rnd, task=task, unit=person.unit)
        with time_machine.travel(at(on), tick=False):
            report = save_report_draft(
                report, actor=person, version=report.version,
                data={"progress_status": "in_progress", "progress": "按计划推进", "percent": None},
                actuals={t.pk: (None if v is None else Decimal(str(v))) for t, v in figures.items()},
            )
            if submit:
                report = submit_report(report, actor=person)
        return report

    return fill
