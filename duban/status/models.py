"""The stored status light of every task (``TaskStatus``), and the date every row was
last computed for (``StatusDay``).

A row holds what the rules (duban.status.rules) made of the task's facts on
``as_of``: the colour, the reasons in words and the deadline in force (after approved
extensions). Actions recompute a task's row in their own transaction when they change
its facts (duban.status.store); the daily job ``refresh_status`` recomputes every row
for the new date. ``version`` goes up by one each time the colour changes: each change
is a ``duban.api`` LightChange sent to the webhooks.
"""
from __future__ import annotations

from django.db import models
from django.utils import timezone

from .rules import LABELS


class Color(models.TextChoices):
    RED = "red", "红灯"
    YELLOW = "yellow", "黄灯"
    GREEN = "green", "绿灯"
    DONE = "done", "已销号"


class TaskStatus(models.Model):
    """A task's light as of ``as_of``. ``color`` is empty only for a row made a moment
    before its first computation (under the lock of that computation)."""

    task = models.OneToOneField("plans.Task", primary_key=True, on_delete=models.CASCADE, related_name="light",
                                verbose_name="任务")
    color = models.CharField("状态", max_length=10, choices=Color.choices, blank=True)
    reasons = models.JSONField("原因", default=list)
    deadline = models.DateField("现行完成时限", null=True, blank=True)
    as_of = models.DateField("计算日期")
    computed_at = models.DateTimeField("计算时间", default=timezone.now)
    version = models.PositiveIntegerField("版本", default=1)
    changed_at = models.DateTimeField("状态变化时间", default=timezone.now)

    class Meta:
        verbose_name = "任务状态"
        verbose_name_plural = "任务状态"
        indexes = [models.Index(fields=["color"], name="status_color")]

    def __str__(self) -> str:
        return f"{self.label}：{self.text}" if self.reasons else self.label

    @property
    def label(self) -> str:
        return LABELS.get(self.color, "")

    @property
    def text(self) -> str:
        return "，".join(self.reasons)


class StatusDay(models.Model):
    """One row (pk 1): the date for which every task's row was last recomputed, when,
    and how long it took. A reader finding another date than today has the rows
    recomputed first (``store.ensure_current``): the daily job normally did it."""

    as_of = models.DateField("计算日期")
    finished_at = models.DateTimeField("完成时间", default=timezone.now)
    tasks = models.PositiveIntegerField("任务数", default=0)
    seconds = models.FloatField("用时（秒）", default=0)

    class Meta:
        verbose_name = "状态全量计算"
        verbose_name_plural = "状态全量计算"

    def __str__(self) -> str:
        return f"{self.as_of}（{self.tasks} 项）"
