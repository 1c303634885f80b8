"""The REST API, version 1 (/api/v1/): plans, tasks, milestones, rounds, reports,
notices and indicators.

The same rules as the pages, from the same code:

- every query starts from the model's ``visible_to(user)`` (tasks through
  ``duban.plans.permissions.visible_tasks``); an object outside it answers 404;
- the task list is the ledger: ``LedgerFilterForm`` reads the filters,
  ``filter_tasks``/``sort_tasks``/``with_row_facts`` build the query, ``attach_status``
  gives the lights (duban.ledger.filters, duban.plans.lights);
- writes check the rules the pages check (duban.workplans.permissions,
  duban.rounds.permissions.can_edit), validate with the pages' forms, and change data only
  through the actions (duban.workplans.actions, duban.rounds.actions), which write the
  audit record; a stale ``version`` answers 409 with the object as now saved;
- the three administrative roles get 403 (authentication.BusinessRolesOnly).
"""
from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from duban.ledger import filters
from duban.plans.permissions import get_task_for_user, visible_tasks
from duban.indicators.forecast import forecasts_for_tasks
from duban.items import actions as item_actions
from duban.items import intake as item_intake
from duban.plans.lights import attach_status
from duban.plans.models import Category, Plan, Target
from duban.status.store import ensure_current
from duban.rounds import actions as round_actions
from duban.rounds import permissions as round_permissions
from duban.rounds.models import Report, Round
from duban.supervision.models import Notice
from duban.workplans import actions as milestone_actions
from duban.workplans import permissions
from duban.workplans.forms import CompleteForm, DeleteForm, MilestoneForm, ReopenForm
from duban.workplans.models import Milestone
from duban.workplans.views import get_milestone_for_user

from . import serializers as s

MAX_ID = 2**63 - 1


# --- helpers -------------------------------------------------------------------------------

def object_id(value) -> int:
    """A path's object id as an int; anything else (or out of range) is 404, like an
    object the caller may not see."""
    try:
        pk = int(value)
    except (TypeError, ValueError):
        raise exceptions.NotFound() from None
    if not 1 <= pk <= MAX_ID:
        raise exceptions.NotFound()
    return pk


def form_errors(form: forms.Form) -> exceptions.ValidationError:
    return exceptions.ValidationError({k: [str(e) for e in v] for k, v in form.errors.items()})


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _id_field(label: str) -> forms.IntegerField:
    return forms.IntegerField(label=label, required=False, min_value=1, max_value=MAX_ID,
                              error_messages={"invalid": f"{label}必须是正整数", "min_value": f"{label}必须是正整数",
                                              "max_value": f"{label}超出范围"})


def _query(form_class, request) -> dict:
    """Query-string filters read by a form: invalid values answer 400 (nothing is
    silently ignored), empty ones are left out."""
    form = form_class(request.query_params)
    if not form.is_valid():
        raise form_errors(form)
    return {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}


def errors(*codes: int) -> dict:
    """The documented error answers of an operation (every one can answer 401 and 403)."""
    return {code: s.ErrorSerializer for code in sorted({401, 403, *codes})}


def _id_param(name: str, description: str) -> OpenApiParameter:
    return OpenApiParameter(name, OpenApiTypes.INT, description=description, required=False)


# --- plans ---------------------------------------------------------------------------------

@extend_schema_view(
    list=extend_schema(summary="分工方案列表", responses={200: s.PlanSerializer(many=True), **errors(404)}),
    retrieve=extend_schema(summary="分工方案（含各部分）", responses={200: s.PlanDetailSerializer, **errors(404)}),
)
class PlanViewSet(viewsets.ReadOnlyModelViewSet):
    """Every business role sees the list of plans (as the plan pages do); what is in
    them is filtered per task."""

    serializer_class = s.PlanSerializer
    queryset = Plan.objects.order_by("-year", "-id")

    def get_serializer_class(self):
        return s.PlanDetailSerializer if self.action == "retrieve" else s.PlanSerializer

    def get_object(self):
        return get_object_or_404(Plan.objects.prefetch_related("sections"), pk=object_id(self.kwargs["pk"]))


# --- tasks ---------------------------------------------------------------------------------

LEDGER_PARAMS = [
    OpenApiParameter("category", OpenApiTypes.STR, enum=[c for c, _ in Category.choices],
                     description="事项类别：" + "，".join(f"{c} {label}" for c, label in Category.choices)),
    OpenApiParameter("year", OpenApiTypes.INT, description="年度；不传时，有多个年度则为当前（最新）年度，传空值为全部年度"),
    OpenApiParameter("q", OpenApiTypes.STR, description="关键词：任务内容、序号、单位或领导，空格分隔多个词（全部匹配）"),
    _id_param("plan", "分工方案 id"),
    _id_param("section", "部分 id"),
    _id_param("leader", "牵头领导 id"),
    _id_param("unit", "责任单位 id（只能是您可见任务的单位）"),
    OpenApiParameter("role", OpenApiTypes.STR, enum=[k for k, _ in filters.ROLE_CHOICES],
                     description="与 unit 一起用：any 牵头或配合 / lead 牵头 / co 配合"),
    OpenApiParameter("status", OpenApiTypes.STR, enum=list(filters.STATUS_FILTERS),
                     description="状态：" + "，".join(f"{k} {v.label}" for k, v in filters.STATUS_FILTERS.items())),
    OpenApiParameter("due_from", OpenApiTypes.DATE, description="完成时限不早于"),
    OpenApiParameter("due_to", OpenApiTypes.DATE, description="完成时限不晚于"),
    OpenApiParameter("targets", OpenApiTypes.STR, enum=["yes", "no"], description="有无量化指标"),
    OpenApiParameter("quantified", OpenApiTypes.STR, enum=["yes", "no"], description="已量化细化 / 待量化细化"),
    OpenApiParameter("sort", OpenApiTypes.STR, enum=list(filters.SORTS), description="排序（默认 number）"),
]


def _milestone_tasks(request):
    """Tasks with their assignments loaded, for the work plan rules."""
    return visible_tasks(request.user).prefetch_related("assignments__unit")


@extend_schema_view(
    list=extend_schema(summary="任务台账", parameters=LEDGER_PARAMS,
                       description="与“任务台账”页面相同的任务、筛选、排序和红黄绿灯（不含已撤销的任务）。",
                       responses={200: s.TaskSerializer(many=True), **errors(400, 404)}),
    retrieve=extend_schema(summary="任务详情", responses={200: s.TaskDetailSerializer, **errors(404)}),
)
class TaskViewSet(viewsets.GenericViewSet):
    serializer_class = s.TaskSerializer

    def get_queryset(self):
        return visible_tasks(self.request.user)

    def list(self, request):
        as_of = timezone.localdate()
        tasks = visible_tasks(request.user).active()
        form = filters.LedgerFilterForm(request.query_params, tasks=tasks)
        if not form.is_valid():
            raise form_errors(form)
        chosen = form.filters()
        matched = filters.sort_tasks(filters.filter_tasks(tasks, chosen, as_of=as_of),
                                     chosen.get("sort") or filters.DEFAULT_SORT)
        ensure_current(as_of)  # signed in by token: the middleware did not see who (duban.status)
        page = self.paginate_queryset(filters.with_row_facts(matched, as_of))
        attach_status(page, as_of)
        return self.get_paginated_response(s.TaskSerializer(page, many=True, context=self.get_serializer_context()).data)

    def retrieve(self, request, pk=None):
        as_of = timezone.localdate()
        qs = filters.with_row_facts(visible_tasks(request.user), as_of).prefetch_related("targets")
        task = get_task_for_user(request, object_id(pk), qs)
        ensure_current(as_of)
        attach_status([task], as_of)
        return Response(s.TaskDetailSerializer(task, context=self.get_serializer_context()).data)

    @extend_schema(methods=["GET"], summary="任务的工作节点", responses={200: s.MilestoneSerializer(many=True), **errors(404)})
    @extend_schema(methods=["POST"], summary="新增工作节点", request=s.MilestoneCreateSerializer,
                   description="督查室、牵头单位可为任一单位新增；配合单位只能为本单位新增；区领导只读。",
                   responses={201: s.MilestoneSerializer, **errors(400, 404)})
    @action(detail=True, methods=["get", "post"], url_path="milestones", pagination_class=None)
    def milestones(self, request, pk=None):
        task = get_task_for_user(request, object_id(pk), _milestone_tasks(request))
        context = {**self.get_serializer_context(), "task": task, "as_of": timezone.localdate()}
        if request.method == "GET":
            rows = task.milestones.select_related("unit").order_by("due", "order", "id")
            return Response(s.MilestoneSerializer(rows, many=True, context=context).data)
        _require(permissions.can_add_milestone(request.user, task), "您可以查看此任务，但无权修改其工作方案")
        given = s.MilestoneCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        form = MilestoneForm(_form_data(given.validated_data), units=permissions.unit_choices(request.user, task))
        if not form.is_valid():
            raise form_errors(form)
        data = {k: form.cleaned_data[k] for k in ("title", "due", "unit", "owner", "is_measurable")}
        m = milestone_actions.add_milestone(task, actor=request.user, **data)
        return Response(s.MilestoneSerializer(m, context=context).data, status=status.HTTP_201_CREATED)


def _form_data(values: dict) -> dict:
    """Serializer values as the pages' forms read them from a POST."""
    out = {}
    for k, v in values.items():
        out[k] = v.isoformat() if hasattr(v, "isoformat") else v
    return out


# --- milestones ------------------------------------------------------------------------------

@extend_schema_view(
    retrieve=extend_schema(summary="工作节点", responses={200: s.MilestoneSerializer, **errors(404)}),
    partial_update=extend_schema(summary="修改工作节点", request=s.MilestoneUpdateSerializer,
                                 description="须带上读取时的 version；他人已修改时返回 409 和当前内容。方案原文中的阶段节点不能修改。",
                                 responses={200: s.MilestoneSerializer, **errors(400, 404, 409)}),
    destroy=extend_schema(summary="删除工作节点",
                          parameters=[OpenApiParameter("version", OpenApiTypes.INT, required=True,
                                                       description="您读取时的版本号")],
                          responses={204: None, **errors(400, 404, 409)}),
)
class MilestoneViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = s.MilestoneSerializer
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return Milestone.objects.filter(task__in=visible_tasks(self.request.user).values("pk"))

    def get_object(self) -> Milestone:
        return get_milestone_for_user(self.request, object_id(self.kwargs["pk"]))

    def _context(self, m: Milestone) -> dict:
        return {**self.get_serializer_context(), "task": m.task, "as_of": timezone.localdate()}

    def retrieve(self, request, pk=None):
        m = self.get_object()
        return Response(s.MilestoneSerializer(m, context=self._context(m)).data)

    def partial_update(self, request, pk=None):
        m = self.get_object()
        task = m.task
        _require(permissions.can_edit_milestone(request.user, m, task),
                 "方案原文中的阶段节点不能修改" if m.source == Milestone.Source.PLAN else "您只能修改本单位负责的节点")
        given = s.MilestoneUpdateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = dict(given.validated_data)
        version = values.pop("version")
        units = permissions.unit_choices(request.user, task)
        if m.unit_id and m.unit not in units:
            units = [*units, m.unit]  # keep the current unit, as the page does
        current = {"title": m.title, "due": m.due, "unit": m.unit_id, "owner": m.owner, "is_measurable": m.is_measurable}
        form = MilestoneForm(_form_data({**current, **values}), instance=Milestone.objects.get(pk=m.pk), units=units)
        if not form.is_valid():
            raise form_errors(form)
        changes = {k: form.cleaned_data[k] for k in milestone_actions.EDITABLE}
        m = milestone_actions.update_milestone(m, actor=request.user, version=version, **changes)
        return Response(s.MilestoneSerializer(m, context=self._context(m)).data)

    def destroy(self, request, pk=None):
        m = self.get_object()
        _require(permissions.can_delete_milestone(request.user, m, m.task),
                 "方案原文中的阶段节点不能删除" if m.source == Milestone.Source.PLAN else "您只能删除本单位负责的节点")
        form = DeleteForm(request.query_params)
        if not form.is_valid():
            raise exceptions.ValidationError({"version": ["请在查询参数中给出读取时的版本号 version（正整数）"]})
        milestone_actions.delete_milestone(m, actor=request.user, version=form.cleaned_data["version"])
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(summary="标记节点完成", request=s.MilestoneCompleteSerializer,
                   responses={200: s.MilestoneSerializer, **errors(400, 404, 409)})
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        return self._done_or_reopen(request, s.MilestoneCompleteSerializer, CompleteForm, "complete")

    @extend_schema(summary="重新打开节点", request=s.MilestoneReopenSerializer,
                   responses={200: s.MilestoneSerializer, **errors(400, 404, 409)})
    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._done_or_reopen(request, s.MilestoneReopenSerializer, ReopenForm, "reopen")

    def _done_or_reopen(self, request, serializer_class, form_class, mode: str):
        m = self.get_object()
        _require(permissions.can_complete_milestone(request.user, m, m.task), "您只能办理本单位负责的节点")
        given = serializer_class(data=request.data)
        given.is_valid(raise_exception=True)
        kwargs = {"as_of": timezone.localdate()} if mode == "complete" else {}
        form = form_class(_form_data(given.validated_data), **kwargs)
        if not form.is_valid():
            raise form_errors(form)
        d = form.cleaned_data
        if mode == "complete":
            m = milestone_actions.complete_milestone(m, actor=request.user, version=d["version"], done_on=d["done_on"],
                                                     evidence=d["evidence"])
        else:
            m = milestone_actions.reopen_milestone(m, actor=request.user, version=d["version"], reason=d["reason"])
        return Response(s.MilestoneSerializer(m, context=self._context(m)).data)


# --- rounds ----------------------------------------------------------------------------------

class RoundFilters(forms.Form):
    plan = _id_field("分工方案 id")
    status = forms.ChoiceField(choices=[("", "")] + Round.Status.choices, required=False,
                               error_messages={"invalid_choice": "状态只能是 open 或 closed"})


@extend_schema_view(
    list=extend_schema(summary="调度列表", parameters=[
        _id_param("plan", "分工方案 id"),
        OpenApiParameter("status", OpenApiTypes.STR, enum=Round.Status.values, description="open 进行中 / closed 已结束"),
    ], responses={200: s.RoundSerializer(many=True), **errors(400, 404)}),
    retrieve=extend_schema(summary="调度", responses={200: s.RoundSerializer, **errors(404)}),
)
class RoundViewSet(viewsets.ReadOnlyModelViewSet):
    """Office and leaders: every round; a unit's people: rounds holding a slot of their unit."""

    serializer_class = s.RoundSerializer

    def get_queryset(self):
        return Round.objects.visible_to(self.request.user).order_by("-period_end", "-id")

    def filter_queryset(self, qs):
        if self.action != "list":
            return qs
        f = _query(RoundFilters, self.request)
        if "plan" in f:
            qs = qs.filter(plan_id=f["plan"])
        if "status" in f:
            qs = qs.filter(status=f["status"])
        return qs

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=object_id(self.kwargs["pk"]))


# --- reports ---------------------------------------------------------------------------------

class ReportFilters(forms.Form):
    round = _id_field("调度 id")
    task = _id_field("任务 id")
    unit = _id_field("单位 id")
    status = forms.ChoiceField(choices=[("", "")] + Report.Status.choices, required=False,
                               error_messages={"invalid_choice": "报送状态无效"})
    role = forms.ChoiceField(choices=[("", "")] + Report.Role.choices, required=False,
                             error_messages={"invalid_choice": "角色只能是 lead 或 co"})


WRITE_FIELDS = ("progress_status", "percent", "progress", "problems", "next_steps", "coordination")


@extend_schema_view(
    list=extend_schema(summary="调度报告列表", parameters=[
        _id_param("round", "调度 id"), _id_param("task", "任务 id"), _id_param("unit", "单位 id"),
        OpenApiParameter("status", OpenApiTypes.STR, enum=Report.Status.values, description="报送状态"),
        OpenApiParameter("role", OpenApiTypes.STR, enum=Report.Role.values, description="lead 牵头 / co 配合"),
    ], responses={200: s.ReportSerializer(many=True), **errors(400, 404)}),
    retrieve=extend_schema(summary="调度报告", responses={200: s.ReportSerializer, **errors(404)}),
    partial_update=extend_schema(
        summary="保存报告草稿", request=s.ReportWriteSerializer,
        description="只有本单位人员、在报告为草稿或已退回且调度进行中时可以保存；未给出的字段保持不变。"
                    "须带上读取时的 version；他人已保存时返回 409 和当前内容。",
        responses={200: s.ReportSerializer, **errors(400, 404, 409)}),
)
class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A unit's people see their unit's reports and, for tasks their unit leads, the
    co-units' parts; office and leaders see all (Report.objects.visible_to)."""

    serializer_class = s.ReportSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return (
            Report.objects.visible_to(self.request.user)
            .select_related("round", "task", "unit", "updated_by")
            .prefetch_related("actuals")
            .order_by("-round__period_end", "round_id", "task__order", "-role", "unit__name", "id")
        )

    def filter_queryset(self, qs):
        if self.action != "list":
            return qs
        f = _query(ReportFilters, self.request)
        for key in ("round", "task", "unit"):
            if key in f:
                qs = qs.filter(**{f"{key}_id": f[key]})
        for key in ("status", "role"):
            if key in f:
                qs = qs.filter(**{key: f[key]})
        return qs

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "as_of": timezone.localdate()}

    def get_object(self) -> Report:
        return get_object_or_404(self.get_queryset(), pk=object_id(self.kwargs["pk"]))

    def _content(self, report: Report, values: dict) -> tuple[dict, dict | None]:
        """The whole content to save (saved values for fields not given) and the actuals."""
        data = {f: getattr(report, f) for f in WRITE_FIELDS}
        for f in WRITE_FIELDS:
            if f in values:
                data[f] = values[f]
        data["coordination"] = [dict(item) for item in data["coordination"] or []]
        actuals = None
        if "actuals" in values:
            actuals = {row["target"]: row["value"] for row in values["actuals"]}
        return data, actuals

    def partial_update(self, request, pk=None):
        report = self.get_object()
        _require(round_permissions.can_edit(request.user, report), "该报告当前不能修改")
        given = s.ReportWriteSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = dict(given.validated_data)
        data, actuals = self._content(report, values)
        report = round_actions.save_report_draft(report, actor=request.user, data=data, version=values["version"],
                                                 actuals=actuals)
        return Response(self.get_serializer(self.get_object()).data)

    @extend_schema(summary="报送报告", request=s.ReportSubmitSerializer,
                   description="与页面上的“报送”相同：开启负责人审核时先交单位负责人审核。请求中给出的内容先保存（同一事务）。"
                               "须带上读取时的 version；他人已保存时返回 409 和当前内容。",
                   responses={200: s.ReportSerializer, **errors(400, 404, 409)})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        report = self.get_object()
        _require(round_permissions.can_edit(request.user, report), "该报告当前不能报送")
        given = s.ReportSubmitSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        values = dict(given.validated_data)
        version = values["version"]
        with transaction.atomic():
            if set(values) - {"version"}:
                data, actuals = self._content(report, values)
                report = round_actions.save_report_draft(report, actor=request.user, data=data, version=version,
                                                         actuals=actuals)
                version = report.version
            round_actions.submit_report(report, actor=request.user, version=version)
        return Response(self.get_serializer(self.get_object()).data)


# --- notices ---------------------------------------------------------------------------------

class NoticeFilters(forms.Form):
    task = _id_field("任务 id")
    status = forms.ChoiceField(choices=[("", "")] + Notice.Status.choices, required=False,
                               error_messages={"invalid_choice": "状态无效"})
    level = forms.ChoiceField(choices=[("", "")] + Notice.Level.choices, required=False,
                              error_messages={"invalid_choice": "督办层级无效"})


@extend_schema_view(
    list=extend_schema(summary="督办单列表", parameters=[
        _id_param("task", "任务 id"),
        OpenApiParameter("status", OpenApiTypes.STR, enum=Notice.Status.values, description="状态"),
        OpenApiParameter("level", OpenApiTypes.STR, enum=Notice.Level.values, description="督办层级"),
    ], responses={200: s.NoticeSerializer(many=True), **errors(400, 404)}),
    retrieve=extend_schema(summary="督办单", responses={200: s.NoticeSerializer, **errors(404)}),
)
class NoticeViewSet(viewsets.ReadOnlyModelViewSet):
    """Office and leaders read every notice; a unit's people those sent to their unit,
    about a task they may see (as the notice page)."""

    serializer_class = s.NoticeSerializer

    def get_queryset(self):
        user = self.request.user
        return (
            Notice.objects.visible_to(user).filter(task__in=visible_tasks(user).values("pk"))
            .select_related("task").prefetch_related("units", "leaders").order_by("-year", "-seq")
        )

    def filter_queryset(self, qs):
        if self.action != "list":
            return qs
        f = _query(NoticeFilters, self.request)
        if "task" in f:
            qs = qs.filter(task_id=f["task"])
        for key in ("status", "level"):
            if key in f:
                qs = qs.filter(**{key: f[key]})
        return qs

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=object_id(self.kwargs["pk"]))


# --- indicators ------------------------------------------------------------------------------

class IndicatorFilters(forms.Form):
    plan = _id_field("分工方案 id")
    task = _id_field("任务 id")


@extend_schema_view(
    list=extend_schema(summary="量化指标、已报实际值和预测", parameters=[_id_param("plan", "分工方案 id"),
                                                                   _id_param("task", "任务 id")],
                       responses={200: s.IndicatorSerializer(many=True), **errors(400, 404)}),
    retrieve=extend_schema(summary="量化指标", responses={200: s.IndicatorSerializer, **errors(404)}),
)
class IndicatorViewSet(viewsets.ReadOnlyModelViewSet):
    """The quantitative targets (duban.plans.models.Target) of the tasks the caller may
    see, with the figures and forecasts of the indicator pages
    (duban.indicators.forecast.forecasts_for_tasks)."""

    serializer_class = s.IndicatorSerializer

    def get_queryset(self):
        # The list: tasks still in the plan (as the indicator list); one indicator: any
        # task the caller may see (as the indicator page).
        tasks = visible_tasks(self.request.user)
        if self.action == "list":
            tasks = tasks.active()
        return (
            Target.objects.filter(task__in=tasks.values("pk")).select_related("task")
            .order_by("-task__plan__year", "task__plan_id", "task__order", "order", "id")
        )

    def filter_queryset(self, qs):
        if self.action != "list":
            return qs
        f = _query(IndicatorFilters, self.request)
        if "plan" in f:
            qs = qs.filter(task__plan_id=f["plan"])
        if "task" in f:
            qs = qs.filter(task_id=f["task"])
        return qs

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=object_id(self.kwargs["pk"]))

    def _context(self, targets) -> dict:
        results = forecasts_for_tasks(sorted({t.task_id for t in targets}), timezone.localdate())
        return {**self.get_serializer_context(), "results": results}

    def list(self, request):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(s.IndicatorSerializer(page, many=True, context=self._context(page)).data)

    def retrieve(self, request, pk=None):
        target = self.get_object()
        return Response(s.IndicatorSerializer(target, context=self._context([target])).data)


# --- items of the other kinds (duban.items) ------------------------------------------------------

@extend_schema_view(
    create=extend_schema(summary="新建督办事项（批示件、会议议定事项、建议提案、上级交办）", request=s.ItemCreateSerializer,
                         description="督查室使用。字段与各类事项的 Excel 导入模板相同，检查和提示也相同；"
                                     "出错时返回 400 和每个问题的中文说明，不写入任何数据。",
                         responses={201: s.TaskDetailSerializer, **errors(400, 403)}),
)
class ItemViewSet(viewsets.GenericViewSet):
    serializer_class = s.ItemCreateSerializer

    def get_queryset(self):
        return visible_tasks(self.request.user)

    def create(self, request):
        _require(request.user.is_office, "只有督查室可以新建督办事项")
        given = s.ItemCreateSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        category = given.validated_data["category"]
        row = {k: str(v) for k, v in given.validated_data.items() if k != "category"}
        values, problems = item_intake.check_row(category, row, where="")
        if problems:
            raise exceptions.ValidationError({"non_field_errors": problems})
        try:
            with transaction.atomic():
                task = item_intake.create_one(category, values, actor=request.user)
        except item_actions.ItemError as exc:
            raise exceptions.ValidationError({"non_field_errors": [str(exc)]}) from None
        as_of = timezone.localdate()
        task = filters.with_row_facts(visible_tasks(request.user), as_of).prefetch_related("targets").get(pk=task.pk)
        attach_status([task], as_of)
        return Response(s.TaskDetailSerializer(task, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)
