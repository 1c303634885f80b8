"""What people recorded against a task (work plan, reports, notices, extensions,
completion claims, instructions, actual figures) stays attached through a revision,
a withdrawal and its restore, and an undo."""
from __future__ import annotations

import copy
import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from duban.audit.models import Event
from duban.conftest import make_parsed_plan
from duban.imports.actions import import_plan, undo_import
from duban.imports.preview import build_preview
from duban.imports.records import task_records
from duban.plans.actions import RestoreRefused, restore_task
from duban.plans.models import Task
from duban.rounds.actions import open_round
from duban.rounds.models import Report, TargetActual
from duban.supervision.actions import claim_completion, issue_notice, request_extension, write_instruction
from duban.workplans.models import Milestone

pytestmark = pytest.mark.django_db
NOW = timezone.make_aware(dt.datetime(2026, 5, 10, 10))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def recorded(plan, office, leader, liaison_a, units):
    """Task 1 (unit 甲局 leads) with one record of every kind."""
    task = plan.tasks.get(number="1")
    Milestone.objects.create(task=task, title="制定工作方案", due=dt.date(2026, 6, 30), unit=units["甲局"])
    round_ = open_round(plan, actor=office, name="5月调度", period_start=dt.date(2026, 5, 1),
                        period_end=dt.date(2026, 5, 31), opens_on=dt.date(2026, 5, 10), due_on=dt.date(2026, 5, 31))
    report = Report.objects.get(round=round_, task=task, unit=units["甲局"])
    TargetActual.objects.create(report=report, target=task.targets.get(), value=800)
    issue_notice(task, actor=office, level="notice", units=[units["甲局"]], facts="进度滞后", requirement="按期报送",
                 reply_by=dt.date(2026, 5, 20))
    request_extension(task, actor=liaison_a, new_deadline=dt.date(2027, 3, 31), reason="资金未到位")
    claim_completion(task, actor=liaison_a, evidence="已完成一期")
    write_instruction(task, actor=leader, text="抓紧推进")
    return task


def kinds(task) -> dict:
    return dict(task_records([task.pk])[task.pk])


# Named by each model's verbose_name_plural; report slots of both units (甲局 leads, 丙局 co-works).
EXPECTED = {"工作节点": 1, "调度报告": 2, "督办单": 1, "延期申请": 1, "办结申请": 1, "领导批示": 1, "指标完成值": 1}


def test_it_counts_every_kind_of_record_on_a_task(recorded):
    assert kinds(recorded) == EXPECTED


def test_records_survive_a_revision_a_withdrawal_its_restore_and_an_undo(recorded, office, client):
    task, before = recorded, kinds(recorded)
    assert before == EXPECTED
    # A revision rewording the task: same row, same records.
    reworded = make_parsed_plan()
    reworded.tasks = copy.deepcopy(reworded.tasks)
    reworded.tasks[0].title = "全年新增各类市场主体不少于2000家。"
    import_plan(build_preview(reworded, "b" * 64), actor=office, source_name="v2.txt", source_bytes=b"v2")
    task.refresh_from_db()
    assert task.title == "全年新增各类市场主体不少于2000家。" and kinds(task) == before

    # A revision without it: withdrawn, everything still attached; the preview said what hangs on it.
    dropped = make_parsed_plan()
    dropped.tasks = copy.deepcopy(dropped.tasks)[1:]
    preview = build_preview(dropped, "c" * 64)
    assert preview.withdrawal_records[task.pk] == task_records([task.pk])[task.pk]
    result = import_plan(preview, actor=office, source_name="v3.txt", source_bytes=b"v3", suspicious_confirmed=True)
    task.refresh_from_db()
    assert task.withdrawn and kinds(task) == before

    # Restored by the office from the task page: back in the ledger with its records.
    client.force_login(office)
    page = client.get(reverse("plans:task", args=[task.pk])).content.decode()
    assert "该任务已在修订版方案中撤销" in page and "恢复此任务" in page
    response = client.post(reverse("plans:restore", args=[task.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("plans:task", args=[task.pk])
    task.refresh_from_db()
    assert not task.withdrawn and kinds(task) == before
    assert Event.objects.filter(action="task.restore", task=task, actor=office).exists()
    with pytest.raises(RestoreRefused):
        restore_task(task, actor=office)

    # Undo of the withdrawing import: the ledger before it (task active), records kept.
    undo_import(result.plan_import, actor=office)
    task.refresh_from_db()
    assert not task.withdrawn and kinds(task) == before and Task.objects.filter(pk=task.pk).exists()


def test_the_plan_page_lists_withdrawn_tasks_with_a_restore_for_the_office(plan, office, liaison_a, client):
    dropped = make_parsed_plan()
    dropped.tasks = copy.deepcopy(dropped.tasks)[1:]
    import_plan(build_preview(dropped, "c" * 64), actor=office, source_name="v2.txt", source_bytes=b"v2",
                suspicious_confirmed=True)
    task = plan.tasks.get(number="1")
    client.force_login(office)
    page = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert "已撤销的任务" in page and task.title in page and reverse("plans:restore", args=[task.pk]) in page
    client.post(reverse("plans:restore", args=[task.pk]), {"next": "plan"})
    assert not Task.objects.get(pk=task.pk).withdrawn
    # A unit's people see their withdrawn tasks, without the button; and cannot restore.
    import_plan(build_preview(dropped, "d" * 64), actor=office, source_name="v3.txt", source_bytes=b"v3",
                suspicious_confirmed=True)
    client.force_login(liaison_a)
    page = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    assert task.title in page and reverse("plans:restore", args=[task.pk]) not in page
    assert client.post(reverse("plans:restore", args=[task.pk])).status_code == 403
    assert Task.objects.get(pk=task.pk).withdrawn
