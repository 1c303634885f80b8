"""Plan pages: the list of plans, a plan, the ledger, the task page, a unit's tasks
and a leader's tasks. Importing a plan is duban.imports. The pages gather every app's
data (work plans, rounds, supervision, the stored lights), so they live here, above
those apps; their URLs keep the ``plans:`` names (``urls.py``)."""
from __future__ import annotations

from django.contrib import messages
from django.http import FileResponse, Http404
from django.db.models import F, OuterRef, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from duban.accounts.permissions import office_required
from duban.audit.log import record
from duban.plans import actions
from duban.plans.lights import attach_status
from duban.plans.models import Plan, Task, TaskUnit
from duban.plans.permissions import get_leader_for_user, get_task_for_user, task_roles_required, visible_tasks
from duban.plans.timeline import task_timeline
from duban.rounds.views import open_items_for_task
from duban.supervision.models import ExtensionRequest, Notice, RequestStatus
from duban.workplans.models import Milestone
from duban.workplans.views import milestone_list_context

from . import filters
from .rows import rows_html


@task_roles_required
def plan_list(request):
    plans = Plan.objects.all()
    return render(request, "plans/plan_list.html", {"plans": plans})


@task_roles_required
def plan_detail(request, plan_id: int):
    plan = get_object_or_404(Plan, pk=plan_id)
    tasks = Task.objects.visible_to(request.user).filter(plan=plan)
    sections = plan.sections.all()
    withdrawn = list(tasks.filter(withdrawn=True).order_by("order"))
    return render(request, "plans/plan_detail.html", {"plan": plan, "task_count": tasks.active().count(),
                                                      "sections": sections, "withdrawn": withdrawn})


@office_required
@require_safe
def plan_source(request, plan_id: int):
    plan = get_object_or_404(Plan, pk=plan_id)
    if not plan.source_file:
        raise Http404
    record("plan.download_source", actor=request.user, obj=plan, summary=f"下载方案原文 {plan.source_name}")
    return FileResponse(plan.source_file.open("rb"), as_attachment=True, filename=plan.source_name)


# --- the ledger, task pages, my tasks, a leader's tasks ----------------------------------

@task_roles_required
def ledger(request):
    """The ledger (台账): filters, search and sorting from the query string, 50 a page.
    An htmx request (a filter changed) gets only the results part. The lights are
    the stored ones (duban.status): one query for the page's tasks, and the colour
    filters are SQL conditions on them; nothing is cached."""
    as_of = timezone.localdate()
    partial = bool(request.htmx and not request.htmx.history_restore_request)
    result = filters.ledger(visible_tasks(request.user).active(), request.GET, as_of=as_of)
    result.page.object_list = attach_status(result.page.object_list, as_of)
    ctx = {"r": result, "page": result.page, "form": result.form, "nav": "ledger", "as_of": as_of,
           "sorts": filters.SORTS, "lights": True, "rows": rows_html(result.page.object_list, as_of, True)}
    if partial:
        return render(request, "plans/_ledger_results.html", ctx)
    return render(request, "plans/ledger.html", ctx)


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
        "lights": True,
        **_supervision_counts(request.user, task),
        "nav": "ledger",
        **milestones,
    }
    return render(request, "plans/task_detail.html", ctx, status=status)


def _supervision_counts(user, task) -> dict:
    """Open notices (those the person may see) and open extension requests of the
    task, for the link to its supervision page: two COUNT queries."""
    return {
        "open_notices": Notice.objects.visible_to(user).filter(task=task).exclude(status=Notice.Status.CLOSED).count(),
        "open_extensions": ExtensionRequest.objects.filter(
            task=task, status__in=[RequestStatus.PENDING, RequestStatus.LEADER_PENDING]).count(),
    }


def _open_coordination(user, task) -> list:
    """Open coordination items of the task (duban.rounds), only those a unit's people
    are party to."""
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


def unit_tasks(user, as_of) -> tuple[list[Task], list[Task], list[Task]]:
    """A unit's tasks as lead unit, as co-unit, and shared with every unit (given to a
    collective assignee such as 各部门、各单位, and not to this unit by name), each nearest
    deadline first (no date last). A shared task is nobody's own lead task."""
    tasks = visible_tasks(user)
    own = TaskUnit.objects.filter(unit_id=user.unit_id)
    lead = tasks.filter(pk__in=own.filter(role=TaskUnit.Role.LEAD).values("task_id"))
    co = tasks.filter(pk__in=own.filter(role=TaskUnit.Role.CO).values("task_id")).exclude(pk__in=lead.values("pk"))
    shared = (tasks.filter(pk__in=TaskUnit.objects.filter(unit__is_collective=True).values("task_id"))
              .exclude(pk__in=own.values("task_id")))
    return list(_with_facts(lead, as_of)), list(_with_facts(co, as_of)), list(_with_facts(shared, as_of))


@task_roles_required
def my_tasks(request):
    """A unit's own page; a leader is sent to their page, the office to the ledger."""
    user = request.user
    if user.is_leader and user.leader_id:
        return redirect("plans:leader", pk=user.leader_id)
    if not user.is_unit_person:
        return redirect("plans:ledger")
    as_of = timezone.localdate()
    lead, co, shared = unit_tasks(user, as_of)
    attach_status(lead + co + shared, as_of)
    return render(request, "plans/my_tasks.html", {"lead": lead, "co": co, "shared": shared, "as_of": as_of, "nav": "mine",
                                                   "lights": True})


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
        "nav": "mine" if request.user.leader_id == leader.pk else "ledger",
        "lights": True,
    }
    return render(request, "plans/leader_tasks.html", ctx)


@office_required
@require_POST
def restore_task(request, pk: int):
    """Restore a withdrawn task (from its page, or from the plan page's list)."""
    task = get_object_or_404(Task, pk=pk)
    try:
        actions.restore_task(task, actor=request.user)
    except actions.RestoreRefused as exc:
        messages.info(request, str(exc))
    else:
        messages.success(request, f"已恢复任务“{task}”，原有记录全部保留")
    if request.POST.get("next") == "plan":
        return redirect("plans:detail", plan_id=task.plan_id)
    return redirect("plans:task", pk=task.pk)
