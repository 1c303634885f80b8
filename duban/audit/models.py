"""The append-only event log: every change and event, who, when, from where, before and after.

It is both the task timeline and the security audit trail. Rows are never updated or
deleted by the application: save() refuses updates and delete() refuses outright.
Every row is a link of a keyed hash chain (``seq``, ``prev_hash``, ``hash``; see
duban/audit/chain.py), so a row changed, removed or slipped in outside the
application is found by ``duban verify_audit``.
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    pass


class EventQuerySet(models.QuerySet):
    def update(self, **kwargs):  # noqa: D401 - protection, not behaviour
        raise AppendOnlyError("审计记录不可修改")

    def delete(self):
        raise AppendOnlyError("审计记录不可删除")


class Event(models.Model):
    """One recorded event."""

    class Result(models.TextChoices):
        OK = "ok", "成功"
        DENIED = "denied", "拒绝"
        FAILED = "failed", "失败"

    at = models.DateTimeField("时间", default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="操作人"
    )
    actor_name = models.CharField("操作人姓名", max_length=150, blank=True)
    address = models.GenericIPAddressField("来源地址", null=True, blank=True)
    action = models.CharField("操作", max_length=50, db_index=True)
    object_type = models.CharField("对象类型", max_length=50, blank=True)
    object_id = models.CharField("对象编号", max_length=50, blank=True)
    task = models.ForeignKey(
        "plans.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="events", verbose_name="任务"
    )
    summary = models.CharField("摘要", max_length=500, blank=True)
    before = models.JSONField("修改前", null=True, blank=True)
    after = models.JSONField("修改后", null=True, blank=True)
    result = models.CharField("结果", max_length=10, choices=Result.choices, default=Result.OK)
    # The chain (duban/audit/chain.py): position, the previous link's hash, and the
    # keyed hash (HMAC-SM3 by default) of this row's content and prev_hash.
    seq = models.BigIntegerField("链序号", unique=True)
    prev_hash = models.CharField("前一条的校验值", max_length=80, blank=True)
    hash = models.CharField("校验值", max_length=80)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = "操作记录"
        verbose_name_plural = "操作记录"
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action}"

    @property
    def action_label(self) -> str:
        from .labels import action_label

        return action_label(self.action)

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("审计记录不可修改")
        if not self.hash:
            raise AppendOnlyError("审计记录须经 duban.audit.log.record() 写入哈希链")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("审计记录不可删除")


class ChainHead(models.Model):
    """The newest link of the audit chain: one row (id 1). Every writer takes it with a
    conditional UPDATE before appending, so concurrent writers chain one after the other
    (on PostgreSQL the row lock is held until the writer's transaction ends; SQLite's
    IMMEDIATE transactions serialise writers already)."""

    seq = models.BigIntegerField("最新链序号", default=0)
    last_hash = models.CharField("最新校验值", max_length=80, blank=True)

    class Meta:
        verbose_name = "审计链头"
        verbose_name_plural = "审计链头"


class Refusal(models.Model):
    """Refusals counted per minute, person, address and kind (issue 14 §6): the first
    refusal of a minute writes one event to the log at once, the others only count
    here, and after the minute one more event says how many there were
    (duban.audit.refusals). A scan of a thousand pages writes two events a minute,
    not a thousand."""

    class Kind(models.TextChoices):
        FORBIDDEN = "forbidden", "无权访问（403）"
        NOT_FOUND = "not_found", "对象不存在或不可见（404）"
        CSRF = "csrf", "跨站请求校验失败"
        TOKEN = "token", "接口令牌被拒绝"
        THROTTLED = "throttled", "请求过于频繁"

    minute = models.DateTimeField("分钟")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+", verbose_name="人员")
    # Key parts that are never NULL, so the unique constraint holds for anonymous requests too.
    actor_key = models.CharField("人员标识", max_length=20, default="", blank=True)
    actor_name = models.CharField("人员姓名", max_length=150, blank=True)
    address = models.CharField("来源地址", max_length=45, default="", blank=True)
    kind = models.CharField("类别", max_length=12, choices=Kind.choices)
    count = models.PositiveIntegerField("次数", default=1)
    first_path = models.CharField("首次访问的地址", max_length=300, blank=True)
    last_path = models.CharField("最后访问的地址", max_length=300, blank=True)
    reason = models.CharField("原因", max_length=300, blank=True)
    summarized = models.BooleanField("已写入汇总记录", default=False, db_index=True)

    class Meta:
        verbose_name = "拒绝访问计数"
        verbose_name_plural = "拒绝访问计数"
        ordering = ["-minute", "-id"]
        constraints = [models.UniqueConstraint(fields=["minute", "actor_key", "address", "kind"],
                                               name="audit_refusal_bucket")]

    def __str__(self) -> str:
        return f"{self.minute:%Y-%m-%d %H:%M} {self.actor_name or self.address} {self.get_kind_display()} {self.count}次"
