"""The year-end table (.xlsx): per unit, chapter and kind, completed on time, late,
extended, carried over and open, over every kind of the year's items."""
from __future__ import annotations

import datetime as dt
import io

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from duban.items import actions as items
from duban.plans.models import Task
from duban.supervision import actions as sup

pytestmark = pytest.mark.django_db


def _close(task, unit_person, office, on: str):
    with time_machine.travel(f"{on} 10:00 +0800", tick=False):
        sup.verify_completion(sup.claim_completion(task, actor=unit_person, evidence="完成"), actor=office)


def _sheet(response, name):
    ws = load_workbook(io.BytesIO(response.content))[name]
    return {row[0]: row[1:] for row in ws.iter_rows(min_row=3, values_only=True)}


def test_it_counts_on_time_late_carried_and_open_per_unit_chapter_and_kind(client, office, leader, liaison_a,
                                                                           liaison_b, units, plan):
    from duban.accounts.models import User
    from duban.conftest import PASSWORD

    liaison_c = User.objects.create_user("liaison_c", password=PASSWORD, role="liaison", unit=units["丙局"])
    instruction, _ = items.create_instruction(
        actor=office, leader=leader.leader, document_title="专报", instruction="抓紧办理",
        instructed_on=dt.date(2026, 3, 1), received_on=dt.date(2026, 3, 2), lead_units=[units["甲局"]],
        deadline=dt.date(2026, 3, 31))
    _close(instruction.task, liaison_a, office, "2026-04-10")  # late
    _close(Task.objects.get(plan=plan, number="2"), liaison_c, office, "2026-09-01")  # 丙局, on time
    items.carry_over([Task.objects.get(plan=plan, number="1")], actor=office, year=2027,
                     deadline=dt.date(2027, 6, 30))  # 甲局, carried
    # task 3 (乙局) stays open
    client.force_login(office)
    response = client.get(reverse("exports:year_table_xlsx", args=[2026]))
    assert response.status_code == 200
    units_sheet = _sheet(response, "按单位")
    cols = ["事项数", "按时完成", "逾期完成", "已延期", "结转下年", "未完成"]
    as_dict = {k: dict(zip(cols, v[:6])) for k, v in units_sheet.items()}
    assert as_dict["甲局"] == {"事项数": 2, "按时完成": 0, "逾期完成": 1, "已延期": 0, "结转下年": 1, "未完成": 0}
    assert as_dict["丙局"]["按时完成"] == 1 and as_dict["乙局"]["未完成"] == 1
    assert as_dict["合计"]["事项数"] == 4
    kinds = _sheet(response, "按类别")
    assert kinds["领导批示件"][:3] == (1, 0, 1) and kinds["分工方案任务"][0] == 3
    chapters = _sheet(response, "按部分")
    assert chapters["一、稳增长"][0] == 2 and chapters["领导批示件"][0] == 1
    # A unit's people get no year table; an unknown year is 404.
    client.force_login(liaison_b)
    assert client.get(reverse("exports:year_table_xlsx", args=[2026])).status_code == 403
    client.force_login(office)
    assert client.get(reverse("exports:year_table_xlsx", args=[1999])).status_code == 404
