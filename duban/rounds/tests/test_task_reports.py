"""The task page shows the task's reports, latest round first, each version reachable,
and only the reports the person may see."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from duban.rounds import actions
from duban.rounds.models import Report
from duban.rounds.tests.conftest import at


def _submit(report, actor, text):
    report = actions.save_report_draft(report, actor=actor, version=report.version, data={
        "progress_status": "in_progress", "percent": 30, "progress": text, "problems": "", "next_steps": ""})
    return actions.submit_report(report, actor=actor, version=report.version)


@pytest.mark.django_db
def test_it_lists_the_reports_latest_round_first_with_every_version(client, open_round, office, liaison_a, liaison_b):
    october = open_round(name="2026年10月调度", period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 10, 31),
                         opens_on=dt.date(2026, 10, 25), due_on=dt.date(2026, 10, 31))
    november = open_round()
    task = november.plan.tasks.get(number="1")
    with time_machine.travel(at(dt.date(2026, 11, 27)), tick=False):
        first = _submit(Report.objects.get(round=november, task=task, unit=liaison_a.unit), liaison_a, "第一稿")
        actions.return_report(first, actor=office, reason="请补充数据")
        first.refresh_from_db()
        _submit(first, liaison_a, "第二稿")
        actions.return_report(Report.objects.get(pk=first.pk), actor=office, reason="数据仍不全")
        client.force_login(liaison_a)
        page = client.get(reverse("plans:task", args=[task.pk])).content.decode()
    section = page[page.index('id="task-reports"'):]
    section = section[:section.index("</table>")]
    assert section.index("2026年11月调度") < section.index("2026年10月调度")  # latest first
    assert "已退回" in section and "退回原因：数据仍不全" in section
    versions = reverse("rounds:versions", args=[first.pk])
    assert f'href="{versions}#v2"' in section and f'href="{versions}#v1"' in section
    assert section.index("第2版") < section.index("第1版")
    assert Report.objects.filter(task=task, round=october).count() == 2 and "未报送" in section
    # 乙局 sees none of task 1's reports (it does not carry the task: 404 for the page)
    client.force_login(liaison_b)
    assert client.get(reverse("plans:task", args=[task.pk])).status_code == 404


@pytest.mark.django_db
def test_it_shows_a_co_unit_only_its_own_part(client, open_round, units):
    from duban.conftest import _user

    liaison_c = _user("liaison_c", "liaison", unit=units["丙局"])
    rnd = open_round()
    task = rnd.plan.tasks.get(number="1")  # 甲局 leads, 丙局 co-works
    client.force_login(liaison_c)
    with time_machine.travel(at(dt.date(2026, 11, 27)), tick=False):
        page = client.get(reverse("plans:task", args=[task.pk])).content.decode()
    section = page[page.index('id="task-reports"'):page.index("</table>", page.index('id="task-reports"'))]
    assert "丙局（配合单位）" in section and "甲局" not in section


@pytest.mark.django_db
def test_it_says_when_the_task_was_in_no_round(client, plan, office):
    client.force_login(office)
    page = client.get(reverse("plans:task", args=[plan.tasks.get(number="3").pk])).content.decode()
    assert "该任务还没有列入调度" in page
