"""Sending queued deliveries: email through Django's mail backend (SMTP in
production, settings from DUBAN_EMAIL_*), group robots through their webhooks.

Each delivery is claimed with a conditional UPDATE (queued → sending, checked row
count), so two senders running at once never send the same message twice. A failed
delivery is retried with a growing pause, then left as failed.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import urllib.error
import urllib.request

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db.models import Q
from django.utils import timezone

from .models import Channel, Delivery

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
STALE_AFTER = dt.timedelta(minutes=15)
WEBHOOK_TIMEOUT = 10


class DeliveryError(Exception):
    pass


def webhook_payload(channel: str, text: str) -> dict:
    """The text message body of a WeCom or DingTalk group robot (both use the same shape)."""
    if channel not in (Channel.WECOM, Channel.DINGTALK):
        raise ValueError(channel)
    return {"msgtype": "text", "text": {"content": text}}


def post_webhook(url: str, payload: dict, timeout: float = WEBHOOK_TIMEOUT) -> None:
    """POSTs JSON to a robot; both WeCom and DingTalk answer {"errcode": 0} on success."""
    data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:  # noqa: S310 - URLs are set by the office/person
            body = resp.read(65536)
    except (urllib.error.URLError, socket.timeout, OSError) as exc:
        raise DeliveryError(f"机器人地址无法访问：{exc}") from exc
    try:
        answer = json.loads(body or b"{}")
    except ValueError:
        answer = {}
    if isinstance(answer, dict) and answer.get("errcode", 0) != 0:
        raise DeliveryError(f"机器人拒收：{answer.get('errcode')} {answer.get('errmsg', '')}")


def send_email(to: str, subject: str, text: str) -> None:
    try:
        with get_connection(timeout=WEBHOOK_TIMEOUT) as conn:
            EmailMessage(subject=f"【督办系统】{subject}", body=text, from_email=settings.DEFAULT_FROM_EMAIL,
                         to=[to], connection=conn).send()
    except Exception as exc:  # smtplib raises many kinds
        raise DeliveryError(f"邮件发送失败：{exc}") from exc


def _send(delivery: Delivery) -> None:
    if delivery.channel == Channel.EMAIL:
        send_email(delivery.target, delivery.subject, delivery.text)
    else:
        post_webhook(delivery.target, webhook_payload(delivery.channel, delivery.text))


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def requeue_stale(now=None) -> int:
    """Deliveries stuck in 'sending' (their sender died) go back to the queue."""
    now = now or timezone.now()
    return Delivery.objects.filter(status=Delivery.Status.SENDING, claimed_at__lt=now - STALE_AFTER).update(
        status=Delivery.Status.QUEUED, claimed_by=""
    )


def send_pending(*, worker: str | None = None, limit: int = 200) -> dict[str, int]:
    """Sends what is due; returns counts {"sent": n, "failed": n, "skipped": n}."""
    worker = worker or worker_name()
    now = timezone.now()
    requeue_stale(now)
    due = (
        Delivery.objects.filter(status=Delivery.Status.QUEUED)
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .order_by("id").values_list("pk", flat=True)[:limit]
    )
    counts = {"sent": 0, "failed": 0, "skipped": 0}
    for pk in list(due):
        claimed = Delivery.objects.filter(pk=pk, status=Delivery.Status.QUEUED).update(
            status=Delivery.Status.SENDING, claimed_by=worker, claimed_at=timezone.now()
        )
        if claimed != 1:
            counts["skipped"] += 1  # another sender got it first
            continue
        delivery = Delivery.objects.get(pk=pk)
        attempts = delivery.attempts + 1
        try:
            _send(delivery)
        except DeliveryError as exc:
            log.warning("delivery %s failed: %s", pk, exc)
            final = attempts >= MAX_ATTEMPTS
            Delivery.objects.filter(pk=pk, claimed_by=worker).update(
                status=Delivery.Status.FAILED if final else Delivery.Status.QUEUED,
                attempts=attempts, last_error=str(exc)[:2000], claimed_by="",
                next_attempt_at=timezone.now() + dt.timedelta(minutes=2 ** attempts),
            )
            counts["failed"] += 1
        else:
            Delivery.objects.filter(pk=pk, claimed_by=worker).update(
                status=Delivery.Status.SENT, attempts=attempts, sent_at=timezone.now(), last_error=""
            )
            counts["sent"] += 1
    return counts
