"""Tasks given to 各部门、各单位 are every unit's shared tasks: on a unit's page they are
listed as shared, never as its own lead tasks; and the collective assignees are not
counted among the plan's units (import preview, dashboards)."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from duban.conftest import make_parsed_plan
from duban.dashboards.matrix import matrix
from duban.dashboards.overview import overview
from duban.imports.actions import import_plan
from duban.imports.preview import build_preview
from planparser.model import Task as PTask

NOW = timezone.make_aware(dt.datetime(2026, 8, 1, 10))


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def parsed_with_shared_task():
    parsed = make_parsed_plan()
    parsed.tasks.append(PTask(number="4", section="二、惠民生", subsection=None, title="坚持不懈转作风树新风。",
                              leaders=["李明"], lead_units=["各部门"], co_units=["各单位"],
                              deadline=dt.date(2026, 12, 31), deadline_text="2026年12月31日", line=22))
    return parsed


@pytest.fixture
def plan(db):
    return import_plan(build_preview(parsed_with_shared_task(), "1" * 64), actor=None, source_name="plan.txt",
                       source_bytes=b"x").plan


def test_a_shared_task_is_listed_as_shared_not_as_the_units_lead_task(client, plan, liaison_a, liaison_b):
    client.force_login(liaison_a)
    r = client.get(reverse("plans:mine"))
    assert [t.number for t in r.context["lead"]] == ["1"]
    assert [t.number for t in r.context["co"]] == ["2"]
    assert [t.number for t in r.context["shared"]] == ["4"]
    html = r.content.decode()
    assert 'id="shared-tasks"' in html and "各部门、各单位共同承担的任务（1）" in html
    assert "<b>1</b>牵头任务" in html and "<b>1</b>共同任务" in html
    # every unit shares it (乙局 leads task 3 only)
    client.force_login(liaison_b)
    r = client.get(reverse("plans:mine"))
    assert [t.number for t in r.context["lead"]] == ["3"] and [t.number for t in r.context["shared"]] == ["4"]


def test_a_unit_named_on_a_shared_task_sees_it_in_its_own_role(client, plan, liaison_a, units):
    from duban.plans.models import TaskUnit

    TaskUnit.objects.create(task=plan.tasks.get(number="4"), unit=units["甲局"], role="lead", order=9)
    client.force_login(liaison_a)
    r = client.get(reverse("plans:mine"))
    assert [t.number for t in r.context["lead"]] == ["1", "4"] and r.context["shared"] == []


@pytest.mark.django_db
def test_the_import_preview_does_not_count_collective_assignees_as_units():
    preview = build_preview(parsed_with_shared_task(), "2" * 64)
    assert preview.new_units == ["甲局", "丙局", "乙局"]


def test_the_dashboards_do_not_count_collective_assignees_as_units(client, plan, office):
    as_of = dt.date(2026, 8, 1)
    m = matrix(as_of)
    assert {r.name for r in m.rows} >= {"各部门", "各单位"}  # their row stays, marked 集合单位
    assert m.unit_count == 3
    client.force_login(office)
    html = client.get(reverse("dashboards:matrix")).content.decode()
    assert "共 <b>4</b> 项任务、<b>3</b> 个单位" in html
    ov = overview(office, as_of)
    assert [g.label for g in ov.units if g.label.startswith("各")] == []
    assert {g.label for g in ov.units} == {"甲局", "丙局", "乙局"}
