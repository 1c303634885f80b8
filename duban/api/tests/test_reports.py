"""Reports through the API: saving a draft and submitting go through the round
actions the report page uses (same permissions, audit records, versions), a stale
version answers 409, and the indicators show the figures of reports that went out."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from duban.audit.models import Event
from duban.conftest import _user
from duban.rounds.actions import open_round
from duban.rounds.models import Report, ReportVersion, TargetActual

NOW = timezone.make_aware(dt.datetime(2026, 11, 20, 10))


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def liaison_c(units):
    return _user("liaison_c", "liaison", unit=units["丙局"])


@pytest.fixture
def rnd(plan, office):
    return open_round(plan, actor=office, name="2026年11月调度", period_start=dt.date(2026, 11, 1),
                      period_end=dt.date(2026, 11, 30), opens_on=dt.date(2026, 11, 15), due_on=dt.date(2026, 11, 30))


@pytest.fixture
def report(rnd, units):
    return Report.objects.get(round=rnd, task__number="1", unit=units["甲局"])


CONTENT = {"progress_status": "in_progress", "percent": 60, "progress": "已新增市场主体1500家", "problems": "",
           "next_steps": "继续招商"}


def reports() -> list[dict]:
    return list(Report.objects.order_by("pk").values()) + list(TargetActual.objects.order_by("pk").values())


@pytest.mark.parametrize("role", ["office", "leader", "liaison_a", "head_a", "liaison_c", "liaison_b"])
def test_it_lets_save_through_the_api_exactly_who_may_save_on_the_page(request, client, api, report, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    outcomes = []
    for how in ("page", "api"):
        with transaction.atomic():
            before = reports()
            if how == "page":
                response = client.post(reverse("rounds:report", args=[report.pk]),
                                       {**CONTENT, "version": report.version, "action": "save"})
            else:
                response = api(user).patch(f"/api/v1/reports/{report.pk}/", {**CONTENT, "version": report.version},
                                           format="json")
            outcomes.append((reports() != before, response.status_code))
            transaction.set_rollback(True)
    (by_page, _), (by_api, status) = outcomes
    assert by_api == by_page
    assert status == (200 if by_api else (404 if role in ("liaison_b", "liaison_c") else 403))
    assert by_api == (role in ("liaison_a", "head_a"))


def test_it_saves_a_draft_and_submits_it_as_the_page_does(api, report, liaison_a):
    as_a = api(liaison_a)
    target = report.task.targets.get()
    url = f"/api/v1/reports/{report.pk}/"
    saved = as_a.patch(url, {**CONTENT, "version": 1, "actuals": [{"target": target.pk, "value": "1500"}],
                             "coordination": [{"to": f"unit:{report.task.co_units()[0].pk}", "text": "请丙局提供数据"}]},
                       format="json")
    assert saved.status_code == 200, saved.content
    body = saved.json()
    assert (body["version"], body["status"], body["percent"], body["progress"]) == (2, "draft", 60, "已新增市场主体1500家")
    assert body["actuals"] == [{"target": target.pk, "value": "1500.0000"}]
    assert Event.objects.filter(action="report.save", object_id=str(report.pk), actor=liaison_a).count() == 1
    # A partial save keeps what it does not name.
    again = as_a.patch(url, {"version": 2, "percent": 70}, format="json").json()
    assert (again["percent"], again["progress"], again["version"]) == (70, "已新增市场主体1500家", 3)
    submitted = as_a.post(f"{url}submit/", {"version": 3}, format="json")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["status"] == "submitted" and submitted.json()["can_edit"] is False
    report.refresh_from_db()
    assert report.first_submitted_at is not None and report.submitted_by == liaison_a
    version = ReportVersion.objects.get(report=report)
    assert version.data["percent"] == 70 and version.data["targets"][0]["value"] == "1500.0000"
    assert report.coordination_items.count() == 1
    assert Event.objects.filter(action="report.submit", object_id=str(report.pk)).count() == 1
    # Gone out: no longer editable, as on the page.
    refused = as_a.patch(url, {"version": report.version, "percent": 80}, format="json")
    assert refused.status_code == 403 and refused.json()["detail"] == "该报告当前不能修改"


def test_it_submits_with_content_in_one_go_and_waits_for_the_head_when_asked(plan, office, api, liaison_a, units):
    rnd = open_round(plan, actor=office, name="需审核", period_start=dt.date(2026, 11, 1),
                     period_end=dt.date(2026, 11, 30), opens_on=dt.date(2026, 11, 15),
                     due_on=dt.date(2026, 11, 30), requires_head_approval=True)
    report = Report.objects.get(round=rnd, task__number="1", unit=units["甲局"])
    response = api(liaison_a).post(f"/api/v1/reports/{report.pk}/submit/", {**CONTENT, "version": 1}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "pending_approval"


def test_it_refuses_a_submit_without_the_required_content_and_changes_nothing(api, report, liaison_a):
    before = reports()
    response = api(liaison_a).post(f"/api/v1/reports/{report.pk}/submit/", {"version": 1, "percent": 10},
                                   format="json")
    assert response.status_code == 400
    assert response.json()["detail"] == "报送前请填写：推进状态、进展情况"
    assert reports() == before  # the save before the submit was rolled back too


def test_it_answers_409_with_the_saved_report_when_the_version_is_stale(api, report, liaison_a, head_a):
    url = f"/api/v1/reports/{report.pk}/"
    assert api(head_a).patch(url, {**CONTENT, "version": 1}, format="json").status_code == 200
    stale = api(liaison_a).patch(url, {"version": 1, "progress": "我的版本"}, format="json")
    assert stale.status_code == 409
    body = stale.json()
    assert "head_a" in body["detail"]
    assert body["current"]["progress"] == CONTENT["progress"] and body["current"]["version"] == 2
    assert api(liaison_a).post(f"{url}submit/", {"version": 1}, format="json").status_code == 409
    assert Report.objects.get(pk=report.pk).status == "draft"


@pytest.mark.parametrize("body, message", [
    ({"percent": 150}, "percent"),
    ({"coordination": [{"to": "nobody", "text": "请协调"}]}, "请选择提请的领导或单位"),
    ({"progress_status": "finished"}, "progress_status"),
])
def test_it_refuses_bad_content_in_chinese_and_saves_nothing(api, report, liaison_a, body, message):
    before = reports()
    response = api(liaison_a).patch(f"/api/v1/reports/{report.pk}/", {"version": 1, **body}, format="json")
    assert response.status_code == 400
    assert message in response.json()["detail"]
    assert reports() == before


def test_it_refuses_an_actual_for_another_tasks_target_and_saves_nothing(api, report, liaison_a, plan):
    from duban.plans.models import Target

    other = Target.objects.create(task=plan.tasks.get(number="3"), value=10, unit="个")
    before = reports()
    response = api(liaison_a).patch(f"/api/v1/reports/{report.pk}/",
                                    {**CONTENT, "version": 1, "actuals": [{"target": other.pk, "value": "3"}]},
                                    format="json")
    assert response.status_code == 400 and response.json()["detail"] == "指标不属于该任务"
    assert reports() == before


def test_it_shows_indicators_with_the_figures_and_forecast_of_the_indicator_pages(api, client, report, liaison_a,
                                                                                   office, liaison_c, liaison_b):
    from duban.indicators.forecast import forecasts_for_tasks

    target = report.task.targets.get()
    url = f"/api/v1/indicators/{target.pk}/"
    api(liaison_a).post(f"/api/v1/reports/{report.pk}/submit/",
                        {**CONTENT, "version": 1, "actuals": [{"target": target.pk, "value": "1500"}]}, format="json")
    expected = forecasts_for_tasks([report.task_id], timezone.localdate())[target.pk]
    # 丙局 co-works on the task: like the indicator page, it sees the figure (not 甲局's report).
    for user in (office, liaison_a, liaison_c):
        body = api(user).get(url).json()
        assert body["actuals"] == [{"date": d.isoformat(), "value": f"{v:.4f}"} for d, v in expected.indicator.actuals]
        assert body["actuals"][0]["value"] == "1500.0000"
        fc = body["forecast"]
        assert (fc["state"], fc["horizon"], fc["note"]) == (expected.forecast.state, "2026-12-31",
                                                            expected.forecast.note)
        assert body["name"] == expected.indicator.name
        client.force_login(user)
        assert client.get(reverse("indicators:detail", args=[target.pk])).status_code == 200
    assert report.pk not in [r["id"] for r in api(liaison_c).get("/api/v1/reports/").json()["results"]]
    assert api(liaison_b).get(url).status_code == 404
    listed = api(office).get(f"/api/v1/indicators/?task={report.task_id}").json()["results"]
    assert [x["id"] for x in listed] == [target.pk] and listed[0]["forecast"] == body["forecast"]


def test_it_filters_reports_like_the_round_page_would(api, rnd, office, units):
    got = api(office).get(f"/api/v1/reports/?round={rnd.pk}&unit={units['甲局'].pk}&role=lead").json()
    expected = Report.objects.filter(round=rnd, unit=units["甲局"], role="lead")
    assert sorted(r["id"] for r in got["results"]) == sorted(expected.values_list("pk", flat=True))
    assert got["count"] == expected.count() > 0
    bad = api(office).get("/api/v1/reports/?status=lost&round=x")
    assert bad.status_code == 400 and set(bad.json()["errors"]) == {"status", "round"}
