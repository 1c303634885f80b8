"""Plans (分工方案), their sections, tasks, and the targets inside task text."""
from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class Category(models.TextChoices):
    """The kinds of 督办事项. A plan's tasks are one kind; the others are kept in one
    register (a Plan row of that category) per kind and year, which the office fills
    by hand, from a sheet, a document or the API (duban.items), so that every kind
    shares the same ledger, rounds, lights, notices and exports as plan tasks."""

    PLAN = "plan", "分工方案任务"
    INSTRUCTION = "instruction", "领导批示件"
    MEETING = "meeting", "会议议定事项"
    PROPOSAL = "proposal", "建议提案"
    ASSIGNED = "assigned", "上级交办和督查反馈事项"
    CARRYOVER = "carryover", "上年结转事项"


# The short name of each kind, for the badge beside an item's title in lists.
CATEGORY_SHORT = {
    "plan": "方案任务",
    "instruction": "批示件",
    "meeting": "会议事项",
    "proposal": "建议提案",
    "assigned": "上级交办",
    "carryover": "结转事项",
}


class PlanQuerySet(models.QuerySet):
    def documents(self) -> "PlanQuerySet":
        """Imported work-division plans only (not the registers of other kinds)."""
        return self.filter(category=Category.PLAN)

    def registers(self) -> "PlanQuerySet":
        return self.exclude(category=Category.PLAN)


def current_year() -> int | None:
    """The newest year that has any 督办事项: what the ledger, dashboards and exports
    show unless a year is chosen (None when there is nothing yet)."""
    return Plan.objects.filter(tasks__isnull=False).order_by("-year").values_list("year", flat=True).first()


class Plan(models.Model):
    """An imported work-division plan. One plan is one document; a revised version
    of the same document updates the plan in place (revision + 1).

    A plan of another ``category`` is the register (台账) of one kind of 督办事项 for
    one year, such as 2026年领导批示件; its tasks are those items."""

    title = models.CharField("方案名称", max_length=200)
    issuer = models.CharField("发文单位", max_length=100, blank=True)
    issued = models.DateField("印发日期", null=True, blank=True)
    doc_number = models.CharField("文号", max_length=100, blank=True)
    year = models.PositiveIntegerField("年度")
    category = models.CharField("事项类别", max_length=12, choices=Category.choices, default=Category.PLAN,
                                db_index=True)
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
        constraints = [
            models.UniqueConstraint(fields=["title", "issuer", "year"], name="plan_identity"),
            # One register per kind and year.
            models.UniqueConstraint(fields=["category", "year"], condition=~Q(category="plan"),
                                    name="one_register_per_kind_year"),
        ]

    objects = PlanQuerySet.as_manager()

    @property
    def is_register(self) -> bool:
        return self.category != Category.PLAN

    @property
    def category_short(self) -> str:
        """The kind's short name (批示件, 会议事项, …) for a badge."""
        return CATEGORY_SHORT.get(self.category, "")

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


# The task fields a plan document sets, in the order a revision lists what changed.
TASK_FIELD_LABELS = {
    "section": "所属部分",
    "subsection": "二级标题",
    "title": "工作任务",
    "leaders": "牵头领导",
    "lead_units": "牵头单位",
    "co_units": "配合单位",
    "deadline": "完成时限",
    "deadline_text": "完成时限原文",
    "milestones": "阶段节点",
    "targets": "量化指标",
}


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

    def of_category(self, category: str) -> "TaskQuerySet":
        """Items of one kind (分工方案任务, 领导批示件, …)."""
        return self.filter(plan__category=category)

    def in_year(self, year: int) -> "TaskQuerySet":
        return self.filter(plan__year=year)


class Task(models.Model):
    """A numbered key task (重点工作) with its leaders, units and deadline."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="tasks", verbose_name="方案")
    section = models.ForeignKey(
        Section, null=True, blank=True, on_delete=models.SET_NULL, related_name="tasks", verbose_name="部分"
    )
    subsection = models.CharField("二级标题", max_length=300, blank=True)
    number = models.CharField("序号", max_length=20, blank=True)
    order = models.PositiveIntegerField("顺序")
    title = models.TextField("工作任务")
    deadline = models.DateField("完成时限", null=True, blank=True)
    deadline_text = models.CharField("完成时限（原文）", max_length=300, blank=True)
    kind = models.CharField("时限类型", max_length=10, choices=TaskKind.choices, default=TaskKind.DATED)
    source_line = models.PositiveIntegerField("原文行号", null=True, blank=True)
    withdrawn = models.BooleanField("已撤销", default=False, help_text="方案修订后不再包含此任务（记录全部保留，可恢复）")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    leaders = models.ManyToManyField("org.Leader", through="TaskLeader", related_name="tasks", verbose_name="牵头领导")
    units = models.ManyToManyField("org.Unit", through="TaskUnit", related_name="tasks", verbose_name="责任单位")

    objects = TaskQuerySet.as_manager()

    # Keys a plan's revision records about a task that are no fields of it (duban/audit/display.py).
    AUDIT_LABELS = TASK_FIELD_LABELS

    class Meta:
        verbose_name = "重点任务"
        verbose_name_plural = "重点任务"
        ordering = ["plan", "order"]
        indexes = [models.Index(fields=["plan", "deadline"])]

    def __str__(self) -> str:
        return f"{self.number}. {self.title[:30]}" if self.number else self.title[:30]

    @property
    def audit_name(self) -> str:
        """How the audit log and the timeline name the task: 第13项任务“…”."""
        title = self.title if len(self.title) <= 30 else self.title[:30] + "…"
        return f"第{self.number}项任务“{title}”" if self.number else f"任务“{title}”"

    @property
    def category(self) -> str:
        """The kind of 督办事项 (its register's category)."""
        return self.plan.category

    def get_category_display(self) -> str:
        return Category(self.plan.category).label

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

    # The keys indicator events record (duban.indicators.actions.audit_values).
    AUDIT_LABELS = {"indicator": "指标名称", "comparator": "要求", "target_value": "目标值",
                    "measure_unit": "计量单位", "baseline": "基数"}

    class Meta:
        verbose_name = "量化指标"
        verbose_name_plural = "量化指标"
        ordering = ["task", "order", "id"]

    def __str__(self) -> str:
        return self.text or f"{self.get_comparator_display()}{self.value}{self.unit}"
