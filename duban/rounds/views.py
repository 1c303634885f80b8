"""Round pages: list and open (office), the round grid, a unit's reports, the report
editor and review, version history, attachments, the Excel sheet, coordination."""
from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from duban.accounts.models import Role
from duban.accounts.permissions import office_required, role_required
from duban.audit.log import record
from duban.lib.uploads import UploadError, download
from duban.plans.permissions import task_roles_required

from . import actions, permissions, review
from .actions import ActionError, ReportConflict
from .forms import (
    AttachmentForm,
    CadenceForm,
    ReportForm,
    ResponseForm,
    ReturnForm,
    RoundForm,
    SheetUploadForm,
    addressee_choices,
)
from .models import Attachment, Cadence, CoordinationItem, Report, Round
from .sheets import SheetErrors, build_round_sheet, import_round_sheet

unit_required = role_required(Role.LIAISON, Role.UNIT_HEAD)


# --- fetch helpers: 404 for what the user may not see ---------------------------------

def _round_for(user, round_id: int) -> Round:
    return get_object_or_404(Round.objects.visible_to(user), pk=round_id)


def _report_for(user, report_id: int) -> Report:
    qs = Report.objects.visible_to(user).select_related("round", "task", "unit", "updated_by", "submitted_by")
    return get_object_or_404(qs, pk=report_id)


def _item_for(user, item_id: int) -> CoordinationItem:
    return get_object_or_404(coordination_visible_to(user), pk=item_id)


def coordination_visible_to(user):
    qs = CoordinationItem.objects.select_related("task", "report__round", "addressed_to_leader", "addressed_to_unit",
                                                 "raised_by_unit", "responded_by")
    if user.sees_all_tasks:
        return qs
    if user.is_unit_person and user.unit_id:
        return qs.filter(Q(addressed_to_unit_id=user.unit_id) | Q(raised_by_unit_id=user.unit_id))
    return qs.none()


def open_items_for_task(task):
    """Open coordination items of a task, for the task page."""
    return CoordinationItem.objects.filter(task=task, status=CoordinationItem.Status.OPEN).select_related(
        "addressed_to_leader", "addressed_to_unit", "raised_by_unit")


# --- rounds ----------------------------------------------------------------------------

@task_roles_required  # the administrative roles keep out of business pages (三员分立)
def round_list(request):
    rounds = Round.objects.visible_to(request.user).select_related("plan")
    ctx = {"rounds": rounds, "nav": "rounds"}
    if request.user.is_office:
        # lead units' reports waiting for the office in each round (the queue's 待审核)
        rounds = rounds.annotate(to_review=Count("reports", filter=Q(reports__status=Report.Status.SUBMITTED,
                                                                      reports__role=Report.Role.LEAD)))
        ctx["rounds"] = rounds
        ctx["cadences"] = Cadence.objects.select_related("plan")
        ctx["cadence_form"] = CadenceForm(initial={"starts_on": timezone.localdate()})
    return render(request, "rounds/round_list.html", ctx)


@office_required
@require_http_methods(["GET", "POST"])
def round_open(request):
    today = timezone.localdate()
    form = RoundForm(request.POST or None, initial={
        "name": f"{today.year}年{today.month}月调度", "period_start": today.replace(day=1), "period_end": today,
        "opens_on": today, "due_on": today,
    })
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            rnd = actions.open_round(
                d["plan"], actor=request.user, name=d["name"], period_start=d["period_start"],
                period_end=d["period_end"], opens_on=d["opens_on"], due_on=d["due_on"], scope_kind=d["scope_kind"],
                sections=d["sections"], tasks=d["tasks"], requires_head_approval=d["requires_head_approval"],
            )
        except ActionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已发起“{rnd.name}”，共生成 {rnd.reports.count()} 份报告")
            return redirect("rounds:detail", round_id=rnd.pk)
    return render(request, "rounds/round_open.html", {"form": form, "nav": "rounds"})


@office_required
@require_POST
def cadence_create(request):
    form = CadenceForm(request.POST)
    if form.is_valid():
        cadence = form.save(commit=False)
        cadence.created_by = request.user
        cadence.save()
        record("cadence.create", actor=request.user, obj=cadence, summary=f"设置定期调度：{cadence}")
        opened = actions.open_due_rounds()
        messages.success(request, f"已设置定期调度：{cadence}" + (f"，并发起 {len(opened)} 次到期调度" if opened else ""))
    else:
        messages.error(request, "定期调度设置有误：" + "；".join(e for errs in form.errors.values() for e in errs))
    return redirect("rounds:list")


@office_required
@require_POST
def cadence_toggle(request, cadence_id: int):
    cadence = get_object_or_404(Cadence, pk=cadence_id)
    # The page says which state it asks for; a conditional UPDATE from the other state,
    # so two people pressing a stale button never flip it back and forth.
    wanted = request.POST.get("active")
    active = (wanted == "1") if wanted in ("0", "1") else not cadence.active
    if Cadence.objects.filter(pk=cadence.pk, active=not active).update(active=active) != 1:
        messages.info(request, f"该定期调度已经{'启用' if active else '停用'}（可能已由他人修改）")
        return redirect("rounds:list")
    record("cadence.toggle", actor=request.user, obj=cadence,
           summary=f"{'启用' if active else '停用'}定期调度：{cadence}", before={"active": not active},
           after={"active": active})
    return redirect("rounds:list")


ROUND_PAGE_SIZE = 25


@login_required
def round_detail(request, round_id: int):
    """The round's reports: summary counts by state (each a link to that filter), the
    per-unit table, and the reports themselves filtered by state and unit, 25 a page.
    An htmx request (the page refreshing itself) gets only the results part."""
    rnd = _round_for(request.user, round_id)
    as_of = timezone.localdate()
    visible = Report.objects.visible_to(request.user).filter(round=rnd)
    units = dict(visible.order_by("unit__name").values_list("unit_id", "unit__name").distinct())
    unit_id = request.GET.get("unit", "")
    unit_id = int(unit_id) if unit_id.isdigit() and int(unit_id) in units else None
    state = request.GET.get("state", "")
    state = state if state in review.GROUP_LABELS else ""
    of_unit = visible.filter(unit_id=unit_id) if unit_id else visible
    shown = (review.in_group(of_unit, state).select_related("task", "unit", "round", "submitted_by")
             .order_by("task__order", "-role", "unit__name", "pk"))
    page = Paginator(shown, ROUND_PAGE_SIZE).get_page(request.GET.get("page"))
    counts = review.group_counts(of_unit)
    waiting = review.waiting_for(request.user, rnd)
    ctx = {
        "round": rnd, "as_of": as_of, "nav": "rounds", "page": page, "reports": page.object_list,
        "state": state, "state_label": review.GROUP_LABELS.get(state, ""), "unit_id": unit_id,
        "unit_name": units.get(unit_id, ""), "units": units.items(), "counts": counts,
        "total": sum(n for _, _, n in counts), "unit_rows": review.unit_counts(visible),
        "group_choices": [(key, label) for key, label, _ in review.GROUPS],
        "waiting_ids": set(waiting.filter(pk__in=[r.pk for r in page.object_list]).values_list("pk", flat=True)),
        "first_waiting": waiting.order_by("task__order", "pk").first(), "waiting_count": waiting.count(),
    }
    if request.htmx and not request.htmx.history_restore_request:
        return render(request, "rounds/_grid.html", ctx)
    return render(request, "rounds/round_detail.html", ctx)


@office_required
@require_POST
def round_close(request, round_id: int):
    rnd = get_object_or_404(Round, pk=round_id)
    try:
        actions.close_round(rnd, actor=request.user)
        messages.success(request, f"“{rnd.name}”已结束")
    except ActionError as exc:
        messages.error(request, str(exc))
    return redirect("rounds:detail", round_id=rnd.pk)


@unit_required
def my_reports(request):
    """The unit's reports in open rounds, and co-units' parts for tasks it leads."""
    as_of = timezone.localdate()
    reports = (
        Report.objects.visible_to(request.user).filter(round__status=Round.Status.OPEN)
        .select_related("round", "task__plan", "unit").order_by("-round__due_on", "round_id", "task__order", "-role")
    )
    own = [r for r in reports if r.unit_id == request.user.unit_id]
    parts = [r for r in reports if r.unit_id != request.user.unit_id]
    return render(request, "rounds/my_reports.html",
                  {"own": own, "parts": parts, "as_of": as_of, "nav": "rounds"})


# --- reports ---------------------------------------------------------------------------

def _report_context(request, report: Report, form=None, conflict=None):
    user = request.user
    editable = permissions.can_edit(user, report)
    if editable and form is None:
        form = ReportForm(report=report, initial={
            "version": report.version, "progress_status": report.progress_status, "percent": report.percent,
            "progress": report.progress, "problems": report.problems, "next_steps": report.next_steps,
        })
    co_parts = list(report.co_parts()) if report.role == Report.Role.LEAD else []
    # The review flow: the next report of the round waiting for this person.
    waiting = review.waiting_for(user, report.round).exclude(pk=report.pk)
    next_waiting = review.next_waiting(user, report) if waiting.exists() else None
    return {
        "next_waiting": next_waiting, "waiting_left": waiting.count() if next_waiting else 0,
        "report": report, "form": form if editable else None, "editable": editable, "conflict": conflict,
        "co_parts": co_parts, "as_of": timezone.localdate(),
        "attachments": report.attachments.filter(removed_at__isnull=True),
        "attachment_form": AttachmentForm() if editable else None,
        "actuals": report.actuals.select_related("target"),
        "coordination_items": report.coordination_items.select_related("addressed_to_leader", "addressed_to_unit"),
        "can_approve": permissions.can_approve(user, report), "can_return": permissions.can_return(user, report),
        "can_accept": permissions.can_accept(user, report), "return_form": ReturnForm(),
        "has_previous": editable and actions.previous_report(report) is not None,
        "versions": report.versions.select_related("submitted_by"), "nav": "rounds",
        "addressees": dict(addressee_choices()),
    }


@login_required
@require_http_methods(["GET", "POST"])
def report_detail(request, report_id: int):
    report = _report_for(request.user, report_id)
    if request.method == "GET":
        return render(request, "rounds/report_detail.html", _report_context(request, report))
    if not permissions.can_edit(request.user, report):
        raise PermissionDenied("该报告当前不能修改")
    action = request.POST.get("action", "save")
    form = ReportForm(request.POST, report=report)
    conflict = None
    if not form.is_valid():
        messages.error(request, "填写有误，请按提示修改")
        return render(request, "rounds/report_detail.html", _report_context(request, report, form), status=400)
    version = form.cleaned_data["version"]
    try:
        if action == "carry":
            actions.carry_forward_report(report, actor=request.user, version=version)
            messages.success(request, "已沿用上期内容，请在此基础上修改本期进展")
        elif action == "consolidate":
            actions.consolidate_report(report, actor=request.user, version=version)
            messages.success(request, "已将配合单位报送的材料汇总到本报告，请核对后报送")
        elif action == "submit":
            # one transaction: on SQLite one wait for the write lock instead of two
            with transaction.atomic():
                report = actions.save_report_draft(report, actor=request.user, data=form.content(),
                                                   version=version, actuals=form.actuals())
                report = actions.submit_report(report, actor=request.user, version=report.version)
                messages.success(request, "报告已提交单位负责人审核" if report.status == Report.Status.PENDING_APPROVAL
                                 else ("材料已报送牵头单位" if report.role == Report.Role.CO else "报告已报送督查室"))
        else:
            report = actions.save_report_draft(report, actor=request.user, data=form.content(), version=version,
                                               actuals=form.actuals())
            messages.success(request, "草稿已保存")
    except ReportConflict as exc:
        conflict = exc.current
        form.add_error(None, str(exc))
        return render(request, "rounds/report_detail.html",
                      _report_context(request, conflict, form, conflict=conflict), status=409)
    except ActionError as exc:
        report.refresh_from_db()
        messages.error(request, str(exc))
        # nothing was saved (save and submit are one transaction); the input is kept in the form
        return render(request, "rounds/report_detail.html", _report_context(request, report, form), status=400)
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("rounds:report", args=[report.pk])
        return response
    return redirect("rounds:report", report_id=report.pk)


def _review(request, report_id: int, fn, ok_message: str, needs_reason: bool = False):
    report = _report_for(request.user, report_id)
    try:
        if needs_reason:
            fn(report, actor=request.user, reason=request.POST.get("reason", ""))
        else:
            fn(report, actor=request.user)
        messages.success(request, ok_message)
    except ActionError as exc:
        messages.error(request, str(exc))
    return redirect("rounds:report", report_id=report.pk)


@login_required
@require_POST
def report_approve(request, report_id: int):
    return _review(request, report_id, actions.approve_report, "已审核通过，报告已报送")


@login_required
@require_POST
def report_return(request, report_id: int):
    return _review(request, report_id, actions.return_report, "已退回，单位修改后可重新报送", needs_reason=True)


@login_required
@require_POST
def report_accept(request, report_id: int):
    return _review(request, report_id, actions.accept_report, "已采纳该报告")


@login_required
def report_versions(request, report_id: int):
    report = _report_for(request.user, report_id)
    versions = report.versions.select_related("submitted_by").order_by("-number")
    return render(request, "rounds/report_versions.html", {"report": report, "versions": versions, "nav": "rounds"})


# --- attachments -----------------------------------------------------------------------

def _attachments_answer(request, report: Report, level: str, message: str):
    """After an upload or removal: with htmx, only the evidence block of the report page
    (the report form around it keeps what was typed); otherwise back to the page."""
    if request.htmx:
        report.refresh_from_db()
        editable = permissions.can_edit(request.user, report)
        return render(request, "rounds/_attachments.html", {
            "report": report, "editable": editable,
            "attachments": report.attachments.filter(removed_at__isnull=True),
            "attachment_form": AttachmentForm() if editable else None,
            "attachment_message": message, "attachment_message_level": level,
        })
    getattr(messages, level)(request, message)
    return redirect("rounds:report", report_id=report.pk)


@login_required
@require_POST
def attachment_upload(request, report_id: int):
    report = _report_for(request.user, report_id)
    if not permissions.can_edit(request.user, report):
        raise PermissionDenied("该报告当前不能添加附件")
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _attachments_answer(request, report, "error",
                                   "；".join(e for errs in form.errors.values() for e in errs))
    f = form.cleaned_data["file"]
    try:
        att = actions.add_attachment(report, actor=request.user, name=f.name, data=f.read())
    except (ActionError, UploadError) as exc:
        return _attachments_answer(request, report, "error", f"未上传：{exc}")
    return _attachments_answer(request, report, "success", f"已上传“{att.original_name}”")


@login_required
@require_POST
def attachment_remove(request, attachment_id: int):
    att = get_object_or_404(Attachment.objects.select_related("report__round"), pk=attachment_id)
    report = _report_for(request.user, att.report_id)  # 404 unless the report is visible
    try:
        actions.remove_attachment(att, actor=request.user)
    except ActionError as exc:
        return _attachments_answer(request, report, "error", str(exc))
    return _attachments_answer(request, report, "success", f"已移除“{att.original_name}”")


@login_required
@require_safe
def attachment_download(request, attachment_id: int):
    att = get_object_or_404(Attachment, pk=attachment_id)
    _report_for(request.user, att.report_id)  # 404 unless the report is visible
    response = download(att)
    record("report.download_attachment", actor=request.user, obj=att, summary=f"下载佐证材料“{att.original_name}”")
    return response


# --- Excel sheet -----------------------------------------------------------------------

@unit_required
@require_safe
def sheet_download(request, round_id: int):
    rnd = _round_for(request.user, round_id)
    data = build_round_sheet(rnd, request.user.unit)
    record("round.download_sheet", actor=request.user, obj=rnd, summary=f"下载调度报表：{rnd.name}")
    response = HttpResponse(data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(f'{rnd.name}-{request.user.unit}.xlsx')}"
    return response


def _quote(name: str) -> str:
    return quote(name)


@unit_required
@require_http_methods(["GET", "POST"])
def sheet_upload(request, round_id: int):
    rnd = _round_for(request.user, round_id)
    form = SheetUploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            upload = form.cleaned_data["file"]
            result = import_round_sheet(rnd, actor=request.user, data=upload.read(), name=upload.name,
                                                submit=form.cleaned_data["submit"])
        except SheetErrors as exc:
            errors = exc.errors
        except ActionError as exc:
            errors = [str(exc)]
        else:
            text = f"已导入 {len(result.saved)} 份报告的修改"
            if form.cleaned_data["submit"]:
                text += f"，报送 {len(result.submitted)} 份"
            if result.unchanged:
                text += f"；{len(result.unchanged)} 行与系统中一致，未重复保存"
            if not result.skipped:
                messages.success(request, text)
                return redirect("rounds:mine")
            # Rows left alone are listed on the page, so nobody wonders where they went.
            messages.success(request, text + f"；{len(result.skipped)} 行未导入，见下方")
            form = SheetUploadForm()
    status = 400 if errors else 200
    return render(request, "rounds/sheet_upload.html",
                  {"round": rnd, "form": form, "errors": errors, "result": result, "nav": "rounds"}, status=status)


# --- coordination ----------------------------------------------------------------------

@task_roles_required
def coordination_list(request):
    qs = coordination_visible_to(request.user)
    user = request.user
    scope = request.GET.get("scope", "")
    if user.is_leader and user.leader_id and scope != "all":
        qs = qs.filter(addressed_to_leader_id=user.leader_id)
        scope = "mine"
    status = request.GET.get("status", "open")
    if status in CoordinationItem.Status.values:
        qs = qs.filter(status=status)
    items = [(i, permissions.can_respond(user, i)) for i in qs]
    for i, _ in items:
        i.seen = actions.coordination_fingerprint(i)
    return render(request, "rounds/coordination_list.html",
                  {"items": items, "status": status, "scope": scope, "form": ResponseForm(), "nav": "coordination"})


@login_required
@require_POST
def coordination_respond(request, item_id: int):
    item = _item_for(request.user, item_id)
    if not permissions.can_respond(request.user, item):
        raise PermissionDenied("您无权答复该协调事项")
    response = request.POST.get("response", "")
    seen = request.POST.get("seen") or None
    try:
        if request.POST.get("action") == "close":
            actions.close_coordination(item, actor=request.user, response=response, seen=seen)
            messages.success(request, "协调事项已办结")
        else:
            actions.respond_coordination(item, actor=request.user, response=response, seen=seen)
            messages.success(request, "已答复")
    except ActionError as exc:
        messages.error(request, str(exc))
    return redirect(request.POST.get("next") if _safe_next(request) else "rounds:coordination")


def _safe_next(request) -> bool:
    nxt = request.POST.get("next", "")
    return bool(nxt) and url_has_allowed_host_and_scheme(nxt, allowed_hosts={request.get_host()})

