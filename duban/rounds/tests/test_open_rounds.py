"""`duban open_rounds`: cadences open their rounds once, however often it runs."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import IntegrityError, transaction

from duban.rounds.actions import open_due_rounds
from duban.rounds.models import Cadence, Report, Round
from duban.rounds.tests.conftest import at


@pytest.fixture
def monthly(plan):
    return Cadence.objects.create(plan=plan, frequency="monthly", open_days_before_end=5, due_day_offset=5,
                                  starts_on=dt.date(2026, 11, 1))


@pytest.mark.django_db
def test_it_opens_the_months_round_once(monthly):
    with time_machine.travel(at(dt.date(2026, 11, 20)), tick=False):
        call_command("open_rounds")
        assert not Round.objects.exists()  # opens five days before the month ends
    with time_machine.travel(at(dt.date(2026, 11, 26)), tick=False):
        call_command("open_rounds")
        call_command("open_rounds")
    rnd = Round.objects.get()
    assert rnd.name == "2026年11月调度" and rnd.due_on == dt.date(2026, 12, 5)
    assert (rnd.period_start, rnd.period_end) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert Report.objects.filter(round=rnd).count() == 5


@pytest.mark.django_db
def test_it_catches_up_a_missed_period_and_names_quarters(plan, monthly):
    Cadence.objects.create(plan=plan, frequency="quarterly", starts_on=dt.date(2026, 10, 1))
    with time_machine.travel(at(dt.date(2027, 1, 2)), tick=False):
        opened = open_due_rounds()
    assert sorted(r.name for r in opened) == ["2026年12月调度", "2026年第4季度调度"]
    with time_machine.travel(at(dt.date(2027, 1, 2)), tick=False):
        assert open_due_rounds() == []


@pytest.mark.django_db
def test_it_catches_up_a_period_past_its_due_date_with_days_to_report(plan, monthly):
    """The scheduler was down from before November's round opened until after it was
    due (Dec 5): the round opens anyway, due the usual five days from today."""
    with time_machine.travel(at(dt.date(2026, 12, 20)), tick=False):
        call_command("open_rounds")
    rnd = Round.objects.get()  # December's opens on the 26th
    assert (rnd.period_start, rnd.opens_on, rnd.due_on) == (
        dt.date(2026, 11, 1), dt.date(2026, 12, 20), dt.date(2026, 12, 25))


@pytest.mark.django_db
def test_it_never_lets_two_schedulers_open_the_same_period(monthly, plan):
    Round.objects.create(name="x", plan=plan, period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30),
                         opens_on=dt.date(2026, 11, 25), due_on=dt.date(2026, 12, 5), cadence=monthly)
    with pytest.raises(IntegrityError), transaction.atomic():
        Round.objects.create(name="y", plan=plan, period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30),
                             opens_on=dt.date(2026, 11, 25), due_on=dt.date(2026, 12, 5), cadence=monthly)


@pytest.mark.django_db
def test_it_skips_a_period_another_scheduler_just_opened(monthly, monkeypatch):
    """The race: both copies saw no round; the loser's insert fails and it moves on."""
    import duban.rounds.actions as actions

    with time_machine.travel(at(dt.date(2026, 11, 26)), tick=False):
        open_due_rounds()
        real_filter = Round.objects.filter
        monkeypatch.setattr(Round.objects, "filter",
                            lambda *a, **k: real_filter(pk=-1) if "cadence" in k else real_filter(*a, **k))
        assert actions.open_due_rounds() == []
    assert Round.objects.count() == 1
