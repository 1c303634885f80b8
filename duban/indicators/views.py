"""Indicator pages: the list (with forecasts), one indicator's trajectory, and adding or
changing an indicator by hand.

Every view starts from ``Task.objects.visible_to(user)``: an indicator of a task the
person may not see answers 404; a change the person may not make answers 403."""
from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from duban.lib.concurrency import StaleEdit, rebase
from duban.plans.models import Comparator, Plan, Target, Task
from duban.plans.permissions import get_task_for_user, task_roles_required, visible_tasks
from duban.status.forecast import NO_DATA, quantity

from . import actions
from .forecast import IndicatorResult, forecasts_for_tasks
from .forms import FilterForm, IndicatorForm
from .permissions import ALL_FIELDS, can_manage_indicators

PAGE_SIZE = 50


def get_target_for_user(request, target_id: int) -> Target:
    """The indicator if its task is one `request.user` may see, else 404."""
    qs = Target.objects.select_related("task__plan").filter(task__in=visible_tasks(request.user).values("pk"))
    return get_object_or_404(qs, pk=target_id)


def _requirement(result: IndicatorResult) -> str:
    ind = result.indicator
    return f"{_comparator_word(ind.comparator)} {quantity(ind.value, ind.unit)}"


def _comparator_word(code: str) -> str:
    return Comparator(code).label if code in Comparator.values else code


@task_roles_required
def indicator_list(request):
    """Every indicator of the tasks the person may see, with its forecast; filtered by
    plan and by forecast state."""
    as_of = timezone.localdate()
    form = FilterForm(request.GET or None)
    form.fields["plan"].queryset = Plan.objects.filter(pk__in=visible_tasks(request.user).values("plan_id"))
    tasks = visible_tasks(request.user).active()
    plan = state = None
    if form.is_valid():
        plan, state = form.cleaned_data.get("plan"), form.cleaned_data.get("state") or None
    if plan is not None:
        tasks = tasks.filter(plan=plan)
    tasks = tasks.filter(pk__in=Target.objects.values("task_id"))
    results = forecasts_for_tasks(tasks, as_of)
    info = {t.pk: t for t in Task.objects.filter(pk__in={r.task_id for r in results.values()})
            .select_related("plan").only("pk", "number", "title", "order", "plan__title", "plan__year")}
    rows = [r for r in results.values() if r.task_id in info]
    counts = {"all": len(rows)}
    for r in rows:
        counts[r.forecast.state] = counts.get(r.forecast.state, 0) + 1
    if state:
        rows = [r for r in rows if r.forecast.state == state]
    order = {tid: i for i, tid in enumerate(sorted(info, key=lambda pk: (-info[pk].plan.year, info[pk].plan_id,
                                                                            info[pk].order)))}
    rows.sort(key=lambda r: (order[r.task_id], r.indicator.target_id))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "indicators/list.html", {
        "nav": "indicators", "form": form, "as_of": as_of, "counts": counts, "query": query.urlencode(),
        "page": page, "rows": [_row(r, info[r.task_id]) for r in page],
    })


def _row(r: IndicatorResult, task: Task) -> dict:
    ind, fc = r.indicator, r.forecast
    latest = r.latest
    return {
        "result": r, "task": task, "name": ind.name, "requirement": _requirement(r),
        "baseline": quantity(ind.baseline, ind.unit) if ind.baseline is not None else "—",
        "latest": (latest[0], quantity(latest[1], ind.unit)) if latest else None,
        "forecast": quantity(fc.value, ind.unit) if fc.value is not None else None,
    }


@task_roles_required
def indicator_detail(request, target_id: int):
    """One indicator's trajectory: chart and the same figures in a table."""
    target = get_target_for_user(request, target_id)
    task = target.task
    as_of = timezone.localdate()
    result = forecasts_for_tasks([task.pk], as_of)[target.pk]
    ind, fc = result.indicator, result.forecast
    rows = []  # (date, what, figure) — the chart's numbers, in order
    if ind.baseline is not None and result.start is not None:
        rows.append((result.start, "基数（方案起始）", quantity(ind.baseline, ind.unit)))
    for day, value in ind.actuals:
        rows.append((day, "已报实际值", quantity(value, ind.unit)))
    if fc.value is not None and fc.line:
        rows.append((fc.horizon, f"预测值（{fc.method}）", quantity(fc.value, ind.unit)))
    if fc.horizon is not None:
        rows.append((fc.horizon, f"目标（{_comparator_word(ind.comparator)}）", quantity(ind.value, ind.unit)))
    chart = {
        "name": ind.name,
        "unit": ind.unit,
        "target": float(ind.value),
        "targetLabel": f"目标（{_requirement(result)}）",
        "baseline": [result.start.isoformat(), float(ind.baseline)]
        if ind.baseline is not None and result.start is not None else None,
        "actuals": [[d.isoformat(), float(v)] for d, v in ind.actuals],
        "line": [[d.isoformat(), float(v)] for d, v in fc.line],
        "forecastLabel": f"预测（{fc.short_method}）" if fc.line else "",
        "start": result.start.isoformat() if result.start else None,
        "horizon": fc.horizon.isoformat() if fc.horizon else None,
    }
    return render(request, "indicators/detail.html", {
        "nav": "indicators", "target": target, "task": task, "result": result, "ind": ind, "fc": fc,
        "requirement": _requirement(result), "rows": rows, "chart": chart, "as_of": as_of,
        "forecast": quantity(fc.value, ind.unit) if fc.value is not None else None,
        "no_data": fc.state == NO_DATA, "can_manage": can_manage_indicators(request.user, task),
        "baseline": quantity(ind.baseline, ind.unit) if ind.baseline is not None else None,
        "latest": quantity(result.latest[1], ind.unit) if result.latest else None,
    })


def _shown(name: str, value, unit: str) -> str:
    if value is None or value == "":
        return "—"
    if name == "comparator":
        return _comparator_word(value)
    if name in ("value", "baseline"):
        return quantity(value, unit)
    return str(value)


def _stale_rows(form: IndicatorForm, current: Target) -> list[tuple[str, str, str]]:
    """(label, their saved value, the refused input) for each field that differs."""
    data = form.cleaned_data
    rows = []
    for name in ALL_FIELDS:
        theirs = _shown(name, getattr(current, name), current.unit)
        yours = _shown(name, data.get(name), data.get("unit") or "")
        if theirs != yours:
            rows.append((str(form.fields[name].label), theirs, yours))
    return rows


def _require_manage(user, task) -> None:
    if not can_manage_indicators(user, task):
        raise PermissionDenied("只有督查室和该任务的牵头单位可以添加或修改量化指标")


@task_roles_required
@require_http_methods(["GET", "POST"])
def indicator_add(request, task_id: int):
    task = get_task_for_user(request, task_id)
    _require_manage(request.user, task)
    form = IndicatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            target = actions.add_indicator(task, actor=request.user, **form.values())
        except actions.IndicatorError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已添加量化指标“{target.text}”")
            return redirect("indicators:detail", target_id=target.pk)
    return render(request, "indicators/form.html", {"nav": "indicators", "task": task, "form": form, "target": None})


@task_roles_required
@require_http_methods(["GET", "POST"])
def indicator_edit(request, target_id: int):
    target = get_target_for_user(request, target_id)
    task = target.task
    _require_manage(request.user, task)
    form = IndicatorForm(request.POST or None, instance=target)
    ctx = {"nav": "indicators", "task": task, "form": form, "target": target}
    if request.method == "POST" and form.is_valid():
        try:
            saved = actions.update_indicator(target, actor=request.user, seen=form.cleaned_data["fingerprint"],
                                             **form.values())
        except StaleEdit as exc:
            rebase(form, exc.current, ALL_FIELDS)
            return render(request, "indicators/form.html", {
                **ctx, "stale": exc, "stale_rows": _stale_rows(form, exc.current)}, status=409)
        except actions.IndicatorError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"已保存量化指标“{saved.text}”")
            return redirect("indicators:detail", target_id=saved.pk)
    return render(request, "indicators/form.html", ctx)
