"""Plans (分工方案), their sections, tasks, and the targets inside task text."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Plan(models.Model):
    """An imported work-division plan. One plan is one document; a revised version
    of the same document updates the plan in place (revision + 1)."""

    title = models.CharField("方案名称", max_length=200)
    issuer = models.CharField("发文单位", max_length=100, blank=True)
    issued = models.DateField("印发日期", null=True, blank=True)
    doc_number = models.CharField("文号", max_length=100, blank=True)
    year = models.PositiveIntegerField("年度")
    default_deadline = models.DateField("默认完成时限", null=True, blank=True)
    source_file = models.FileField("原始文件", upload_to="plans/%Y/", blank=True)
    source_name = models.CharField("原始文件名", max_length=255, blank=True)
    source_sha256 = models.CharField("文件摘要", max_length=64, blank=True)
    revision = models.PositiveIntegerField("版本", default=1)
    imported_at = models.DateTimeField("导入时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="导入人"
    )

    class Meta:
        verbose_name = "分工方案"
        verbose_name_plural = "分工方案"
        ordering = ["-year", "-id"]
        constraints = [models.UniqueConstraint(fields=["title", "issuer", "year"], name="plan_identity")]

    def __str__(self) -> str:
        return self.title


class Section(models.Model):
    """A chapter of the plan (一、…)."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="sections", verbose_name="方案")
    order = models.PositiveIntegerField("顺序")
    title = models.CharField("标题", max_length=300)

    class Meta:
        verbose_name = "部分"
        verbose_name_plural = "部分"
        ordering = ["plan", "order"]

    def __str__(self) -> str:
        return self.title


class TaskKind(models.TextChoices):
    DATED = "dated", "定期完成"
    PHASED = "phased", "分阶段"
    ONGOING = "ongoing", "持续推进"
    NONE = "none", "未注明"


class TaskQuerySet(models.QuerySet):
    def active(self) -> "TaskQuerySet":
        """Tasks still in the plan (not withdrawn by a revised version)."""
        return self.filter(withdrawn=False)

    def visible_to(self, user) -> "TaskQuerySet":
        """The tasks `user` may see. Office and leaders see all; a unit's people see
        tasks their unit carries as lead or co-unit, and tasks assigned to a
        collective unit (各部门、各单位), which every unit carries. Nobody else sees any."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.sees_all_tasks:
            return self
        if user.is_unit_person and user.unit_id:
            return self.filter(
                Q(assignments__unit_id=user.unit_id) | Q(assignments__unit__is_collective=True)
            ).distinct()
        return self.none()

    def led_by(self, leader) -> "TaskQuerySet":
        return self.filter(leader_links__leader=leader)


class Task(models.Model):
    """A numbered key task (重点工作) with its leaders, units and deadline."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks", verbose_name="方案")
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks", verbose_name="部分"
    )
    subsection = models.CharField("二级标题", max_length=300, blank=True)
    number = models.CharField("序号", max_length=20, blank=True)
    key = models.CharField("识别键", max_length=400, help_text="修订版导入时用来对应同一任务")
    order = models.PositiveIntegerField("顺序")
    title = models.TextField("工作任务")
    deadline = models.DateField("完成时限", null=True, blank=True)
    deadline_text = models.CharField("完成时限（原文）", max_length=300, blank=True)
    kind = models.CharField("时限类型", max_length=10, choices=TaskKind.choices, default=TaskKind.DATED)
    source_line = models.PositiveIntegerField("原文行号", null=True, blank=True)
    withdrawn = models.BooleanField("已撤销", default=False, help_text="方案修订后不再包含此任务")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    leaders = models.ManyToManyField("org.Leader", through="TaskLeader", related_name="tasks", verbose_name="牵头领导")
    units = models.ManyToManyField("org.Unit", through="TaskUnit", related_name="tasks", verbose_name="责任单位")

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = "重点任务"
        verbose_name_plural = "重点任务"
        ordering = ["plan", "order"]
        indexes = [models.Index(fields=["plan", "deadline"]), models.Index(fields=["plan", "key"])]

    def __str__(self) -> str:
        return f"{self.number}. {self.title[:30]}" if self.number else self.title[:30]

    def days_left(self, as_of) -> int | None:
        return None if self.deadline is None else (self.deadline - as_of).days

    def lead_units(self) -> list:
        return [a.unit for a in self.assignments.all() if a.role == TaskUnit.Role.LEAD]

    def co_units(self) -> list:
        return [a.unit for a in self.assignments.all() if a.role == TaskUnit.Role.CO]

    def ordered_leaders(self) -> list:
        return [link.leader for link in self.leader_links.all()]


class TaskLeader(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="leader_links")
    leader = models.ForeignKey("org.Leader", on_delete=models.PROTECT, related_name="task_links")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order"]
        constraints = [models.UniqueConstraint(fields=["task", "leader"], name="task_leader_once")]


class TaskUnit(models.Model):
    """A unit's part in a task: lead (牵头) or co-unit (配合), in written order."""

    class Role(models.TextChoices):
        LEAD = "lead", "牵头单位"
        CO = "co", "配合单位"

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments", verbose_name="任务")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="assignments", verbose_name="单位")
    role = models.CharField("角色", max_length=4, choices=Role.choices)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "任务责任单位"
        verbose_name_plural = "任务责任单位"
        ordering = ["role", "order"]  # "co" < "lead" alphabetically; views sort explicitly
        constraints = [models.UniqueConstraint(fields=["task", "unit"], name="task_unit_once")]


class Comparator(models.TextChoices):
    GE = ">=", "不低于"
    GT = ">", "超过"
    LE = "<=", "不超过"
    ABOUT = "~", "左右"
    EQ = "=", "达到"


class Target(models.Model):
    """A quantitative target of a task (不少于20个), tracked as an indicator."""

    class Source(models.TextChoices):
        PARSED = "parsed", "方案原文"
        MANUAL = "manual", "手工添加"

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="targets", verbose_name="任务")
    value = models.DecimalField("目标值", max_digits=20, decimal_places=4)
    unit = models.CharField("计量单位", max_length=20, blank=True)
    comparator = models.CharField("比较方式", max_length=2, choices=Comparator.choices, default=Comparator.EQ)
    text = models.CharField("原文", max_length=200, blank=True)
    baseline = models.DecimalField("基数", max_digits=20, decimal_places=4, null=True, blank=True)
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.PARSED)
    order = models.PositiveSmallIntegerField("顺序", default=0)

    class Meta:
        verbose_name = "量化指标"
        verbose_name_plural = "量化指标"
        ordering = ["task", "order", "id"]

    def __str__(self) -> str:
        return self.text or f"{self.get_comparator_display()}{self.value}{self.unit}"


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
    plan = models.ForeignKey(Plan, null=True, blank=True, on_delete=models.SET_NULL, related_name="imports")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "导入批次"
        verbose_name_plural = "导入批次"
