"""Importing parsed plans: creation, identical re-import, revised versions."""
from __future__ import annotations

import copy
from datetime import date

import pytest

from duban.audit.models import Event
from duban.conftest import make_parsed_plan
from duban.org.models import Leader, Unit, UnitAlias
from duban.imports.actions import import_plan
from duban.imports.preview import build_preview
from duban.plans.models import Plan, Target, Task, TaskUnit
from duban.workplans.models import Milestone
from planparser.model import Task as PTask

pytestmark = pytest.mark.django_db


def _import(parsed, sha="a" * 64):
    return import_plan(build_preview(parsed, sha), actor=None, source_name="plan.txt", source_bytes=b"data")


def _counts():
    return (Plan.objects.count(), Task.objects.count(), TaskUnit.objects.count(), Target.objects.count(),
            Milestone.objects.count(), Unit.objects.count(), Leader.objects.count())


def test_it_creates_the_plan_with_every_field():
    result = _import(make_parsed_plan())
    plan = result.plan
    assert (plan.title, plan.issuer, plan.issued, plan.year) == ("2026年测试区重点工作分工方案", "测试区人民政府办公室", date(2026, 2, 1), 2026)
    assert plan.source_file.read() == b"data"
    t1, t2, t3 = plan.tasks.order_by("order")
    assert [u.name for u in t1.lead_units()] == ["甲局"] and [u.name for u in t1.co_units()] == ["丙局"]
    assert t1.section.title == "一、稳增长" and t3.section.title == "二、惠民生"
    assert [l.name for l in t1.ordered_leaders()] == ["李明"]
    target = t1.targets.get()
    assert (target.value, target.unit, target.comparator) == (2000, "家", ">=")
    assert (t2.kind, t2.deadline) == ("phased", date(2026, 9, 30))
    assert list(t2.milestones.values_list("due", "title")) == [(date(2026, 6, 30), "完成设计"), (date(2026, 9, 30), "完工")]
    assert (t3.kind, t3.deadline, t3.deadline_text) == ("ongoing", None, "持续推进")
    assert Leader.objects.count() == 2 and Unit.objects.count() == 3


def test_it_changes_nothing_when_the_same_document_is_imported_again():
    _import(make_parsed_plan())
    before = _counts()
    events = Event.objects.count()
    preview = build_preview(make_parsed_plan(), "a" * 64)
    assert preview.is_unchanged
    result = _import(make_parsed_plan())
    assert result.unchanged and _counts() == before and Event.objects.count() == events
    assert Plan.objects.get().revision == 1


def test_it_previews_and_applies_a_revised_version_keeping_records_of_unchanged_tasks(office):
    plan = _import(make_parsed_plan()).plan
    t1 = plan.tasks.get(number="1")
    t3 = plan.tasks.get(number="3")
    kept = Milestone.objects.create(task=t1, title="制定工作方案", due=date(2026, 4, 30), source="workplan")
    kept3 = Milestone.objects.create(task=t3, title="摸底调查", due=date(2026, 5, 31), source="workplan")

    revised = make_parsed_plan()
    revised.tasks = copy.deepcopy(revised.tasks)
    revised.tasks[1].co_units = ["甲局", "乙局"]  # task 2 changed
    del revised.tasks[2]  # task 3 removed
    revised.tasks.append(PTask(number="4", section="二、惠民生", subsection=None, title="新建公园3个。",
                               leaders=["王芳"], lead_units=["乙局"], deadline=date(2026, 12, 31), deadline_text="年底前"))
    preview = build_preview(revised, "b" * 64)
    assert (preview.count("added"), preview.count("withdrawn"), preview.count("changed"), preview.count("same")) == (1, 1, 1, 1)
    assert preview.by_kind("changed")[0].field_labels == ["配合单位"]
    assert Task.objects.count() == 3  # the preview wrote nothing

    result = import_plan(preview, actor=office, source_name="plan-v2.txt", source_bytes=b"v2", suspicious_confirmed=True)
    plan.refresh_from_db()
    assert plan.revision == 2 and result.added == 1 and result.removed == 1
    t1.refresh_from_db()
    assert list(t1.milestones.all()) == [kept]  # unchanged task keeps its work plan
    assert [u.name for u in plan.tasks.get(number="2").co_units()] == ["甲局", "乙局"]
    t3.refresh_from_db()
    assert t3.withdrawn and Milestone.objects.filter(pk=kept3.pk).exists()
    assert plan.tasks.active().count() == 3
    revise = Event.objects.get(action="task.revise")
    assert revise.before == {"co_units": ["甲局"]} and revise.after == {"co_units": ["甲局", "乙局"]}
    assert revise.actor == office


def test_it_treats_an_abbreviation_as_the_same_unit_and_says_so():
    _import(make_parsed_plan())
    Unit.objects.create(name="区发展改革委")
    other = make_parsed_plan(title="2026年另一方案")
    other.tasks = [PTask(number="1", section="一、甲", subsection=None, title="任务。", leaders=["李明"],
                         lead_units=["区发改委"], deadline=date(2026, 12, 31), deadline_text="年底前")]
    preview = build_preview(other, "c" * 64)
    guessed = [(m.name, m.canonical) for m in preview.guessed_units]
    assert guessed == [("区发改委", "区发展改革委")]
    plan = import_plan(preview, actor=None, source_name="x.txt", source_bytes=b"x").plan
    assert [u.name for u in plan.tasks.get().lead_units()] == ["区发展改革委"]
    assert UnitAlias.objects.get(alias="区发改委").guessed
    assert Event.objects.filter(action="unit.alias_guess").exists()


def test_it_keeps_collective_assignees_collective():
    parsed = make_parsed_plan()
    parsed.tasks[2].lead_units = ["各部门", "各单位"]
    plan = _import(parsed).plan
    assert set(Unit.objects.filter(is_collective=True).values_list("name", flat=True)) == {"各部门", "各单位"}
    assert [u.name for u in plan.tasks.get(number="3").lead_units()] == ["各部门", "各单位"]


def test_it_keeps_completion_records_and_actuals_of_unchanged_phases_and_targets_in_a_changed_task():
    plan = _import(make_parsed_plan()).plan
    t2 = plan.tasks.get(number="2")
    design = t2.milestones.get(title="完成设计")
    design.done_on, design.evidence = date(2026, 6, 20), "设计方案已批复"
    design.save()
    t1 = plan.tasks.get(number="1")
    target = t1.targets.get()

    revised = make_parsed_plan()
    revised.tasks = copy.deepcopy(revised.tasks)
    revised.tasks[1].milestones[1].text = "全面完工"  # one phase changes, the other does not
    revised.tasks[0].co_units = []  # task 1 changes, its target does not
    import_plan(build_preview(revised, "d" * 64), actor=None, source_name="v2.txt", source_bytes=b"v2")

    kept = t2.milestones.get(title="完成设计")
    assert kept.pk == design.pk and kept.done_on == date(2026, 6, 20) and kept.evidence == "设计方案已批复"
    assert list(t2.milestones.filter(source="plan").values_list("title", flat=True)) == ["完成设计", "全面完工"]
    assert t1.targets.get().pk == target.pk
