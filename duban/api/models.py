"""The REST API's own records: personal API tokens, and outgoing webhooks that tell
other systems when a task's status light changes.

- ``ApiToken``: a person's token for ``Authorization: Bearer …``. Only the SHA-256 of
  the secret is stored (the secret is shown once, at creation); ``prefix`` is kept
  to tell tokens apart on the page.
- ``Webhook``: a subscription the office sets up (URL, signing secret, optional plan).
- ``TaskLight``: the last light ``duban status_webhooks`` saw for each task; a change
  against it is a ``LightChange``, which gets one ``WebhookDelivery`` per matching
  webhook (the delivery log).
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApiTokenQuerySet(models.QuerySet):
    def usable(self, now: dt.datetime | None = None) -> "ApiTokenQuerySet":
        """Tokens neither revoked nor expired."""
        now = now or timezone.now()
        return self.filter(revoked_at__isnull=True).filter(models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now))


class ApiToken(models.Model):
    """A personal API token. ``digest`` is the SHA-256 (hex) of the whole token string;
    the token itself is never stored. A token acts as its owner, with the owner's role
    and visibility, and only while the owner's account may sign in."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens",
                             verbose_name="所有人")
    name = models.CharField("用途", max_length=60)
    prefix = models.CharField("令牌前缀", max_length=16)
    digest = models.CharField("令牌摘要", max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    expires_at = models.DateTimeField("有效期至", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用时间", null=True, blank=True)
    revoked_at = models.DateTimeField("撤销时间", null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = "接口令牌"
        verbose_name_plural = "接口令牌"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name}（{self.prefix}…）"

    def is_expired(self, now: dt.datetime | None = None) -> bool:
        return self.expires_at is not None and self.expires_at <= (now or timezone.now())

    def state(self, now: dt.datetime | None = None) -> str:
        if self.revoked_at is not None:
            return "已撤销"
        if self.is_expired(now):
            return "已过期"
        return "有效"


class Webhook(models.Model):
    """An outgoing webhook: when a task's light changes, Duban POSTs a JSON message to
    ``url`` signed with ``secret`` (HMAC-SHA256 of the body, header
    ``X-Duban-Signature: sha256=<hex>``). ``plan`` limits it to one plan's tasks.
    URLs are expected to be on the intranet; only http:// and https:// are allowed.
    The secret is kept as given: it is needed to sign every message."""

    name = models.CharField("名称", max_length=60)
    url = models.CharField("接收地址", max_length=500)
    secret = models.CharField("签名密钥", max_length=128)
    plan = models.ForeignKey("plans.Plan", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                             verbose_name="限定方案")
    active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="设置人")
    created_at = models.DateTimeField("设置时间", default=timezone.now)

    class Meta:
        verbose_name = "状态变化推送"
        verbose_name_plural = "状态变化推送"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class TaskLight(models.Model):
    """The light of a task as ``duban status_webhooks`` last recorded it. ``version``
    goes up by one on every recorded change; a change is claimed with a conditional
    ``UPDATE … WHERE version = n``, so two runs at once record it (and send it) once."""

    task = models.OneToOneField("plans.Task", primary_key=True, on_delete=models.CASCADE, related_name="+",
                                verbose_name="任务")
    color = models.CharField("状态", max_length=10)
    reasons = models.JSONField("原因", default=list)
    version = models.PositiveIntegerField("版本", default=1)
    changed_at = models.DateTimeField("变化时间", default=timezone.now)

    class Meta:
        verbose_name = "任务状态记录"
        verbose_name_plural = "任务状态记录"


class LightChange(models.Model):
    """One change of a task's light, as sent to the webhooks."""

    task = models.ForeignKey("plans.Task", on_delete=models.CASCADE, related_name="+", verbose_name="任务")
    version = models.PositiveIntegerField("版本")
    old_color = models.CharField("原状态", max_length=10)
    new_color = models.CharField("新状态", max_length=10)
    reasons = models.JSONField("原因", default=list)
    as_of = models.DateField("计算日期")
    at = models.DateTimeField("发现时间", default=timezone.now)

    class Meta:
        verbose_name = "状态变化"
        verbose_name_plural = "状态变化"
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["task", "version"], name="light_change_once")]

    @property
    def old_label(self) -> str:
        from duban.supervision.status import LABELS

        return LABELS.get(self.old_color, self.old_color)

    @property
    def new_label(self) -> str:
        from duban.supervision.status import LABELS

        return LABELS.get(self.new_color, self.new_color)


class WebhookDelivery(models.Model):
    """One message of one change to one webhook: the delivery log. Claimed with a
    conditional UPDATE (queued → sending) before it is sent; retried with a growing
    pause; after the last attempt left as failed."""

    class Status(models.TextChoices):
        QUEUED = "queued", "待发送"
        SENDING = "sending", "发送中"
        SENT = "sent", "已送达"
        FAILED = "failed", "发送失败"

    webhook = models.ForeignKey(Webhook, on_delete=models.CASCADE, related_name="deliveries", verbose_name="推送")
    change = models.ForeignKey(LightChange, on_delete=models.CASCADE, related_name="deliveries", verbose_name="状态变化")
    body = models.TextField("消息内容")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间", null=True, blank=True, db_index=True)
    claimed_by = models.CharField("发送进程", max_length=100, blank=True)
    claimed_at = models.DateTimeField("领取时间", null=True, blank=True)
    response_status = models.PositiveSmallIntegerField("响应状态码", null=True, blank=True)
    last_error = models.TextField("最近错误", blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    sent_at = models.DateTimeField("送达时间", null=True, blank=True)

    class Meta:
        verbose_name = "推送记录"
        verbose_name_plural = "推送记录"
        ordering = ["-id"]
        constraints = [models.UniqueConstraint(fields=["webhook", "change"], name="webhook_delivery_once")]

    def __str__(self) -> str:
        return f"{self.webhook} · {self.change_id}"
