"""Dashboard pages: the overview (and its meeting-room screen), the unit × task matrix,
the unit league table and its weights.

Who sees what (see also duban/web/tests/test_isolation.py):
- the overview: the office and leaders see every task; a unit's people see their own
  unit's view (the tasks their unit carries, their unit's report slots); the
  administrative roles get 403;
- the matrix and the league table compare units with each other: the office and
  leaders only (403 for everyone else); setting the weights: the office only.

Pages are cached as the ledger's are (plans.ledger_cache): the body per visibility
scope, role, query, date and data version, the whole page per viewer; the lights of
all tasks are computed once per date and data version (metrics.lights).
"""
from __future__ import annotations

import hashlib

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from duban.accounts.models import Role
from duban.accounts.permissions import office_required, role_required
from duban.lib import dataversion
from duban.lib.concurrency import StaleEdit, rebase, stale_rows
from duban.plans import ledger_cache
from duban.plans.access import task_roles_required

from . import metrics, refresh
from .actions import update_league_weights
from .forms import FilterForm, MatrixForm, WeightsForm
from .models import LeagueWeights

staff_required = role_required(Role.OFFICE, Role.LEADER)


def _serve(request, name: str, build, template: str, *, partial_template: str | None = None):
    """The page `template` around the body `build()` makes, from the cache when nothing
    it shows has changed (the ledger's scheme: body per scope and query, page per
    viewer). An htmx request gets `partial_template` alone.

    When the data changed since the body was last built, the latest body is shown
    (marked with when it was built) while one thread builds the new one: see
    duban.dashboards.refresh."""
    partial = bool(partial_template and request.htmx and not request.htmx.history_restore_request)
    today = timezone.localdate()
    key_name = f"dash-{name}-{request.user.role}"
    body_key = ledger_cache.key(request, as_of=today, partial=partial, name=key_name)
    latest_key = body_key and ledger_cache.key(request, as_of=today, partial=partial, name=key_name, version="latest")
    page_key = None if partial else ledger_cache.page_key(request, body_key)
    page = ledger_cache.get(page_key)
    if page is not None:
        return HttpResponse(page)

    def make_body(req) -> tuple[dict, str]:
        ctx = build()
        if partial:
            return ctx, render_to_string(partial_template, ctx, req)
        return ctx, render_to_string(template, {**ctx, "dash_base": "plans/_bare.html"}, req)

    body = ledger_cache.get(body_key)
    if body is None:
        copy = refresh.latest(latest_key)
        if copy is not None:
            def rebuild():
                # The key of the data version read before the figures: a write made
                # meanwhile makes a newer version, whose page is built in turn.
                version = dataversion.current()
                _, html = make_body(_detached(request))
                key = ledger_cache.key(request, as_of=today, partial=partial, name=key_name, version=version)
                refresh.store(key, latest_key, html)

            refresh.rebuild_in_background(latest_key, rebuild)
            shown = mark_safe(render_to_string("dashboards/_stale.html", {"copy": copy, "partial": partial}) + copy.html)
            if partial:
                return HttpResponse(shown)
            return render(request, template, {"body": shown, "nav": "dashboard"})  # not cached: it is not current
        ctx, body = make_body(request)
        refresh.store(body_key, latest_key, body)
        if partial:
            return HttpResponse(body)
        # The whole context too, for tests and debugging; the page is the body just made.
        response = render(request, template, {**ctx, "body": mark_safe(body)})
    elif partial:
        return HttpResponse(body)
    else:
        response = render(request, template, {"body": mark_safe(body), "nav": "dashboard"})
    ledger_cache.put(page_key, response.content.decode())
    return response


def _detached(request) -> HttpRequest:
    """What a page body needs of the request (path, query, person, htmx), in a request
    of its own for a thread that builds the body after the response has gone."""
    clone = HttpRequest()
    clone.method = "GET"
    clone.path, clone.path_info = request.path, request.path_info
    clone.GET = request.GET.copy()
    clone.META = {k: v for k, v in request.META.items() if isinstance(v, str)}
    clone.user = request.user
    clone.htmx = request.htmx
    return clone


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
        ov = metrics.overview(user, as_of, plan)
        ctx = {
            "form": form, "ov": ov, "as_of": as_of, "plan": plan, "today": today, "is_today": as_of == today,
            "chart": ov.chart_data(), "nav": "dashboard", "screen": screen,
            "unit_view": not user.sees_all_tasks, "unit": user.unit if not user.sees_all_tasks else None,
            "list_limit": metrics.LIST_LIMIT, "due_days": metrics.DUE_SOON_DAYS,
            "query": _query_without(request, "screen"),
            "screen_query": _query_without(request, "screen"),
        }
        if as_of == today:  # the ledger's light filters are as of today
            ledger = reverse("plans:ledger") + (f"?plan={plan.pk}&status=" if plan else "?status=")
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
        m = metrics.matrix(today, plan=v["plan"], section=v["section"], order=v["order"], page=v["page"])
        base = _query_without(request, "page")
        return {"form": form, "m": m, "as_of": today, "nav": "dashboard", "query": base,
                "prev_page": m.page - 1 if m.page > 1 else None, "next_page": m.page + 1 if m.page < m.pages else None,
                "legend": [(c, metrics.COLOR_LABELS[c], metrics.COLOR_MARK[c]) for c in metrics.COLORS]}

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
        ranked, unranked = metrics.league(as_of, weights, plan)
        return {"form": form, "as_of": as_of, "plan": plan, "ranked": ranked, "unranked": unranked,
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
