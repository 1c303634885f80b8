"""The auditor's log: search by time, person, action, result, address, object; CSV export (audited)."""
import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from duban.accounts.tests.util import sign_in
from duban.audit.log import record
from duban.audit.models import Event

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def log(office, liaison_a):
    with time_machine.travel(datetime(2026, 11, 1, 10, 0, tzinfo=TZ), tick=False):
        record("plan.import", actor=office, obj=office, summary="导入方案", address="10.1.1.1")
    with time_machine.travel(datetime(2026, 11, 20, 10, 0, tzinfo=TZ), tick=False):
        record("auth.login_failed", summary="登录失败", result="failed", address="10.2.2.2")
        record("report.submit", actor=liaison_a, obj=liaison_a, summary="报送进展", address="10.1.1.9")


@pytest.fixture
def auditor_client(client, auditor, log):
    sign_in(client, "auditor", address="10.0.0.7")
    return client


def _summaries(client, **params):
    response = client.get("/accounts/audit/", params)
    assert response.status_code == 200
    # Only this module's events (fixtures and sign-in write others at the real time).
    return [e.summary for e in response.context["page"] if e.summary in {"导入方案", "登录失败", "报送进展"}]


@pytest.mark.parametrize("params, expected", [
    ({"start": "2026-11-15", "end": "2026-11-30"}, ["报送进展", "登录失败"]),
    ({"end": "2026-11-01"}, ["导入方案"]),
    ({"person": "office"}, ["导入方案"]),
    ({"action": "auth.login_failed"}, ["登录失败"]),
    ({"action": "report."}, ["报送进展"]),
    ({"result": "failed"}, ["登录失败"]),
    ({"address": "10.1.1.1"}, ["导入方案"]),
    ({"address": "10.1.1."}, ["报送进展", "导入方案"]),
])
def test_it_filters_the_log(auditor_client, params, expected):
    assert _summaries(auditor_client, **params) == expected


def test_it_filters_by_object(auditor_client, liaison_a):
    assert _summaries(auditor_client, obj=f"user:{liaison_a.pk}") == ["报送进展"]


def test_it_explains_a_bad_date_range(auditor_client):
    body = auditor_client.get("/accounts/audit/", {"start": "2026-12-01", "end": "2026-11-01"}).content.decode()
    assert "起始日期不能晚于截止日期" in body


def test_it_exports_csv_and_records_the_export(auditor_client, auditor):
    response = auditor_client.get("/accounts/audit/export.csv", {"result": "failed"}, REMOTE_ADDR="10.0.0.7")
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:4] == ["编号", "时间", "操作人", "来源地址"]
    assert [r[9] for r in rows[1:]] == ["登录失败"]
    assert rows[1][1] == "2026-11-20 10:00:00" and rows[1][8] == "失败"
    export = Event.objects.get(action="audit.export")
    assert export.actor == auditor and export.after == {"result": "failed"} and export.address == "10.0.0.7"


def test_it_neutralises_formulas_in_the_csv(auditor_client):
    record("test.event", summary="=HYPERLINK(\"http://x\")")
    text = b"".join(auditor_client.get("/accounts/audit/export.csv").streaming_content).decode()
    assert "'=HYPERLINK" in text


def test_it_offers_no_way_to_change_or_delete_events(auditor_client):
    assert auditor_client.post("/accounts/audit/", {"delete": "1"}).status_code in (200, 405)
    assert Event.objects.filter(summary="导入方案").exists()
    from django.urls import get_resolver

    names = [p.name or "" for p in get_resolver().url_patterns[1].url_patterns if "audit" in str(p.pattern)]
    assert sorted(names) == ["audit_export", "audit_log"]


def test_it_escapes_names_in_the_log(auditor_client):
    record("test.event", summary="<img src=x onerror=alert(1)>")
    body = auditor_client.get("/accounts/audit/").content.decode()
    assert "<img src=x" not in body and "&lt;img src=x onerror=alert(1)&gt;" in body
