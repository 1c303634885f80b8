"""督办事项 other than a plan's tasks: what each kind records besides the task it is.

Every item is a ``plans.Task`` in its kind's register for the year (a ``plans.Plan`` of
that category, ``registers.register_for``), so it has units, leaders, a deadline, a
light, rounds, notices, extensions and closure like any plan task. The models here
hold only what the kind adds: the instruction and who gave it, the meeting and its
decision, the proposal with its replies and satisfaction, the 交办单 and 整改 facts,
links between items (结转, 批示于, 派生) and the files that came with them.
"""
from __future__ import annotations


from django.conf import settings
from django.db import models
from django.db.models import Q

from duban.lib.uploads import UploadedFile, generated_path
from duban.plans.models import Category


def item_file_path(instance, filename: str) -> str:
    """A generated name: the uploaded name never becomes part of a path."""
    return generated_path("items", filename)


class ItemRules(models.Model):
    """The office's rules for items (one row, edited on the page 事项规则). The
    statutory reply time of a proposal is set by the people's congress and the CPPCC
    (commonly three months from assignment); the office keeps it here as a number so
    a change of rules is a change of this row, not of code."""

    proposal_reply_months = models.PositiveSmallIntegerField("建议提案答复期限（交办之日起，月）", default=3)
    proposal_contact_required = models.BooleanField("答复前须有面商或沟通记录", default=True)
    instruction_default_workdays = models.PositiveSmallIntegerField(
        "批示件默认办理期限（工作日）", default=10, help_text="批示未写明期限时使用")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="修改人")
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "事项规则"
        verbose_name_plural = "事项规则"

    def __str__(self) -> str:
        return "事项规则"

    @classmethod
    def current(cls) -> "ItemRules":
        return cls.objects.order_by("pk").first() or cls.objects.create()


class WorkdayOverride(models.Model):
    """A day the holiday data does not know or has wrong: a holiday (not a working
    day) or a weekend working day (调休上班). Used by every working-day deadline."""

    day = models.DateField("日期", unique=True)
    is_workday = models.BooleanField("是否上班")
    note = models.CharField("说明", max_length=100, blank=True)

    class Meta:
        verbose_name = "工作日调整"
        verbose_name_plural = "工作日调整"
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d} {'上班' if self.is_workday else '放假'}"

    @classmethod
    def as_map(cls) -> dict:
        return dict(cls.objects.values_list("day", "is_workday"))


class InstructionItem(models.Model):
    """领导批示件: a leader's written instruction on a document or report. The
    instructing leader signs the item off (阅示) once the office has closed it."""

    task = models.OneToOneField("plans.Task", on_delete=models.CASCADE, primary_key=True,
                                related_name="instruction_item", verbose_name="事项")
    leader = models.ForeignKey("org.Leader", on_delete=models.PROTECT, related_name="instruction_items",
                               verbose_name="批示领导")
    document_title = models.CharField("来文（报告）标题", max_length=300)
    document_text = models.TextField("来文内容", blank=True)
    instruction = models.TextField("批示内容")
    instructed_on = models.DateField("批示日期")
    received_on = models.DateField("收文日期")
    workdays = models.PositiveSmallIntegerField("办理期限（工作日）", null=True, blank=True)
    signed_off_at = models.DateTimeField("领导阅示时间", null=True, blank=True)
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+", verbose_name="阅示人")
    sign_off_note = models.TextField("阅示意见", blank=True)

    class Meta:
        verbose_name = "领导批示件"
        verbose_name_plural = "领导批示件"

    def __str__(self) -> str:
        return f"{self.leader}批示：{self.document_title}"


class Meeting(models.Model):
    """A 区政府常务会议 / 专题会议 whose decisions (议定事项) became items. Its
    decisions sit in the register's section of the same name."""

    class Kind(models.TextChoices):
        STANDING = "standing", "区政府常务会议"
        TOPIC = "topic", "专题会议"
        OTHER = "other", "其他会议"

    kind = models.CharField("会议类型", max_length=10, choices=Kind.choices, default=Kind.STANDING)
    title = models.CharField("会议名称", max_length=200)
    held_on = models.DateField("会议日期")
    chair = models.CharField("主持人", max_length=50, blank=True)
    minutes_number = models.CharField("纪要文号", max_length=100, blank=True)
    section = models.OneToOneField("plans.Section", on_delete=models.PROTECT, related_name="meeting",
                                   verbose_name="台账分组")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="录入人")
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        verbose_name = "会议"
        verbose_name_plural = "会议"
        ordering = ["-held_on", "-id"]

    def __str__(self) -> str:
        return self.title


class MeetingDecision(models.Model):
    """One 议定事项 of a meeting, as the minutes word it."""

    task = models.OneToOneField("plans.Task", on_delete=models.CASCADE, primary_key=True,
                                related_name="meeting_decision", verbose_name="事项")
    meeting = models.ForeignKey(Meeting, on_delete=models.PROTECT, related_name="decisions", verbose_name="会议")
    text = models.TextField("议定原文")

    class Meta:
        verbose_name = "会议议定事项"
        verbose_name_plural = "会议议定事项"

    def __str__(self) -> str:
        return self.text[:40]


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASIC = "basic", "基本满意"
    UNSATISFIED = "unsatisfied", "不满意"


class Proposal(models.Model):
    """人大代表建议 or 政协委员提案: assigned to a lead unit (主办) and co-units (协办);
    replied within the statutory time (ItemRules); the proposer's satisfaction; an
    unsatisfied proposal is handled again (再办理) with a new reply."""

    class Kind(models.TextChoices):
        SUGGESTION = "suggestion", "人大代表建议"
        PROPOSAL = "proposal", "政协委员提案"

    task = models.OneToOneField("plans.Task", on_delete=models.CASCADE, primary_key=True,
                                related_name="proposal", verbose_name="事项")
    kind = models.CharField("类别", max_length=12, choices=Kind.choices)
    number = models.CharField("编号", max_length=30)
    proposers = models.CharField("代表（委员）", max_length=200)
    assigned_on = models.DateField("交办日期")
    reply_due = models.DateField("答复期限")
    replied_on = models.DateField("答复日期", null=True, blank=True)
    reply_text = models.TextField("答复内容摘要", blank=True)
    satisfaction = models.CharField("满意度", max_length=12, choices=Satisfaction.choices, blank=True)
    redo_count = models.PositiveSmallIntegerField("再办理次数", default=0)
    version = models.PositiveIntegerField("版本", default=1)

    class Meta:
        verbose_name = "建议提案"
        verbose_name_plural = "建议提案"
        constraints = [models.UniqueConstraint(fields=["kind", "number", "assigned_on"], name="proposal_number_once")]

    def __str__(self) -> str:
        return f"第{self.number}号{self.get_kind_display()}"

    @property
    def reply_overdue_on(self):
        return None if self.replied_on else self.reply_due


class ProposalContact(models.Model):
    """面商 / 沟通 with the proposer before (or after) the reply."""

    class Way(models.TextChoices):
        MEETING = "meeting", "当面商谈"
        PHONE = "phone", "电话沟通"
        SITE = "site", "实地调研"
        OTHER = "other", "其他方式"

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="contacts", verbose_name="建议提案")
    on = models.DateField("沟通日期")
    way = models.CharField("方式", max_length=10, choices=Way.choices)
    note = models.TextField("沟通情况")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+", verbose_name="承办单位")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="记录人")
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "面商沟通记录"
        verbose_name_plural = "面商沟通记录"
        ordering = ["on", "id"]


class ProposalReply(models.Model):
    """A reply (答复) to the proposer; a 再办理 adds another."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="replies", verbose_name="建议提案")
    round = models.PositiveSmallIntegerField("办理轮次", default=1)
    replied_on = models.DateField("答复日期")
    text = models.TextField("答复内容摘要")
    satisfaction = models.CharField("满意度", max_length=12, choices=Satisfaction.choices, blank=True)
    satisfaction_note = models.TextField("代表（委员）意见", blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name="记录人")
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "答复"
        verbose_name_plural = "答复"
        ordering = ["round", "id"]


class AssignedItem(models.Model):
    """上级交办 or 督查反馈 item: from the city or higher, on a 交办单 with its 文号; a
    problem found by an inspection is rectified (整改) and struck off (整改销号)."""

    class Source(models.TextChoices):
        ASSIGNED = "assigned", "上级交办"
        INSPECTION = "inspection", "督查反馈问题"

    task = models.OneToOneField("plans.Task", on_delete=models.CASCADE, primary_key=True,
                                related_name="assigned_item", verbose_name="事项")
    source = models.CharField("来源", max_length=12, choices=Source.choices, default=Source.ASSIGNED)
    issuer = models.CharField("交办机关", max_length=100)
    doc_number = models.CharField("交办单文号", max_length=100)
    received_on = models.DateField("收到日期")
    problem = models.TextField("问题（事项）描述", blank=True)
    measures = models.TextField("整改措施", blank=True)
    rectified_on = models.DateField("整改完成日期", null=True, blank=True)
    rectification_note = models.TextField("整改情况", blank=True)

    class Meta:
        verbose_name = "上级交办事项"
        verbose_name_plural = "上级交办事项"

    def __str__(self) -> str:
        return f"{self.issuer} {self.doc_number}"


class ItemLink(models.Model):
    """A link between two items: ``to_task`` continues (结转), answers (批示于) or was
    derived from (派生) ``from_task``. A carried-over item keeps the link to the task
    it continues, whose history stays where it is."""

    class Relation(models.TextChoices):
        CARRIED = "carried", "结转自"
        CONTINUES = "continues", "延续"
        INSTRUCTION_ON = "instruction_on", "批示于"
        DERIVED = "derived", "派生自"

    from_task = models.ForeignKey("plans.Task", on_delete=models.CASCADE, related_name="links_out",
                                  verbose_name="原事项")
    to_task = models.ForeignKey("plans.Task", on_delete=models.CASCADE, related_name="links_in",
                                verbose_name="关联事项")
    relation = models.CharField("关系", max_length=16, choices=Relation.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name="关联人")
    created_at = models.DateTimeField("关联时间", auto_now_add=True)

    class Meta:
        verbose_name = "事项关联"
        verbose_name_plural = "事项关联"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["from_task", "to_task"], name="item_link_once"),
            models.CheckConstraint(condition=~Q(from_task=models.F("to_task")), name="item_link_not_self"),
        ]


class ItemDocument(UploadedFile):
    """A file that came with an item: the reported document of an instruction, the
    meeting minutes, a proposal's reply, a 交办单, evidence of rectification. Stored
    under a generated name in private storage; the type was detected from content."""

    class Purpose(models.TextChoices):
        SOURCE = "source", "来文原件"
        MINUTES = "minutes", "会议纪要"
        REPLY = "reply", "答复件"
        ORDER = "order", "交办单"
        EVIDENCE = "evidence", "整改佐证"

    task = models.ForeignKey("plans.Task", on_delete=models.CASCADE, related_name="item_documents",
                             verbose_name="事项")
    purpose = models.CharField("用途", max_length=10, choices=Purpose.choices)
    file = models.FileField("文件", upload_to=item_file_path, max_length=200)

    class Meta:
        verbose_name = "事项文件"
        verbose_name_plural = "事项文件"
        ordering = ["uploaded_at", "id"]


class IntakeBatch(models.Model):
    """Items read from a sheet or a meeting's minutes, waiting for the office to
    confirm the preview. Nothing is created until then; a confirmed or cancelled
    batch cannot be applied again."""

    class Status(models.TextChoices):
        PENDING = "pending", "待确认"
        APPLIED = "applied", "已导入"
        CANCELLED = "cancelled", "已取消"

    category = models.CharField("事项类别", max_length=12, choices=Category.choices)
    source_name = models.CharField("文件名", max_length=200)
    rows = models.JSONField("读取结果")
    meeting = models.JSONField("会议信息", null=True, blank=True)
    warnings = models.JSONField("提示", default=list)
    # The 交办单 read (private storage, generated name): kept with each item made from it.
    source_file = models.FileField("原始文件", upload_to=item_file_path, max_length=200, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+",
                                   verbose_name="上传人")
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "事项导入"
        verbose_name_plural = "事项导入"
