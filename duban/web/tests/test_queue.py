"""The office's work queue (待办) on its home page: every kind of waiting thing with
its count, oldest first, one click to where the office acts."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from duban.rounds import actions as rounds
from duban.rounds.models import Report
from duban.supervision import actions as sup
from duban.web.queue import office_queue, turned_red


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(day.year, day.month, day.day, hour))


def _open_round(plan, office, **kw):
    params = dict(name="2026年11月调度", period_start=dt.date(2026, 11, 1), period_end=dt.date(2026, 11, 30),
                  opens_on=dt.date(2026, 11, 20), due_on=dt.date(2026, 11, 30))
    params.update(kw)
    return rounds.open_round(plan, actor=office, **params)


def _submit(report, actor, text="进展顺利。", coordination=()):
    report = rounds.save_report_draft(report, actor=actor, version=report.version, data={
        "progress_status": "in_progress", "percent": 40, "progress": text, "problems": "", "next_steps": "",
        "coordination": list(coordination)})
    return rounds.submit_report(report, actor=actor, version=report.version)


def _group(groups, key):
    return next(g for g in groups if g.key == key)


@pytest.fixture
def liaison_c(units):
    from duban.conftest import _user

    return _user("liaison_c", "liaison", unit=units["丙局"])


@pytest.mark.django_db
def test_it_lists_every_kind_of_waiting_thing_oldest_first(client, plan, office, leader, liaison_a, liaison_c):
    t1, t2 = plan.tasks.get(number="1"), plan.tasks.get(number="2")
    with time_machine.travel(at(dt.date(2026, 11, 20)), tick=False):
        rnd = _open_round(plan, office)
    # 丙局 reports first (task 2), 甲局 the next day (task 1, raising a coordination item)
    with time_machine.travel(at(dt.date(2026, 11, 21)), tick=False):
        _submit(Report.objects.get(round=rnd, task=t2, unit=liaison_c.unit), liaison_c, "改造设计已完成。")
    with time_machine.travel(at(dt.date(2026, 11, 22)), tick=False):
        _submit(Report.objects.get(round=rnd, task=t1, unit=liaison_a.unit), liaison_a, "新增市场主体800家。",
                coordination=[{"to": f"leader:{leader.leader_id}", "text": "请协调用地指标"}])
        sup.request_extension(t1, actor=liaison_a, new_deadline=dt.date(2027, 3, 31), reason="受审批进度影响")
        sup.claim_completion(t2, actor=liaison_c, evidence="已完工并验收")
        notice = sup.issue_notice(t1, actor=office, level="notice", units=[liaison_a.unit], facts="进度滞后",
                                  requirement="请回复", reply_by=dt.date(2026, 11, 27))
        sup.write_instruction(t1, actor=leader, text="抓紧推进。")
    with time_machine.travel(at(dt.date(2026, 11, 23)), tick=False):
        sup.reply_notice(notice, actor=liaison_a, text="已部署整改。")
        client.force_login(office)
        response = client.get(reverse("web:home"))
    assert response.status_code == 200
    groups = response.context["groups"]
    reports = _group(groups, "reports")
    assert reports.count == 2 and [i.title[:4] for i in reports.items] == ["第2项 ", "第1项 "]  # oldest first
    assert reports.items[0].url == reverse("rounds:report", args=[Report.objects.get(task=t2, role="lead").pk])
    assert _group(groups, "extensions").count == 1 and "2027-03-31" in _group(groups, "extensions").items[0].detail
    assert _group(groups, "completions").count == 1
    assert _group(groups, "notices").items[0].url == reverse("supervision:notice", args=[notice.pk])
    assert _group(groups, "coordination").items[0].title == "请协调用地指标"
    instr = _group(groups, "instructions")
    assert instr.count == 1 and "未签收：甲局、丙局" in instr.items[0].detail
    page = response.content.decode()
    # the summary counts link to their lists; each item has one button to act
    assert re.search(r'href="#q-reports"[^>]*><b>2</b>待审核的报告', page)
    assert f'href="{reports.items[0].url}">审核</a>' in page
    assert f'{reverse("rounds:detail", args=[rnd.pk])}?state=review' in page
    assert [i.days for i in reports.items] == [2, 1] and "已等 2 天" in page  # since 11-21 and 11-22


@pytest.mark.django_db
def test_it_drops_what_was_dealt_with(plan, office, liaison_a):
    t1 = plan.tasks.get(number="1")
    with time_machine.travel(at(dt.date(2026, 11, 22)), tick=False):
        rnd = _open_round(plan, office)
        report = _submit(Report.objects.get(round=rnd, task=t1, unit=liaison_a.unit), liaison_a)
        assert _group(office_queue(dt.date(2026, 11, 22)), "reports").count == 1
        rounds.accept_report(report, actor=office)
        req = sup.request_extension(t1, actor=liaison_a, new_deadline=dt.date(2027, 3, 31), reason="理由")
        sup.decide_extension(req, actor=office, approve=False, note="不符合条件")
        groups = office_queue(dt.date(2026, 11, 22))
    assert _group(groups, "reports").count == 0 and _group(groups, "extensions").count == 0


@pytest.mark.django_db
def test_it_shows_the_tasks_that_turned_red_since_yesterday(client, plan, office):
    # task 2 is due 2026-09-30: red from 1 October (overdue), and only that day "turned red"
    t2 = plan.tasks.get(number="2")
    assert [t.pk for t, _ in turned_red(dt.date(2026, 10, 1))] == [t2.pk]
    assert turned_red(dt.date(2026, 10, 2)) == []
    with time_machine.travel(at(dt.date(2026, 10, 1)), tick=False):
        client.force_login(office)
        page = client.get(reverse("web:home")).content.decode()
    assert "今日转为红灯的任务" in page and "完成老旧小区改造" in page
    assert f'href="{reverse("supervision:task", args=[t2.pk])}">督办</a>' in page


@pytest.mark.django_db
def test_it_says_when_nothing_waits(client, plan, office):
    with time_machine.travel(at(dt.date(2026, 6, 1)), tick=False):
        client.force_login(office)
        page = client.get(reverse("web:home")).content.decode()
    assert 'id="queue-empty"' in page and "没有待办事项" in page and "None" not in page


@pytest.mark.django_db
def test_it_keeps_the_queue_to_the_office(client, plan, liaison_a, leader):
    for user in (liaison_a, leader):
        client.force_login(user)
        assert client.get(reverse("web:home")).status_code == 302
