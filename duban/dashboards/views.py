"""Dashboard pages: the overview (and its meeting-room screen), the unit × task matrix,
the unit league table and its weights.

Who sees what (see also duban/web/tests/test_isolation.py):
- the overview: the office and leaders see every task; a unit's people see their own
  unit's view (the tasks their unit carries, their unit's report slots); the
  administrative roles get 403;
- the matrix and the league table compare units with each other: the office and
  leaders only (403 for everyone else); setting the weights: the office only.

Pages are built on every request from the stored lights (duban.status) and SQL
aggregates; nothing is cached.
"""
from __future__ import annotations

import hashlib

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from duban.accounts.models import Role
from duban.accounts.permissions import office_required, role_required
from duban.lib.concurrency import StaleEdit, rebase, stale_rows
from duban.plans.permissions import task_roles_required

from . import metrics
from .actions import update_league_weights
from .forms import FilterForm, MatrixForm, WeightsForm
from .league import league as league_table
from .matrix import COLOR_MARK
from .matrix import matrix as unit_task_matrix
from .models import LeagueWeights
from .overview import overview as overview_figures

staff_required = role_required(Role.OFFICE, Role.LEADER)


def _serve(request, name: str, build, template: str, *, partial_template: str | None = None):
    """The page `template` with what `build()` gives; an htmx request gets
    `partial_template` alone. Built on every request: the lights are stored rows
    (duban.status), so a page costs its queries, not a status computation."""
    ctx = build()
    if partial_template and request.htmx and not request.htmx.history_restore_request:
        return render(request, partial_template, ctx)
    return render(request, template, ctx)


def _query_without(request, *names: str) -> str:
    q = request.GET.copy()
    for n in names:
        q.pop(n, None)
    return q.urlencode()


@task_roles_required
def overview(request):
    """The overview (驾驶舱) as of any date: tasks by light, by chapter, lead leader and
    lead unit; the red and yellow lists; deadlines in the next 30 days; the trend
    across rounds. ``?screen=1`` is the meeting-room layout (large type, no
    navigation, refreshed every minute)."""
    user = request.user
    today = timezone.localdate()
    screen = request.GET.get("screen") == "1"

    def build():
        form = FilterForm(request.GET, today=today)
        as_of, plan = form.values()
        scope = form.scope()
        ov = overview_figures(user, as_of, plan, category=scope["category"], year=scope["year"])
        ctx = {
            "form": form, "ov": ov, "as_of": as_of, "plan": plan, "scope": scope, "scope_label": form.scope_label(), "today": today, "is_today": as_of == today,
            "chart": ov.chart_data(), "nav": "dashboard", "screen": screen,
            "unit_view": not user.sees_all_tasks, "unit": user.unit if not user.sees_all_tasks else None,
            "list_limit": metrics.LIST_LIMIT, "due_days": metrics.DUE_SOON_DAYS,
            "query": _query_without(request, "screen"),
            "screen_query": _query_without(request, "screen"),
        }
        if as_of == today:  # the ledger's light filters are as of today
            ledger = reverse("plans:ledger") + f"?{form.scope_query()}&status="
            ctx.update(more_red=ledger + "red", more_yellow=ledger + "yellow")
        return ctx

    if screen:
        return _serve(request, "screen", build, "dashboards/screen.html", partial_template="dashboards/_screen_live.html")
    return _serve(request, "overview", build, "dashboards/overview.html")


@staff_required
def matrix(request):
    """Every unit against the tasks it carries, coloured by the task's light."""
    today = timezone.localdate()

    def build():
        form = MatrixForm(request.GET)
        v = form.values()
        m = unit_task_matrix(today, plan=v["plan"], section=v["section"], order=v["order"], page=v["page"],
                           category=v["category"], year=v["year"])
        base = _query_without(request, "page")
        return {"form": form, "m": m, "as_of": today, "nav": "dashboard", "query": base,
                "prev_page": m.page - 1 if m.page > 1 else None, "next_page": m.page + 1 if m.page < m.pages else None,
                "legend": [(c, metrics.COLOR_LABELS[c], COLOR_MARK[c]) for c in metrics.COLORS]}

    return _serve(request, "matrix", build, "dashboards/matrix.html")


def _weights_token(weights: LeagueWeights) -> str:
    """The weights are not task data (no data-version change when they are set): they
    are part of the league page's cache key instead."""
    raw = repr([str(getattr(weights, f)) for f in LeagueWeights.FIELDS])
    return hashlib.sha256(raw.encode()).hexdigest()[:12]


@staff_required
def league(request):
    """The unit league table (考核): measures, the formula with the office's weights,
    the score and the rank."""
    today = timezone.localdate()
    weights = LeagueWeights.current()

    def build():
        form = FilterForm(request.GET, today=today)
        as_of, plan = form.values()
        scope = form.scope()
        ranked, unranked = league_table(as_of, weights, plan, category=scope["category"], year=scope["year"])
        return {"form": form, "as_of": as_of, "plan": plan, "scope_label": form.scope_label(), "ranked": ranked, "unranked": unranked,
                "weights": weights, "nav": "dashboard", "today": today}

    return _serve(request, f"league-{_weights_token(weights)}", build, "dashboards/league.html")


@office_required
@require_http_methods(["GET", "POST"])
def league_weights(request):
    weights = LeagueWeights.current()
    form = WeightsForm(request.POST or None, instance=LeagueWeights.current())
    if request.method == "POST" and form.is_valid():
        try:
            update_league_weights(actor=request.user, values={f: form.cleaned_data[f] for f in LeagueWeights.FIELDS},
                                  seen=form.cleaned_data.get("fingerprint"))
        except StaleEdit as exc:
            rebase(form, exc.current, LeagueWeights.FIELDS)
            return render(request, "dashboards/league_weights.html", {
                "form": form, "weights": exc.current, "nav": "dashboard", "stale": exc,
                "stale_rows": stale_rows(form, exc.current, LeagueWeights.FIELDS)}, status=409)
        messages.success(request, "考核权重已保存，排名已按新权重计算")
        return redirect(reverse("dashboards:league"))
    return render(request, "dashboards/league_weights.html", {"form": form, "weights": weights, "nav": "dashboard"})
