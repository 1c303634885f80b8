"""Plan imports: uploaded files waiting for confirmation, every applied import with
what the ledger held before it (so the last one can be undone exactly), and who holds
a leader role a plan names without a person."""
from __future__ import annotations

from django.conf import settings
from django.db import models


class ImportBatch(models.Model):
    """One uploaded plan file between upload and confirmation. The file is kept; the
    preview is recomputed from it on confirmation, so what is applied is what was shown."""

    class Status(models.TextChoices):
        PENDING = "pending", "待确认"
        APPLIED = "applied", "已导入"
        UNCHANGED = "unchanged", "无变化"
        CANCELLED = "cancelled", "已取消"

    file = models.FileField("文件", upload_to="imports/%Y/")
    original_name = models.CharField("文件名", max_length=255)
    sha256 = models.CharField("文件摘要", max_length=64)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    plan = models.ForeignKey("plans.Plan", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="import_batches")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)
    # Leader roles the office mapped to people on this preview: {"常务副区长": "郭文杰"}.
    role_map = models.JSONField("领导职务对应", default=dict, blank=True)

    class Meta:
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"


class PlanImport(models.Model):
    """One applied import of a plan (its first import or a revision): what it did,
    and what it changed as it was before, so undo restores exactly the ledger before
    it. Only the latest import of a plan not yet undone can be undone."""

    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="imports", verbose_name="方案")
    batch = models.ForeignKey(ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name="导入批次")
    source_name = models.CharField("文件名", max_length=255)
    sha256 = models.CharField("文件摘要", max_length=64)
    revision = models.PositiveIntegerField("导入后版本")
    # The plan's own fields before the import; null when the import created the plan.
    plan_before = models.JSONField("导入前方案信息", null=True, blank=True)
    sections_before = models.JSONField("导入前各部分", default=list, blank=True)
    roles_before = models.JSONField("导入前领导职务对应", default=dict, blank=True)
    counts = models.JSONField("变化数量", default=dict, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="导入人")
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)
    undone_at = models.DateTimeField("撤销时间", null=True, blank=True)
    undone_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+", verbose_name="撤销人")

    class Meta:
        verbose_name = "导入记录"
        verbose_name_plural = "导入记录"
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.plan} 第{self.revision}版"

    @property
    def is_new_plan(self) -> bool:
        return self.plan_before is None


class TaskBefore(models.Model):
    """A task as it was before an import changed it (fields, leaders, units, the
    plan's targets and phases, withdrawn flag), or the mark that the import added it."""

    plan_import = models.ForeignKey(PlanImport, on_delete=models.CASCADE, related_name="tasks_before")
    task = models.ForeignKey("plans.Task", null=True, on_delete=models.SET_NULL, related_name="+")
    added = models.BooleanField("导入新增", default=False)
    state = models.JSONField("导入前状态", null=True, blank=True)

    class Meta:
        verbose_name = "导入前任务状态"
        verbose_name_plural = "导入前任务状态"


class RoleHolder(models.Model):
    """Who holds a leader role a plan writes without a name (常务副区长 → 郭文杰), as the
    office set it on an import preview; later revisions of the plan use it again."""

    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="role_holders", verbose_name="方案")
    role = models.CharField("领导职务", max_length=50)
    leader = models.ForeignKey("org.Leader", on_delete=models.PROTECT, related_name="+", verbose_name="领导")

    class Meta:
        verbose_name = "领导职务对应"
        verbose_name_plural = "领导职务对应"
        constraints = [models.UniqueConstraint(fields=["plan", "role"], name="role_holder_once")]

    def __str__(self) -> str:
        return f"{self.role}：{self.leader}"
