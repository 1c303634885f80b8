"""Notifications: every person's in-app inbox, their channel preferences and unit group
robots. What goes out (email, robots) is queued in the outbox (duban.jobs)."""
from __future__ import annotations

from django.conf import settings
from django.db import models

from duban.jobs.models import Channel


class NotificationQuerySet(models.QuerySet):
    def unread(self) -> "NotificationQuerySet":
        return self.filter(read_at__isnull=True)


class Notification(models.Model):
    """One message in one person's inbox (always written, whatever the channels)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", verbose_name="收件人"
    )
    kind = models.CharField("类型", max_length=40, db_index=True)
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容", blank=True)
    url = models.CharField("链接", max_length=300, blank=True)
    task = models.ForeignKey(
        "plans.Task", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="任务"
    )
    created_at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = "通知"
        verbose_name_plural = "通知"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"])]

    def __str__(self) -> str:
        return self.title


class Preference(models.Model):
    """A person's channels besides the inbox: email (to ``User.email``) and personal
    group-robot webhooks."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference", verbose_name="用户"
    )
    email = models.BooleanField("电子邮件", default=False)
    wecom_url = models.URLField("企业微信机器人地址", max_length=500, blank=True)
    dingtalk_url = models.URLField("钉钉机器人地址", max_length=500, blank=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "通知方式"
        verbose_name_plural = "通知方式"

    def __str__(self) -> str:
        return f"{self.user} 的通知方式"


class UnitRobot(models.Model):
    """A unit's group robot (WeCom or DingTalk): messages to the unit are also posted there."""

    unit = models.ForeignKey("org.Unit", on_delete=models.CASCADE, related_name="robots", verbose_name="单位")
    channel = models.CharField(
        "渠道", max_length=10, choices=[(Channel.WECOM, Channel.WECOM.label), (Channel.DINGTALK, Channel.DINGTALK.label)]
    )
    url = models.URLField("机器人地址", max_length=500)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "单位群机器人"
        verbose_name_plural = "单位群机器人"

    def __str__(self) -> str:
        return f"{self.unit} {self.get_channel_display()}"
