"""Accepted reports and every report version carry a seal (HMAC-SM3, key outside the
database): a report edited in the database after it was accepted is shown as such on
its page and named by `duban verify_audit`."""
from __future__ import annotations

import datetime as dt
import io
from contextlib import redirect_stderr, redirect_stdout

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from duban.audit import integrity, seals
from duban.backups.tests.data import pdf_bytes
from duban.rounds import actions
from duban.rounds.models import ProgressStatus, Report, ReportVersion
from duban.rounds.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def accepted(open_round, liaison_a, office):
    rnd = open_round()
    report = Report.objects.get(round=rnd, task__number="1", unit__name="甲局")
    target = report.task.targets.get()
    with time_machine.travel(at(dt.date(2026, 11, 28)), tick=False):
        report = actions.save_report_draft(report, actor=liaison_a, version=report.version, actuals={target.pk: 1800},
                                           data={"progress_status": ProgressStatus.IN_PROGRESS, "percent": 90,
                                                 "progress": "新增市场主体1800家。", "problems": "", "next_steps": "继续。"})
        actions.add_attachment(report, actor=liaison_a, name="证明.pdf", data=pdf_bytes("evidence"))
        report = actions.submit_report(report, actor=liaison_a, version=report.version)
        return actions.accept_report(report, actor=office)


def _edit(sql, params):
    with connection.cursor() as cur:
        cur.execute(sql, params)


def test_it_seals_a_report_when_it_is_accepted_and_every_version_when_it_is_made(accepted):
    report = Report.objects.get(pk=accepted.pk)
    assert report.seal.startswith("sm3:") and report.seal_state == "ok"
    version = report.versions.get()
    assert version.seal.startswith("sm3:") and version.seal_state == "ok"
    assert integrity.check().ok


def test_it_shows_and_reports_a_report_edited_after_acceptance(accepted, client, office):
    client.force_login(office)
    page = client.get(reverse("rounds:report", args=[accepted.pk])).content.decode()
    assert "防篡改校验：完好" in page and "防篡改校验未通过" not in page

    _edit("UPDATE rounds_report SET progress = %s WHERE id = %s", ["新增市场主体3000家。", accepted.pk])
    page = client.get(reverse("rounds:report", args=[accepted.pk])).content.decode()
    assert "防篡改校验未通过" in page and "防篡改校验：完好" not in page
    report = integrity.check()
    assert not report.ok and [b.pk for b in report.broken_seals] == [accepted.pk]
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err), pytest.raises(SystemExit) as exit_:
        call_command("verify_audit", stdout=out, stderr=err)
    assert exit_.value.code == 1 and f"调度报告“{accepted}”（编号{accepted.pk}）：内容与防篡改校验值不符" in err.getvalue()


@pytest.mark.parametrize("sql", [
    "UPDATE rounds_targetactual SET value = 5000 WHERE report_id = %s",
    "UPDATE rounds_attachment SET sha256 = 'ff' WHERE report_id = %s",
    "UPDATE rounds_report SET reviewed_at = NULL WHERE id = %s",
])
def test_it_covers_the_figures_the_evidence_and_the_review(accepted, sql):
    _edit(sql, [accepted.pk])
    assert Report.objects.get(pk=accepted.pk).seal_state == "broken"


def test_it_finds_a_report_marked_accepted_in_the_database(open_round):
    rnd = open_round()
    report = Report.objects.get(round=rnd, task__number="1", unit__name="甲局")
    _edit("UPDATE rounds_report SET status = 'accepted' WHERE id = %s", [report.pk])
    assert Report.objects.get(pk=report.pk).seal_state == "missing"
    assert [b.pk for b in integrity.check().broken_seals] == [report.pk]


def test_it_shows_a_version_edited_in_the_database(accepted, client, liaison_a):
    version = ReportVersion.objects.get(report=accepted)
    _edit("UPDATE rounds_reportversion SET data = %s WHERE id = %s",
          ['{"progress": "改过的版本"}', version.pk])
    client.force_login(liaison_a)
    page = client.get(reverse("rounds:versions", args=[accepted.pk])).content.decode()
    assert "防篡改校验未通过" in page and "该版本的内容" in page


def test_a_seal_cannot_be_moved_to_another_row(accepted, open_round, liaison_a):
    other = Report.objects.filter(round=accepted.round).exclude(pk=accepted.pk).first()
    _edit("UPDATE rounds_report SET status = 'accepted', seal = %s WHERE id = %s", [accepted.seal, other.pk])
    assert Report.objects.get(pk=other.pk).seal_state == "broken"


def test_a_returned_report_needs_no_seal(accepted):
    """Only the accepted state is sealed; seal_due follows the status."""
    assert seals.count_due() == 2  # the accepted report and its version
