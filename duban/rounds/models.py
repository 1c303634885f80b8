"""Dispatch rounds (调度): rounds, the report slots they open, submitted versions,
target actuals, evidence attachments and coordination items.

Other apps (the supervision loop: status lights, notices) read these models. The
fields they rely on are documented on each model and kept stable:

- ``Round.status`` (open/closed), ``Round.due_on``, ``Round.period_start``/``period_end``;
- ``Report.status`` (draft/pending_approval/submitted/returned/accepted),
  ``Report.first_submitted_at`` (lateness), ``Report.progress_status`` and ``percent``;
- ``Report.state(as_of)`` for the derived grid state (submitted/late/missing/…).
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from duban.audit.seals import Sealed
from duban.lib.uploads import UploadedFile, generated_path


class ScopeKind(models.TextChoices):
    PLAN = "plan", "整个方案"
    SECTIONS = "sections", "部分章节"
    TASKS = "tasks", "指定任务"


class RoundQuerySet(models.QuerySet):
    def open(self) -> "RoundQuerySet":
        return self.filter(status=Round.Status.OPEN)

    def visible_to(self, user) -> "RoundQuerySet":
        """Office and leaders see every round; a unit's people see rounds that hold a
        report slot of their unit; nobody else sees any."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.sees_all_tasks:
            return self
        if user.is_unit_person and user.unit_id:
            return self.filter(reports__unit_id=user.unit_id).distinct()
        return self.none()


class Round(models.Model):
    """A progress round (调度): one period, one due date, a scope of tasks.

    Opening a round (``actions.open_round``) creates one ``Report`` slot per task in
    scope and per responsible unit. ``status`` is ``open`` until the office closes it
    (``actions.close_round``); after closing no report can be saved or submitted.
    ``due_on`` is the last day a report counts as on time (a report first submitted on
    a later local date is late). ``requires_head_approval`` sends a unit's submission to
    its unit head (单位负责人) before it goes out. ``cadence`` is set when the round was
    opened by a cadence (定期调度), and (cadence, period_start) is unique so two
    schedulers never open the same round twice."""

    class Status(models.TextChoices):
        OPEN = "open", "进行中"
        CLOSED = "closed", "已结束"

    name = models.CharField("调度名称", max_length=100)
    plan = models.ForeignKey("plans.Plan", on_delete=models.PROTECT, related_name="rounds", verbose_name="分工方案")
    period_start = models.DateField("调度期起")
    period_end = models.DateField("调度期止")
    opens_on = models.DateField("开始填报日期")
    due_on = models.DateField("报送截止日期")
    scope_kind = models.CharField("调度范围", max_length=10, choices=ScopeKind.choices, default=ScopeKind.PLAN)
    sections = models.ManyToManyField("plans.Section", blank=True, related_name="+", verbose_name="调度章节")
    tasks = models.ManyToManyField("plans.Task", blank=True, related_name="+", verbose_name="调度任务")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    requires_head_approval = models.BooleanField("须单位负责人审核", default=False)
    cadence = models.ForeignKey(
        "Cadence", null=True, blank=True, on_delete=models.SET_NULL, related_name="rounds", verbose_name="定期调度"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="发起人"
    )
    created_at = models.DateTimeField("发起时间", auto_now_add=True)
    closed_at = models.DateTimeField("结束时间", null=True, blank=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = "调度"
        verbose_name_plural = "调度"
        ordering = ["-period_end", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["cadence", "period_start"], name="round_once_per_cadence_period"),
            models.CheckConstraint(condition=Q(period_start__lte=models.F("period_end")), name="round_period_order"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN

    def is_past_due(self, as_of: dt.date) -> bool:
        return as_of > self.due_on

    def previous(self) -> "Round | None":
        """The round of the same plan just before this one (for carry-forward and repeats)."""
        return (
            Round.objects.filter(plan_id=self.plan_id, period_end__lt=self.period_start)
            .exclude(pk=self.pk)
            .order_by("-period_end", "-id")
            .first()
        )


class Cadence(models.Model):
    """A standing schedule (定期调度) that opens a round of a whole plan every month or
    quarter. The round for a period opens ``open_days_before_end`` days before the
    period ends and is due ``due_day_offset`` days after it ends. ``duban open_rounds``
    opens the rounds that are due, idempotently."""

    class Frequency(models.TextChoices):
        MONTHLY = "monthly", "每月"
        QUARTERLY = "quarterly", "每季度"

    plan = models.ForeignKey("plans.Plan", on_delete=models.CASCADE, related_name="cadences", verbose_name="分工方案")
    frequency = models.CharField("频次", max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    open_days_before_end = models.PositiveSmallIntegerField("期末前几天开始填报", default=5)
    due_day_offset = models.PositiveSmallIntegerField("期末后几天截止", default=5)
    requires_head_approval = models.BooleanField("须单位负责人审核", default=False)
    starts_on = models.DateField("起始日期", help_text="此日期之前结束的调度期不再补开")
    active = models.BooleanField("启用", default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="设置人"
    )
    created_at = models.DateTimeField("设置时间", auto_now_add=True)

    class Meta:
        verbose_name = "定期调度"
        verbose_name_plural = "定期调度"

    def __str__(self) -> str:
        return f"{self.plan} · {self.get_frequency_display()}"

    def period_of(self, day: dt.date) -> tuple[dt.date, dt.date]:
        """The calendar month or quarter holding `day`."""
        if self.frequency == self.Frequency.QUARTERLY:
            first_month = (day.month - 1) // 3 * 3 + 1
            start = day.replace(month=first_month, day=1)
            end_month = first_month + 2
        else:
            start = day.replace(day=1)
            end_month = day.month
        nxt = dt.date(day.year + (end_month == 12), end_month % 12 + 1, 1)
        return start, nxt - dt.timedelta(days=1)

    def round_name(self, start: dt.date) -> str:
        if self.frequency == self.Frequency.QUARTERLY:
            return f"{start.year}年第{(start.month - 1) // 3 + 1}季度调度"
        return f"{start.year}年{start.month}月调度"

    def due_periods(self, as_of: dt.date) -> list[tuple[dt.date, dt.date]]:
        """Periods whose round should be open by `as_of`: this period once its opening
        day has come, and the previous one (a scheduler that was down catches up)."""
        start, end = self.period_of(as_of)
        prev = self.period_of(start - dt.timedelta(days=1))
        out = []
        for s, e in (prev, (start, end)):
            if e < self.starts_on:
                continue
            if e - dt.timedelta(days=self.open_days_before_end) <= as_of:
                out.append((s, e))
        return out


class ProgressStatus(models.TextChoices):
    NOT_STARTED = "not_started", "未启动"
    IN_PROGRESS = "in_progress", "推进中"
    DONE = "done", "已完成"
    DIFFICULT = "difficult", "存在困难"


class ReportQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ReportQuerySet":
        """Office and leaders see every report. A unit's people see their unit's
        reports and, where their unit leads a task, the co-units' parts for that task in
        the same round. Nobody else sees any (and gets 404)."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.sees_all_tasks:
            return self
        if user.is_unit_person and user.unit_id:
            leads_same_task = Report.objects.filter(
                unit_id=user.unit_id, role=Report.Role.LEAD,
                round_id=models.OuterRef("round_id"), task_id=models.OuterRef("task_id"),
            )
            return self.filter(Q(unit_id=user.unit_id) | (Q(role=Report.Role.CO) & models.Exists(leads_same_task)))
        return self.none()

    def submitted(self) -> "ReportQuerySet":
        return self.filter(first_submitted_at__isnull=False)


def report_seal_content(report) -> dict:
    """What the seal of an accepted report covers: its content, figures, evidence and
    state (not the people's ids, which the database clears when an account is deleted;
    who did what is in the audit chain). Plain function: the sealing migration calls it
    on historical models."""
    return {
        "round": report.round_id, "task": report.task_id, "unit": report.unit_id, "role": report.role,
        "status": report.status, "progress_status": report.progress_status, "percent": report.percent,
        "progress": report.progress, "problems": report.problems, "next_steps": report.next_steps,
        "coordination": report.coordination, "carried_forward": report.carried_forward,
        "is_repeat": report.is_repeat, "first_submitted_at": report.first_submitted_at,
        "submitted_at": report.submitted_at, "reviewed_at": report.reviewed_at,
        "actuals": sorted(([a.target_id, a.value] for a in report.actuals.all()), key=lambda r: r[0]),
        "attachments": sorted(([a.pk, a.original_name, a.size, a.sha256, a.removed_at]
                               for a in report.attachments.all()), key=lambda r: r[0]),
        "consolidated_from": sorted(report.consolidated_from.values_list("pk", flat=True)),
    }


def version_seal_content(version) -> dict:
    return {"report": version.report_id, "number": version.number, "data": version.data,
            "submitted_at": version.submitted_at}


class Report(Sealed):
    """One report slot of a round: one task, one responsible unit, in its role.

    ``status`` is the workflow state, read by the supervision loop:

    - ``draft`` — being filled (also the state before anything is written);
    - ``pending_approval`` — submitted by the liaison, waiting for the unit head
      (only when ``round.requires_head_approval``);
    - ``submitted`` — gone out: a lead unit's report to the office, a co-unit's part
      to the lead unit;
    - ``returned`` — sent back with ``return_reason`` (by the office, the unit head,
      or for a co part the lead unit); editable again;
    - ``accepted`` — accepted by the office (co parts consolidated into an accepted
      lead report are accepted with it).

    Lateness is derived: ``first_submitted_at`` on a local date after
    ``round.due_on`` (``is_late``); a slot never submitted by then is missing. Each
    co-unit's part has its own slot, so its lateness is tracked on its own.
    ``version`` increases on every write and guards against lost updates (a save
    carries the version it was based on; a conditional UPDATE refuses stale saves).
    Every submission is frozen in a ``ReportVersion``. An accepted report is sealed
    (duban/audit/seals.py): a change made to it outside the application shows."""

    class Role(models.TextChoices):
        LEAD = "lead", "牵头单位"
        CO = "co", "配合单位"

    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        PENDING_APPROVAL = "pending_approval", "待负责人审核"
        SUBMITTED = "submitted", "已报送"
        RETURNED = "returned", "已退回"
        ACCEPTED = "accepted", "已采纳"

    EDITABLE = (Status.DRAFT, Status.RETURNED)

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="reports", verbose_name="调度")
    task = models.ForeignKey("plans.Task", on_delete=models.PROTECT, related_name="reports", verbose_name="任务")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="reports", verbose_name="责任单位")
    role = models.CharField("角色", max_length=4, choices=Role.choices)
    status = models.CharField("报送状态", max_length=20, choices=Status.choices, default=Status.DRAFT, db_index=True)

    progress_status = models.CharField("推进状态", max_length=20, choices=ProgressStatus.choices, blank=True)
    percent = models.PositiveSmallIntegerField("完成进度（%）", null=True, blank=True)
    progress = models.TextField("进展情况", blank=True)
    problems = models.TextField("存在问题", blank=True)
    next_steps = models.TextField("下一步计划", blank=True)
    coordination = models.JSONField(
        "需协调事项", default=list, blank=True,
        help_text='草稿中的需协调事项：[{"to": "leader:3" 或 "unit:5", "text": "…"}]，报送时生成协调事项',
    )
    carried_forward = models.BooleanField("沿用上期内容", default=False)
    is_repeat = models.BooleanField("与上期重复", default=False, help_text="报送内容与上期相同，无新进展")

    version = models.PositiveIntegerField("版本号", default=1)
    consolidated_from = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="consolidated_into", verbose_name="汇总的配合单位材料"
    )
    return_reason = models.TextField("退回原因", blank=True)
    first_submitted_at = models.DateTimeField("首次报送时间", null=True, blank=True, db_index=True)
    submitted_at = models.DateTimeField("最近报送时间", null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="报送人"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="审核人"
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="审阅人"
    )
    reviewed_at = models.DateTimeField("审阅时间", null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="最后修改人"
    )
    updated_at = models.DateTimeField("最后修改时间", auto_now=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = "调度报告"
        verbose_name_plural = "调度报告"
        ordering = ["round", "task__order", "-role", "unit__name"]
        constraints = [models.UniqueConstraint(fields=["round", "task", "unit"], name="report_slot_once")]
        indexes = [
            # Covers the dashboards' per-unit counts of a round's slots (on time, late,
            # missing) without reading the rows: at 1,000,000 reports the league
            # table's per-unit count of a round went from 127 to 19 ms (SQLite,
            # bench/dashboard.py). A unit's own trend counts over ranges of it.
            models.Index(fields=["round", "unit", "first_submitted_at"], name="report_round_unit_submitted"),
            # The trend's counts of a round's slots, and of those submitted before a
            # date, for everyone: ranges of this index (dashboards.overview.slot_counts;
            # the 8 rounds of 125,000 slots: 160 -> 88 ms on SQLite).
            models.Index(fields=["round", "first_submitted_at"], name="report_round_submitted"),
            models.Index(fields=["round", "task"]),
        ]

    def __str__(self) -> str:
        return f"{self.round} · {self.task} · {self.unit}"

    # --- derived state -------------------------------------------------------------
    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE and self.round.is_open

    @property
    def is_late(self) -> bool:
        """First submitted on a local date after the round's due date."""
        if self.first_submitted_at is None:
            return False
        return timezone.localdate(self.first_submitted_at) > self.round.due_on

    def is_missing(self, as_of: dt.date) -> bool:
        """Never submitted and the due date has passed (or the round is closed)."""
        return self.first_submitted_at is None and (as_of > self.round.due_on or not self.round.is_open)

    STATE_LABELS = {
        "accepted": "已采纳",
        "returned": "已退回",
        "late": "迟报",
        "submitted": "已报送",
        "pending_approval": "待负责人审核",
        "missing": "缺报",
        "open": "待报送",
    }

    def state(self, as_of: dt.date | None = None) -> str:
        """The state shown on the round page: accepted, returned, late (submitted after
        the due date, not yet accepted), submitted, pending_approval, missing (due date
        passed with nothing submitted), open (not due yet, nothing submitted)."""
        as_of = as_of or timezone.localdate()
        if self.status == self.Status.ACCEPTED:
            return "accepted"
        if self.status == self.Status.RETURNED:
            return "returned"
        if self.status == self.Status.SUBMITTED:
            return "late" if self.is_late else "submitted"
        if self.status == self.Status.PENDING_APPROVAL:
            return "pending_approval"
        return "missing" if self.is_missing(as_of) else "open"

    def state_label(self, as_of: dt.date | None = None) -> str:
        return self.STATE_LABELS[self.state(as_of)]

    def snapshot(self) -> dict:
        """The report's content as frozen in a ReportVersion."""
        return {
            "progress_status": self.progress_status,
            "progress_status_label": self.get_progress_status_display() if self.progress_status else "",
            "percent": self.percent,
            "progress": self.progress,
            "problems": self.problems,
            "next_steps": self.next_steps,
            "coordination": list(self.coordination or []),
            "targets": [
                {"target_id": a.target_id, "target": str(a.target), "value": str(a.value)}
                for a in self.actuals.select_related("target")
            ],
            "attachments": [
                {"id": a.pk, "name": a.original_name, "size": a.size}
                for a in self.attachments.filter(removed_at__isnull=True)
            ],
            "consolidated_from": list(self.consolidated_from.values_list("pk", flat=True)),
            "is_repeat": self.is_repeat,
        }

    def seal_due(self) -> bool:
        return self.status == self.Status.ACCEPTED

    @classmethod
    def seal_due_rows(cls):
        return cls._base_manager.filter(status=cls.Status.ACCEPTED)

    def sealed_content(self) -> dict:
        return report_seal_content(self)

    def co_parts(self) -> "ReportQuerySet":
        """For a lead report: the co-units' parts for the same task in the same round."""
        if self.role != self.Role.LEAD:
            return Report.objects.none()
        return Report.objects.filter(round_id=self.round_id, task_id=self.task_id, role=self.Role.CO).select_related("unit")

    def lead_reports(self) -> "ReportQuerySet":
        return Report.objects.filter(round_id=self.round_id, task_id=self.task_id, role=self.Role.LEAD)


class ImmutableError(Exception):
    pass


class ReportVersion(Sealed):
    """One submission of a report, frozen: ``data`` is ``Report.snapshot()`` at the
    moment of submission (or consolidation). Rows are never changed, and each is sealed
    when it is made."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="versions", verbose_name="报告")
    number = models.PositiveIntegerField("版次")
    data = models.JSONField("内容")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="报送人"
    )
    submitted_at = models.DateTimeField("报送时间")

    class Meta:
        verbose_name = "报告版本"
        verbose_name_plural = "报告版本"
        ordering = ["report", "number"]
        constraints = [models.UniqueConstraint(fields=["report", "number"], name="report_version_once")]

    def __str__(self) -> str:
        return f"{self.report} 第{self.number}版"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ImmutableError("已报送的版本不可修改")
        super().save(*args, **kwargs)

    def sealed_content(self) -> dict:
        return version_seal_content(self)


class TargetActual(models.Model):
    """The actual figure a report gives for one of the task's quantitative targets."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="actuals", verbose_name="报告")
    target = models.ForeignKey("plans.Target", on_delete=models.CASCADE, related_name="actuals", verbose_name="量化指标")
    value = models.DecimalField("实际完成值", max_digits=20, decimal_places=4)

    class Meta:
        verbose_name = "指标完成值"
        verbose_name_plural = "指标完成值"
        constraints = [models.UniqueConstraint(fields=["report", "target"], name="target_actual_once")]


def attachment_path(instance: "Attachment", filename: str) -> str:
    """A generated name: the uploaded name never becomes part of a path."""
    return generated_path("reports", filename)


class Attachment(UploadedFile):
    """Evidence attached to a report. Stored under a generated name in private storage
    (outside the web root); ``original_name`` is sanitised and shown, never used as a
    path; ``content_type`` was detected from the content. Removal is soft
    (``removed_at``) so submitted versions that list the file keep it."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="attachments", verbose_name="报告")
    file = models.FileField("文件", upload_to=attachment_path, max_length=200)
    removed_at = models.DateTimeField("移除时间", null=True, blank=True)

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["uploaded_at", "id"]


class CoordinationItem(models.Model):
    """An item needing coordination (需协调事项) raised in a submitted report, addressed
    to one leader or one unit. It shows in that leader's or unit's list and the
    office's until it is answered and closed."""

    class Status(models.TextChoices):
        OPEN = "open", "待办理"
        CLOSED = "closed", "已办结"

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="coordination_items", verbose_name="报告")
    task = models.ForeignKey("plans.Task", on_delete=models.CASCADE, related_name="coordination_items", verbose_name="任务")
    addressed_to_leader = models.ForeignKey(
        "org.Leader", null=True, blank=True, on_delete=models.PROTECT, related_name="coordination_items",
        verbose_name="提请领导",
    )
    addressed_to_unit = models.ForeignKey(
        "org.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="coordination_items",
        verbose_name="提请单位",
    )
    text = models.TextField("协调事项")
    response = models.TextField("办理答复", blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN, db_index=True)
    raised_by_unit = models.ForeignKey(
        "org.Unit", on_delete=models.PROTECT, related_name="raised_coordination_items", verbose_name="提出单位"
    )
    created_at = models.DateTimeField("提出时间", auto_now_add=True)
    responded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="答复人"
    )
    responded_at = models.DateTimeField("答复时间", null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="办结人"
    )
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    class Meta:
        verbose_name = "需协调事项"
        verbose_name_plural = "需协调事项"
        ordering = ["status", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(addressed_to_leader__isnull=False, addressed_to_unit__isnull=True)
                | Q(addressed_to_leader__isnull=True, addressed_to_unit__isnull=False),
                name="coordination_one_addressee",
            )
        ]

    def __str__(self) -> str:
        return self.text[:40]

    @property
    def addressee(self):
        return self.addressed_to_leader or self.addressed_to_unit

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN
