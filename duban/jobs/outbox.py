"""The outbox: every message Duban sends outside itself (email, group robots, the
office's status webhooks) is a ``Message`` row written by ``enqueue`` in the same
transaction as the action that causes it, and sent by ``send_due`` in a worker.

Guarantees (tested in duban/jobs/tests/):

- **Nothing sent twice by two workers.** A worker claims a message with one
  conditional UPDATE (status queued and due, or sending with an expired lease →
  sending, a new claim token, a lease) and goes on only if it changed one row; every
  later write names the claim token, so a worker whose lease was taken over changes
  nothing.
- **Nothing lost when a worker dies mid-send.** The lease (``LEASE``, longer than the
  client's timeouts) expires and the message is claimed again. The one message that
  was on the wire when the worker died may reach its receiver twice; webhooks carry
  ``X-Duban-Message`` (the message id, the same on every attempt) so a receiver can
  drop the repeat. A message whose answer was recorded is never sent again.
- **Retries with backoff.** A failure waits ``retry_delay(attempts)`` (1, 2, 4, 8, 16
  minutes) and is tried again, ``MAX_ATTEMPTS`` times in all; then it is left as
  failed until the system administrator presses "重新发送" (``retry``). A target the
  rules refuse (duban.lib.outbound.Refused) fails at once: sending again cannot help.
- After one failure to a target in a pass, that target's other messages wait for the
  next pass (a dead receiver costs one timeout per pass, not one per message).
"""
from __future__ import annotations

import datetime as dt
import logging
import os
import secrets
import socket
from typing import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Count, F, Min, Q
from django.utils import timezone
from django_q.tasks import async_task

from duban.audit.log import record
from duban.lib import outbound

from . import channels
from .models import Channel, Message

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 6
RETRY_BASE = dt.timedelta(minutes=1)
RETRY_CAP = dt.timedelta(hours=6)


def lease() -> dt.timedelta:
    """How long a claim holds: longer than one send can take (connect and read
    timeouts, SMTP), so a live worker never loses its message to another."""
    return dt.timedelta(seconds=settings.DUBAN_OUTBOX_LEASE_SECONDS)


def retry_delay(attempts: int) -> dt.timedelta:
    """The pause after the `attempts`-th failed attempt: 1, 2, 4, 8, 16 … minutes."""
    return min(RETRY_BASE * 2 ** max(attempts - 1, 0), RETRY_CAP)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


# --- queueing ------------------------------------------------------------------------------

def message(channel: str, target: str, body: str, *, subject: str = "", headers: dict | None = None,
            source: str = "", source_id: int | None = None, dedupe_key: str | None = None) -> Message:
    """An unsaved message, for ``enqueue``."""
    return Message(channel=channel, target=target[:500], subject=subject[:200], body=body, headers=headers or {},
                   source=source, source_id=source_id, dedupe_key=dedupe_key)


def enqueue(messages: Iterable[Message]) -> list[Message]:
    """Writes the messages in the caller's transaction (call it inside the action's
    ``transaction.atomic``: they exist if and only if the action commits). A message
    whose ``dedupe_key`` is already queued is skipped. After the commit a worker is
    told there is work (``kick``); without that, the minute's sweep sends them."""
    rows = list(messages)
    if not rows:
        return []
    keyed = [m.dedupe_key for m in rows if m.dedupe_key]
    if keyed:
        taken = set(Message.objects.filter(dedupe_key__in=keyed).values_list("dedupe_key", flat=True))
        rows = [m for m in rows if not m.dedupe_key or m.dedupe_key not in taken]
    now = timezone.now()
    for m in rows:
        m.created_at = m.next_attempt_at = now
    made = Message.objects.bulk_create(rows)
    transaction.on_commit(kick)
    return made


def kick() -> None:
    """Asks a worker to send what is due now (a task on the job queue). Best effort:
    the sweep every minute sends anything a lost kick left."""
    if not settings.DUBAN_OUTBOX_KICK:
        return
    try:
        async_task("duban.jobs.outbox.send_due", q_options={"task_name": "outbox-kick", "group": "send_outbox"})
    except Exception:  # noqa: BLE001 - the message is safe in the outbox either way
        log.warning("could not queue an outbox pass; the next sweep sends the messages", exc_info=True)


# --- sending -------------------------------------------------------------------------------

def _due(now: dt.datetime) -> Q:
    return (Q(status=Message.Status.QUEUED, next_attempt_at__lte=now)
            | Q(status=Message.Status.SENDING, lease_until__lt=now))


def claim(pk: int, worker: str) -> Message | None:
    """Takes one message for sending, or None when another worker has it (or it is
    not due): one conditional UPDATE, checked by its row count."""
    now = timezone.now()
    token = secrets.token_hex(8)
    taken = Message.objects.filter(_due(now), pk=pk).update(
        status=Message.Status.SENDING, claim=token, claimed_by=worker[:100], lease_until=now + lease(),
        attempts=F("attempts") + 1)
    if taken != 1:
        return None
    return Message.objects.get(pk=pk, claim=token)


def _settle(msg: Message, **fields) -> bool:
    """Records the outcome of our claim; False when our lease was taken over meanwhile."""
    done = Message.objects.filter(pk=msg.pk, claim=msg.claim, status=Message.Status.SENDING).update(
        claim="", lease_until=None, **fields)
    if not done:
        log.warning("outbox message %s: the lease ran out before the answer was recorded", msg.pk)
    return bool(done)


def send_one(msg: Message) -> bool:
    """Sends a claimed message and records the outcome; True when it was delivered."""
    try:
        status = channels.send(msg)
    except (outbound.Refused, outbound.SendError) as exc:
        permanent = isinstance(exc, outbound.Refused) or getattr(exc, "permanent", False)
        final = permanent or msg.attempts >= MAX_ATTEMPTS
        log.warning("outbox message %s (%s) attempt %s failed: %s", msg.pk, msg.channel, msg.attempts, exc)
        _settle(msg, status=Message.Status.FAILED if final else Message.Status.QUEUED,
                last_error=str(exc)[:500], response_status=getattr(exc, "status", None),
                next_attempt_at=timezone.now() + (dt.timedelta(0) if final else retry_delay(msg.attempts)))
        return False
    _settle(msg, status=Message.Status.SENT, sent_at=timezone.now(), last_error="", response_status=status)
    return True


def send_due(*, worker: str | None = None, limit: int = 200) -> dict[str, int]:
    """Sends what is due (one pass); returns {"sent", "failed", "skipped"}."""
    worker = worker or worker_name()
    due = list(Message.objects.filter(_due(timezone.now())).order_by("next_attempt_at", "id")
               .values_list("pk", "target")[:limit])
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    failing: set[str] = set()
    for pk, target in due:
        if target in failing:
            counts["skipped"] += 1
            continue
        msg = claim(pk, worker)
        if msg is None:
            counts["skipped"] += 1  # another worker has it
            continue
        if send_one(msg):
            counts["sent"] += 1
        else:
            counts["failed"] += 1
            failing.add(target)
    return counts


def describe(counts: dict[str, int]) -> str:
    return f"发送 {counts['sent']} 条，失败 {counts['failed']} 条"


# --- the system administrator's page --------------------------------------------------------

@transaction.atomic
def retry(msg: Message, *, actor) -> bool:
    """Queues a failed message again, attempts counted afresh; False when it is not
    (or no longer) failed."""
    again = Message.objects.filter(pk=msg.pk, status=Message.Status.FAILED).update(
        status=Message.Status.QUEUED, attempts=0, next_attempt_at=timezone.now(), claim="", lease_until=None)
    if again:
        record("jobs.message_retry", actor=actor, obj=msg,
               summary=f"重新发送外发消息 #{msg.pk}（{msg.get_channel_display()}）",
               before={"status": "failed", "attempts": msg.attempts, "last_error": msg.last_error})
        transaction.on_commit(kick)
    return bool(again)


def backlog(now: dt.datetime | None = None) -> dict:
    """Counts per status, the messages waiting now, and the oldest waiting one's time."""
    now = now or timezone.now()
    by_status = dict(Message.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    waiting = Message.objects.filter(status__in=[Message.Status.QUEUED, Message.Status.SENDING])
    return {
        "by_status": {s.value: by_status.get(s.value, 0) for s in Message.Status},
        "due_now": Message.objects.filter(_due(now)).count(),
        "oldest": waiting.aggregate(t=Min("created_at"))["t"],
        "by_channel": list(waiting.values("channel").annotate(n=Count("id")).order_by("channel")),
    }


CHANNEL_LABELS = dict(Channel.choices)
