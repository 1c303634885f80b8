"""The status light on the seed plan: an indicator whose forecast misses turns the task
yellow (never red) with the reason in words; the office can turn the rule off."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from duban.indicators.forecast import forecasts_for_tasks
from duban.status.forecast import Indicator, number
from duban.status.facts import status_for_tasks
from duban.status.rules import GREEN, YELLOW, Rules, TaskFacts, compute_status

from .conftest import as_4places, exact_line_at

D = dt.date
AS_OF = D(2026, 10, 10)


# --- the pure rule --------------------------------------------------------------------------

def facts(**kw) -> TaskFacts:
    base = dict(task_id=1, deadline=D(2026, 12, 31), original_deadline=D(2026, 12, 31), start=D(2026, 3, 19),
                year=2026)
    base.update(kw)
    return TaskFacts(**base)


def jobs(*actuals, baseline=None) -> Indicator:
    return Indicator(7, "新增就业岗位", Decimal(1000), "个", ">=", baseline,
                     [(d, Decimal(v)) for d, v in actuals])


def test_a_forecast_that_misses_turns_the_task_yellow():
    s = compute_status(facts(indicators=[jobs((D(2026, 6, 30), 420), (D(2026, 9, 30), 620))]), AS_OF, Rules())
    assert s.color == YELLOW
    assert s.reasons[-1] == "指标“新增就业岗位”预计到期达到 820 个，未达目标 1000 个（线性外推）"


def test_a_forecast_that_meets_or_too_little_data_leaves_it_green():
    on_track = facts(indicators=[jobs((D(2026, 6, 30), 500), (D(2026, 9, 30), 750))])  # → 1000 on 31 Dec
    assert compute_status(on_track, AS_OF, Rules()).color == GREEN
    one = facts(indicators=[jobs((D(2026, 9, 30), 10))])
    assert compute_status(one, AS_OF, Rules()) == compute_status(facts(), AS_OF, Rules())


def test_a_miss_never_makes_it_red_and_adds_to_a_red_task():
    overdue = facts(deadline=D(2026, 9, 30), indicators=[jobs((D(2026, 3, 31), 100), (D(2026, 6, 30), 200))])
    s = compute_status(overdue, AS_OF, Rules())
    assert s.color == "red"
    assert any(r.startswith("指标“新增就业岗位”预计到期") for r in s.reasons)
    assert compute_status(facts(indicators=overdue.indicators), AS_OF, Rules()).color == YELLOW


def test_a_task_without_deadline_is_forecast_to_the_year_end():
    s = compute_status(facts(deadline=None, indicators=[jobs((D(2026, 6, 30), 420), (D(2026, 9, 30), 620))]),
                       AS_OF, Rules())
    assert s.color == YELLOW
    assert "预计年底达到 820 个" in s.text


def test_the_rule_can_be_turned_off():
    f = facts(indicators=[jobs((D(2026, 6, 30), 420), (D(2026, 9, 30), 620))])
    assert compute_status(f, AS_OF, Rules(yellow_forecast_miss=False)).color == GREEN


# --- the seed plan, through the real reports ---------------------------------------------------

@pytest.fixture
def seed(db, office):
    from duban.accounts.models import User
    from duban.org.models import Unit
    from duban.web.demo import load_seed_plan

    plan = load_seed_plan()
    liaison = User.objects.create(username="tzcj", role="liaison", full_name="投促联络员",
                                  unit=Unit.objects.get(name="区投资促进服务中心"))
    return plan, liaison


def test_it_lights_a_seed_task_yellow_from_its_reported_figures(seed, rounds, report_figures):
    plan, liaison = seed
    task = plan.tasks.get(number="33")  # 开展不少于50场…活动，全年引进高质量项目1000个以上。
    events, projects = task.targets.order_by("order")
    assert (events.value, events.unit, projects.value, projects.unit) == (50, "场", 1000, "个")
    june, sept = rounds(plan, 6), rounds(plan, 9)
    report_figures(june, task, liaison, {events: 30, projects: 420}, on=D(2026, 7, 3))
    report_figures(sept, task, liaison, {events: 45, projects: 620}, on=D(2026, 10, 3))

    status = status_for_tasks(plan.tasks.all(), AS_OF)
    horizon = D(2026, 12, 31)  # task 33's deadline
    projects_at = as_4places(exact_line_at([(D(2026, 6, 30), 420), (D(2026, 9, 30), 620)], horizon))
    events_at = as_4places(exact_line_at([(D(2026, 6, 30), 30), (D(2026, 9, 30), 45)], horizon))
    assert projects_at < 1000 and events_at >= 50
    s = status[task.pk]
    assert s.color == YELLOW
    expected = f"指标“全年引进高质量项目1000个以上”预计到期达到 {number(projects_at)} 个，未达目标 1000 个（线性外推）"
    assert expected in s.reasons
    assert not any("50场" in r for r in s.reasons)  # that one is on track
    # the indicator rule changed task 33's light only, and only by this reason
    before = status_for_tasks(plan.tasks.all(), AS_OF, Rules(yellow_forecast_miss=False))
    assert before[task.pk].color == GREEN
    assert {pk for pk in status if status[pk] != before[pk]} == {task.pk}
    assert [r for r in s.reasons if r not in before[task.pk].reasons] == [expected]

    results = forecasts_for_tasks(plan.tasks.all(), AS_OF)
    assert results[projects.pk].forecast.value == projects_at and results[projects.pk].forecast.meets is False
    assert results[events.pk].forecast.value == events_at and results[events.pk].forecast.meets is True


def test_the_office_rule_turns_it_off(seed, rounds, report_figures, office):
    from duban.supervision.actions import update_status_rules

    plan, liaison = seed
    task = plan.tasks.get(number="33")
    projects = task.targets.get(unit="个")
    report_figures(rounds(plan, 6), task, liaison, {projects: 420}, on=D(2026, 7, 3))
    report_figures(rounds(plan, 9), task, liaison, {projects: 620}, on=D(2026, 10, 3))
    assert status_for_tasks([task.pk], AS_OF)[task.pk].color == YELLOW
    update_status_rules(actor=office, values={"yellow_forecast_miss": False})
    assert status_for_tasks([task.pk], AS_OF)[task.pk].color == GREEN
