"""督办单 carry a seal from issue to close: a notice changed in the database shows on
its page and is named by the integrity check."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.urls import reverse

from duban.audit import integrity
from duban.supervision import actions
from duban.supervision.models import Notice
from duban.supervision.tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(task1, office, units):
    with time_machine.travel(at(dt.date(2026, 11, 20)), tick=False):
        return actions.issue_notice(task1, actor=office, level=Notice.Level.NOTICE, units=[units["甲局"]],
                                    facts="进展滞后。", requirement="请于一周内报告。", reply_by=dt.date(2026, 11, 27))


def test_it_seals_a_notice_at_every_step(notice, liaison_a, office):
    assert Notice.objects.get(pk=notice.pk).seal_state == "ok"
    seal_issued = Notice.objects.get(pk=notice.pk).seal
    with time_machine.travel(at(dt.date(2026, 11, 21)), tick=False):
        actions.reply_notice(notice, actor=liaison_a, text="已召开专题会。")
    replied = Notice.objects.get(pk=notice.pk)
    assert replied.seal_state == "ok" and replied.seal != seal_issued
    with time_machine.travel(at(dt.date(2026, 11, 22)), tick=False):
        actions.close_notice(notice, actor=office, note="已整改。")
    assert Notice.objects.get(pk=notice.pk).seal_state == "ok"
    assert integrity.check().ok


@pytest.mark.parametrize("sql, params", [
    ("UPDATE supervision_notice SET requirement = %s WHERE id = %s", ["改过的要求"]),
    ("UPDATE supervision_notice SET reply_by = %s WHERE id = %s", ["2027-01-31"]),
    ("DELETE FROM supervision_notice_units WHERE notice_id = %s", []),
])
def test_it_shows_a_notice_changed_in_the_database(notice, client, office, sql, params):
    with connection.cursor() as cur:
        cur.execute(sql, [*params, notice.pk])
    client.force_login(office)
    page = client.get(reverse("supervision:notice", args=[notice.pk])).content.decode()
    assert "防篡改校验未通过" in page and "该督办单的内容" in page
    assert [b.pk for b in integrity.check().broken_seals] == [notice.pk]
