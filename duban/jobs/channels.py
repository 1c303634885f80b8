"""How each kind of outgoing message is sent: email through Django's mail backend
(SMTP in production, settings from DUBAN_EMAIL_*), group robots and webhooks through
the one outgoing HTTP client (duban.lib.outbound: the allowlist, no internal
addresses, no redirects, short timeouts)."""
from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from duban.lib import outbound

from .models import Channel, Message

SMTP_TIMEOUT = 10


def robot_payload(text: str) -> dict:
    """The text message body of a WeCom or DingTalk group robot (both use this shape)."""
    return {"msgtype": "text", "text": {"content": text}}


def send_email(to: str, subject: str, text: str) -> None:
    try:
        with get_connection(timeout=SMTP_TIMEOUT) as conn:
            EmailMessage(subject=f"【督办系统】{subject}", body=text, from_email=settings.DEFAULT_FROM_EMAIL,
                         to=[to], connection=conn).send()
    except Exception as exc:  # noqa: BLE001 - smtplib and the backends raise many kinds
        raise outbound.SendError(f"邮件发送失败（{type(exc).__name__}）") from exc


def send(message: Message) -> int | None:
    """Sends one message; returns the HTTP status for HTTP channels. Raises
    outbound.Refused (the target may not be used: no retry) or outbound.SendError."""
    if message.channel == Channel.EMAIL:
        send_email(message.target, message.subject, message.body)
        return None
    if message.channel in (Channel.WECOM, Channel.DINGTALK):
        answer = outbound.post_json(message.target, robot_payload(message.body))
        reply = answer.json()
        if isinstance(reply, dict) and reply.get("errcode", 0) != 0:
            raise outbound.SendError(f"机器人拒收（错误码 {str(reply.get('errcode'))[:20]}）", status=answer.status)
        return answer.status
    if message.channel == Channel.WEBHOOK:
        # The same id on every attempt: a receiver drops a repeat (docs/API.md).
        headers = {**message.headers, "X-Duban-Message": str(message.pk), "X-Duban-Delivery": str(message.pk)}
        return outbound.post_json(message.target, message.body.encode("utf-8"), headers=headers).status
    raise outbound.Refused(f"未知的发送渠道“{message.channel}”")
