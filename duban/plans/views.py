"""Plan pages: the list of plans, import (upload → preview → confirm), the ledger, the
task page, a unit's tasks and a leader's tasks."""
from __future__ import annotations

from pathlib import Path

from django.apps import apps
from django.contrib import messages
from django.db import transaction
from django.core.files.base import ContentFile
from django.http import FileResponse, Http404, HttpResponse
from django.db.models import F, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_safe

from planparser import ReadError

from duban.accounts.permissions import office_required
from duban.audit.log import record

from duban.workplans.models import Milestone
from duban.workplans.views import milestone_list_context

from . import filters, ledger_cache
from .access import get_leader_for_user, get_task_for_user, task_roles_required, visible_tasks
from .forms import PlanUploadForm
from .lights import attach_status, supervision_installed
from .importing import ImportConflict, build_preview, check_plan_file, import_plan, parse_upload, sha256_of
from .models import ImportBatch, Plan, Task, TaskUnit
from .timeline import task_timeline


@task_roles_required
def plan_list(request):
    plans = Plan.objects.all()
    return render(request, "plans/plan_list.html", {"plans": plans})


@task_roles_required
def plan_detail(request, plan_id: int):
    plan = get_object_or_404(Plan, pk=plan_id)
    tasks = Task.objects.visible_to(request.user).filter(plan=plan).active()
    sections = plan.sections.all()
    return render(request, "plans/plan_detail.html", {"plan": plan, "task_count": tasks.count(), "sections": sections})


@office_required
@require_safe
def plan_source(request, plan_id: int):
    plan = get_object_or_404(Plan, pk=plan_id)
    if not plan.source_file:
        raise Http404
    record("plan.download_source", actor=request.user, obj=plan, summary=f"下载方案原文 {plan.source_name}")
    return FileResponse(plan.source_file.open("rb"), as_attachment=True, filename=plan.source_name)


@office_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    form = PlanUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            # Zip bombs (a lying size header too), XML entity declarations, locked or broken
            # PDFs: refused before the file is stored or any reader library opens it.
            check_plan_file(data, upload.name)
        except ReadError as exc:
            form.add_error("file", str(exc))
            return render(request, "plans/import_upload.html", {"form": form})
        batch = ImportBatch(original_name=Path(upload.name).name, sha256=sha256_of(data), created_by=request.user)
        # Stored under a generated name: the uploaded name is never used as a path.
        suffix = Path(upload.name).suffix.lower()
        batch.file.save(f"{batch.sha256[:16]}{suffix}", ContentFile(data), save=False)
        stored = Path(batch.file.name).name
        try:
            parse_upload(Path(batch.file.path))
        except ReadError as exc:
            batch.file.delete(save=False)
            # The reader names the stored file; the person knows it by the name they uploaded.
            form.add_error("file", str(exc).replace(stored, batch.original_name))
        else:
            batch.save()
            return redirect("plans:import_preview", batch_id=batch.pk)
    return render(request, "plans/import_upload.html", {"form": form})


@office_required
@require_http_methods(["GET", "POST"])
def import_preview(request, batch_id: int):
    batch = get_object_or_404(ImportBatch, pk=batch_id, status=ImportBatch.Status.PENDING)
    path = Path(batch.file.path)
    try:
        parsed = parse_upload(path)
    except ReadError as exc:
        messages.error(request, str(exc))
        return redirect("plans:import")
    preview = build_preview(parsed, batch.sha256)
    if request.method == "POST":
        if request.POST.get("action") == "cancel":
            if ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PENDING).update(
                    status=ImportBatch.Status.CANCELLED) != 1:
                messages.info(request, "该导入已由他人确认或取消")
                return redirect("plans:import")
            messages.info(request, "已取消导入，未做任何修改")
            return redirect("plans:import")
        seen = request.POST.get("revision")
        shown = str(preview.plan.revision) if preview.plan is not None else "new"
        try:
            if seen and seen != shown:  # revised by someone else while this preview was open
                raise ImportConflict(preview.plan)
            with transaction.atomic():
                # Claimed, applied and marked in one transaction: two confirmations (or a
                # crash half-way) never apply a batch twice or leave it half applied.
                if ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PENDING).update(
                        status=ImportBatch.Status.APPLIED) != 1:
                    messages.info(request, "该导入已由他人确认或取消，未重复导入")
                    return redirect("plans:import")
                result = import_plan(preview, actor=request.user, source_name=batch.original_name,
                                     source_bytes=path.read_bytes())
                ImportBatch.objects.filter(pk=batch.pk).update(
                    status=ImportBatch.Status.UNCHANGED if result.unchanged else ImportBatch.Status.APPLIED,
                    plan=result.plan)
        except ImportConflict as exc:
            preview = build_preview(parsed, batch.sha256)
            warn_lines = {w.line for w in parsed.warnings if w.line}
            rows = [(t, t.line in warn_lines) for t in parsed.tasks]
            return render(request, "plans/import_preview.html", {
                "batch": batch, "preview": preview, "parsed": parsed, "rows": rows, "conflict": str(exc)}, status=409)
        if result.unchanged:
            messages.info(request, "该文件与已导入的版本相同，未做任何修改")
        elif preview.is_new:
            messages.success(request, f"已导入《{result.plan.title}》，共 {len(parsed.tasks)} 项任务")
        else:
            messages.success(
                request, f"已应用修订版：新增 {result.added} 项、修改 {result.changed} 项、撤销 {result.removed} 项"
            )
        return redirect("plans:detail", plan_id=result.plan.pk)
    warn_lines = {w.line for w in parsed.warnings if w.line}
    rows = [(t, t.line in warn_lines) for t in parsed.tasks]
    return render(request, "plans/import_preview.html", {"batch": batch, "preview": preview, "parsed": parsed, "rows": rows})


# --- the ledger, task pages, my tasks, a leader's tasks ----------------------------------

@task_roles_required
def ledger(request):
    """The ledger (台账): filters, search and sorting from the query string, 50 a page.
    An htmx request (a filter changed) gets only the results part."""
    as_of = timezone.localdate()
    partial = bool(request.htmx and not request.htmx.history_restore_request)
    # The rendered body is cached per visibility scope, query, date and data version
    # (plans.ledger_cache): an unchanged ledger is not built again.
    cache_key = ledger_cache.key(request, as_of=as_of, partial=partial)
    # The whole page too, per viewer (their name, unread count and CSRF token are on it).
    page_key = None if partial else ledger_cache.page_key(request, cache_key)
    page = ledger_cache.get(page_key)
    if page is not None:
        return HttpResponse(page)
    body = ledger_cache.get(cache_key)
    if body is None:
        result = filters.ledger(visible_tasks(request.user).active(), request.GET, as_of=as_of)
        # The lights of this page's tasks only, read in one go (a fixed number of queries).
        result.page.object_list = attach_status(result.page.object_list, as_of)
        ctx = {"r": result, "page": result.page, "form": result.form, "nav": "ledger", "as_of": as_of,
               "sorts": filters.SORTS, "lights": supervision_installed()}
        if partial:
            response = render(request, "plans/_ledger_results.html", ctx)
            ledger_cache.put(cache_key, response.content.decode())
            return response
        body = render_to_string("plans/ledger.html", {**ctx, "ledger_base": "plans/_bare.html"}, request)
        ledger_cache.put(cache_key, body)
        # The whole context, for tests and debugging; the page is the body just made.
        response = render(request, "plans/ledger.html", {**ctx, "body": mark_safe(body)})
    elif partial:
        return HttpResponse(body)
    else:
        response = render(request, "plans/ledger.html", {"body": mark_safe(body), "nav": "ledger"})
    ledger_cache.put(page_key, response.content.decode())
    return response


def _task_queryset(request):
    return (
        visible_tasks(request.user)
        .select_related("plan", "section")
        .prefetch_related("leader_links__leader", "assignments__unit", "targets")
    )


def render_task_page(request, task: Task, milestones: dict, status: int = 200):
    """The task page around a milestone-list context (the work plan views reuse it to
    show a form open without JavaScript)."""
    units = sorted(task.assignments.all(), key=lambda a: (a.role != TaskUnit.Role.LEAD, a.order))
    plan_milestones = [r.m for r in milestones["rows"] if r.m.source == Milestone.Source.PLAN]
    as_of = timezone.localdate()
    attach_status([task], as_of)
    days_left = task.days_left(as_of)
    ctx = {
        "task": task,
        "lead_units": [a.unit for a in units if a.role == TaskUnit.Role.LEAD],
        "co_units": [a.unit for a in units if a.role == TaskUnit.Role.CO],
        "leaders": task.ordered_leaders(),
        "targets": list(task.targets.all()),
        "plan_milestones": plan_milestones,
        "timeline": task_timeline(task),
        "days_left": days_left,
        "days_overdue": -days_left if days_left is not None and days_left < 0 else None,
        "coordination": _open_coordination(request.user, task),
        "as_of": as_of,
        "lights": supervision_installed(),
        **_supervision_counts(request.user, task),
        "nav": "ledger",
        **milestones,
    }
    return render(request, "plans/task_detail.html", ctx, status=status)


def _supervision_counts(user, task) -> dict:
    """Open notices (those the person may see) and open extension requests of the
    task, for the link to its supervision page: two COUNT queries."""
    if not supervision_installed():
        return {}
    from duban.supervision.models import ExtensionRequest, Notice, RequestStatus

    return {
        "open_notices": Notice.objects.visible_to(user).filter(task=task).exclude(status=Notice.Status.CLOSED).count(),
        "open_extensions": ExtensionRequest.objects.filter(
            task=task, status__in=[RequestStatus.PENDING, RequestStatus.LEADER_PENDING]).count(),
    }


def _pending_extensions_for_leader(user, leader) -> list:
    """Extension requests waiting for `leader`'s approval (待领导审批) on tasks the
    person may see."""
    if not supervision_installed():
        return []
    from duban.supervision.models import ExtensionRequest, RequestStatus

    return list(
        ExtensionRequest.objects.filter(
            status=RequestStatus.LEADER_PENDING,
            task__in=visible_tasks(user).led_by(leader).values("pk"),
        ).select_related("task", "unit").order_by("pk")
    )


def _open_items_for_leader(leader) -> list:
    if not apps.is_installed("duban.rounds"):
        return []
    from duban.rounds.views import open_items_for_leader

    return list(open_items_for_leader(leader).select_related("raised_by_unit", "addressed_to_leader", "task"))


def _open_coordination(user, task) -> list:
    """Open coordination items of the task (from duban.rounds, when installed), only
    those a unit's people are party to."""
    if not apps.is_installed("duban.rounds"):
        return []
    try:
        from duban.rounds.views import open_items_for_task
    except ImportError:  # pragma: no cover - rounds without the helper
        return []
    items = open_items_for_task(task)
    if not user.sees_all_tasks:
        items = items.filter(Q(addressed_to_unit_id=user.unit_id) | Q(raised_by_unit_id=user.unit_id))
    return list(items)


@task_roles_required
def task_detail(request, pk: int):
    task = get_task_for_user(request, pk, _task_queryset(request))
    return render_task_page(request, task, milestone_list_context(request, task))


def _with_facts(tasks, as_of):
    return (
        tasks.active()
        .select_related("plan", "section")
        .prefetch_related("leader_links__leader", "assignments__unit")
        .annotate(
            # Subqueries, not joins: visible_to() already joins the units for unit people.
            milestone_overdue=filters.count_of(Milestone.objects.overdue(as_of).filter(task=OuterRef("pk"))),
            milestone_count=filters.count_of(Milestone.objects.filter(task=OuterRef("pk"))),
        )
        .order_by(F("deadline").asc(nulls_last=True), "-plan__year", "-plan_id", "order")
    )


def unit_tasks(user, as_of) -> tuple[list[Task], list[Task]]:
    """A unit's tasks as lead unit and as co-unit, nearest deadline first (no date
    last). Tasks given to a collective assignee (各部门) count in the role it holds."""
    tasks = visible_tasks(user)
    links = TaskUnit.objects.filter(Q(unit_id=user.unit_id) | Q(unit__is_collective=True))
    lead = tasks.filter(pk__in=links.filter(role=TaskUnit.Role.LEAD).values("task_id"))
    co = tasks.filter(pk__in=links.filter(role=TaskUnit.Role.CO).values("task_id")).exclude(pk__in=lead.values("pk"))
    return list(_with_facts(lead, as_of)), list(_with_facts(co, as_of))


@task_roles_required
def my_tasks(request):
    """A unit's own page; a leader is sent to their page, the office to the ledger."""
    user = request.user
    if user.is_leader and user.leader_id:
        return redirect("plans:leader", pk=user.leader_id)
    if not user.is_unit_person:
        return redirect("plans:ledger")
    as_of = timezone.localdate()
    lead, co = unit_tasks(user, as_of)
    attach_status(lead + co, as_of)
    return render(request, "plans/my_tasks.html", {"lead": lead, "co": co, "as_of": as_of, "nav": "mine",
                                                   "lights": supervision_installed()})


@task_roles_required
def leader_tasks(request, pk: int):
    leader = get_leader_for_user(request, pk)
    as_of = timezone.localdate()
    tasks = attach_status(_with_facts(visible_tasks(request.user).led_by(leader), as_of), as_of)
    # Off track first: red, then yellow, each nearest deadline first (the tasks' order).
    off_track = [t for color in ("red", "yellow") for t in tasks if t.status and t.status.color == color]
    ctx = {
        "leader": leader,
        "tasks": tasks,
        "off_track": off_track,
        "yellow": sum(1 for t in off_track if t.status.color == "yellow"),
        "as_of": as_of,
        "overdue": sum(1 for t in tasks if t.effective_deadline and t.effective_deadline < as_of
                       and not (t.status and t.status.color == "done")),
        "with_overdue_milestones": sum(1 for t in tasks if t.milestone_overdue),
        "red": sum(1 for t in tasks if t.status and t.status.color == "red"),
        "lights": supervision_installed(),
        "coordination_items": _open_items_for_leader(leader),
        "pending_extensions": _pending_extensions_for_leader(request.user, leader),
        "nav": "mine" if request.user.leader_id == leader.pk else "ledger",
    }
    return render(request, "plans/leader_tasks.html", ctx)
