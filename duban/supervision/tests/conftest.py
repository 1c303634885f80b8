"""Supervision test helpers on top of duban/conftest.py's cast."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    """A Shanghai wall-clock moment, for time_machine."""
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour))


@pytest.fixture
def task1(plan):
    """Task 1 of the test plan: deadline 2026-12-31, lead unit 甲局, co-unit 丙局, leader 李明."""
    return plan.tasks.get(number="1")


@pytest.fixture
def liaison_c(units):
    from duban.conftest import _user

    return _user("liaison_c", "liaison", unit=units["丙局"])
