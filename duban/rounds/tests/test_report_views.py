"""The report page: who sees what (404), who may change what (403), saving and
submitting, and two editors never silently overwriting each other."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from duban.rounds.models import Report
from duban.rounds.tests.conftest import at

NOV28 = at(dt.date(2026, 11, 28))


def slot(rnd, task_number, unit_name):
    return Report.objects.get(round=rnd, task__number=task_number, unit__name=unit_name)


def form_data(report, **kw):
    data = {"version": report.version, "progress_status": "in_progress", "percent": "50",
            "progress": "完成过半。", "problems": "", "next_steps": "继续推进。", "action": "save"}
    data.update(kw)
    return data


@pytest.fixture
def rnd(open_round):
    return open_round()


@pytest.mark.django_db
def test_it_hides_another_units_reports_with_404(client, rnd, liaison_b):
    client.force_login(liaison_b)
    a_report = slot(rnd, "1", "甲局")
    for name in ("rounds:report", "rounds:versions"):
        assert client.get(reverse(name, args=[a_report.pk])).status_code == 404
    assert client.post(reverse("rounds:report", args=[a_report.pk]), form_data(a_report)).status_code == 404
    assert client.post(reverse("rounds:return", args=[a_report.pk]), {"reason": "x"}).status_code == 404
    page = client.get(reverse("rounds:detail", args=[rnd.pk]))
    assert "甲局" not in page.content.decode()


@pytest.mark.django_db
def test_it_shows_the_lead_unit_its_co_units_parts_but_not_the_reverse(client, rnd, liaison_a):
    client.force_login(liaison_a)
    assert client.get(reverse("rounds:report", args=[slot(rnd, "1", "丙局").pk])).status_code == 200  # co of A's task
    assert client.get(reverse("rounds:report", args=[slot(rnd, "2", "丙局").pk])).status_code == 404  # A is co there


@pytest.mark.django_db
def test_it_lets_office_and_leader_see_but_not_edit(client, rnd, office, leader):
    report = slot(rnd, "1", "甲局")
    for user in (office, leader):
        client.force_login(user)
        assert client.get(reverse("rounds:report", args=[report.pk])).status_code == 200
        assert client.post(reverse("rounds:report", args=[report.pk]), form_data(report)).status_code == 403


@pytest.mark.django_db
def test_it_saves_a_draft_and_submits_it(client, rnd, liaison_a):
    client.force_login(liaison_a)
    report = slot(rnd, "1", "甲局")
    target = report.task.targets.get()
    with time_machine.travel(NOV28, tick=False):
        r = client.post(reverse("rounds:report", args=[report.pk]),
                        form_data(report, **{f"target_{target.pk}": "1500"}))
        assert r.status_code == 302
        report.refresh_from_db()
        assert report.status == "draft" and report.percent == 50 and report.actuals.get().value == 1500
        r = client.post(reverse("rounds:report", args=[report.pk]),
                        form_data(report, action="submit", **{f"target_{target.pk}": "1500"}))
        page = client.get(reverse("rounds:report", args=[report.pk])).content.decode()
    report.refresh_from_db()
    assert report.status == "submitted" and report.versions.count() == 1
    assert report.versions.get().data["targets"][0]["value"] == "1500.0000"
    assert "已报送" in page and 'name="progress"' not in page


@pytest.mark.django_db
def test_it_refuses_a_stale_save_and_shows_the_other_persons_values(client, rnd, liaison_a, head_a):
    report = slot(rnd, "1", "甲局")
    stale = report.version
    client.force_login(head_a)
    assert client.post(reverse("rounds:report", args=[report.pk]),
                       form_data(report, progress="负责人写的进展。")).status_code == 302
    client.force_login(liaison_a)
    r = client.post(reverse("rounds:report", args=[report.pk]), form_data(report, version=stale, progress="联络员写的进展。"))
    assert r.status_code == 409
    page = r.content.decode()
    assert "保存未成功" in page and "负责人写的进展。" in page and "联络员写的进展。" in page
    report.refresh_from_db()
    assert report.progress == "负责人写的进展。"


@pytest.mark.django_db
def test_it_says_in_chinese_what_is_missing_before_submitting(client, rnd, liaison_a):
    client.force_login(liaison_a)
    report = slot(rnd, "1", "甲局")
    r = client.post(reverse("rounds:report", args=[report.pk]),
                    form_data(report, progress="", progress_status="", problems="资金未到位。", action="submit"))
    page = r.content.decode()
    assert r.status_code == 400 and "报送前请填写：推进状态、进展情况" in page and "资金未到位。" in page
    report.refresh_from_db()
    assert report.status == "draft"


@pytest.mark.django_db
def test_it_sends_a_report_to_the_unit_head_first_when_the_office_asks(client, open_round, liaison_a, head_a, office):
    rnd = open_round(requires_head_approval=True)
    report = slot(rnd, "1", "甲局")
    client.force_login(liaison_a)
    with time_machine.travel(NOV28, tick=False):
        client.post(reverse("rounds:report", args=[report.pk]), form_data(report, action="submit"))
        report.refresh_from_db()
        assert report.status == "pending_approval" and report.first_submitted_at is None
        client.force_login(office)
        assert client.post(reverse("rounds:accept", args=[report.pk])).status_code == 403  # may see, not change
        report.refresh_from_db()
        assert report.status == "pending_approval"
        client.force_login(head_a)
        client.post(reverse("rounds:approve", args=[report.pk]))
    report.refresh_from_db()
    assert report.status == "submitted" and report.approved_by == head_a and report.first_submitted_at


@pytest.mark.django_db
def test_it_marks_a_report_that_repeats_last_round(open_round, liaison_a):
    from duban.rounds import actions

    first = open_round(name="2026年10月调度", period_start=dt.date(2026, 10, 1), period_end=dt.date(2026, 10, 31),
                       opens_on=dt.date(2026, 10, 25), due_on=dt.date(2026, 10, 31))
    second = open_round()
    data = {"progress_status": "in_progress", "percent": 50, "progress": "完成过半。"}
    r1 = slot(first, "1", "甲局")
    actions.submit_report(actions.save_report_draft(r1, actor=liaison_a, data=data, version=r1.version), actor=liaison_a)
    r2 = slot(second, "1", "甲局")
    r2 = actions.carry_forward_report(r2, actor=liaison_a, version=r2.version)
    assert r2.progress == "完成过半。" and r2.carried_forward
    r2 = actions.submit_report(r2, actor=liaison_a)
    assert r2.is_repeat
    r3 = slot(second, "2", "甲局")
    r3 = actions.save_report_draft(r3, actor=liaison_a, data=data, version=r3.version)
    assert not actions.submit_report(r3, actor=liaison_a).is_repeat  # no previous report for that task
