"""What the API shows of each object, and the shapes of the writes it accepts.

Read serializers turn objects the views fetched (always through ``visible_to``) into
JSON; they never query for more than the view prepared, except where noted. Write
serializers only check types: the business rules are checked by the same forms and
actions the pages use (duban.api.views)."""
from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from duban.plans.models import Category, Plan, Section, Target, Task, TaskUnit
from duban.rounds import permissions as round_permissions
from duban.rounds.models import ProgressStatus, Report, Round
from duban.supervision import permissions as supervision_permissions
from duban.supervision.models import Notice
from duban.workplans import permissions
from duban.workplans.models import Milestone

LIGHTS = [("green", "绿灯"), ("yellow", "黄灯"), ("red", "红灯"), ("done", "已销号")]


# --- small references ------------------------------------------------------------------

class RefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class TaskRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    number = serializers.CharField(read_only=True)
    title = serializers.CharField(read_only=True)


class RoundRefSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)


class ErrorSerializer(serializers.Serializer):
    """Every error: a Chinese message; field errors and the current object when relevant."""

    detail = serializers.CharField(help_text="错误说明（中文）")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False,
                                   help_text="各字段的错误")
    current = serializers.DictField(required=False, allow_null=True, help_text="版本冲突时：对象当前保存的内容")


# --- plans ------------------------------------------------------------------------------

class SectionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Section
        fields = ["id", "order", "title"]


CATEGORY_HELP = "事项类别：" + " / ".join(f"{v} {label}" for v, label in Category.choices)


class PlanSerializer(serializers.ModelSerializer):
    category = serializers.ChoiceField(choices=Category.choices, read_only=True,
                                       help_text=CATEGORY_HELP + "（plan 为导入的分工方案，其余为该类事项的年度台账）")

    class Meta:
        model = Plan
        fields = ["id", "title", "category", "issuer", "issued", "doc_number", "year", "default_deadline", "revision",
                  "imported_at", "updated_at"]


class PlanDetailSerializer(PlanSerializer):
    sections = SectionSerializer(many=True, read_only=True)

    class Meta(PlanSerializer.Meta):
        fields = PlanSerializer.Meta.fields + ["sections"]


# --- tasks ------------------------------------------------------------------------------

class StatusSerializer(serializers.Serializer):
    color = serializers.ChoiceField(choices=LIGHTS, help_text="green 绿灯 / yellow 黄灯 / red 红灯 / done 已销号")
    label = serializers.CharField()
    reasons = serializers.ListField(child=serializers.CharField(), help_text="亮灯原因")


class TargetSerializer(serializers.ModelSerializer):
    comparator_label = serializers.CharField(source="get_comparator_display", read_only=True)

    class Meta:
        model = Target
        fields = ["id", "value", "unit", "comparator", "comparator_label", "text", "baseline", "source"]


class TaskSerializer(serializers.ModelSerializer):
    """A ledger row. The view loads leaders and units (prefetch), the milestone counts
    (annotations of duban.ledger.filters.with_row_facts) and the light (attach_status)."""

    section = SectionSerializer(read_only=True, allow_null=True)
    leaders = serializers.SerializerMethodField()
    lead_units = serializers.SerializerMethodField()
    co_units = serializers.SerializerMethodField()
    effective_deadline = serializers.DateField(read_only=True, allow_null=True,
                                               help_text="生效的完成时限（批准延期后的日期）")
    extended = serializers.BooleanField(read_only=True, help_text="是否已批准延期")
    status = serializers.SerializerMethodField()
    milestone_count = serializers.IntegerField(read_only=True)
    milestone_done = serializers.IntegerField(read_only=True)
    milestone_overdue = serializers.IntegerField(read_only=True)
    needs_measurable = serializers.BooleanField(read_only=True, help_text="尚无量化指标或可量化节点")
    category = serializers.ChoiceField(source="plan.category", choices=Category.choices, read_only=True,
                                       help_text=CATEGORY_HELP)
    year = serializers.IntegerField(source="plan.year", read_only=True, help_text="年度")

    class Meta:
        model = Task
        fields = ["id", "category", "year", "plan", "section", "subsection", "number", "title", "kind", "deadline", "deadline_text",
                  "effective_deadline", "extended", "withdrawn", "leaders", "lead_units", "co_units", "status",
                  "milestone_count", "milestone_done", "milestone_overdue", "needs_measurable"]

    @extend_schema_field(RefSerializer(many=True))
    def get_leaders(self, task):
        return [{"id": x.pk, "name": x.name} for x in task.ordered_leaders()]

    def _units(self, task, role):
        links = sorted((a for a in task.assignments.all() if a.role == role), key=lambda a: a.order)
        return [{"id": a.unit_id, "name": a.unit.name} for a in links]

    @extend_schema_field(RefSerializer(many=True))
    def get_lead_units(self, task):
        return self._units(task, TaskUnit.Role.LEAD)

    @extend_schema_field(RefSerializer(many=True))
    def get_co_units(self, task):
        return self._units(task, TaskUnit.Role.CO)

    @extend_schema_field(StatusSerializer(allow_null=True))
    def get_status(self, task):
        s = getattr(task, "status", None)
        if s is None:
            return None
        return {"color": s.color, "label": s.label, "reasons": list(s.reasons)}


class TaskDetailSerializer(TaskSerializer):
    targets = TargetSerializer(many=True, read_only=True)

    class Meta(TaskSerializer.Meta):
        fields = TaskSerializer.Meta.fields + ["targets"]


# --- milestones ---------------------------------------------------------------------------

class MilestoneSerializer(serializers.ModelSerializer):
    """A milestone; ``can_edit`` and ``can_complete`` say what the caller may do with
    it (duban.workplans.permissions), when the view gave the task in the context."""

    unit = RefSerializer(read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField()
    can_edit = serializers.SerializerMethodField()
    can_complete = serializers.SerializerMethodField()

    class Meta:
        model = Milestone
        fields = ["id", "task", "title", "due", "unit", "owner", "is_measurable", "done_on", "evidence", "source",
                  "order", "version", "overdue", "can_edit", "can_complete"]

    def get_overdue(self, m) -> bool:
        return m.is_overdue(self.context.get("as_of") or timezone.localdate())

    def _task(self, m):
        return self.context.get("task") or m.task

    def _user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    def get_can_edit(self, m) -> bool:
        user = self._user()
        return bool(user and user.is_authenticated and permissions.can_edit_milestone(user, m, self._task(m)))

    def get_can_complete(self, m) -> bool:
        user = self._user()
        return bool(user and user.is_authenticated and permissions.can_complete_milestone(user, m, self._task(m)))


class MilestoneCreateSerializer(serializers.Serializer):
    # Blank titles pass here so the page's form reports them with its own message.
    title = serializers.CharField(max_length=300, allow_blank=True, trim_whitespace=False, help_text="节点内容")
    due = serializers.DateField(help_text="完成时间")
    unit = serializers.IntegerField(help_text="责任单位 id（本任务中您可以安排的单位）")
    owner = serializers.CharField(max_length=50, required=False, allow_blank=True, default="", help_text="责任人")
    is_measurable = serializers.BooleanField(required=False, default=False, help_text="可量化（有明确的数量或标准）")


class MilestoneUpdateSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, help_text="您读取时的版本号（乐观锁）")
    title = serializers.CharField(max_length=300, required=False, allow_blank=True, trim_whitespace=False)
    due = serializers.DateField(required=False)
    unit = serializers.IntegerField(required=False)
    owner = serializers.CharField(max_length=50, required=False, allow_blank=True)
    is_measurable = serializers.BooleanField(required=False)


class MilestoneCompleteSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    done_on = serializers.DateField(help_text="完成日期（不晚于今天）")
    evidence = serializers.CharField(max_length=2000, allow_blank=True, trim_whitespace=False, help_text="完成情况说明")


class MilestoneReopenSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=1)
    reason = serializers.CharField(max_length=300, allow_blank=True, trim_whitespace=False, help_text="重新打开原因")


# --- rounds and reports ------------------------------------------------------------------

class RoundSerializer(serializers.ModelSerializer):
    plan = serializers.PrimaryKeyRelatedField(read_only=True)

    class Meta:
        model = Round
        fields = ["id", "name", "plan", "period_start", "period_end", "opens_on", "due_on", "scope_kind", "status",
                  "requires_head_approval", "created_at", "closed_at"]


class CoordinationSerializer(serializers.Serializer):
    to = serializers.CharField(help_text="提请对象：leader:<区领导 id> 或 unit:<单位 id>")
    text = serializers.CharField(help_text="需协调事项")


class ActualSerializer(serializers.Serializer):
    target = serializers.IntegerField(help_text="量化指标 id（本任务的指标）")
    value = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True,
                                     help_text="实际完成值；null 表示清除")


class ReportSerializer(serializers.ModelSerializer):
    """A report slot. ``can_edit`` says whether the caller may save or submit it."""

    round = RoundRefSerializer(read_only=True)
    task = TaskRefSerializer(read_only=True)
    unit = RefSerializer(read_only=True)
    state = serializers.SerializerMethodField(help_text="accepted/returned/late/submitted/pending_approval/missing/open")
    coordination = CoordinationSerializer(many=True, read_only=True)
    actuals = serializers.SerializerMethodField()
    is_late = serializers.BooleanField(read_only=True)
    can_edit = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = ["id", "round", "task", "unit", "role", "status", "state", "progress_status", "percent", "progress",
                  "problems", "next_steps", "coordination", "actuals", "carried_forward", "is_repeat", "version",
                  "return_reason", "first_submitted_at", "submitted_at", "is_late", "updated_at", "can_edit"]

    @extend_schema_field(serializers.ChoiceField(choices=list(Report.STATE_LABELS)))
    def get_state(self, report) -> str:
        return report.state(self.context.get("as_of"))

    @extend_schema_field(ActualSerializer(many=True))
    def get_actuals(self, report):
        return [{"target": a.target_id, "value": serializers.DecimalField(max_digits=20, decimal_places=4)
                 .to_representation(a.value)} for a in report.actuals.all()]

    def get_can_edit(self, report) -> bool:
        request = self.context.get("request")
        user = getattr(request, "user", None)
        return bool(user and user.is_authenticated and round_permissions.can_edit(user, report))


class ReportWriteSerializer(serializers.Serializer):
    """Content of a report; fields left out keep their saved value."""

    version = serializers.IntegerField(min_value=1, help_text="您读取时的版本号（乐观锁）")
    progress_status = serializers.ChoiceField(choices=[("", "未选择")] + ProgressStatus.choices, required=False,
                                              allow_blank=True)
    percent = serializers.IntegerField(min_value=0, max_value=100, required=False, allow_null=True)
    progress = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    problems = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    next_steps = serializers.CharField(required=False, allow_blank=True, max_length=20000)
    coordination = CoordinationSerializer(many=True, required=False)
    actuals = ActualSerializer(many=True, required=False)


class ReportSubmitSerializer(ReportWriteSerializer):
    """Submit; content given here is saved first, in the same transaction."""


# --- notices ------------------------------------------------------------------------------

class EvidenceFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    size = serializers.IntegerField(help_text="字节")
    content_type = serializers.CharField()


class NoticeReplySerializer(serializers.Serializer):
    unit = RefSerializer()
    text = serializers.CharField()
    replied_at = serializers.DateTimeField()
    files = EvidenceFileSerializer(many=True, help_text="佐证材料（下载：/supervision/evidence/{id}/）")


class NoticeSerializer(serializers.ModelSerializer):
    number = serializers.CharField(read_only=True, help_text="督办〔年〕N号")
    title = serializers.CharField(read_only=True)
    task = TaskRefSerializer(read_only=True)
    units = RefSerializer(many=True, read_only=True)
    leaders = RefSerializer(many=True, read_only=True)
    replies = serializers.SerializerMethodField(
        help_text="各单位的回复（每个单位一条；单位人员只见本单位的），status 为 partly 时尚有单位未回复")

    class Meta:
        model = Notice
        fields = ["id", "number", "title", "level", "task", "units", "leaders", "facts", "requirement", "reply_by",
                  "status", "issued_at", "replies", "close_note", "closed_at"]

    @extend_schema_field(NoticeReplySerializer(many=True))
    def get_replies(self, notice):
        request = self.context.get("request")
        if request is None:
            return []
        return NoticeReplySerializer(supervision_permissions.replies_visible_to(request.user, notice), many=True).data


# --- indicators ----------------------------------------------------------------------------

FORECAST_STATES = [("on_track", "预计达标"), ("miss", "预计未达标"), ("no_data", "数据不足")]


class DatedValueSerializer(serializers.Serializer):
    date = serializers.DateField()
    value = serializers.DecimalField(max_digits=20, decimal_places=4)


class ForecastSerializer(serializers.Serializer):
    horizon = serializers.DateField(allow_null=True, help_text="预测到哪一天：任务生效的完成时限，无时限时为方案年度年底")
    value = serializers.DecimalField(max_digits=20, decimal_places=4, allow_null=True, help_text="预测值；数据不足时为 null")
    method = serializers.CharField(help_text="预测方法")
    state = serializers.ChoiceField(choices=FORECAST_STATES)
    state_label = serializers.CharField()
    note = serializers.CharField(help_text="无法预测的原因")
    miss_reason = serializers.CharField(help_text="预计未达标时的说明")
    points = serializers.IntegerField(help_text="预测所依据的数据点个数（含基数）")


class IndicatorSerializer(TargetSerializer):
    """A quantitative target with its dated actual figures and its forecast, as the
    indicator pages show them (duban.indicators.forecast.forecasts_for_tasks: figures
    of reports that went out, one per round)."""

    task = TaskRefSerializer(read_only=True)
    name = serializers.SerializerMethodField(help_text="指标名称")
    actuals = serializers.SerializerMethodField()
    forecast = serializers.SerializerMethodField()

    class Meta(TargetSerializer.Meta):
        fields = ["id", "task", "name"] + TargetSerializer.Meta.fields[1:] + ["actuals", "forecast"]

    def _result(self, target):
        return self.context.get("results", {}).get(target.pk)

    def get_name(self, target) -> str:
        r = self._result(target)
        return r.indicator.name if r is not None else target.text

    @extend_schema_field(DatedValueSerializer(many=True))
    def get_actuals(self, target):
        r = self._result(target)
        rows = [{"date": d, "value": v} for d, v in r.indicator.actuals] if r is not None else []
        return DatedValueSerializer(rows, many=True).data

    @extend_schema_field(ForecastSerializer(allow_null=True))
    def get_forecast(self, target):
        r = self._result(target)
        if r is None:
            return None
        fc = r.forecast
        return ForecastSerializer({
            "horizon": fc.horizon, "value": fc.value, "method": fc.method, "state": fc.state,
            "state_label": fc.state_label, "note": fc.note, "miss_reason": r.miss_reason, "points": fc.points,
        }).data


# --- items of the other kinds ----------------------------------------------------------------

class ItemCreateSerializer(serializers.Serializer):
    """A new 督办事项 of one kind, with the columns of that kind's Excel template (the
    same checks and Chinese messages): dates as 2026-06-30, units as names separated
    by 、, the leader by name, choices by value or label."""

    category = serializers.ChoiceField(choices=[c for c in Category.choices if c[0] not in ("plan", "carryover")],
                                       help_text="instruction 领导批示件 / meeting 会议议定事项 / proposal 建议提案 / "
                                                 "assigned 上级交办和督查反馈事项")
    # 领导批示件
    leader = serializers.CharField(required=False, help_text="批示领导姓名（instruction）")
    document_title = serializers.CharField(required=False, help_text="来文标题（instruction）")
    instruction = serializers.CharField(required=False, help_text="批示内容（instruction）")
    instructed_on = serializers.CharField(required=False, help_text="批示日期（instruction）")
    workdays = serializers.CharField(required=False, help_text="办理期限（工作日），与 deadline 二选一（instruction）")
    # 会议议定事项
    meeting = serializers.CharField(required=False, help_text="会议名称（meeting）；同名同日的会议归为一次")
    held_on = serializers.CharField(required=False, help_text="会议日期（meeting）")
    text = serializers.CharField(required=False, help_text="议定事项（meeting）")
    # 建议提案
    kind = serializers.CharField(required=False, help_text="suggestion 人大代表建议 / proposal 政协委员提案（proposal）")
    number = serializers.CharField(required=False, help_text="编号（proposal）")
    proposers = serializers.CharField(required=False, help_text="代表（委员）（proposal）")
    assigned_on = serializers.CharField(required=False, help_text="交办日期（proposal）")
    # 上级交办
    source = serializers.CharField(required=False, help_text="assigned 上级交办 / inspection 督查反馈问题（assigned）")
    issuer = serializers.CharField(required=False, help_text="交办机关（assigned）")
    doc_number = serializers.CharField(required=False, help_text="交办单文号（assigned）")
    problem = serializers.CharField(required=False, help_text="问题描述（assigned）")
    measures = serializers.CharField(required=False, help_text="整改措施（assigned）")
    # shared
    title = serializers.CharField(required=False, help_text="事项标题：案由（proposal）或交办事项（assigned）")
    received_on = serializers.CharField(required=False, help_text="收文 / 收到日期（instruction, assigned）")
    deadline = serializers.CharField(required=False, help_text="完成时限")
    lead_units = serializers.CharField(required=False, help_text="牵头（主办）单位，多个用、分隔")
    co_units = serializers.CharField(required=False, help_text="配合（协办）单位，多个用、分隔")
