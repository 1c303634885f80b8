"""Work plans (工作方案): the milestones a task is broken into."""
from __future__ import annotations

from django.conf import settings
from django.db import models


class MilestoneQuerySet(models.QuerySet):
    def overdue(self, as_of) -> "MilestoneQuerySet":
        return self.filter(done_on__isnull=True, due__lt=as_of)

    def past_plan_deadline(self) -> "MilestoneQuerySet":
        """Open milestones due after their task's deadline as the plan set it. An
        approved extension only moves a deadline later, so this holds every milestone
        due after the deadline in force; callers narrow it with ``is_after``."""
        return self.filter(done_on__isnull=True, due__isnull=False, task__deadline__isnull=False,
                           due__gt=models.F("task__deadline"))


class Milestone(models.Model):
    """A node of a task's work plan: what, by when, which unit, which person.

    Milestones from a phased deadline in the plan itself have source=plan; the ones
    units add while breaking a task down have source=workplan."""

    class Source(models.TextChoices):
        PLAN = "plan", "方案原文"
        WORKPLAN = "workplan", "工作方案"

    task = models.ForeignKey("plans.Task", on_delete=models.CASCADE, related_name="milestones", verbose_name="任务")
    title = models.CharField("节点内容", max_length=300)
    due = models.DateField("完成时间", null=True, blank=True)
    unit = models.ForeignKey("org.Unit", null=True, blank=True, on_delete=models.PROTECT, verbose_name="责任单位")
    owner = models.CharField("责任人", max_length=50, blank=True)
    is_measurable = models.BooleanField("量化指标", default=False, help_text="此节点有可衡量的数量或标准")
    done_on = models.DateField("完成日期", null=True, blank=True)
    evidence = models.TextField("完成情况说明", blank=True)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.WORKPLAN)
    order = models.PositiveIntegerField("顺序", default=0)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MilestoneQuerySet.as_manager()

    class Meta:
        verbose_name = "工作节点"
        verbose_name_plural = "工作节点"
        ordering = ["task", "due", "order", "id"]

    def __str__(self) -> str:
        return self.title

    def is_overdue(self, as_of) -> bool:
        return self.done_on is None and self.due is not None and self.due < as_of

    def is_after(self, deadline) -> bool:
        """Due after `deadline` (the task's deadline in force): the task cannot be done
        on time if this milestone is kept."""
        return self.due is not None and deadline is not None and self.due > deadline
