"""The kind badge (批示件, 会议事项, 建议提案, 上级交办, 结转事项) beside an item's title on
the unit's page, a leader's page, the ledger, the unit's report list and the
dashboard's lists; a plan's task has none."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from lxml import html as lxml_html

from duban.items import actions
from duban.org.models import Leader
from duban.plans.models import Task

pytestmark = pytest.mark.django_db

SHORT = {"instruction": "批示件", "meeting": "会议事项", "proposal": "建议提案", "assigned": "上级交办",
         "carryover": "结转事项"}


@pytest.fixture
def items(office, units, plan):
    leader = Leader.objects.get(name="李明")
    made = {}
    made["instruction"] = actions.create_instruction(
        actor=office, leader=leader, document_title="关于供暖的报告", instruction="请甲局研究落实",
        instructed_on=dt.date(2026, 3, 1), received_on=dt.date(2026, 3, 2), lead_units=[units["甲局"]],
        deadline=dt.date(2026, 4, 30))[0].task
    meeting = actions.create_meeting(actor=office, kind="standing", title="区政府第5次常务会议", held_on=dt.date(2026, 3, 5))
    made["meeting"] = actions.create_decision(meeting, actor=office, text="由甲局牵头推进停车场建设", facts=actions.ItemFacts(
        title="推进停车场建设", lead_units=[units["甲局"]], deadline=dt.date(2026, 6, 30))).task
    made["proposal"] = actions.create_proposal(
        actor=office, kind="suggestion", number="7", proposers="张三", title="关于增设公交线路的建议",
        assigned_on=dt.date(2026, 3, 31), lead_units=[units["甲局"]]).task
    made["assigned"] = actions.create_assigned(
        actor=office, source="assigned", issuer="市政府督查室", doc_number="京政督办〔2026〕12号",
        received_on=dt.date(2026, 3, 9), title="整改道路扬尘问题", lead_units=[units["丙局"]], co_units=[units["甲局"]],
        deadline=dt.date(2026, 5, 10)).task
    old = actions.create_assigned(
        actor=office, source="assigned", issuer="市政府督查室", doc_number="京政督办〔2025〕3号",
        received_on=dt.date(2025, 5, 9), title="整改河道垃圾问题", lead_units=[units["甲局"]],
        deadline=dt.date(2025, 9, 30)).task
    made["carryover"] = actions.carry_over([old], actor=office, year=2026, deadline=dt.date(2026, 12, 31))[0]
    return made


def page(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200
    return lxml_html.fromstring(response.content.decode())


def badges(tree, link_of) -> dict[int, list[str]]:
    """Each listed task (by the id in its link) → the kind badges in its title cell."""
    out = {}
    for cell in tree.xpath("//td[.//a]"):
        for a in cell.xpath(".//a[@href]"):
            pk = link_of(a.get("href"))
            if pk is not None:
                out[pk] = [b.text_content().strip() for b in cell.xpath(".//span[@data-kind]")]
    return out


def task_link(href):
    parts = href.strip("/").split("/")
    return int(parts[-1]) if len(parts) == 3 and parts[:2] == ["plans", "tasks"] else None


def check(found: dict, items: dict, plan_tasks, *, expect: set[str]):
    for kind in expect:
        assert found[items[kind].pk] == [SHORT[kind]], kind
    for t in plan_tasks:
        if t.pk in found:
            assert found[t.pk] == []  # a plan's task: no badge
    assert any(t.pk in found for t in plan_tasks)


@time_machine.travel("2026-04-10 10:00 +0800", tick=False)
def test_the_units_page_and_the_ledger_show_the_kind(client, items, liaison_a, office, leader, plan):
    assert task_link(reverse("plans:task", args=[1])) == 1
    client.force_login(liaison_a)  # 甲局: lead of all but 上级交办, where it is the co-unit
    found = badges(page(client, reverse("plans:mine")), task_link)
    check(found, items, plan.tasks.all(), expect=set(SHORT))
    # The badge's title is the kind's full name.
    tree = page(client, reverse("plans:mine"))
    assert {b.get("title") for b in tree.xpath("//span[@data-kind]")} == {
        "领导批示件", "会议议定事项", "建议提案", "上级交办和督查反馈事项", "上年结转事项"}

    client.force_login(office)
    found = badges(page(client, reverse("plans:ledger"), year="2026"), task_link)
    check(found, items, plan.tasks.all(), expect=set(SHORT))

    client.force_login(leader)  # 李明: the instruction's leader and leader of plan tasks
    found = badges(page(client, reverse("plans:leader", args=[leader.leader_id])), task_link)
    check(found, items, plan.tasks.all(), expect={"instruction"})


@time_machine.travel("2026-05-20 10:00 +0800", tick=False)
def test_the_dashboard_lists_show_the_kind(client, items, office, plan):
    from duban.plans.signals import facts_changed

    facts_changed(Task, list(Task.objects.values_list("pk", flat=True)))
    client.force_login(office)
    tree = page(client, reverse("dashboards:overview"))
    red = tree.xpath("//section[@aria-labelledby='red-h']//tr[@data-task]")
    by_task = {int(tr.get("data-task")): [b.text_content() for b in tr.xpath(".//span[@data-kind]")] for tr in red}
    # Overdue on 2026-05-20: the instruction (04-30) and the 上级交办 item (05-10).
    assert by_task[items["instruction"].pk] == ["批示件"]
    assert by_task[items["assigned"].pk] == ["上级交办"]


@time_machine.travel("2026-04-10 10:00 +0800", tick=False)
def test_the_units_report_list_shows_the_kind(client, items, office, liaison_a):
    from duban.rounds.actions import open_round

    register = items["instruction"].plan
    open_round(register, actor=office, name="4月批示件调度", period_start=dt.date(2026, 4, 1),
               period_end=dt.date(2026, 4, 30), opens_on=dt.date(2026, 4, 1), due_on=dt.date(2026, 4, 25))
    client.force_login(liaison_a)
    tree = page(client, reverse("rounds:mine"))
    cells = [c for c in tree.xpath("//td[@data-label='工作任务']")]
    assert cells and all([b.text_content() for b in c.xpath(".//span[@data-kind]")] == ["批示件"] for c in cells)
