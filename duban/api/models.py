"""The REST API's own records: personal API tokens, and outgoing webhooks that tell
other systems when a task's status light changes.

- ``ApiToken``: a person's token for ``Authorization: Bearer …``. Only the SHA-256 of
  the secret is stored (the secret is shown once, at creation); ``prefix`` is kept
  to tell tokens apart on the page.
- ``Webhook``: a subscription the office sets up (URL, signing secret, optional plan).
- ``LightChange``: one change of a task's stored light (duban.status), which gets one
  outbox message per matching webhook (duban.jobs; the delivery log is those
  messages). The light itself is duban.status's ``TaskStatus`` (it took over the rows
  of the former ``TaskLight``, migration status 0002).
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils import timezone

from duban.lib.secretfields import EncryptedTextField
from duban.status.rules import LABELS


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
    The secret is needed to sign every message, so it is kept encrypted (SM4-GCM,
    duban.lib.secretfields), not hashed."""

    name = models.CharField("名称", max_length=60)
    url = models.CharField("接收地址", max_length=500)
    secret = EncryptedTextField("签名密钥", max_length=128, purpose="webhook")
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
        return LABELS.get(self.old_color, self.old_color)

    @property
    def new_label(self) -> str:
        return LABELS.get(self.new_color, self.new_color)
