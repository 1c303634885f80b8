"""Issue 13 (Everywhere): 403, 404 and 500 pages in Chinese inside the site's layout,
with the reason and a way back; issue 14 §6: refusals in the audit log, counted per
minute, person, address and kind (duban.audit.refusals)."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from duban.audit import refusals
from duban.audit.models import Event, Refusal
from duban.plans.models import Task

NOW = timezone.make_aware(dt.datetime(2026, 11, 28, 10, 15, 5))


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def in_layout(body: str) -> bool:
    return '<header class="top">' in body and 'class="mainnav"' in body and "退出" in body


def test_a_403_says_why_inside_the_layout_with_a_way_back(client, liaison_a, frozen):
    client.force_login(liaison_a)
    response = client.get(reverse("imports:upload"), HTTP_REFERER="http://testserver/plans/mine/")
    body = response.content.decode()
    assert response.status_code == 403
    assert in_layout(body) and "我的任务" in body  # the liaison's own navigation
    assert "无权访问" in body and "您的角色无权进行此操作" in body  # the reason PermissionDenied carried
    assert 'href="/plans/mine/"' in body and "返回上一页" in body and "返回首页" in body
    assert "<title>无权访问" in body


def test_the_way_back_never_leads_to_another_site(client, liaison_a, frozen):
    client.force_login(liaison_a)
    body = client.get(reverse("imports:upload"), HTTP_REFERER="https://evil.example/x").content.decode()
    assert "evil.example" not in body and "返回上一页" not in body and "返回首页" in body


def test_a_404_for_another_units_task_looks_like_a_missing_one(client, plan, liaison_b, frozen):
    task = Task.objects.get(plan=plan, number="1")  # unit A's
    client.force_login(liaison_b)
    hidden = client.get(reverse("plans:task", kwargs={"pk": task.pk}))
    missing = client.get(reverse("plans:task", kwargs={"pk": 999999}))
    assert hidden.status_code == missing.status_code == 404
    body = hidden.content.decode()
    assert in_layout(body) and "页面不存在" in body and "不在您的查看范围内" in body
    assert "matches the given query" not in body and "Not Found" not in body
    assert hidden.content.decode().split("<main")[1] == missing.content.decode().split("<main")[1]


def test_a_500_is_a_chinese_page_inside_the_layout(settings, liaison_a, frozen):
    settings.ROOT_URLCONF = "duban.web.tests.error_urls"
    client = Client(raise_request_exception=False)
    client.force_login(liaison_a)
    response = client.get("/test-errors/boom/")
    body = response.content.decode()
    assert response.status_code == 500
    assert in_layout(body) and "系统出错" in body and "返回首页" in body
    assert "RuntimeError" not in body and "a bug" not in body


def test_a_500_whose_layout_fails_is_still_a_chinese_page(settings, liaison_a, frozen, monkeypatch):
    from duban.web import errors

    def broken(*args, **kwargs):
        raise RuntimeError("the database is gone")

    monkeypatch.setattr(errors, "render_to_string", broken)
    settings.ROOT_URLCONF = "duban.web.tests.error_urls"
    client = Client(raise_request_exception=False)
    client.force_login(liaison_a)
    response = client.get("/test-errors/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统出错" in body and 'href="/"' in body and "database" not in body


def test_a_reason_not_written_for_people_is_replaced_by_a_chinese_one(settings, liaison_a, frozen):
    settings.ROOT_URLCONF = "duban.web.tests.error_urls"
    client = Client()
    client.force_login(liaison_a)
    body = client.get("/test-errors/english/").content.decode()
    assert "Forbidden by some library" not in body and "无权访问此页面" in body


def test_a_failed_csrf_check_is_a_chinese_page_and_audited(liaison_a, frozen):
    client = Client(enforce_csrf_checks=True)
    client.force_login(liaison_a)
    response = client.post(reverse("accounts:sessions"), {})
    body = response.content.decode()
    assert response.status_code == 403
    assert in_layout(body) and "页面已过期" in body and "CSRF" in body
    assert Event.objects.filter(action="access.csrf_failed", actor=liaison_a, result="denied").count() == 1


def test_refusals_are_audited_once_a_minute_per_person_address_and_kind_with_the_exact_count(
        client, liaison_a, office, frozen):
    client.force_login(liaison_a)
    url = reverse("imports:upload")
    for _ in range(30):
        assert client.get(url, REMOTE_ADDR="10.0.0.7").status_code == 403
    events = Event.objects.filter(action="access.denied")
    assert events.count() == 1
    (event,) = events
    assert (event.actor, event.address, event.result) == (liaison_a, "10.0.0.7", "denied")
    assert url in event.summary and "您的角色无权进行此操作" in event.summary
    assert Refusal.objects.get().count == 30

    # Another address, another kind, another person: each its own first event.
    client.get(url, REMOTE_ADDR="10.0.0.8")
    client.get(reverse("plans:task", kwargs={"pk": 999999}), REMOTE_ADDR="10.0.0.7")
    client.force_login(office)
    client.get(reverse("accounts:user_list"), REMOTE_ADDR="10.0.0.7")
    assert Event.objects.filter(action="access.denied").count() == 3
    assert Event.objects.filter(action="access.not_found").count() == 1

    # Within the minute nothing is summed up yet; after it, one event with the total.
    assert refusals.summarize()["汇总记录"] == 0
    frozen.shift(dt.timedelta(minutes=1))
    assert refusals.summarize()["汇总记录"] == 1
    (summary,) = Event.objects.filter(action="access.refusals")
    assert "共 30 次" in summary.summary and "其余 29 次" in summary.summary and summary.actor == liaison_a
    assert summary.after["count"] == 30
    assert refusals.summarize()["汇总记录"] == 0  # once only

    # The next minute starts a new bucket with a new first event.
    client.force_login(liaison_a)
    client.get(url, REMOTE_ADDR="10.0.0.7")
    assert Event.objects.filter(action="access.denied", actor=liaison_a, address="10.0.0.7").count() == 2


def test_made_up_api_tokens_are_audited_in_aggregate(client, db, frozen):
    statuses = [client.get("/api/v1/tasks/", HTTP_AUTHORIZATION=f"Bearer dbn_{'x' * 40}{i:02d}",
                           REMOTE_ADDR="10.0.0.9").status_code for i in range(25)]
    assert statuses == [401] * 10 + [429] * 15  # past 10 refused tokens a minute the address is throttled
    assert Event.objects.filter(action="api.token_refused").count() == 1
    assert Event.objects.filter(action="access.throttled").count() == 1
    assert Refusal.objects.get(kind="token", address="10.0.0.9").count == 10
    assert Refusal.objects.get(kind="throttled", address="10.0.0.9").count == 15


def test_the_refusal_summary_job_is_scheduled_every_minute():
    from duban.jobs.runner import BY_NAME

    job = BY_NAME["audit_refusals"]
    assert job.every_minutes == 1 and job.in_worker and job.func == "duban.audit.refusals.summarize"
