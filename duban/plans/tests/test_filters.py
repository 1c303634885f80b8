"""The ledger's filter function on its own: each filter, search, sorting."""
from __future__ import annotations

import datetime as dt

import pytest

from duban.org.models import Leader
from duban.ledger import filters
from duban.ledger.filters import LedgerFilterForm, filter_tasks, register_status, sort_tasks
from duban.plans.models import Task
from duban.workplans.models import Milestone

D = dt.date


def numbers(qs) -> list[str]:
    return [t.number for t in qs]


def run(the_plan, as_of=D(2026, 3, 1), **f) -> list[str]:
    return sorted(numbers(filter_tasks(Task.objects.filter(plan=the_plan), f, as_of=as_of)))


@pytest.mark.django_db
def test_it_filters_by_plan_and_section(plan):
    s1 = plan.sections.get(title="一、稳增长")
    assert run(plan, plan=plan) == ["1", "2", "3"]
    assert sorted(numbers(filter_tasks(Task.objects.all(), {"plan": plan.pk + 1}, as_of=D(2026, 3, 1)))) == []
    assert run(plan, section=s1) == ["1", "2"]


@pytest.mark.django_db
def test_it_filters_by_leader(plan):
    assert run(plan, leader=Leader.objects.get(name="王芳")) == ["2", "3"]
    assert run(plan, leader=Leader.objects.get(name="李明")) == ["1"]


@pytest.mark.django_db
def test_it_filters_by_unit_in_either_role_or_one(plan, units):
    a = units["甲局"]
    assert run(plan, unit=a) == ["1", "2"]
    assert run(plan, unit=a, role="any") == ["1", "2"]
    assert run(plan, unit=a, role="lead") == ["1"]
    assert run(plan, unit=a, role="co") == ["2"]


@pytest.mark.django_db
def test_it_filters_by_status(plan):
    assert run(plan, status="open") == ["1", "2", "3"]
    assert run(plan, D(2026, 10, 15), status="overdue") == ["2"]
    assert run(plan, D(2026, 12, 10), status="due_soon") == ["1"]
    assert run(plan, D(2026, 9, 5), status="due_soon") == ["2"]
    assert run(plan, status="ongoing") == ["3"]
    assert run(plan, D(2026, 6, 30), status="milestone_overdue") == []
    assert run(plan, D(2026, 7, 1), status="milestone_overdue") == ["2"]  # 完成设计 due 6-30, not done


@pytest.mark.django_db
def test_it_lets_a_new_status_slot_in(plan, monkeypatch):
    monkeypatch.setattr(filters, "STATUS_FILTERS", dict(filters.STATUS_FILTERS))
    register_status("red", "红灯", lambda tasks, as_of: tasks.filter(number="3"))
    assert run(plan, status="red") == ["3"]
    form = LedgerFilterForm({"status": "red"}, tasks=Task.objects.all())
    assert form.filters()["status"] == "red"
    assert ("red", "红灯") in form.fields["status"].choices


@pytest.mark.django_db
def test_it_filters_by_deadline_window(plan):
    assert run(plan, due_from=D(2026, 10, 1)) == ["1"]
    assert run(plan, due_to=D(2026, 10, 1)) == ["2"]
    assert run(plan, due_from=D(2026, 9, 30), due_to=D(2026, 12, 31)) == ["1", "2"]
    assert run(plan, due_from=D(2027, 1, 1)) == []


@pytest.mark.django_db
def test_it_filters_by_targets_and_measurability(plan):
    assert run(plan, targets="yes") == ["1"]
    assert run(plan, targets="no") == ["2", "3"]
    assert run(plan, quantified="no") == ["2", "3"]
    Milestone.objects.create(task=Task.objects.get(number="2"), title="改造300户", due=D(2026, 8, 1), is_measurable=True)
    assert run(plan, quantified="no") == ["3"]
    assert run(plan, quantified="yes") == ["1", "2"]


@pytest.mark.django_db
def test_it_searches_text_units_and_leaders_with_every_term(plan):
    assert run(plan, q="老旧小区") == ["2"]
    assert run(plan, q="甲局") == ["1", "2"]
    assert run(plan, q="王芳") == ["2", "3"]
    assert run(plan, q="王芳 养老") == ["3"]
    assert run(plan, q="王芳\u3000养老") == ["3"]  # full-width space
    assert run(plan, q="李明 养老") == []
    assert run(plan, q="  ") == ["1", "2", "3"]


@pytest.mark.django_db
def test_it_never_widens_the_visible_tasks(plan, liaison_b, units):
    visible = Task.objects.visible_to(liaison_b)
    assert numbers(filter_tasks(visible, {"unit": units["甲局"]}, as_of=D(2026, 3, 1))) == []
    assert numbers(filter_tasks(visible, {"q": "市场主体"}, as_of=D(2026, 3, 1))) == []


@pytest.mark.django_db
def test_it_sorts_by_number_deadline_and_lead_unit(plan):
    tasks = Task.objects.filter(plan=plan)
    assert numbers(sort_tasks(tasks, "number")) == ["1", "2", "3"]
    assert numbers(sort_tasks(tasks, "-number")) == ["3", "2", "1"]
    assert numbers(sort_tasks(tasks, "deadline")) == ["2", "1", "3"]  # no date last
    assert numbers(sort_tasks(tasks, "-deadline")) == ["1", "2", "3"]  # no date last either way
    assert numbers(sort_tasks(tasks, "unit")) == ["2", "3", "1"]  # 丙局 < 乙局 < 甲局 by code point
    assert numbers(sort_tasks(tasks, "-unit")) == ["1", "3", "2"]
    assert numbers(sort_tasks(tasks, "nonsense")) == ["1", "2", "3"]


@pytest.mark.django_db
def test_it_reports_a_bad_value_and_keeps_the_other_filters(plan):
    form = LedgerFilterForm({"plan": "99999", "q": "老旧", "due_from": "2026-12-01", "due_to": "2026-01-01"},
                            tasks=Task.objects.all())
    f = form.filters()
    assert "plan" in form.errors and f.get("plan") is None
    assert f["q"] == "老旧"
    assert "due_to" in form.errors and "不能早于" in form.errors["due_to"][0]
