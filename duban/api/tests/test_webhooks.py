"""Outgoing webhooks on task status change, against a real HTTP server on localhost:
baseline first, then signed POSTs of each change, retries with backoff, timeouts,
once only when two runs race; and the office's page that manages them."""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.server
import json
import threading
import time

import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from duban.api import webhooks
from duban.api.models import LightChange, TaskLight, Webhook, WebhookDelivery
from duban.audit.models import Event
from duban.plans.models import Task
from duban.supervision.status import status_for_tasks

NOW = timezone.make_aware(dt.datetime(2026, 11, 28, 10))
SECRET = "a-shared-secret-of-the-receiver"


class Receiver:
    """An HTTP server in a thread that records every POST; `answers` are the status
    codes to give in turn (then 200); `delay` seconds before answering."""

    def __init__(self, answers=(), delay: float = 0.0):
        self.requests: list[dict] = []
        self.answers = list(answers)
        self.delay = delay
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if receiver.delay:
                    time.sleep(receiver.delay)
                code = receiver.answers.pop(0) if receiver.answers else 200
                try:
                    self.send_response(code)
                    self.end_headers()
                    self.wfile.write(b"ok")
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/duban-hook"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=True):
        yield


def make_red(task: Task) -> None:
    """Task 1 (deadline 2026-12-31) goes red: its deadline moves into the past."""
    Task.objects.filter(pk=task.pk).update(deadline=dt.date(2026, 11, 1))


def close(task: Task) -> None:
    """Any task's light changes to done: it is struck off (销号)."""
    from duban.supervision.models import TaskClosure

    TaskClosure.objects.create(task=task, closed_on=timezone.localdate())


def test_it_records_a_baseline_first_then_sends_each_change_signed(plan, office, receiver):
    hook = Webhook.objects.create(name="OA", url=receiver.url, secret=SECRET, created_by=office)
    call_command("status_webhooks")
    assert TaskLight.objects.count() == Task.objects.active().count() == 3
    assert receiver.requests == [] and not LightChange.objects.exists()  # baseline: nothing sent
    call_command("status_webhooks")
    assert receiver.requests == []  # nothing changed

    task = Task.objects.get(number="1")
    old = TaskLight.objects.get(task=task).color
    make_red(task)
    call_command("status_webhooks")
    assert len(receiver.requests) == 1
    got = receiver.requests[0]
    expected_sig = "sha256=" + hmac.new(SECRET.encode(), got["body"], hashlib.sha256).hexdigest()
    assert got["headers"]["X-Duban-Signature"] == expected_sig
    assert webhooks.verify(SECRET, got["body"], got["headers"]["X-Duban-Signature"])
    assert not webhooks.verify("another secret", got["body"], got["headers"]["X-Duban-Signature"])
    assert got["headers"]["Content-Type"].startswith("application/json")
    message = json.loads(got["body"])
    status = status_for_tasks([task.pk], timezone.localdate())[task.pk]
    assert message["event"] == "task.status_changed"
    assert message["task"] == {"id": task.pk, "number": "1", "title": task.title, "plan_id": plan.pk}
    assert message["old"]["color"] == old and message["new"] == {"color": "red", "label": "红灯"}
    assert message["reasons"] == status.reasons and message["reasons"]
    assert message["as_of"] == "2026-11-28"
    delivery = WebhookDelivery.objects.get()
    assert got["headers"]["X-Duban-Delivery"] == str(delivery.pk)
    assert (delivery.webhook, delivery.status, delivery.attempts, delivery.response_status) == (hook, "sent", 1, 200)
    call_command("status_webhooks")
    assert len(receiver.requests) == 1  # sent once


def test_it_sends_only_to_active_webhooks_of_the_tasks_plan(plan, office, receiver):
    from duban.plans.models import Plan

    other_plan = Plan.objects.create(title="另一方案", year=2026)
    Webhook.objects.create(name="本方案", url=receiver.url + "?a", secret=SECRET, plan=plan)
    Webhook.objects.create(name="另一方案", url=receiver.url + "?b", secret=SECRET, plan=other_plan)
    Webhook.objects.create(name="停用", url=receiver.url + "?c", secret=SECRET, active=False)
    Webhook.objects.create(name="全部", url=receiver.url + "?d", secret=SECRET)
    webhooks.detect_changes()
    make_red(Task.objects.get(number="1"))
    webhooks.detect_changes()
    webhooks.send_due()
    assert sorted(r["path"][-1] for r in receiver.requests) == ["a", "d"]


def test_it_retries_a_failed_delivery_with_a_growing_pause_then_gives_up(plan, monkeypatch):
    failing = Receiver(answers=[500, 503])
    try:
        Webhook.objects.create(name="OA", url=failing.url, secret=SECRET)
        webhooks.detect_changes()
        make_red(Task.objects.get(number="1"))
        webhooks.detect_changes()
        assert webhooks.send_due()["failed"] == 1
        d = WebhookDelivery.objects.get()
        assert (d.status, d.attempts, d.response_status) == ("queued", 1, 500)
        assert "HTTP 500" in d.last_error
        assert abs((d.next_attempt_at - timezone.now()) - webhooks.RETRY_BASE) < dt.timedelta(seconds=5)
        assert webhooks.send_due() == {"sent": 0, "failed": 0, "skipped": 0}  # not due yet
        with time_machine.travel(timezone.now() + webhooks.RETRY_BASE + dt.timedelta(seconds=1)):
            assert webhooks.send_due()["failed"] == 1
            d.refresh_from_db()
            assert (d.attempts, d.response_status) == (2, 503)
            assert abs((d.next_attempt_at - timezone.now()) - 2 * webhooks.RETRY_BASE) < dt.timedelta(seconds=5)
        with time_machine.travel(timezone.now() + 3 * webhooks.RETRY_BASE + dt.timedelta(seconds=1)):
            assert webhooks.send_due()["sent"] == 1
        d.refresh_from_db()
        assert (d.status, d.attempts, d.last_error) == ("sent", 3, "")
        assert len(failing.requests) == 3
        assert len({r["body"] for r in failing.requests}) == 1  # the same message each time
    finally:
        failing.close()
    # A receiver that never answers well: failed after MAX_ATTEMPTS.
    monkeypatch.setattr(webhooks, "MAX_ATTEMPTS", 2)
    down = Receiver(answers=[500] * 5)
    try:
        Webhook.objects.update(url=down.url)
        close(Task.objects.get(number="2"))
        webhooks.detect_changes()
        webhooks.send_due()
        with time_machine.travel(timezone.now() + webhooks.RETRY_BASE + dt.timedelta(seconds=1)):
            webhooks.send_due()
        last = WebhookDelivery.objects.order_by("-id").first()
        assert (last.status, last.attempts, last.next_attempt_at) == ("failed", 2, None)
    finally:
        down.close()


def test_it_gives_up_on_a_slow_receiver_after_the_timeout(plan, monkeypatch):
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 0.5)
    slow = Receiver(delay=2.0)
    try:
        Webhook.objects.create(name="慢", url=slow.url, secret=SECRET)
        webhooks.detect_changes()
        make_red(Task.objects.get(number="1"))
        close(Task.objects.get(number="2"))
        webhooks.detect_changes()
        started = time.monotonic()
        counts = webhooks.send_due()
        assert time.monotonic() - started < 1.9  # one timeout; the other message waits
        assert counts == {"sent": 0, "failed": 1, "skipped": 1}
        failed = WebhookDelivery.objects.get(attempts=1)
        assert failed.last_error == "接收方超时未响应" and failed.status == "queued"
    finally:
        slow.close()


def test_it_does_not_follow_redirects_or_post_to_other_schemes(plan, receiver):
    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.send_response(307)
            self.send_header("Location", receiver.url)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(webhooks.WebhookError, match="HTTP 307"):
            webhooks.post(f"http://127.0.0.1:{server.server_address[1]}/", SECRET, "{}")
    finally:
        server.shutdown()
        server.server_close()
    assert receiver.requests == []
    for url in ("file:///etc/passwd", "ftp://intranet/x", "gopher://x", "http://user:pw@oa/x", "oa/hook"):
        with pytest.raises(webhooks.WebhookError):
            webhooks.post(url, SECRET, "{}")
    assert webhooks.url_problem("http://oa-server:8080/hook") is None  # an intranet name without a dot


@pytest.mark.django_db(transaction=True)
def test_it_records_and_sends_a_change_once_when_two_runs_race(plan, receiver):
    from django.db import connection

    Webhook.objects.create(name="OA", url=receiver.url, secret=SECRET)
    webhooks.detect_changes()
    make_red(Task.objects.get(number="1"))
    close(Task.objects.get(number="2"))
    barrier = threading.Barrier(2)
    found: list[int] = []
    errors: list[BaseException] = []

    def run():
        try:
            barrier.wait()
            found.append(len(webhooks.detect_changes()))
            webhooks.send_due()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert sum(found) == 2  # two changes, each claimed by exactly one run
    assert LightChange.objects.count() == 2 and WebhookDelivery.objects.count() == 2
    assert sorted(json.loads(r["body"])["task"]["number"] for r in receiver.requests) == ["1", "2"]


# --- the office's page ----------------------------------------------------------------------

def test_it_lets_only_the_office_manage_webhooks(client, office, leader, liaison_a, sysadmin, plan):
    for user in (leader, liaison_a, sysadmin):
        client.force_login(user)
        assert client.get(reverse("api:webhooks")).status_code == 403
        assert client.post(reverse("api:webhooks"), {"name": "x", "url": "http://oa/x"}).status_code == 403
    assert not Webhook.objects.exists()
    client.force_login(office)
    response = client.post(reverse("api:webhooks"), {"name": "OA 系统", "url": "http://oa-server/hook",
                                                     "plan": plan.pk})
    assert response.status_code == 200  # the page, showing the generated secret once
    hook = Webhook.objects.get()
    assert len(hook.secret) >= 32 and hook.secret in response.content.decode()
    assert hook.secret not in client.get(reverse("api:webhooks")).content.decode()
    assert Event.objects.filter(action="api.webhook_add", object_id=str(hook.pk), actor=office).exists()
    client.post(reverse("api:webhook_toggle", args=[hook.pk]), {"active": "0"})
    hook.refresh_from_db()
    assert hook.active is False
    client.post(reverse("api:webhook_delete", args=[hook.pk]))
    assert not Webhook.objects.exists()
    assert Event.objects.filter(action__in=["api.webhook_toggle", "api.webhook_delete"]).count() == 2


@pytest.mark.parametrize("url, message", [
    ("ftp://oa/hook", "接收地址必须以 http:// 或 https:// 开头"),
    ("javascript:alert(1)", "接收地址必须以 http:// 或 https:// 开头"),
    ("http://", "接收地址缺少主机名"),
    ("http://admin:pw@oa/hook", "不能包含用户名或密码"),
])
def test_it_refuses_a_webhook_url_that_is_not_http_in_chinese(client, office, plan, url, message):
    client.force_login(office)
    response = client.post(reverse("api:webhooks"), {"name": "坏地址", "url": url, "secret": "s" * 20})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Webhook.objects.exists()
