"""`duban demo`: the seed plan and one-time demo sign-ins, only in demo mode."""
from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from duban.accounts.models import Role, User
from duban.org.models import Leader, Unit
from duban.plans.models import Plan

pytestmark = pytest.mark.django_db


def test_it_refuses_outside_demo_mode(settings):
    settings.DEMO = False
    with pytest.raises(CommandError, match="DUBAN_DEMO"):
        call_command("demo")
    assert not Plan.objects.exists() and not User.objects.exists()


def test_it_loads_the_seed_and_prints_each_password_once(settings, capsys, client):
    settings.DEMO = True
    call_command("demo")
    out = capsys.readouterr().out
    assert Plan.objects.get().tasks.count() == 101
    real_units = Unit.objects.filter(is_collective=False).count()
    assert User.objects.filter(role=Role.LIAISON).count() == real_units == 55
    assert User.objects.filter(role=Role.LEADER).count() == Leader.objects.count() == 13
    rows = dict(re.findall(r"^(office|leader01|unit01)\s+(\S+)", out, re.M))
    assert set(rows) == {"office", "leader01", "unit01"}
    assert len(set(rows.values())) == 3  # generated, not one well-known password
    assert client.login(username="unit01", password=rows["unit01"])

    call_command("demo")
    again = capsys.readouterr().out
    assert rows["office"] not in again and "已存在" in again
    assert Plan.objects.count() == 1


def test_it_shows_who_submitted_each_demo_report_and_runs_the_jobs_once(settings, capsys, client):
    from django.urls import reverse

    from duban.jobs.models import JobRun
    from duban.rounds.models import Report

    settings.DEMO = True
    call_command("demo")
    out = capsys.readouterr().out
    assert "已运行后台任务“到期前催办和逾期提醒”" in out and "remind”" not in out
    assert set(JobRun.objects.values_list("job", flat=True)) == {"remind", "dashboard_snapshots"}
    submitted = Report.objects.exclude(submitted_at=None).select_related("submitted_by", "unit")
    assert submitted.count() > 100
    for report in submitted:
        assert report.submitted_by.role == Role.LIAISON and report.submitted_by.unit_id == report.unit_id
        assert report.versions.get().submitted_by_id == report.submitted_by_id
    reviewed = submitted.filter(status__in=[Report.Status.ACCEPTED, Report.Status.RETURNED])
    assert reviewed.exists() and not reviewed.filter(reviewed_by=None).exists()
    report = submitted.first()
    client.force_login(User.objects.get(username="office"))
    page = client.get(reverse("rounds:report", args=[report.pk])).content.decode()
    assert f"（{report.submitted_by}）" in page
