"""建议提案 (rule-set reply time, 面商, 答复, satisfaction and 再办理), 上级交办 and 整改,
会议议定事项 by hand, and 结转 of unfinished tasks into a new year."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from duban.audit.models import Event
from duban.conftest import PASSWORD
from duban.items import actions
from duban.items.models import ItemLink, ItemRules, Meeting
from duban.plans.models import Category, Task
from duban.supervision import actions as sup

pytestmark = pytest.mark.django_db


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def _proposal(office, units, **kw):
    return actions.create_proposal(actor=office, kind="suggestion", number=kw.get("number", "101"),
                                   proposers="张三", title="关于增设公交线路的建议",
                                   assigned_on=kw.get("assigned_on", dt.date(2026, 3, 31)),
                                   lead_units=[units["甲局"]], co_units=[units["丙局"]])


def test_the_reply_time_is_the_offices_rule(office, units, client):
    assert _proposal(office, units).reply_due == dt.date(2026, 6, 30)
    _login(client, office).post(reverse("items:rules"), {"proposal_reply_months": "2",
                                                         "instruction_default_workdays": "10",
                                                         "proposal_contact_required": "on"})
    assert ItemRules.current().proposal_reply_months == 2
    later = _proposal(office, units, number="102", assigned_on=dt.date(2026, 12, 31))
    assert later.reply_due == dt.date(2027, 2, 28)  # two months on, the month's last day
    assert later.task.deadline == later.reply_due and later.task.deadline_text == "交办之日起2个月内答复"


def test_a_duplicate_proposal_number_is_refused(office, units):
    _proposal(office, units)
    with pytest.raises(actions.ItemError, match="第101号人大代表建议已录入"):
        _proposal(office, units)


@time_machine.travel("2026-05-10 10:00 +0800", tick=False)
def test_contact_reply_unsatisfied_redo_and_satisfied(office, units, liaison_a, client, plan):
    from duban.accounts.models import User

    liaison_c = User.objects.create_user("liaison_c", password=PASSWORD, role="liaison", unit=units["丙局"],
                                         full_name="丙局联络员")
    proposal = _proposal(office, units)
    task = proposal.task
    _login(client, liaison_a)
    # No reply before a contact with the proposer (the rule).
    client.post(reverse("items:reply", args=[task.pk]), {"replied_on": "2026-05-09", "text": "已答复"})
    assert not proposal.replies.exists()
    client.post(reverse("items:contact", args=[task.pk]),
                {"c-on": "2026-05-08", "c-way": "meeting", "c-note": "与张三代表当面商谈线路走向"})
    assert proposal.contacts.get().unit == units["甲局"]
    # A co-unit may record contacts but not the reply.
    _login(client, liaison_c)
    assert client.post(reverse("items:reply", args=[task.pk]),
                       {"replied_on": "2026-05-09", "text": "协办答复"}).status_code == 403
    _login(client, liaison_a)
    client.post(reverse("items:reply", args=[task.pk]), {"replied_on": "2026-05-09", "text": "拟于年内开通新线路"})
    proposal.refresh_from_db()
    assert proposal.replied_on == dt.date(2026, 5, 9) and proposal.replies.get().round == 1
    # Only the office records satisfaction.
    assert client.post(reverse("items:satisfaction", args=[task.pk]), {"satisfaction": "satisfied"}).status_code == 403
    _login(client, office)
    client.post(reverse("items:satisfaction", args=[task.pk]), {"satisfaction": "unsatisfied", "note": "线路仍未确定"})
    proposal.refresh_from_db()
    task.refresh_from_db()
    assert proposal.redo_count == 1 and proposal.replied_on is None
    assert proposal.reply_due == dt.date(2026, 8, 10) and task.deadline == dt.date(2026, 8, 10)
    assert "再办理" in task.deadline_text
    page = client.get(reverse("plans:task", args=[task.pk])).content.decode()
    assert "第 1 次再办理" in page and "不满意" in page
    _login(client, liaison_a)
    client.post(reverse("items:reply", args=[task.pk]), {"replied_on": "2026-05-10", "text": "线路已确定，6月开通"})
    _login(client, office)
    client.post(reverse("items:satisfaction", args=[task.pk]), {"satisfaction": "satisfied"})
    proposal.refresh_from_db()
    assert proposal.satisfaction == "satisfied" and proposal.replies.count() == 2
    assert Event.objects.filter(action="item.satisfaction", task=task).count() == 2


@time_machine.travel("2026-06-20 10:00 +0800", tick=False)
def test_assigned_item_rectification_then_closure(office, units, liaison_a, liaison_b, client):
    _login(client, office)
    response = client.post(reverse("items:new_assigned"), {
        "source": "inspection", "issuer": "市政府督查室", "doc_number": "市督查〔2026〕12号", "received_on": "2026-06-01",
        "title": "河道垃圾清理不及时", "problem": "督查发现河道垃圾堆积", "measures": "建立日常保洁机制",
        "deadline": "2026-06-30", "lead_units": "甲局"})
    task = Task.objects.get(plan__category=Category.ASSIGNED)
    assert response["Location"] == reverse("plans:task", args=[task.pk])
    item = task.assigned_item
    assert item.doc_number == "市督查〔2026〕12号" and task.deadline == dt.date(2026, 6, 30)
    _login(client, liaison_b)
    assert client.post(reverse("items:rectify", args=[task.pk]),
                       {"rectified_on": "2026-06-19", "note": "越权"}).status_code == 404
    _login(client, liaison_a)
    client.post(reverse("items:rectify", args=[task.pk]), {"rectified_on": "2026-06-30", "note": "未来日期"})
    item.refresh_from_db()
    assert item.rectified_on is None  # a future date is refused
    client.post(reverse("items:rectify", args=[task.pk]), {"rectified_on": "2026-06-19", "note": "已清理，建立保洁台账"})
    item.refresh_from_db()
    assert item.rectified_on == dt.date(2026, 6, 19)
    # 整改销号 goes through the usual completion verification.
    req = sup.claim_completion(task, actor=liaison_a, evidence="整改完成，附照片")
    sup.verify_completion(req, actor=office)
    assert actions.is_closed(task)


def test_a_meeting_by_hand_with_its_decisions(office, units, client, leader):
    _login(client, office)
    response = client.post(reverse("items:new_meeting"), {"kind": "topic", "title": "城市更新专题会议",
                                                           "held_on": "2026-09-02", "chair": "李明"})
    meeting = Meeting.objects.get()
    assert response["Location"] == reverse("items:meeting", args=[meeting.pk])
    response = client.post(reverse("items:meeting", args=[meeting.pk]), {
        "text": "由甲局牵头，丙局配合，年底前印发城市更新行动计划。", "lead_units": "甲局", "co_units": "丙局",
        "deadline": "2026-12-31", "deadline_text": "年底前", "leaders": [leader.leader_id]})
    assert response.status_code == 302
    decision = meeting.decisions.get()
    assert decision.task.plan.category == Category.MEETING and decision.task.section == meeting.section
    assert decision.task.ordered_leaders() == [leader.leader]
    bad = client.post(reverse("items:meeting", args=[meeting.pk]), {"text": "无单位", "lead_units": ""})
    assert bad.status_code == 400 and "请填写牵头单位" in bad.content.decode()
    assert meeting.decisions.count() == 1


def test_unfinished_tasks_are_carried_into_the_new_year_linked_and_the_ledger_defaults_to_it(
        office, units, plan, client, liaison_a):
    done = Task.objects.get(plan=plan, number="2")
    req = sup.claim_completion(done, actor=liaison_a, evidence="完成")
    sup.verify_completion(req, actor=office)
    _login(client, office)
    page = client.get(reverse("items:carry_over"), {"year": "2027"}).content.decode()
    assert "全年新增市场主体" in page and "完成老旧小区改造" not in page  # closed tasks are not offered
    first = Task.objects.get(plan=plan, number="1")
    third = Task.objects.get(plan=plan, number="3")
    response = client.post(reverse("items:carry_over"), {"year": "2027", "deadline": "2027-06-30",
                                                          "task": [first.pk, third.pk, done.pk]})
    assert response.status_code == 302
    carried = list(Task.objects.of_category(Category.CARRYOVER).order_by("order"))
    assert [t.title for t in carried] == [first.title, third.title]
    assert carried[0].plan.year == 2027 and carried[0].deadline == dt.date(2027, 6, 30)
    assert [u.name for u in carried[0].lead_units()] == ["甲局"]
    link = ItemLink.objects.get(to_task=carried[0])
    assert link.from_task == first and link.relation == "carried"
    # The old task keeps its history and shows where it went; the new one where it came from.
    old_page = client.get(reverse("plans:task", args=[first.pk])).content.decode()
    assert "后续" in old_page and reverse("plans:task", args=[carried[0].pk]) in old_page
    new_page = client.get(reverse("plans:task", args=[carried[0].pk])).content.decode()
    assert "结转自" in new_page and reverse("plans:task", args=[first.pk]) in new_page
    # Carrying again does not duplicate.
    client.post(reverse("items:carry_over"), {"year": "2027", "deadline": "2027-06-30", "task": [first.pk]})
    assert Task.objects.of_category(Category.CARRYOVER).count() == 2
    # Two years now: the ledger shows the current (newest) year unless told otherwise.
    ledger = client.get(reverse("plans:ledger"))
    assert {t.plan.year for t in ledger.context["page"].object_list} == {2027}
    everything = client.get(reverse("plans:ledger"), {"year": ""})
    assert {t.plan.year for t in everything.context["page"].object_list} == {2026, 2027}
    older = client.get(reverse("plans:ledger"), {"year": "2026"})
    assert {t.plan.year for t in older.context["page"].object_list} == {2026}


def test_carry_over_refuses_a_deadline_outside_the_year(office, units, plan, client):
    _login(client, office)
    first = Task.objects.get(plan=plan, number="1")
    response = client.post(reverse("items:carry_over"), {"year": "2027", "deadline": "2026-12-31", "task": [first.pk]})
    assert response.status_code == 400 and "完成时限应在2027年内" in response.content.decode()
    assert not Task.objects.of_category(Category.CARRYOVER).exists()


def test_the_index_counts_kinds_and_lists_a_leaders_instructions_to_sign(office, leader, liaison_a, units, client):
    item, _ = actions.create_instruction(
        actor=office, leader=leader.leader, document_title="专报", instruction="抓紧办理",
        instructed_on=dt.date(2026, 3, 1), received_on=dt.date(2026, 3, 2), lead_units=[units["甲局"]],
        deadline=dt.date(2026, 3, 31))
    _proposal(office, units)
    _login(client, office)
    page = client.get(reverse("items:index"))
    counts = {k["key"]: k["count"] for k in page.context["kinds"]}
    assert counts["instruction"] == 1 and counts["proposal"] == 1
    req = sup.claim_completion(item.task, actor=liaison_a, evidence="完成")
    sup.verify_completion(req, actor=office)
    _login(client, leader)
    page = client.get(reverse("items:index")).content.decode()
    assert "待我阅示的批示件" in page and "专报" in page


def test_the_matcher_proposes_which_new_years_tasks_continue_old_ones(office, units, plan, client):
    from duban.conftest import make_parsed_plan
    from duban.imports.actions import import_plan
    from duban.imports.preview import build_preview

    parsed = make_parsed_plan(title="2027年测试区重点工作分工方案", plan_year=2027)
    parsed.tasks = [parsed.tasks[2], parsed.tasks[0]]  # reordered, renumbered, one reworded
    parsed.tasks[0].number, parsed.tasks[0].title = "1", "持续推进社区养老服务体系建设。"
    parsed.tasks[1].number = "2"
    for t in parsed.tasks:
        t.deadline = dt.date(2027, 12, 31) if t.deadline else None
    new_plan = import_plan(build_preview(parsed, "1" * 64), actor=None, source_name="2027.txt", source_bytes=b"y").plan
    old_market, old_care = Task.objects.get(plan=plan, number="1"), Task.objects.get(plan=plan, number="3")
    new_care, new_market = Task.objects.get(plan=new_plan, number="1"), Task.objects.get(plan=new_plan, number="2")
    _login(client, office)
    page = client.get(reverse("items:carry_over"), {"year": "2027"})
    rows = {t.pk: p for t, p in page.context["rows"]}
    assert rows[old_market.pk][0] == new_market and rows[old_care.pk][0] == new_care
    assert rows[old_care.pk][1].startswith("标题相似")
    response = client.post(reverse("items:carry_over"), {"action": "continue", "year": "2027",
                                                          "continue": [f"{old_care.pk}:{new_care.pk}",
                                                                       f"{old_market.pk}:{new_care.pk}"]})
    assert response.status_code == 302
    # Only the proposed pair is taken; a forged pairing is ignored.
    link = ItemLink.objects.get()
    assert (link.from_task, link.to_task, link.relation) == (old_care, new_care, "continues")
    page = client.get(reverse("plans:task", args=[new_care.pk])).content.decode()
    assert "延续" in page and reverse("plans:task", args=[old_care.pk]) in page
    # A continued task is no longer offered for carrying over.
    assert old_care.pk not in {t.pk for t, _ in client.get(reverse("items:carry_over"), {"year": "2027"}).context["rows"]}
