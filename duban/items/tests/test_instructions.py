"""领导批示件 end to end: intake with a working-day deadline, the ledger filtered by
kind, the unit's view, closure and the instructing leader's sign-off."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from duban.audit.models import Event
from duban.conftest import PASSWORD
from duban.items import actions
from duban.items.models import InstructionItem, ItemDocument, WorkdayOverride
from duban.plans.models import Category, Plan, Task
from duban.supervision import actions as sup

pytestmark = pytest.mark.django_db


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _post_instruction(client, leader, **extra):
    data = {"leader": leader.leader_id, "document_title": "关于区内河道整治情况的报告",
            "instruction": "请区水务局抓紧落实，5个工作日内报结果。", "instructed_on": "2026-09-29",
            "received_on": "2026-09-30", "workdays": "5", "lead_units": "甲局", "co_units": "丙局", **extra}
    return client.post(reverse("items:new_instruction"), data)


@time_machine.travel("2026-09-30 10:00 +0800", tick=False)
def test_it_creates_an_instruction_with_a_deadline_in_working_days(client, office, leader, units):
    response = _post_instruction(_login(client, office), leader)
    item = InstructionItem.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("plans:task", args=[item.task_id])
    task = item.task
    # 10-01..10-07 is the 2026 National Day holiday and 10-10, a Saturday, a working day:
    # five working days after 09-30 are 10-08, 10-09, 10-10, 10-12, 10-13 (not 10-07 by the calendar).
    assert task.deadline == dt.date(2026, 10, 13)
    assert task.deadline_text == "收文后5个工作日内"
    assert task.plan.category == Category.INSTRUCTION and task.plan.title == "2026年领导批示件"
    assert [u.name for u in task.lead_units()] == ["甲局"] and [u.name for u in task.co_units()] == ["丙局"]
    assert task.ordered_leaders()[0].name == "李明"
    assert Event.objects.filter(action="item.create", task=task).exists()


@time_machine.travel("2026-12-20 10:00 +0800", tick=False)
def test_it_counts_a_year_without_holiday_data_monday_to_friday_and_says_so(office, leader, units):
    item, warning = actions.create_instruction(
        actor=office, leader=leader.leader, document_title="报告", instruction="阅处", instructed_on=dt.date(2026, 12, 28),
        received_on=dt.date(2026, 12, 30), lead_units=[units["甲局"]], workdays=3)
    # 12-31 (Thu), then 2027: 01-01 (Fri), 01-04 (Mon) — New Year's Day is not known yet.
    assert item.task.deadline == dt.date(2027, 1, 4)
    assert "2027年" in warning and "周一至周五" in warning
    WorkdayOverride.objects.create(day=dt.date(2027, 1, 1), is_workday=False, note="元旦")
    again, warning = actions.create_instruction(
        actor=office, leader=leader.leader, document_title="报告二", instruction="阅处", instructed_on=dt.date(2026, 12, 28),
        received_on=dt.date(2026, 12, 30), lead_units=[units["甲局"]], workdays=3)
    assert again.task.deadline == dt.date(2027, 1, 5)


def test_it_refuses_bad_input_with_chinese_messages_and_creates_nothing(client, office, leader, units):
    response = _post_instruction(_login(client, office), leader, lead_units="甲局、不存在局", deadline="2026-10-30")
    assert response.status_code == 400
    text = response.content.decode()
    assert "“不存在局”不在单位名录中" in text
    assert "办理期限（工作日）与完成时限只填一项" in text
    response = _post_instruction(client, leader, co_units="甲局", workdays="")
    assert "甲局已是牵头单位，不能同时作为配合单位" in response.content.decode()
    assert not InstructionItem.objects.exists() and not Plan.objects.registers().exists()


def test_it_keeps_the_uploaded_document_and_serves_it_to_the_units_of_the_item(client, office, leader, liaison_a,
                                                                             liaison_b, units):
    from docx import Document
    import io

    buf = io.BytesIO()
    doc = Document()
    doc.add_paragraph("关于区内河道整治情况的报告")
    doc.save(buf)
    from django.core.files.uploadedfile import SimpleUploadedFile

    _post_instruction(_login(client, office), leader,
                      document=SimpleUploadedFile("报告.docx", buf.getvalue()))
    stored = ItemDocument.objects.get()
    assert stored.original_name == "报告.docx" and stored.purpose == "source"
    url = reverse("items:document", args=[stored.pk])
    _login(client, liaison_a)
    assert client.get(url).status_code == 200
    _login(client, liaison_b)
    assert client.get(url).status_code == 404


def test_it_shows_the_item_in_the_ledger_filtered_by_kind(client, office, leader, units, plan):
    item, _ = actions.create_instruction(
        actor=office, leader=leader.leader, document_title="专报", instruction="抓紧办理", instructed_on=dt.date(2026, 3, 1),
        received_on=dt.date(2026, 3, 2), lead_units=[units["甲局"]], deadline=dt.date(2026, 3, 31))
    _login(client, office)
    only = client.get(reverse("plans:ledger"), {"category": "instruction"})
    rows = [t.pk for t in only.context["page"].object_list]
    assert rows == [item.task_id]
    plan_only = client.get(reverse("plans:ledger"), {"category": "plan"})
    assert item.task_id not in [t.pk for t in plan_only.context["page"].object_list]
    assert len(plan_only.context["page"].object_list) == 3
    everything = client.get(reverse("plans:ledger"))
    assert item.task_id in [t.pk for t in everything.context["page"].object_list]


def test_the_instructing_leader_signs_off_once_the_item_is_closed(client, office, leader, liaison_a, units):
    item, _ = actions.create_instruction(
        actor=office, leader=leader.leader, document_title="专报", instruction="抓紧办理", instructed_on=dt.date(2026, 3, 1),
        received_on=dt.date(2026, 3, 2), lead_units=[units["甲局"]], deadline=dt.date(2026, 3, 31))
    task = item.task
    url = reverse("items:sign_off", args=[task.pk])
    _login(client, leader)
    client.post(url, {"note": "同意"})
    item.refresh_from_db()
    assert item.signed_off_at is None  # not closed yet: refused
    req = sup.claim_completion(task, actor=liaison_a, evidence="已完成整治，附验收记录")
    sup.verify_completion(req, actor=office)
    page = client.get(reverse("plans:task", args=[task.pk])).content.decode()
    assert "阅示" in page and reverse("items:sign_off", args=[task.pk]) in page
    # Another person (the office) cannot sign off for the leader.
    _login(client, office)
    client.post(url, {"note": "代阅"})
    item.refresh_from_db()
    assert item.signed_off_at is None
    _login(client, leader)
    client.post(url, {"note": "同意，办理到位"})
    item.refresh_from_db()
    assert item.signed_off_at is not None and item.sign_off_note == "同意，办理到位"
    assert Event.objects.filter(action="item.sign_off", task=task).exists()
    with pytest.raises(actions.ItemError, match="已阅示"):
        actions.sign_off_instruction(item, actor=leader)


def test_the_unit_sees_its_item_and_the_panel_but_another_unit_gets_404(client, office, leader, liaison_a, liaison_b,
                                                                        units):
    item, _ = actions.create_instruction(
        actor=office, leader=leader.leader, document_title="专报", instruction="抓紧办理", instructed_on=dt.date(2026, 3, 1),
        received_on=dt.date(2026, 3, 2), lead_units=[units["甲局"]], deadline=dt.date(2026, 3, 31))
    _login(client, liaison_a)
    page = client.get(reverse("plans:task", args=[item.task_id]))
    assert page.status_code == 200 and "批示内容" in page.content.decode() and "抓紧办理" in page.content.decode()
    assert item.task_id in [t.pk for t in client.get(reverse("plans:mine")).context["lead"]]
    _login(client, liaison_b)
    assert client.get(reverse("plans:task", args=[item.task_id])).status_code == 404


def test_migrations_keep_existing_plans_as_plan_tasks(plan):
    assert Plan.objects.get(pk=plan.pk).category == Category.PLAN
    assert Task.objects.of_category(Category.PLAN).count() == 3
