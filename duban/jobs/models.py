"""Background work: the outbox of every message Duban sends outside itself, and the
record of every run of a scheduled job.

- ``Message``: one email, robot message or webhook POST, written in the same
  transaction as the action that causes it (duban.jobs.outbox.enqueue) and sent by a
  worker. A worker claims it with a conditional UPDATE (checked row count) that also
  sets a lease; a worker that dies mid-send leaves the lease to expire, and the message
  is claimed again. Failures are retried with a growing pause, then left as failed
  until someone presses "重新发送".
- ``JobRun``: one run of a scheduled job (duban.jobs.runner), with its outcome.
"""
from __future__ import annotations

from django.db import models
from django.utils import timezone


class Channel(models.TextChoices):
    EMAIL = "email", "电子邮件"
    WECOM = "wecom", "企业微信群机器人"
    DINGTALK = "dingtalk", "钉钉群机器人"
    WEBHOOK = "webhook", "状态变化推送"


class Message(models.Model):
    """One outgoing message (see the module docstring). ``target`` is an email address or
    a URL; ``body`` the text (email, robots) or the exact JSON (webhooks); ``headers``
    extra HTTP headers (a webhook's signature). ``source``/``source_id`` say what queued
    it (a webhook's page lists its own); ``dedupe_key``, when set, makes queueing the
    same message twice a no-op."""

    class Status(models.TextChoices):
        QUEUED = "queued", "待发送"
        SENDING = "sending", "发送中"
        SENT = "sent", "已发送"
        FAILED = "failed", "发送失败"

    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    target = models.CharField("发送地址", max_length=500)
    subject = models.CharField("标题", max_length=200, blank=True)
    body = models.TextField("内容")
    headers = models.JSONField("附加请求头", default=dict, blank=True)
    source = models.CharField("来源", max_length=30, blank=True, db_index=True)
    source_id = models.PositiveBigIntegerField("来源编号", null=True, blank=True)
    dedupe_key = models.CharField("去重键", max_length=120, null=True, blank=True, unique=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试时间", default=timezone.now)
    lease_until = models.DateTimeField("租约到期", null=True, blank=True)
    claimed_by = models.CharField("发送进程", max_length=100, blank=True)
    claim = models.CharField("领取标记", max_length=32, blank=True)
    response_status = models.PositiveSmallIntegerField("响应状态码", null=True, blank=True)
    last_error = models.CharField("最近错误", max_length=500, blank=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    sent_at = models.DateTimeField("发送时间", null=True, blank=True)

    class Meta:
        verbose_name = "外发消息"
        verbose_name_plural = "外发消息"
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="jobs_message_due"),
                   models.Index(fields=["source", "source_id"], name="jobs_message_source")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} #{self.pk}"


class JobRun(models.Model):
    """One run of a scheduled job. ``finished_at`` empty: running, or the worker died
    (the page says which by the job's time limit)."""

    job = models.CharField("任务", max_length=40, db_index=True)
    started_at = models.DateTimeField("开始时间", default=timezone.now)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    ok = models.BooleanField("成功", null=True)
    summary = models.CharField("结果", max_length=500, blank=True)
    error = models.TextField("错误详情", blank=True)
    worker = models.CharField("运行进程", max_length=100, blank=True)
    trigger = models.CharField("触发方式", max_length=20, blank=True)

    class Meta:
        verbose_name = "后台任务运行记录"
        verbose_name_plural = "后台任务运行记录"
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["job", "-started_at"], name="jobs_run_latest")]

    def __str__(self) -> str:
        return f"{self.job} {self.started_at:%Y-%m-%d %H:%M}"
