"""Round test helpers on top of duban/conftest.py's cast."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """A Shanghai wall-clock moment, for time_machine."""
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour))


@pytest.fixture
def open_round(plan, office):
    """A November round over the whole test plan, due 2026-11-30 (frozen clock inside)."""
    import time_machine

    from duban.rounds.actions import open_round as do_open

    def make(**kw):
        params = dict(name="2026年11月调度", period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30),
                      opens_on=dt.date(2026, 11, 25), due_on=dt.date(2026, 11, 30))
        params.update(kw)
        with time_machine.travel(at(params["opens_on"]), tick=False):
            return do_open(plan, actor=office, **params)

    return make
