"""Who hears about a report moving: the unit head when a report waits for approval,
the lead unit when a co-unit's part arrives, the unit when the office returns or
accepts its report."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from duban.notifications.models import Notification
from duban.rounds import actions
from duban.rounds.models import Report
from duban.rounds.tests.conftest import at

NOV28 = at(dt.date(2026, 11, 28))
DATA = {"progress_status": "in_progress", "percent": "50", "progress": "完成过半。", "problems": "",
        "next_steps": "继续推进。"}


def _submit(report, actor):
    report = actions.save_report_draft(report, actor=actor, data=DATA, version=report.version)
    return actions.submit_report(report, actor=actor)


def _inbox(user):
    return list(Notification.objects.filter(recipient=user).values_list("kind", "title", "body"))


@pytest.mark.django_db
def test_the_unit_head_hears_of_a_report_waiting_for_approval(open_round, liaison_a, head_a, liaison_b,
                                                                django_capture_on_commit_callbacks):
    rnd = open_round(requires_head_approval=True)
    report = Report.objects.get(round=rnd, task__number="1", unit__name="甲局")
    with time_machine.travel(NOV28, tick=False), django_capture_on_commit_callbacks(execute=True):
        _submit(report, liaison_a)
    [(kind, title, _)] = _inbox(head_a)
    assert kind == "report.pending" and "待审核" in title
    assert _inbox(liaison_a) == [] and _inbox(liaison_b) == []


@pytest.mark.django_db
def test_the_lead_unit_hears_of_a_co_part(open_round, units, liaison_a, head_a, liaison_b,
                                          django_capture_on_commit_callbacks):
    from duban.accounts.models import User

    liaison_c = User.objects.create_user(username="liaison_c", password="x", role="liaison", unit=units["丙局"],
                                         full_name="丙局联络员")
    rnd = open_round()
    co_part = Report.objects.get(round=rnd, task__number="2", unit__name="甲局")
    assert co_part.role == Report.Role.CO
    with time_machine.travel(NOV28, tick=False), django_capture_on_commit_callbacks(execute=True):
        _submit(co_part, liaison_a)
    [(kind, title, _)] = _inbox(liaison_c)  # 丙局 leads task 2
    assert kind == "report.co_part" and "甲局" in title
    assert _inbox(liaison_a) == [] and _inbox(head_a) == [] and _inbox(liaison_b) == []


@pytest.mark.django_db
def test_the_unit_hears_when_its_report_is_returned_or_accepted(open_round, office, liaison_a, head_a, liaison_b,
                                                               django_capture_on_commit_callbacks):
    rnd = open_round()
    report = Report.objects.get(round=rnd, task__number="1", unit__name="甲局")
    with time_machine.travel(NOV28, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            _submit(report, liaison_a)
        assert _inbox(liaison_a) == []  # submitting tells nobody in the unit
        with django_capture_on_commit_callbacks(execute=True):
            actions.return_report(report, actor=office, reason="缺少数据支撑")
        for person in (liaison_a, head_a):
            [(kind, _, body)] = _inbox(person)
            assert kind == "report.returned" and "缺少数据支撑" in body
        report.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            _submit(report, liaison_a)
            actions.accept_report(report, actor=office)
    assert sorted(k for k, _, _ in _inbox(liaison_a)) == ["report.accepted", "report.returned"]
    assert _inbox(liaison_b) == []
