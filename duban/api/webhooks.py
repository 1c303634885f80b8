"""Outgoing webhooks on task status change (红黄绿灯变化推送).

The stored status of each task (duban.status) is recomputed by the action that
changed its facts, or by the daily job for the date; a colour that changes there
(never a task's first computation) is announced with ``duban.status.signals.
status_changed``, old and new colour from the stored row, in the same transaction.
``record_changes`` listens: it records a ``LightChange`` per change of an active task
(unique per task and the row's version) and queues one outbox message per active
webhook whose plan matches (``queue_change``; unique per webhook and change) — all
committed with the action, or not at all.

Sending is the outbox's (duban.jobs.outbox): the body is JSON; the header
``X-Duban-Signature: sha256=<hex>`` is the HMAC-SHA256 of the exact body bytes with the
webhook's secret; ``X-Duban-Message`` is the same on every attempt of one message. Any
2xx answer is success; anything else (an error status, a redirect, a refused
connection, a timeout) is retried after 1, 2, 4, 8 and 16 minutes, then left as failed.
The request goes through duban.lib.outbound: the host must be on the security
administrator's allowlist, internal addresses only where that allowlist says so.
"""
from __future__ import annotations

import hashlib
import hmac
import json

from django.utils import timezone

from duban.jobs import outbox
from duban.jobs.models import Channel, Message
from duban.plans.models import Task
from duban.status.rules import LABELS

from .models import LightChange, Webhook

EVENT = "task.status_changed"
SIGNATURE_HEADER = "X-Duban-Signature"
USER_AGENT = "Duban-Webhook/1"
SOURCE = "webhook"


def sign(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, signature: str) -> bool:
    """What a receiver does with the header (documented in docs/API.md)."""
    return hmac.compare_digest(sign(secret, body), signature or "")


def queue_change(change: LightChange, task: dict, webhooks: list[Webhook]) -> list:
    """Queues the message of one recorded change to each of `webhooks` whose plan
    matches `task` (a dict of id, number, title, plan_id), in the caller's transaction:
    one outbox message per webhook and change (duban.jobs.outbox, which sends, retries
    and records the outcome). The body is signed now, with the webhook's secret."""
    body = _body(change, task)
    data = body.encode("utf-8")
    return outbox.enqueue(
        outbox.message(Channel.WEBHOOK, w.url, body, subject=f"任务{task['number']}状态变化",
                       headers={"User-Agent": USER_AGENT, "X-Duban-Event": EVENT, SIGNATURE_HEADER: sign(w.secret, data)},
                       source=SOURCE, source_id=w.pk, dedupe_key=f"webhook:{w.pk}:change:{change.pk}")
        for w in webhooks if w.plan_id is None or w.plan_id == task["plan_id"])


def deliveries(limit: int = 50) -> list[dict]:
    """The latest messages to the webhooks, newest first, as the office's delivery log
    shows them: when, to which webhook, which change, and whether it arrived. The
    reason of a failure (refused, timed out, which HTTP status) is not shown there: on
    the office's page it would tell what answers where on the intranet; the system
    administrator's page of background work has it."""
    rows = list(Message.objects.filter(source=SOURCE).order_by("-id")[:limit])
    names = dict(Webhook.objects.filter(pk__in={m.source_id for m in rows}).values_list("pk", "name"))
    out = []
    for m in rows:
        try:
            change = json.loads(m.body)
        except ValueError:
            change = {}
        out.append({"message": m, "webhook": names.get(m.source_id, "（已删除）"), "task": change.get("task") or {},
                    "old": change.get("old") or {}, "new": change.get("new") or {}})
    return out


# --- recording changes --------------------------------------------------------------------

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


def record_changes(sender, changes, **kwargs) -> list[LightChange]:
    """The receiver of ``status_changed``: records the changes of active tasks and
    queues their messages (in the caller's transaction); returns the records."""
    tasks = {t["id"]: t for t in Task.objects.filter(pk__in=[c.task_id for c in changes]).active()
             .values("id", "number", "title", "plan_id")}
    if not tasks:
        return []
    records = LightChange.objects.bulk_create([
        LightChange(task_id=c.task_id, version=c.version, old_color=c.old_color, new_color=c.new_color,
                    reasons=list(c.reasons), as_of=c.as_of, at=c.at)
        for c in changes if c.task_id in tasks])
    webhooks = list(Webhook.objects.filter(active=True))
    if webhooks:
        for change in records:
            queue_change(change, tasks[change.task_id], webhooks)
    return records
