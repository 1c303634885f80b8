"""Outgoing webhooks on task status change (红黄绿灯变化推送).

``duban status_webhooks`` runs two steps, each safe to run in two processes at once:

1. ``detect_changes(as_of)``: computes every active task's light with
   ``duban.supervision.status.status_for_tasks`` and compares it with the light stored
   in ``TaskLight``. A task seen for the first time (the first run, or a newly
   imported task) only records its light: nothing is sent for it. A changed light is
   claimed with a conditional ``UPDATE … WHERE version = n`` (checked row count): only
   the run whose update changed the row records the ``LightChange`` (unique per task
   and version) and queues one ``WebhookDelivery`` per active webhook whose plan
   matches (unique per webhook and change).
2. ``send_due()``: POSTs each queued delivery whose time has come, claimed first with
   a conditional UPDATE (queued → sending). The body is JSON; the header
   ``X-Duban-Signature: sha256=<hex>`` is the HMAC-SHA256 of the exact body bytes
   with the webhook's secret. Any 2xx answer is success; anything else (an error
   status, a redirect, a refused connection, a timeout) is retried after
   ``RETRY_BASE * 2**(attempt-1)``, and after ``MAX_ATTEMPTS`` left as failed. A
   sender that died mid-send leaves its deliveries "sending"; they are queued again
   after ``STALE_AFTER``.

Webhook URLs are expected to be intranet addresses (the systems that receive them
run inside the government network); only http:// and https:// URLs are accepted,
checked when the office saves one and again before every send.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import socket
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from duban.plans.models import Task
from duban.supervision.status import LABELS, status_for_tasks

from .models import LightChange, TaskLight, Webhook, WebhookDelivery

log = logging.getLogger(__name__)

EVENT = "task.status_changed"
SIGNATURE_HEADER = "X-Duban-Signature"
TIMEOUT_SECONDS = 10.0
MAX_ATTEMPTS = 6
RETRY_BASE = dt.timedelta(minutes=1)
STALE_AFTER = dt.timedelta(minutes=15)
USER_AGENT = "Duban-Webhook/1"


class WebhookError(Exception):
    """A delivery failed; the message (Chinese) goes into the delivery log."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


def url_problem(url: str) -> str | None:
    """Why `url` cannot be a webhook target (Chinese), or None when it can. Only
    http(s) with a host; intranet host names without a dot are fine."""
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return "接收地址不是有效的网址"
    if parts.scheme.lower() not in ("http", "https"):
        return "接收地址必须以 http:// 或 https:// 开头"
    if not parts.hostname:
        return "接收地址缺少主机名"
    if parts.username or parts.password:
        return "接收地址不能包含用户名或密码，请用签名密钥验证来源"
    try:
        parts.port
    except ValueError:
        return "接收地址的端口无效"
    return None


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str) -> bool:
    """What a receiver does with the header (documented in docs/API.md)."""
    return hmac.compare_digest(sign(secret, body), signature or "")


# --- detecting changes --------------------------------------------------------------------

def _body(change: LightChange, task: dict) -> str:
    return json.dumps({
        "event": EVENT,
        "change_id": change.pk,
        "task": {"id": task["id"], "number": task["number"], "title": task["title"], "plan_id": task["plan_id"]},
        "old": {"color": change.old_color, "label": LABELS.get(change.old_color, change.old_color)},
        "new": {"color": change.new_color, "label": LABELS.get(change.new_color, change.new_color)},
        "reasons": list(change.reasons),
        "as_of": change.as_of.isoformat(),
        "changed_at": timezone.localtime(change.at).isoformat(),
    }, ensure_ascii=False, sort_keys=True)


def detect_changes(as_of: dt.date | None = None, *, now: dt.datetime | None = None) -> list[LightChange]:
    """Records the lights of all active tasks; returns the changes this call claimed
    (and queued deliveries for)."""
    as_of = as_of or timezone.localdate()
    now = now or timezone.now()
    tasks = {t["id"]: t for t in Task.objects.active().values("id", "number", "title", "plan_id")}
    statuses = status_for_tasks(list(tasks), as_of)
    known = {tl.task_id: tl for tl in TaskLight.objects.filter(task_id__in=list(statuses))}
    baseline = [TaskLight(task_id=pk, color=st.color, reasons=list(st.reasons), changed_at=now)
                for pk, st in statuses.items() if pk not in known]
    if baseline:
        TaskLight.objects.bulk_create(baseline, ignore_conflicts=True)  # another run may have made them
    webhooks = list(Webhook.objects.filter(active=True))
    changes = []
    for pk, st in statuses.items():
        seen = known.get(pk)
        if seen is None or seen.color == st.color:
            continue
        try:
            with transaction.atomic():
                claimed = TaskLight.objects.filter(task_id=pk, version=seen.version).update(
                    color=st.color, reasons=list(st.reasons), version=seen.version + 1, changed_at=now)
                if claimed != 1:
                    continue  # another run recorded this change (or a later one) first
                change = LightChange.objects.create(task_id=pk, version=seen.version + 1, old_color=seen.color,
                                                    new_color=st.color, reasons=list(st.reasons), as_of=as_of, at=now)
                body = _body(change, tasks[pk])
                WebhookDelivery.objects.bulk_create([
                    WebhookDelivery(webhook=w, change=change, body=body, created_at=now)
                    for w in webhooks if w.plan_id is None or w.plan_id == tasks[pk]["plan_id"]
                ])
        except IntegrityError:
            continue  # the unique (task, version) row exists: recorded by another run
        changes.append(change)
    return changes


# --- sending ------------------------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer of its own, never followed: the body must go to the
    address the office set, and a POST turned into a GET would lose it."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def post(url: str, secret: str, body: str, *, delivery_id: int | None = None, timeout: float | None = None) -> int:
    """POSTs the signed body; returns the status code of a 2xx answer, else raises
    WebhookError."""
    problem = url_problem(url)
    if problem:
        raise WebhookError(problem)
    data = body.encode("utf-8")
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Duban-Event": EVENT,
        SIGNATURE_HEADER: sign(secret, data),
    }
    if delivery_id is not None:
        headers["X-Duban-Delivery"] = str(delivery_id)
    req = urllib.request.Request(url, data=data, method="POST", headers=headers)
    try:
        with _opener.open(req, timeout=TIMEOUT_SECONDS if timeout is None else timeout) as resp:  # noqa: S310 - http(s) checked above
            resp.read(65536)
            code = resp.status
    except urllib.error.HTTPError as exc:
        raise WebhookError(f"接收方返回 HTTP {exc.code}", status=exc.code) from None
    except (urllib.error.URLError, socket.timeout, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, (socket.timeout, TimeoutError)):
            raise WebhookError("接收方超时未响应") from None
        raise WebhookError(f"无法连接接收方：{reason}") from None
    if not 200 <= code < 300:
        raise WebhookError(f"接收方返回 HTTP {code}", status=code)
    return code


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def requeue_stale(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    return WebhookDelivery.objects.filter(status=WebhookDelivery.Status.SENDING,
                                          claimed_at__lt=now - STALE_AFTER).update(
        status=WebhookDelivery.Status.QUEUED, claimed_by="")


def retry_delay(attempts: int) -> dt.timedelta:
    """The pause after the `attempts`-th failed attempt: 1, 2, 4, 8, 16 minutes."""
    return RETRY_BASE * 2 ** (attempts - 1)


def send_due(*, worker: str | None = None, limit: int = 200) -> dict[str, int]:
    """Sends what is due; returns {"sent", "failed", "skipped"}. After one failure to a
    webhook in this pass its other deliveries wait for the next pass (a dead receiver
    costs one timeout per pass, not one per message)."""
    worker = worker or worker_name()
    now = timezone.now()
    requeue_stale(now)
    due = list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("id").values_list("pk", "webhook_id")[:limit]
    )
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    failing: set[int] = set()
    for pk, webhook_id in due:
        if webhook_id in failing:
            counts["skipped"] += 1
            continue
        claimed = WebhookDelivery.objects.filter(pk=pk, status=WebhookDelivery.Status.QUEUED).update(
            status=WebhookDelivery.Status.SENDING, claimed_by=worker, claimed_at=timezone.now())
        if claimed != 1:
            counts["skipped"] += 1  # another sender has it
            continue
        delivery = WebhookDelivery.objects.select_related("webhook").get(pk=pk)
        attempts = delivery.attempts + 1
        try:
            code = post(delivery.webhook.url, delivery.webhook.secret, delivery.body, delivery_id=pk)
        except WebhookError as exc:
            log.warning("webhook delivery %s failed: %s", pk, exc)
            failing.add(webhook_id)
            final = attempts >= MAX_ATTEMPTS
            WebhookDelivery.objects.filter(pk=pk, claimed_by=worker).update(
                status=WebhookDelivery.Status.FAILED if final else WebhookDelivery.Status.QUEUED,
                attempts=attempts, last_error=str(exc)[:2000], response_status=exc.status, claimed_by="",
                next_attempt_at=None if final else timezone.now() + retry_delay(attempts))
            counts["failed"] += 1
        else:
            WebhookDelivery.objects.filter(pk=pk, claimed_by=worker).update(
                status=WebhookDelivery.Status.SENT, attempts=attempts, response_status=code, sent_at=timezone.now(),
                last_error="", claimed_by="")
            counts["sent"] += 1
    return counts
