"""The supervision page lists the red and yellow tasks, red first, with 发督办单 beside
each for the office."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from duban.supervision import actions
from duban.supervision.tests.conftest import at


@pytest.mark.django_db
def test_it_lists_red_then_yellow_tasks_with_a_notice_button(client, plan, office):
    t1, t2 = plan.tasks.get(number="1"), plan.tasks.get(number="2")
    # 2026-12-28: task 2 (due 09-30) is overdue → red; task 1 (due 12-31) within 7 days → yellow
    with time_machine.travel(at(dt.date(2026, 12, 28)), tick=False):
        actions.issue_notice(t2, actor=office, level="notice", units=list(actions.task_units(t2)), facts="逾期",
                             requirement="请回复", reply_by=dt.date(2027, 1, 5))
        client.force_login(office)
        response = client.get(reverse("supervision:index"))
    page = response.content.decode()
    off = response.context["off_track"]
    assert [t.pk for t in off["page"].object_list] == [t2.pk, t1.pk] and (off["red"], off["yellow"]) == (1, 1)
    section = page[page.index('id="off-track-tasks"'):page.index("</table>", page.index('id="off-track-tasks"'))]
    assert section.index("完成老旧小区改造") < section.index("全年新增市场主体")
    for t in (t1, t2):
        assert f'href="{reverse("supervision:notice_new", args=[t.pk])}"' in section
    assert "1 份未办结" in section and "红灯" in section and "黄灯" in section
    assert "推进社区养老服务" not in section  # green: not listed


@pytest.mark.django_db
def test_a_leader_sees_the_list_without_the_button_and_units_not_at_all(client, plan, leader, liaison_a):
    with time_machine.travel(at(dt.date(2026, 12, 28)), tick=False):
        client.force_login(leader)
        page = client.get(reverse("supervision:index")).content.decode()
        assert 'id="off-track-tasks"' in page and "发督办单" not in page
        client.force_login(liaison_a)
        page = client.get(reverse("supervision:index")).content.decode()
    assert 'id="off-track"' not in page
