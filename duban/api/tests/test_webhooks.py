"""Outgoing webhooks on task status change, against a real HTTP server on localhost:
the first computation of the stored lights sends nothing, then a signed POST for each
change an action makes (old and new colour from the stored row, duban.status), retries
with backoff, timeouts, once only when two recomputations race; and the office's page
that manages them."""
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
from django.urls import reverse
from django.utils import timezone

from duban.api import webhooks
from duban.api.models import LightChange, Webhook
from duban.jobs import outbox
from duban.jobs.models import Message
from duban.audit.models import Event
from duban.plans.models import Task
from duban.plans.signals import facts_changed
from duban.status import store
from duban.status.facts import status_for_tasks
from duban.status.models import TaskStatus

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
def receiver(allow_local_listeners):
    r = Receiver()
    yield r
    r.close()


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=True):
        yield


def make_red(task: Task) -> None:
    """Task 1 (deadline 2026-12-31) goes red: its deadline moves into the past, and the
    writer says so as every action does (duban.plans.signals)."""
    Task.objects.filter(pk=task.pk).update(deadline=dt.date(2026, 11, 1))
    facts_changed(Task, [task.pk])


def close(task: Task) -> None:
    """Any task's light changes to done: it is struck off (销号)."""
    from duban.supervision.models import TaskClosure

    TaskClosure.objects.create(task=task, closed_on=timezone.localdate())
    facts_changed(TaskClosure, [task.pk])


def baseline() -> None:
    """The first computation of every stored light (the daily job's): nothing is sent."""
    store.refresh_all()


def test_it_records_a_baseline_first_then_sends_each_change_signed(plan, office, receiver):
    hook = Webhook.objects.create(name="OA", url=receiver.url, secret=SECRET, created_by=office)
    baseline()
    assert TaskStatus.objects.count() == Task.objects.active().count() == 3
    outbox.send_due()
    assert receiver.requests == [] and not LightChange.objects.exists()  # baseline: nothing sent
    store.refresh_all()
    outbox.send_due()
    assert receiver.requests == []  # nothing changed

    task = Task.objects.get(number="1")
    old = TaskStatus.objects.get(task=task).color
    make_red(task)
    outbox.send_due()
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
    delivery = Message.objects.filter(source="webhook").get()
    assert got["headers"]["X-Duban-Delivery"] == str(delivery.pk)
    assert (delivery.source_id, delivery.status, delivery.attempts, delivery.response_status) == (hook.pk, "sent", 1, 200)
    assert got["headers"]["X-Duban-Message"] == str(delivery.pk)
    assert TaskStatus.objects.get(task=task).version == 2
    store.refresh_all()  # the daily job: the same colour, nothing new
    outbox.send_due()
    assert len(receiver.requests) == 1  # sent once


def test_it_sends_only_to_active_webhooks_of_the_tasks_plan(plan, office, receiver):
    from duban.plans.models import Plan

    other_plan = Plan.objects.create(title="另一方案", year=2026)
    Webhook.objects.create(name="本方案", url=receiver.url + "?a", secret=SECRET, plan=plan)
    Webhook.objects.create(name="另一方案", url=receiver.url + "?b", secret=SECRET, plan=other_plan)
    Webhook.objects.create(name="停用", url=receiver.url + "?c", secret=SECRET, active=False)
    Webhook.objects.create(name="全部", url=receiver.url + "?d", secret=SECRET)
    baseline()
    make_red(Task.objects.get(number="1"))
    outbox.send_due()
    assert sorted(r["path"][-1] for r in receiver.requests) == ["a", "d"]


def test_it_retries_a_failed_delivery_with_a_growing_pause_then_gives_up(plan, monkeypatch, allow_local_listeners):
    failing = Receiver(answers=[500, 503])
    try:
        Webhook.objects.create(name="OA", url=failing.url, secret=SECRET)
        baseline()
        make_red(Task.objects.get(number="1"))
        assert outbox.send_due()["failed"] == 1
        d = Message.objects.filter(source="webhook").get()
        assert (d.status, d.attempts, d.response_status) == ("queued", 1, 500)
        assert "HTTP 500" in d.last_error
        assert abs((d.next_attempt_at - timezone.now()) - outbox.RETRY_BASE) < dt.timedelta(seconds=5)
        assert outbox.send_due() == {"sent": 0, "failed": 0, "skipped": 0}  # not due yet
        with time_machine.travel(timezone.now() + outbox.RETRY_BASE + dt.timedelta(seconds=1)):
            assert outbox.send_due()["failed"] == 1
            d.refresh_from_db()
            assert (d.attempts, d.response_status) == (2, 503)
            assert abs((d.next_attempt_at - timezone.now()) - 2 * outbox.RETRY_BASE) < dt.timedelta(seconds=5)
        with time_machine.travel(timezone.now() + 3 * outbox.RETRY_BASE + dt.timedelta(seconds=1)):
            assert outbox.send_due()["sent"] == 1
        d.refresh_from_db()
        assert (d.status, d.attempts, d.last_error) == ("sent", 3, "")
        assert len(failing.requests) == 3
        assert len({r["body"] for r in failing.requests}) == 1  # the same message each time
    finally:
        failing.close()
    # A receiver that never answers well: failed after MAX_ATTEMPTS.
    monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 2)
    down = Receiver(answers=[500] * 5)
    try:
        Webhook.objects.update(url=down.url)
        close(Task.objects.get(number="2"))
        outbox.send_due()
        with time_machine.travel(timezone.now() + outbox.RETRY_BASE + dt.timedelta(seconds=1)):
            outbox.send_due()
        last = Message.objects.filter(source="webhook").order_by("-id").first()
        assert (last.status, last.attempts) == ("failed", 2)
    finally:
        down.close()


def test_it_gives_up_on_a_slow_receiver_after_the_timeout(plan, monkeypatch, allow_local_listeners):
    from duban.lib import outbound

    monkeypatch.setattr(outbound, "READ_TIMEOUT", 0.5)
    slow = Receiver(delay=2.0)
    try:
        Webhook.objects.create(name="慢", url=slow.url, secret=SECRET)
        baseline()
        make_red(Task.objects.get(number="1"))
        close(Task.objects.get(number="2"))
        started = time.monotonic()
        counts = outbox.send_due()
        assert time.monotonic() - started < 1.9  # one timeout; the other message waits
        assert counts == {"sent": 0, "failed": 1, "skipped": 1}
        failed = Message.objects.filter(source="webhook").get(attempts=1)
        assert failed.last_error == "接收方超时未响应" and failed.status == "queued"
    finally:
        slow.close()


def test_it_does_not_follow_a_redirect_and_retries(plan, receiver, allow_local_listeners):
    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            self.send_response(307)
            self.send_header("Location", receiver.url)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        Webhook.objects.create(name="跳转", url=f"http://127.0.0.1:{server.server_address[1]}/", secret=SECRET)
        baseline()
        make_red(Task.objects.get(number="1"))
        assert outbox.send_due()["failed"] == 1
    finally:
        server.shutdown()
        server.server_close()
    d = Message.objects.get(source="webhook")
    assert (d.status, d.response_status) == ("queued", 307) and "不跟随跳转" in d.last_error
    assert receiver.requests == []


def test_an_action_changes_the_stored_light_and_sends_it_in_its_transaction(plan, office, receiver):
    """A real action (a milestone added, already overdue) recomputes the task's stored
    light in its own transaction; the change reaches the webhook with old and new colour."""
    from duban.workplans.actions import add_milestone

    Webhook.objects.create(name="OA", url=receiver.url, secret=SECRET)
    baseline()
    task = Task.objects.get(number="1")
    assert TaskStatus.objects.get(task=task).color == "green"
    add_milestone(task, actor=office, title="已逾期的节点", due=dt.date(2026, 11, 1))
    row = TaskStatus.objects.get(task=task)
    assert (row.color, row.version) == ("yellow", 2) and "1 个节点逾期" in row.text
    outbox.send_due()
    message = json.loads(receiver.requests[0]["body"])
    assert (message["old"]["color"], message["new"]["color"]) == ("green", "yellow")


@pytest.mark.django_db(transaction=True)
def test_it_records_and_sends_a_change_once_when_two_recomputations_race(plan, receiver):
    from django.db import connection

    Webhook.objects.create(name="OA", url=receiver.url, secret=SECRET)
    baseline()
    Task.objects.filter(number="1").update(deadline=dt.date(2026, 11, 1))
    ids = list(Task.objects.filter(number__in=["1", "2"]).values_list("pk", flat=True))
    from duban.supervision.models import TaskClosure

    TaskClosure.objects.create(task=Task.objects.get(number="2"), closed_on=timezone.localdate())
    barrier = threading.Barrier(2)
    found: list[int] = []
    errors: list[BaseException] = []

    def run():
        try:
            barrier.wait()
            found.append(len(store.recompute(ids)))
            outbox.send_due()
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
    assert sum(found) == 2  # two changes, each found by exactly one recomputation (the other waited on the row)
    assert LightChange.objects.count() == 2 and Message.objects.filter(source="webhook").count() == 2
    assert sorted(json.loads(r["body"])["task"]["number"] for r in receiver.requests) == ["1", "2"]


# --- the office's page ----------------------------------------------------------------------

def test_it_lets_only_the_office_manage_webhooks(client, office, leader, liaison_a, sysadmin, plan):
    from duban.security.models import OutboundHost

    OutboundHost.objects.create(host="oa-server", allow_private=True)  # an intranet name without a dot
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
    ("ftp://oa/hook", "接收地址不能使用：地址必须以 http:// 或 https:// 开头"),
    ("javascript:alert(1)", "接收地址不能使用：地址必须以 http:// 或 https:// 开头"),
    ("http://", "接收地址不能使用：地址缺少主机名"),
    ("http://admin:pw@oa/hook", "不能包含用户名或密码"),
    ("http://oa.example.gov.cn/hook", "不在安全管理员允许的外发地址白名单中"),
    ("http://169.254.169.254/latest/meta-data/", "不在安全管理员允许的外发地址白名单中"),
])
def test_it_refuses_a_webhook_url_that_is_not_http_in_chinese(client, office, plan, url, message):
    client.force_login(office)
    response = client.post(reverse("api:webhooks"), {"name": "坏地址", "url": url, "secret": "s" * 20})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Webhook.objects.exists()
