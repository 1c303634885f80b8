"""Work plan pages: the milestone list of a task, changed in place with htmx.

Every view fetches the task or milestone from ``Task.objects.visible_to(user)`` (404
otherwise), checks the rule in ``permissions`` (403 when the person may see but not change),
and writes only through ``actions``. With htmx a view answers with the milestone list
partial (the list swaps itself); without, a GET shows the task page with the form open
and a successful POST redirects back to the task page."""
from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from duban.accounts.permissions import office_required
from duban.plans import pages
from duban.plans.permissions import get_task_for_user, task_roles_required, visible_tasks
from duban.plans.models import TaskUnit

from . import actions, permissions
from .actions import MilestoneConflict
from .forms import CompleteForm, DeleteForm, MilestoneForm, ReopenForm
from .measures import task_needs_measurable, tasks_needing_measurable
from .models import Milestone


# --- fetch helpers ----------------------------------------------------------------------

def _tasks(request):
    return visible_tasks(request.user).prefetch_related("assignments__unit")


def get_milestone_for_user(request, pk: int) -> Milestone:
    """The milestone `pk` if its task is one `request.user` may see, else 404."""
    qs = Milestone.objects.select_related("unit", "task").filter(task__in=visible_tasks(request.user).values("pk"))
    m = get_object_or_404(qs, pk=pk)
    m.task = _tasks(request).get(pk=m.task_id)  # with its assignments, for the rules
    return m


def _require(allowed: bool, message: str = "您可以查看此任务，但无权修改其工作方案") -> None:
    if not allowed:
        raise PermissionDenied(message)


# --- the milestone list -----------------------------------------------------------------

@dataclass
class Row:
    m: Milestone
    overdue: bool
    can_edit: bool
    can_complete: bool
    after_deadline: bool = False  # due after the task's deadline in force
    form: object = None  # the form open in this row, if any
    mode: str = ""  # "edit" | "complete" | "reopen"


def milestone_list_context(request, task, *, open_pk: int | None = None, mode: str = "", form=None,
                           add_form=None, conflict: MilestoneConflict | None = None, notice: str = "") -> dict:
    """What workplans/_milestones.html needs. `task` has its assignments loaded."""
    user = request.user
    as_of = timezone.localdate()
    milestones = list(task.milestones.select_related("unit").order_by("due", "order", "id"))
    deadline = actions.deadline_in_force(task, as_of)
    rows = []
    for m in milestones:
        row = Row(m, m.is_overdue(as_of), permissions.can_edit_milestone(user, m, task),
                  permissions.can_complete_milestone(user, m, task), after_deadline=m.done_on is None and m.is_after(deadline))
        if m.pk == open_pk and form is not None:
            row.form, row.mode = form, mode
            first = next(iter(form.visible_fields()), None)
            if first is not None:  # keyboard users land in the form htmx just opened
                first.field.widget.attrs["autofocus"] = True
        rows.append(row)
    can_add = permissions.can_add_milestone(user, task)
    if can_add and add_form is None:
        add_form = MilestoneForm(units=permissions.unit_choices(user, task), prefix="add",
                                 default_unit=user.unit if user.is_unit_person else None)
    needs = task_needs_measurable(task, milestones=milestones)
    return {
        "task": task,
        "rows": rows,
        "can_add": can_add,
        "add_form": add_form,
        "conflict": conflict,
        "notice": notice,
        "needs_measurable": needs,
        "asks_me": needs and (user.is_office or permissions.unit_role(user, task) == TaskUnit.Role.LEAD),
        "overdue_count": sum(1 for r in rows if r.overdue),
        "deadline": deadline,
        "after_deadline": [r.m for r in rows if r.after_deadline],
        "as_of": as_of,
    }


def _respond(request, task, **state):
    """The list partial for htmx; the task page (form open) otherwise."""
    ctx = milestone_list_context(request, task, **state)
    if request.htmx:
        return render(request, "workplans/_milestones.html", ctx)
    return pages.render_task_page(request, task, ctx)


def _done(request, task, notice: str):
    if request.htmx:
        return render(request, "workplans/_milestones.html", milestone_list_context(request, task, notice=notice))
    messages.success(request, notice)
    return redirect(reverse("plans:task", args=[task.pk]) + "#milestones")


def _conflicted(request, task, exc: MilestoneConflict):
    return _respond(request, task, conflict=exc)


@task_roles_required
def milestone_list(request, task_id: int):
    """The list partial (htmx "cancel"); without htmx, the task page."""
    task = get_task_for_user(request, task_id, _tasks(request))
    if not request.htmx:
        return redirect(reverse("plans:task", args=[task.pk]) + "#milestones")
    return _respond(request, task)


@task_roles_required
@require_http_methods(["GET", "POST"])
def milestone_add(request, task_id: int):
    task = get_task_for_user(request, task_id, _tasks(request))
    _require(permissions.can_add_milestone(request.user, task))
    units = permissions.unit_choices(request.user, task)
    if request.method == "GET":
        if request.htmx:
            return _respond(request, task)
        return redirect(reverse("plans:task", args=[task.pk]) + "#add-milestone")
    form = MilestoneForm(request.POST, units=units, prefix="add")
    if not form.is_valid():
        return _respond(request, task, add_form=form)
    data = {k: form.cleaned_data[k] for k in ("title", "due", "unit", "owner", "is_measurable")}
    m = actions.add_milestone(task, actor=request.user, **data)
    return _done(request, task, f"已添加节点「{m.title}」" + _after_deadline_note(m))


@task_roles_required
@require_http_methods(["GET", "POST"])
def milestone_edit(request, pk: int):
    m = get_milestone_for_user(request, pk)
    task = m.task
    _require(permissions.can_edit_milestone(request.user, m, task),
             "方案原文中的阶段节点不能修改" if m.source == Milestone.Source.PLAN else "您只能修改本单位负责的节点")
    units = permissions.unit_choices(request.user, task)
    if m.unit_id and m.unit not in units:
        units = [*units, m.unit]  # keep the current unit selectable
    if request.method == "GET":
        form = MilestoneForm(instance=m, units=units, prefix="edit")
        return _respond(request, task, open_pk=m.pk, mode="edit", form=form)
    form = MilestoneForm(request.POST, instance=Milestone.objects.get(pk=m.pk), units=units, prefix="edit")
    if not form.is_valid() or not form.cleaned_data.get("version"):
        if form.is_valid():
            form.add_error(None, "页面缺少版本信息，请刷新后重试")
        return _respond(request, task, open_pk=m.pk, mode="edit", form=form)
    changes = {k: form.cleaned_data[k] for k in actions.EDITABLE}
    try:
        m = actions.update_milestone(m, actor=request.user, version=form.cleaned_data["version"], **changes)
    except MilestoneConflict as exc:
        return _conflicted(request, task, exc)
    return _done(request, task, f"已保存节点「{m.title}」" + _after_deadline_note(m))


def _after_deadline_note(m: Milestone) -> str:
    deadline = actions.deadline_in_force(m.task)
    if not m.is_after(deadline):
        return ""
    return (f"。注意：完成时间 {m.due:%Y-%m-%d} 晚于任务完成时限 {deadline:%Y-%m-%d}，任务将不能按期完成，"
            "已提示督查室；请调整节点时间，或在到期前申请延期")


def _complete_or_reopen(request, pk: int, *, mode: str):
    m = get_milestone_for_user(request, pk)
    task = m.task
    _require(permissions.can_complete_milestone(request.user, m, task), "您只能办理本单位负责的节点")
    form_class = CompleteForm if mode == "complete" else ReopenForm
    kwargs = {"as_of": timezone.localdate()} if mode == "complete" else {}
    if request.method == "GET":
        form = form_class(initial={"version": m.version}, prefix=mode, **kwargs)
        return _respond(request, task, open_pk=m.pk, mode=mode, form=form)
    form = form_class(request.POST, prefix=mode, **kwargs)
    if not form.is_valid():
        return _respond(request, task, open_pk=m.pk, mode=mode, form=form)
    try:
        if mode == "complete":
            m = actions.complete_milestone(m, actor=request.user, version=form.cleaned_data["version"],
                                           done_on=form.cleaned_data["done_on"], evidence=form.cleaned_data["evidence"])
            notice = f"节点「{m.title}」已标记完成"
        else:
            m = actions.reopen_milestone(m, actor=request.user, version=form.cleaned_data["version"],
                                         reason=form.cleaned_data["reason"])
            notice = f"节点「{m.title}」已重新打开"
    except MilestoneConflict as exc:
        return _conflicted(request, task, exc)
    return _done(request, task, notice)


@task_roles_required
@require_http_methods(["GET", "POST"])
def milestone_complete(request, pk: int):
    return _complete_or_reopen(request, pk, mode="complete")


@task_roles_required
@require_http_methods(["GET", "POST"])
def milestone_reopen(request, pk: int):
    return _complete_or_reopen(request, pk, mode="reopen")


@task_roles_required
@require_POST
def milestone_delete(request, pk: int):
    m = get_milestone_for_user(request, pk)
    task = m.task
    _require(permissions.can_delete_milestone(request.user, m, task),
             "方案原文中的阶段节点不能删除" if m.source == Milestone.Source.PLAN else "您只能删除本单位负责的节点")
    form = DeleteForm(request.POST)
    if not form.is_valid():
        return _respond(request, task, notice="删除失败：页面缺少版本信息，请刷新后重试")
    title = m.title
    try:
        actions.delete_milestone(m, actor=request.user, version=form.cleaned_data["version"])
    except MilestoneConflict as exc:
        return _conflicted(request, task, exc)
    return _done(request, task, f"已删除节点「{title}」")


# --- measurability (量化细化) -------------------------------------------------------------

@office_required
def unquantified(request):
    """Tasks that still have no quantitative target and no measurable milestone, with
    counts per lead unit, for the office to chase."""
    tasks = visible_tasks(request.user).active()
    pending = (
        tasks_needing_measurable(tasks)
        .select_related("plan", "section")
        .prefetch_related("leader_links__leader", "assignments__unit")
        .annotate(milestone_count=Count("milestones"))
        .order_by("-plan__year", "-plan_id", "order")
    )
    pending = list(pending)
    by_unit: dict[str, int] = {}
    for t in pending:
        for u in t.lead_units() or ["（未注明）"]:
            by_unit[str(u)] = by_unit.get(str(u), 0) + 1
    ctx = {
        "tasks": pending,
        "total": tasks.count(),
        "by_unit": sorted(by_unit.items(), key=lambda kv: (-kv[1], kv[0])),
        "nav": "unquantified",
    }
    return render(request, "workplans/unquantified.html", ctx)
