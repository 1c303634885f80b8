"""Undo of a plan's last import: exactly the ledger before it, records kept, audited."""
from __future__ import annotations

import copy
import datetime as dt

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from duban.audit.models import Event
from duban.conftest import make_parsed_plan
from duban.imports.actions import UndoRefused, import_plan, last_import, undo_import
from duban.imports.models import PlanImport, RoleHolder
from duban.imports.preview import build_preview
from duban.org.models import Leader
from duban.plans.models import Plan, Section, Target, Task, TaskLeader, TaskUnit
from duban.plans.signals import task_facts_changed
from duban.workplans.models import Milestone
from planparser.model import Milestone as PMilestone
from planparser.model import Section as PSection
from planparser.model import Target as PTarget
from planparser.model import Task as PTask

from . import documents as d

pytestmark = pytest.mark.django_db


def ledger(plan_id: int) -> dict:
    """Everything an import may change, as plain values (the comparison of 'exactly')."""
    plan = Plan.objects.filter(pk=plan_id).values(
        "issued", "doc_number", "default_deadline", "source_name", "source_sha256", "source_file", "revision").first()
    tasks = Task.objects.filter(plan_id=plan_id)
    return {
        "plan": plan,
        "sections": list(Section.objects.filter(plan_id=plan_id).order_by("pk").values_list("pk", "title", "order")),
        "tasks": list(tasks.order_by("pk").values(
            "pk", "section_id", "subsection", "number", "order", "title", "deadline", "deadline_text", "kind",
            "source_line", "withdrawn")),
        "leaders": list(TaskLeader.objects.filter(task__plan_id=plan_id).order_by("task_id", "order").values_list(
            "task_id", "leader_id", "order")),
        "units": list(TaskUnit.objects.filter(task__plan_id=plan_id).order_by("task_id", "order").values_list(
            "task_id", "unit_id", "role", "order")),
        "targets": list(Target.objects.filter(task__plan_id=plan_id).order_by("pk").values_list(
            "pk", "task_id", "value", "unit", "comparator", "text", "order", "source")),
        "phases": list(Milestone.objects.filter(task__plan_id=plan_id).order_by("pk").values_list(
            "pk", "task_id", "title", "due", "order", "source", "done_on", "evidence")),
        "roles": list(RoleHolder.objects.filter(plan_id=plan_id).order_by("role").values_list("role", "leader_id")),
    }


def revised() -> object:
    """A revision touching everything: a reworded title, other co-units and leaders, new
    phases and target values, a task withdrawn, one added in a new section, the plan's
    date and default deadline, a leader role mapped to a person."""
    parsed = make_parsed_plan(issued=dt.date(2026, 3, 1), default_deadline=dt.date(2026, 12, 31), doc_number="测政办发〔2026〕9号")
    parsed.tasks = copy.deepcopy(parsed.tasks)
    t1, t2, t3 = parsed.tasks
    t1.title = "全年新增各类市场主体不少于2500家。"
    t1.targets = [PTarget(2500, "家", ">=", "不少于2500家")]
    t1.co_units = ["乙局"]
    t1.leaders = ["李明", "赵新"]
    t2.milestones = [PMilestone(dt.date(2026, 6, 30), "完成设计"), PMilestone(dt.date(2026, 10, 31), "全部完工")]
    t2.deadline = dt.date(2026, 10, 31)
    parsed.tasks = [t1, t2, PTask(number="3", section="三、优环境", subsection=None, title="新建口袋公园8处。",
                                  leaders=[], leader_roles=["常务副区长"], lead_units=["丁局"],
                                  deadline=dt.date(2026, 11, 30), deadline_text="11月底前")]
    parsed.sections = parsed.sections + [PSection("三、优环境")]
    return parsed


@pytest.fixture
def first(db):
    return import_plan(build_preview(make_parsed_plan(), "a" * 64), actor=None, source_name="v1.txt",
                       source_bytes=b"v1")


def test_it_restores_exactly_the_ledger_before_the_import(first, office):
    plan = first.plan
    design = plan.tasks.get(number="2").milestones.get(title="完成设计")
    Milestone.objects.filter(pk=design.pk).update(done_on=dt.date(2026, 6, 20), evidence="设计已批复")
    before = ledger(plan.pk)

    preview = build_preview(revised(), "b" * 64, role_map={"常务副区长": "郭文杰"})
    result = import_plan(preview, actor=office, source_name="v2.txt", source_bytes=b"v2", suspicious_confirmed=True)
    assert (result.added, result.changed, result.removed) == (1, 2, 1)
    after_import = ledger(plan.pk)
    assert after_import != before
    new_task = plan.tasks.get(title="新建口袋公园8处。")
    assert [l.name for l in new_task.ordered_leaders()] == ["郭文杰"]
    assert RoleHolder.objects.get(plan=plan).leader.name == "郭文杰"

    undone = undo_import(result.plan_import, actor=office)
    assert (undone.restored, undone.deleted, undone.withdrawn) == (3, 1, 0)
    assert ledger(plan.pk) == before
    assert not Task.objects.filter(pk=new_task.pk).exists()
    assert Leader.objects.filter(name="赵新").exists()  # people stay: an account may name them
    event = Event.objects.get(action="plan.undo_import")
    assert event.actor == office and "撤销第2版导入" in event.summary and "恢复为第1版" in event.summary
    assert Event.objects.filter(action="task.undo_import").count() == 3


def test_it_withdraws_rather_than_deletes_an_added_task_with_records(first, office):
    plan = first.plan
    preview = build_preview(revised(), "b" * 64, role_map={"常务副区长": "郭文杰"})
    result = import_plan(preview, actor=office, source_name="v2.txt", source_bytes=b"v2", suspicious_confirmed=True)
    new_task = plan.tasks.get(title="新建口袋公园8处。")
    node = Milestone.objects.create(task=new_task, title="选址", due=dt.date(2026, 5, 1))
    undone = undo_import(result.plan_import, actor=office)
    assert (undone.deleted, undone.withdrawn) == (0, 1)
    new_task.refresh_from_db()
    assert new_task.withdrawn and Milestone.objects.filter(pk=node.pk, task=new_task).exists()
    assert "已有记录（工作节点 1 条）" in Event.objects.filter(action="task.withdraw").latest("pk").summary


def test_it_keeps_a_completion_recorded_after_the_import_through_the_undo(first, office):
    plan = first.plan
    result = import_plan(build_preview(revised(), "b" * 64), actor=office, source_name="v2.txt", source_bytes=b"v2",
                         suspicious_confirmed=True)
    task2 = plan.tasks.get(number="2")
    done = task2.milestones.get(title="全部完工")  # a phase the revision brought (new date and text)
    Milestone.objects.filter(pk=done.pk).update(done_on=dt.date(2026, 10, 20), evidence="已竣工")
    undo_import(result.plan_import, actor=office)
    done.refresh_from_db()
    # The plan's phases are as before; the completion stays, as a node of the unit's work plan.
    assert list(task2.milestones.filter(source="plan").values_list("title", "due")) == [
        ("完成设计", dt.date(2026, 6, 30)), ("完工", dt.date(2026, 9, 30))]
    assert (done.source, done.title, done.done_on, done.evidence) == ("workplan", "全部完工", dt.date(2026, 10, 20), "已竣工")


def test_it_undoes_only_the_last_import_and_only_once(first, office):
    second = import_plan(build_preview(revised(), "b" * 64), actor=office, source_name="v2.txt", source_bytes=b"v2",
                         suspicious_confirmed=True)
    with pytest.raises(UndoRefused):
        undo_import(first.plan_import, actor=office)
    undo_import(second.plan_import, actor=office)
    with pytest.raises(UndoRefused):
        undo_import(second.plan_import, actor=office)
    # The stack goes down one step at a time: now the first import is the last one.
    assert last_import(first.plan) == first.plan_import


def test_it_deletes_a_plan_its_undone_first_import_created(first, office):
    plan_id = first.plan.pk
    result = undo_import(first.plan_import, actor=office)
    assert result.plan is None and result.deleted == 3
    assert not Plan.objects.filter(pk=plan_id).exists() and not Task.objects.exists()
    assert Event.objects.filter(action="plan.undo_import", summary__contains="方案已删除").exists()


def test_it_tells_the_status_which_tasks_an_import_and_its_undo_changed(first, office):
    seen = []

    def listener(sender, task_ids, **kwargs):
        seen.append(list(task_ids))

    task_facts_changed.connect(listener)
    try:
        result = import_plan(build_preview(revised(), "b" * 64), actor=office, source_name="v2.txt",
                             source_bytes=b"v2", suspicious_confirmed=True)
        plan = first.plan
        ids = sorted(plan.tasks.values_list("pk", flat=True))
        assert seen == [ids]
        undo_import(result.plan_import, actor=office)
        assert seen[1] == sorted(plan.tasks.values_list("pk", flat=True))
    finally:
        task_facts_changed.disconnect(listener)


def test_it_undoes_from_the_plan_page_after_showing_what_it_does(client, office, first):
    plan = first.plan
    result = import_plan(build_preview(revised(), "b" * 64), actor=office, source_name="v2.txt", source_bytes=b"v2",
                         suspicious_confirmed=True)
    client.force_login(office)
    panel = client.get(reverse("imports:history", args=[plan.pk]), HTTP_HX_REQUEST="true").content.decode()
    assert "第2版" in panel and "v2.txt" in panel and reverse("imports:undo", args=[plan.pk]) in panel
    page = client.get(reverse("imports:undo", args=[plan.pk])).content.decode()
    assert "撤销第2版导入" in page and 'id="undo-restored">3<' in page and 'id="undo-added">1<' in page
    # A stale page (another import or undo since) changes nothing.
    stale = client.post(reverse("imports:undo", args=[plan.pk]), {"import_id": "999999"})
    assert stale.status_code == 302 and Plan.objects.get(pk=plan.pk).revision == 2
    done = client.post(reverse("imports:undo", args=[plan.pk]), {"import_id": str(result.plan_import.pk)})
    assert done.status_code == 302 and done["Location"] == reverse("plans:detail", args=[plan.pk])
    assert Plan.objects.get(pk=plan.pk).revision == 1 and PlanImport.objects.get(pk=result.plan_import.pk).undone_at


def test_the_command_line_undoes_the_last_import(tmp_path, capsys):
    call_command("import", str(d.SEED))
    plan = Plan.objects.get()
    before = ledger(plan.pk)
    path = d.write_txt(d.renumber(d.delete_task(d.seed_lines(), "50")), tmp_path / "v2.txt")
    call_command("import", str(path), "--yes")
    plan.refresh_from_db()
    assert plan.revision == 2 and plan.tasks.filter(withdrawn=True).count() == 1
    capsys.readouterr()
    call_command("import", "--undo", str(plan.pk), "--yes")
    out = capsys.readouterr().out
    assert "已撤销：恢复 52 项，删除 0 项，改为撤销 0 项，现为第1版" in out
    assert ledger(plan.pk) == before
    with pytest.raises(CommandError) as err:
        call_command("import", "--undo", "不存在的方案")
    assert err.value.returncode == 2 and "找不到方案" in str(err.value)
