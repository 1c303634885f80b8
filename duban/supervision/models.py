"""The supervision loop (督办闭环): status rules, supervision notices, extension
requests, completion claims and closure (销号), leaders' instructions (批示), and the
claims that keep scheduled reminders from going out twice.

Closure is stored here, not on ``plans.Task``: a task is closed while it has a
``TaskClosure`` that has not been reopened. An approved ``ExtensionRequest`` moves the
effective deadline; ``Task.deadline`` keeps the original (see ``status.effective_deadline``).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Q

from duban.audit.seals import Sealed
from duban.lib.uploads import UploadedFile, generated_path


class StatusRules(models.Model):
    """The office's rules for the status lights and reminders (one row, pk=1).

    Defaults: red when the deadline has passed and the task is not closed, or when
    two rounds were missed; yellow when the deadline is within 7 days, a milestone is
    overdue, a report was returned, or reported progress lags the share of time
    elapsed (序时进度) by more than 20 points, or a quantitative target's forecast misses
    it (duban.status.forecast). A number set to 0 turns its rule off."""

    red_when_overdue = models.BooleanField("超过完成时限未销号亮红灯", default=True)
    red_missed_rounds = models.PositiveSmallIntegerField("缺报几期亮红灯", default=2, help_text="0 表示不按缺报判断")
    yellow_days_before = models.PositiveSmallIntegerField("距完成时限几天内亮黄灯", default=7, help_text="0 表示不按剩余天数判断")
    yellow_milestone_overdue = models.BooleanField("节点逾期亮黄灯", default=True)
    yellow_report_returned = models.BooleanField("报告被退回亮黄灯", default=True)
    yellow_lag_points = models.PositiveSmallIntegerField(
        "落后序时进度多少个百分点亮黄灯", default=20, help_text="0 表示不按序时进度判断"
    )
    yellow_forecast_miss = models.BooleanField(
        "量化指标预计未达目标亮黄灯", default=True,
        help_text="按已报实际值线性外推到完成时限（无时限的到年底），预计达不到目标时亮黄灯",
    )
    reminder_days = models.CharField(
        "提前几天催办", max_length=50, default="7,3,1", help_text="用逗号分隔的天数，如 7,3,1；到期未完成时另发逾期提醒"
    )
    extension_needs_leader = models.BooleanField("延期须牵头领导同意", default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="修改人"
    )
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "预警规则"
        verbose_name_plural = "预警规则"

    def __str__(self) -> str:
        return "预警规则"

    @classmethod
    def current(cls) -> "StatusRules":
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj

    def reminder_offsets(self) -> list[int]:
        """The reminder days, largest first (7, 3, 1)."""
        out = set()
        for part in self.reminder_days.replace("，", ",").split(","):
            part = part.strip()
            if part.isdigit() and int(part) > 0:
                out.add(int(part))
        return sorted(out, reverse=True)


class NoticeQuerySet(models.QuerySet):
    def visible_to(self, user) -> "NoticeQuerySet":
        """Office and leaders read every notice; a unit's people only the notices sent
        to their unit; nobody else any."""
        if not getattr(user, "is_authenticated", False):
            return self.none()
        if user.sees_all_tasks:
            return self
        if user.is_unit_person and user.unit_id:
            return self.filter(units__id=user.unit_id).distinct()
        return self.none()


def notice_seal_content(notice) -> dict:
    """What a notice's seal covers (plain function: the sealing migration calls it on
    historical models). Not the people's ids; who did what is in the audit chain. Each
    unit's reply is a ``NoticeReply`` with its own seal."""
    return {
        "year": notice.year, "seq": notice.seq, "number": notice.number, "level": notice.level,
        "task": notice.task_id,
        "units": sorted(notice.units.values_list("pk", flat=True)),
        "leaders": sorted(notice.leaders.values_list("pk", flat=True)),
        "facts": notice.facts, "requirement": notice.requirement, "reply_by": notice.reply_by,
        "status": notice.status, "issued_at": notice.issued_at,
        "close_note": notice.close_note, "closed_at": notice.closed_at,
    }


class Notice(Sealed):
    """A numbered supervision notice (督办〔2026〕N号) to the units of a task, at one of
    three escalating levels: a reminder (催办), a supervision notice (督办), or a notice
    to the lead leader for a talk with the unit (约谈). Issued → each unit replies on
    its own (``NoticeReply``; 部分回复 until every unit has) → closed by the office. `seq`
    is the year's sequence of the "notice" kind (duban.documents.numbering); `number`
    is the 文号 as issued, in the office's pattern of that day. Sealed at every step
    (duban/audit/seals.py)."""

    class Level(models.TextChoices):
        REMINDER = "reminder", "催办"
        NOTICE = "notice", "督办"
        INTERVIEW = "interview", "约谈"

    class Status(models.TextChoices):
        ISSUED = "issued", "待回复"
        PARTLY = "partly", "部分回复"
        REPLIED = "replied", "已回复"
        CLOSED = "closed", "已办结"

    AWAITING = (Status.ISSUED, Status.PARTLY)  # some unit still owes a reply

    TITLES = {Level.REMINDER: "催办单", Level.NOTICE: "督办通知单", Level.INTERVIEW: "约谈通知单"}

    year = models.PositiveIntegerField("年度")
    seq = models.PositiveIntegerField("序号")
    number = models.CharField("文号", max_length=100)
    level = models.CharField("督办层级", max_length=10, choices=Level.choices, default=Level.NOTICE)
    task = models.ForeignKey("plans.Task", on_delete=models.PROTECT, related_name="notices", verbose_name="任务")
    units = models.ManyToManyField("org.Unit", related_name="notices", verbose_name="督办单位")
    leaders = models.ManyToManyField("org.Leader", blank=True, related_name="notices", verbose_name="呈报领导")
    facts = models.TextField("督办事项")
    requirement = models.TextField("办理要求")
    reply_by = models.DateField("回复期限")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.ISSUED, db_index=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="签发人"
    )
    issued_at = models.DateTimeField("签发时间")
    close_note = models.TextField("办结意见", blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="办结人"
    )
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)

    objects = NoticeQuerySet.as_manager()

    class Meta:
        verbose_name = "督办单"
        verbose_name_plural = "督办单"
        ordering = ["-year", "-seq"]
        constraints = [models.UniqueConstraint(fields=["year", "seq"], name="notice_number_once")]

    def __str__(self) -> str:
        return self.number

    @property
    def title(self) -> str:
        return self.TITLES[self.Level(self.level)]

    def is_reply_overdue(self, as_of: dt.date) -> bool:
        """Past the reply date with some unit's reply still missing."""
        return self.status in self.AWAITING and as_of > self.reply_by

    def sealed_content(self) -> dict:
        return notice_seal_content(self)

    def unit_rows(self, as_of: dt.date) -> list["NoticeUnitRow"]:
        """Each unit the notice went to, with its reply (or None) and whether the reply
        is overdue, in the units' order."""
        replies = {r.unit_id: r for r in self.replies.select_related("replied_by").prefetch_related("files")}
        return [NoticeUnitRow(u, replies.get(u.pk), self.status != self.Status.CLOSED and u.pk not in replies
                              and as_of > self.reply_by)
                for u in self.units.order_by("id")]


@dataclass
class NoticeUnitRow:
    unit: object
    reply: "NoticeReply | None"
    overdue: bool


def notice_reply_seal_content(reply) -> dict:
    """What a reply's seal covers: its text, when, and its evidence files (plain
    function: the migration that moved the replies calls it on historical models)."""
    return {
        "notice": reply.notice_id, "unit": reply.unit_id, "text": reply.text, "replied_at": reply.replied_at,
        "files": sorted(([f.pk, f.original_name, f.size, f.sha256] for f in reply.files.all()), key=lambda r: r[0]),
    }


class NoticeReply(Sealed):
    """One unit's reply to a notice (a notice sent to several units gets one from each;
    one unit's reply does not answer for the others). Written once, with its evidence
    files, and sealed."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="replies", verbose_name="督办单")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="回复单位")
    text = models.TextField("回复内容")
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="回复人"
    )
    replied_at = models.DateTimeField("回复时间")

    class Meta:
        verbose_name = "督办单回复"
        verbose_name_plural = "督办单回复"
        ordering = ["notice", "replied_at", "id"]
        constraints = [models.UniqueConstraint(fields=["notice", "unit"], name="notice_reply_once_per_unit")]

    def __str__(self) -> str:
        return f"{self.unit}对{self.notice}的回复"

    def sealed_content(self) -> dict:
        return notice_reply_seal_content(self)


class RequestStatus(models.TextChoices):
    PENDING = "pending", "待审核"
    LEADER_PENDING = "leader_pending", "待领导审批"
    APPROVED = "approved", "已同意"
    REFUSED = "refused", "不同意"


class ExtensionRequest(models.Model):
    """A unit's request to move a task's deadline (延期申请), asked before the
    deadline. The original deadline stays on ``Task.deadline`` and is copied here;
    approved requests set the effective deadline (the latest approved new date)."""

    task = models.ForeignKey("plans.Task", on_delete=models.PROTECT, related_name="extension_requests", verbose_name="任务")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="申请单位")
    reason = models.TextField("延期理由")
    old_deadline = models.DateField("原完成时限")
    new_deadline = models.DateField("申请延至")
    status = models.CharField("状态", max_length=20, choices=RequestStatus.choices, default=RequestStatus.PENDING, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="申请人"
    )
    requested_at = models.DateTimeField("申请时间")
    office_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="督查室审核人"
    )
    leader_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="领导审批人"
    )
    decided_on = models.DateField("决定日期", null=True, blank=True)
    note = models.TextField("审核意见", blank=True)
    reply_number = models.CharField("批复文号", max_length=100, blank=True,
                                    help_text="同意或不同意时编号（延期批复）")

    class Meta:
        verbose_name = "延期申请"
        verbose_name_plural = "延期申请"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["task"], condition=Q(status__in=["pending", "leader_pending"]), name="one_open_extension_per_task"
            )
        ]

    def __str__(self) -> str:
        return f"{self.task} 延至 {self.new_deadline:%Y-%m-%d}"

    @property
    def is_open(self) -> bool:
        return self.status in (RequestStatus.PENDING, RequestStatus.LEADER_PENDING)


class CompletionRequest(models.Model):
    """A unit's claim that a task is complete (办结申请), with evidence. The office
    verifies it (the task is closed: 销号) or returns it with a reason."""

    class Status(models.TextChoices):
        PENDING = "pending", "待核验"
        VERIFIED = "verified", "已核验销号"
        RETURNED = "returned", "已退回"

    task = models.ForeignKey("plans.Task", on_delete=models.PROTECT, related_name="completion_requests", verbose_name="任务")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="申请单位")
    evidence = models.TextField("完成情况及佐证")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="申请人"
    )
    requested_at = models.DateTimeField("申请时间")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="核验人"
    )
    decided_at = models.DateTimeField("核验时间", null=True, blank=True)
    return_reason = models.TextField("退回原因", blank=True)

    class Meta:
        verbose_name = "办结申请"
        verbose_name_plural = "办结申请"
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["task"], condition=Q(status="pending"), name="one_open_completion_per_task")
        ]

    def __str__(self) -> str:
        return f"{self.task} 办结申请"


def evidence_path(instance: "EvidenceFile", filename: str) -> str:
    """A generated name: the uploaded name never becomes part of a path."""
    return generated_path("evidence", filename)


class EvidenceFile(UploadedFile):
    """An evidence file (佐证材料) of a unit's reply to a notice or of a completion claim,
    under the same rules as a report's attachments (duban.lib.uploads: type by content,
    size cap, sanitised name shown, stored under a generated name outside the web
    root, served as an attachment with nosniff). Belongs to exactly one of the two;
    never changed once stored."""

    reply = models.ForeignKey(NoticeReply, null=True, blank=True, on_delete=models.CASCADE, related_name="files",
                              verbose_name="督办单回复")
    completion = models.ForeignKey(CompletionRequest, null=True, blank=True, on_delete=models.CASCADE,
                                   related_name="files", verbose_name="办结申请")
    file = models.FileField("文件", upload_to=evidence_path, max_length=200)

    class Meta:
        verbose_name = "佐证材料"
        verbose_name_plural = "佐证材料"
        ordering = ["uploaded_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reply__isnull=False, completion__isnull=True) | Q(reply__isnull=True, completion__isnull=False),
                name="evidence_file_one_owner",
            )
        ]


class TaskClosure(models.Model):
    """A task struck off (销号) on ``closed_on``. Reopening keeps the row and stamps
    ``reopened_on`` with the reason; a task has at most one closure not reopened."""

    task = models.ForeignKey("plans.Task", on_delete=models.PROTECT, related_name="closures", verbose_name="任务")
    closed_on = models.DateField("销号日期")
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="销号人"
    )
    completion = models.ForeignKey(
        CompletionRequest, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="办结申请"
    )
    reopened_on = models.DateField("重新启动日期", null=True, blank=True)
    reopened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="重启人"
    )
    reopen_reason = models.TextField("重新启动原因", blank=True)
    number = models.CharField("通知文号", max_length=100, blank=True, help_text="办结销号通知的文号")

    class Meta:
        verbose_name = "销号记录"
        verbose_name_plural = "销号记录"
        ordering = ["-closed_on", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["task"], condition=Q(reopened_on__isnull=True), name="one_open_closure_per_task")
        ]


class Instruction(models.Model):
    """A leader's written instruction (批示) on a task. Every unit of the task must
    acknowledge it (one ``InstructionAck`` per unit)."""

    task = models.ForeignKey("plans.Task", on_delete=models.PROTECT, related_name="instructions", verbose_name="任务")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name="批示人"
    )
    text = models.TextField("批示内容")
    created_at = models.DateTimeField("批示时间")

    class Meta:
        verbose_name = "领导批示"
        verbose_name_plural = "领导批示"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text[:40]


class InstructionAck(models.Model):
    """One unit's acknowledgement of an instruction (null until acknowledged)."""

    instruction = models.ForeignKey(Instruction, on_delete=models.CASCADE, related_name="acks", verbose_name="批示")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="单位")
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name="签收人"
    )
    acknowledged_at = models.DateTimeField("签收时间", null=True, blank=True)

    class Meta:
        verbose_name = "批示签收"
        verbose_name_plural = "批示签收"
        constraints = [models.UniqueConstraint(fields=["instruction", "unit"], name="instruction_ack_once")]


class ReminderClaim(models.Model):
    """One reminder that went out: (kind, object, offset) is unique, so inserting the
    row claims the reminder and a second scheduler (or a second run) never sends it
    again. ``offset`` is days before the due date; -1 marks the overdue reminder."""

    OVERDUE = -1

    class Kind(models.TextChoices):
        TASK = "task", "任务完成时限"
        MILESTONE = "milestone", "工作节点"
        REPORT = "report", "调度报送"

    kind = models.CharField("类型", max_length=10, choices=Kind.choices)
    object_id = models.PositiveBigIntegerField("对象编号")
    due = models.DateField("到期日")
    offset = models.SmallIntegerField("提前天数")
    claimed_at = models.DateTimeField("发出时间", auto_now_add=True)

    class Meta:
        verbose_name = "催办记录"
        verbose_name_plural = "催办记录"
        constraints = [
            models.UniqueConstraint(fields=["kind", "object_id", "due", "offset"], name="reminder_once")
        ]
