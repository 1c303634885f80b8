"""Which actual figures count, and how they are dated: reports that went out (submitted or
accepted) by the as-of date; one figure per round, the lead unit's first; dated by the
round's period end, or the submission day when earlier."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from duban.indicators.forecast import forecasts_for_tasks
from duban.status.forecast import NO_ACTUALS, ONE_POINT, load_indicators

from .conftest import as_4places, at, exact_line_at

D = dt.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def task1(plan):
    return plan.tasks.get(number="1")


@pytest.fixture
def target1(task1):
    return task1.targets.get()  # 不少于2000家, parsed


@pytest.fixture
def liaison_c(units):
    from duban.accounts.models import User

    return User.objects.create(username="liaison_c", role="liaison", full_name="丙局联络员", unit=units["丙局"])


def test_it_counts_submitted_figures_dated_by_the_period_end(task1, target1, liaison_a, rounds, report_figures):
    june, sept = rounds(task1.plan, 6), rounds(task1.plan, 9)
    report_figures(june, task1, liaison_a, {target1: 600}, on=D(2026, 7, 3))
    report_figures(sept, task1, liaison_a, {target1: 1500}, on=D(2026, 10, 2), submit=False)  # a draft: not yet

    ind = load_indicators([task1.pk], D(2026, 11, 28))[task1.pk][0]
    assert ind.target_id == target1.pk
    assert ind.name == "全年新增市场主体不少于2000家"
    assert (ind.value, ind.unit, ind.comparator, ind.baseline) == (Decimal(2000), "家", ">=", None)
    assert ind.actuals == [(D(2026, 6, 30), Decimal(600))]
    fc = forecasts_for_tasks([task1.pk], D(2026, 11, 28))[target1.pk].forecast
    assert (fc.value, fc.note) == (None, ONE_POINT)

    report_figures(sept, task1, liaison_a, {target1: 1500}, on=D(2026, 10, 2))
    got = forecasts_for_tasks([task1.pk], D(2026, 11, 28))[target1.pk]
    points = [(D(2026, 6, 30), 600), (D(2026, 9, 30), 1500)]
    assert got.indicator.actuals == [(d, Decimal(v)) for d, v in points]
    assert got.forecast.horizon == D(2026, 12, 31)  # the task's deadline
    assert got.forecast.value == as_4places(exact_line_at(points, D(2026, 12, 31)))
    assert got.forecast.meets is True  # 1500 + 900 × 92/92 = 2400


def test_the_baseline_is_a_point_at_the_plan_start(task1, target1, liaison_a, rounds, report_figures):
    report_figures(rounds(task1.plan, 6), task1, liaison_a, {target1: 600}, on=D(2026, 7, 3))
    target1.baseline = Decimal(0)
    target1.save()
    got = forecasts_for_tasks([task1.pk], D(2026, 11, 28))[target1.pk]
    points = [(D(2026, 2, 1), 0), (D(2026, 6, 30), 600)]  # the plan was issued on 1 February
    assert got.start == D(2026, 2, 1)
    assert got.forecast.value == as_4places(exact_line_at(points, D(2026, 12, 31)))
    assert got.forecast.meets is False  # 600 × 333 / 149 ≈ 1341 < 2000
    assert got.miss_reason == "指标“全年新增市场主体不少于2000家”预计到期达到 1340.94 家，未达目标 2000 家（线性外推）"


def test_returned_and_pending_reports_do_not_count_accepted_ones_do(task1, target1, liaison_a, office, rounds,
                                                                     report_figures):
    from duban.rounds.actions import accept_report, return_report

    june, sept = rounds(task1.plan, 6), rounds(task1.plan, 9)
    r1 = report_figures(june, task1, liaison_a, {target1: 600}, on=D(2026, 7, 3))
    r2 = report_figures(sept, task1, liaison_a, {target1: 900}, on=D(2026, 10, 2))
    with time_machine.travel(at(D(2026, 10, 8)), tick=False):
        accept_report(r1, actor=office)
        return_report(r2, actor=office, reason="数据有误")
    ind = load_indicators([task1.pk], D(2026, 11, 28))[task1.pk][0]
    assert ind.actuals == [(D(2026, 6, 30), Decimal(600))]


def test_a_report_waiting_for_the_unit_head_does_not_count(task1, target1, liaison_a, rounds, report_figures):
    june = rounds(task1.plan, 6, requires_head_approval=True)
    report = report_figures(june, task1, liaison_a, {target1: 600}, on=D(2026, 7, 3))
    assert report.status == "pending_approval"
    assert load_indicators([task1.pk], D(2026, 11, 28))[task1.pk][0].actuals == []


def test_the_lead_units_figure_wins_over_a_co_units(task1, target1, liaison_a, liaison_c, rounds, report_figures):
    june = rounds(task1.plan, 6)
    report_figures(june, task1, liaison_c, {target1: 700}, on=D(2026, 7, 4))  # 丙局 is a co-unit of task 1
    ind = load_indicators([task1.pk], D(2026, 11, 28))[task1.pk][0]
    assert ind.actuals == [(D(2026, 6, 30), Decimal(700))]  # the only figure of the round
    report_figures(june, task1, liaison_a, {target1: 500}, on=D(2026, 7, 3))
    ind = load_indicators([task1.pk], D(2026, 11, 28))[task1.pk][0]
    assert ind.actuals == [(D(2026, 6, 30), Decimal(500))]


def test_it_dates_an_early_report_by_its_day_and_ignores_later_ones(task1, target1, liaison_a, rounds,
                                                                     report_figures):
    june = rounds(task1.plan, 6, opens_on=D(2026, 6, 20))
    report_figures(june, task1, liaison_a, {target1: 600}, on=D(2026, 6, 24))
    assert load_indicators([task1.pk], D(2026, 11, 28))[task1.pk][0].actuals == [(D(2026, 6, 24), Decimal(600))]
    assert load_indicators([task1.pk], D(2026, 6, 23))[task1.pk][0].actuals == []  # not yet submitted then
    fc = forecasts_for_tasks([task1.pk], D(2026, 6, 23))[target1.pk].forecast
    assert fc.note == NO_ACTUALS


def test_the_figures_are_those_of_the_latest_submitted_version(task1, target1, liaison_a, office, rounds,
                                                               report_figures):
    from duban.rounds.actions import return_report
    from duban.rounds.models import ReportVersion

    june = rounds(task1.plan, 6)
    report = report_figures(june, task1, liaison_a, {target1: 600}, on=D(2026, 7, 3))
    with time_machine.travel(at(D(2026, 7, 4)), tick=False):
        return_report(report, actor=office, reason="请核实")
    report_figures(june, task1, liaison_a, {target1: 640}, on=D(2026, 7, 6))
    latest = ReportVersion.objects.filter(report=report).order_by("-number").first()
    frozen = {row["target_id"]: Decimal(row["value"]) for row in latest.data["targets"]}
    ind = load_indicators([task1.pk], D(2026, 11, 28))[task1.pk][0]
    assert ind.actuals == [(D(2026, 6, 30), frozen[target1.pk])] == [(D(2026, 6, 30), Decimal(640))]


def test_it_loads_many_tasks_in_a_few_queries(plan, task1, target1, liaison_a, rounds, report_figures,
                                             django_assert_max_num_queries):
    from duban.plans.models import Task

    report_figures(rounds(plan, 6), task1, liaison_a, {target1: 600}, on=D(2026, 7, 3))
    with django_assert_max_num_queries(3):
        got = load_indicators(Task.objects.all(), D(2026, 11, 28))
    assert list(got) == [task1.pk]  # the other tasks have no targets


def test_the_submission_day_is_the_local_day(task1, target1, liaison_a, rounds):
    """00:30 on 1 July in Shanghai is 30 June in UTC: the figure is of 1 July."""
    from duban.rounds.actions import save_report_draft, submit_report
    from duban.rounds.models import Report

    july = rounds(task1.plan, 7, opens_on=D(2026, 6, 28))
    report = Report.objects.get(round=july, task=task1, unit=liaison_a.unit)
    with time_machine.travel(at(D(2026, 7, 1), hour=0) + dt.timedelta(minutes=30), tick=False):
        report = save_report_draft(report, actor=liaison_a, version=report.version,
                                   data={"progress_status": "in_progress", "progress": "推进中"},
                                   actuals={target1.pk: Decimal(300)})
        submit_report(report, actor=liaison_a)
    assert load_indicators([task1.pk], D(2026, 6, 30))[task1.pk][0].actuals == []
    assert load_indicators([task1.pk], D(2026, 7, 1))[task1.pk][0].actuals == [(D(2026, 7, 1), Decimal(300))]
