"""The Word year-end summary counts every kind of the year's 督办事项 (事项数, 已完成,
按时完成, 逾期, 结转下年) and lists the items carried into the next year with the
register that continues them. The .docx is downloaded and read with python-docx."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from docx import Document

from duban.items import actions as items
from duban.items.models import ItemLink
from duban.plans.models import Task
from duban.supervision import actions as sup

pytestmark = pytest.mark.django_db


def _close(task, unit_person, office, on: str):
    with time_machine.travel(f"{on} 10:00 +0800", tick=False):
        sup.verify_completion(sup.claim_completion(task, actor=unit_person, evidence="完成"), actor=office)


def _tables(data: bytes) -> dict[str, list[list[str]]]:
    """Each table of the document by its first header cell: its rows' cell texts."""
    doc = Document(io.BytesIO(data))
    out = {}
    for t in doc.tables:
        rows = [[c.text.strip() for c in r.cells] for r in t.rows]
        out[rows[0][0] + "|" + rows[0][1]] = rows
    return out


def _text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    return "\n".join(p.text for p in doc.paragraphs)


@pytest.fixture
def year(office, leader, liaison_a, liaison_b, units, plan):
    from duban.accounts.models import User
    from duban.conftest import PASSWORD

    liaison_c = User.objects.create_user("liaison_c", password=PASSWORD, role="liaison", unit=units["丙局"])
    instruction, _ = items.create_instruction(
        actor=office, leader=leader.leader, document_title="专报", instruction="抓紧办理",
        instructed_on=dt.date(2026, 3, 1), received_on=dt.date(2026, 3, 2), lead_units=[units["甲局"]],
        deadline=dt.date(2026, 3, 31))
    _close(instruction.task, liaison_a, office, "2026-04-10")  # late
    meeting = items.create_meeting(actor=office, kind="standing", title="区政府第3次常务会议", held_on=dt.date(2026, 4, 1))
    decision = items.create_decision(meeting, actor=office, text="由丙局牵头完善停车设施", facts=items.ItemFacts(
        title="完善停车设施", lead_units=[units["丙局"]], deadline=dt.date(2026, 8, 31)))
    _close(decision.task, liaison_c, office, "2026-08-01")  # on time
    proposal = items.create_proposal(actor=office, kind="suggestion", number="18", proposers="张三",
                                     title="关于增设公交线路的建议", assigned_on=dt.date(2026, 3, 31),
                                     lead_units=[units["乙局"]])  # reply due 2026-06-30, never closed
    assigned = items.create_assigned(actor=office, source="assigned", issuer="市政府督查室",
                                     doc_number="京政督办〔2026〕12号", received_on=dt.date(2026, 5, 6),
                                     title="整改道路扬尘问题", lead_units=[units["丙局"]],
                                     deadline=dt.date(2026, 6, 30))  # open, overdue
    _close(Task.objects.get(plan=plan, number="2"), liaison_c, office, "2026-09-01")  # on time (due 09-30)
    with time_machine.travel("2026-12-20 10:00 +0800", tick=False):
        carried = items.carry_over([Task.objects.get(plan=plan, number="1"), proposal.task], actor=office,
                                   year=2027, deadline=dt.date(2027, 6, 30))
    # Task 3 (no deadline) is continued by an item of 2027 (延续).
    later = items.create_assigned(actor=office, source="assigned", issuer="市政府督查室",
                                  doc_number="京政督办〔2027〕1号", received_on=dt.date(2027, 1, 5),
                                  title="持续推进社区养老服务", lead_units=[units["乙局"]], deadline=dt.date(2027, 9, 30))
    items.continue_tasks([(Task.objects.get(plan=plan, number="3"), later.task)], actor=office)
    return {"carried": carried, "assigned": assigned, "later": later}


@time_machine.travel("2026-12-20 10:00 +0800", tick=False)
def test_the_summary_counts_every_kind_and_lists_the_carried_items(client, office, year):
    client.force_login(office)
    response = client.get(reverse("exports:year_summary", args=[2026]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    tables = _tables(response.content)
    kinds = tables["事项类别|事项数"]
    assert kinds[0] == ["事项类别", "事项数", "已完成", "按时完成", "逾期", "结转下年", "办结率"]
    by_kind = {r[0]: r[1:] for r in kinds[1:]}
    assert by_kind == {
        # tasks 1 (carried), 2 (on time), 3 (continued, no deadline)
        "分工方案任务": ["3", "1", "1", "0", "2", "33.3%"],
        "领导批示件": ["1", "1", "0", "1", "0", "100.0%"],  # struck off late
        "会议议定事项": ["1", "1", "1", "0", "0", "100.0%"],
        "建议提案": ["1", "0", "0", "1", "1", "0.0%"],  # reply due 06-30, open, carried
        "上级交办和督查反馈事项": ["1", "0", "0", "1", "0", "0.0%"],  # open past 06-30
    }
    carried = tables["序号|事项"]
    assert carried[0] == ["序号", "事项", "类别", "牵头单位", "方式", "转入", "新完成时限"]
    rows = {r[1]: r for r in carried[1:]}
    assert len(rows) == 3
    first = rows["全年新增市场主体不少于2000家。"]
    assert first[2:] == ["分工方案任务", "甲局", "结转", "2027年上年结转事项第1项", "2027-06-30"]
    assert rows["关于增设公交线路的建议"][2:] == ["建议提案", "乙局", "结转", "2027年上年结转事项第2项", "2027-06-30"]
    assert rows["推进社区养老服务。"][2:] == ["分工方案任务", "乙局", "延续", "2027年上级交办和督查反馈事项第1项",
                                          "2027-09-30"]
    chapters = {r[0]: r[1] for r in tables["部分|任务"][1:]}
    assert chapters == {"一、稳增长": "2", "二、惠民生": "1", "领导批示件": "1", "区政府第3次常务会议": "1",
                        "建议提案": "1", "上级交办和督查反馈事项": "1"}
    text = _text(response.content)
    assert "二、分类别完成情况" in text and "六、结转下年事项" in text
    assert "以下3项事项未能在本年度完成" in text
    assert "{{" not in text
    # The new registers are what the links point to.
    assert {link.to_task.plan.title for link in ItemLink.objects.filter(from_task__plan__year=2026)} == {
        "2027年上年结转事项", "2027年上级交办和督查反馈事项"}


@time_machine.travel("2026-12-20 10:00 +0800", tick=False)
def test_a_year_with_nothing_carried_says_so(client, office, plan):
    client.force_login(office)
    response = client.get(reverse("exports:year_summary", args=[2026]))
    text = _text(response.content)
    assert "本年度没有结转下年的事项。" in text
    kinds = _tables(response.content)["事项类别|事项数"]
    assert [r[0] for r in kinds[1:]] == ["分工方案任务"]
