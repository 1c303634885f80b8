"""Today's dashboards are counted from the stored lights, read with the tasks and
their links straight from the database (the matrix's page of columns by ORDER BY …
LIMIT); another date's from lights computed in Python. Both must give the same
figures: here today's path against the Python reference fed with the same stored
lights, for the office, a leader and a unit, whole and narrowed to a plan, a kind,
a year and a section."""
from __future__ import annotations

from dataclasses import asdict

from duban.dashboards import league, matrix, metrics, overview
from duban.dashboards.models import LeagueWeights
from duban.plans.models import Section, Task
from duban.status import store
from duban.supervision.models import TaskClosure

from .conftest import AS_OF


def _stored(tasks=None):
    return store.lights(Task.objects.active() if tasks is None else tasks, AS_OF)


def _plain(ov) -> dict:
    d = asdict(ov)
    d["trend"] = [asdict(r) for r in ov.trend]
    return d


def test_the_overview_in_sql_is_the_python_reference(seed):
    store.ensure_current(AS_OF)
    # Make sure every list and group has something: one task closed, the rest as seeded.
    TaskClosure.objects.create(task=Task.objects.active().order_by("order").last(), closed_on=AS_OF)
    store.refresh_all(AS_OF)
    plan = Task.objects.first().plan
    for user in (seed.office, seed.leader, seed.liaison):
        for scope in ({}, {"plan": plan}, {"category": plan.category}, {"year": plan.year}, {"year": 1999}):
            got = overview.overview(user, AS_OF, scope.get("plan"), category=scope.get("category"), year=scope.get("year"))
            tasks = metrics.scope_tasks(user, scope.get("plan"), scope.get("category"), scope.get("year"))
            want = overview.overview_from_lights(user, AS_OF, scope.get("plan"), tasks, _stored(tasks),
                                                category=scope.get("category"), year=scope.get("year"))
            assert _plain(got) == _plain(want), (user, scope)
    counts = overview.overview(seed.office, AS_OF).counts
    assert counts["red"] and counts["yellow"] and counts["green"] and counts["done"]


def test_the_matrix_and_the_league_in_sql_are_the_python_reference(seed, monkeypatch):
    store.ensure_current(AS_OF)
    plan = Task.objects.first().plan
    section = Section.objects.filter(plan=plan).order_by("order").first()
    monkeypatch.setattr(matrix, "MATRIX_PAGE", 40)  # several pages
    for kwargs in ({}, {"plan": plan}, {"section": section}, {"year": 1999}, {"order": "name"}, {"page": 2}, {"page": 9}):
        got = matrix.matrix(AS_OF, **kwargs)
        tasks = metrics.narrow(Task.objects.active(), kwargs.get("plan"), None, kwargs.get("year"))
        if "section" in kwargs:
            tasks = tasks.filter(section=section)
        want = matrix._matrix_from_lights(_stored(), tasks, kwargs.get("page", 1), kwargs.get("order", "trouble"))
        assert asdict(got) == asdict(want), kwargs
    weights = LeagueWeights.current()
    for scope in ({}, {"plan": plan}, {"year": 1999}):
        got = league.league(AS_OF, weights, scope.get("plan"), year=scope.get("year"))
        monkeypatch.setattr(league.timezone, "localdate", lambda: AS_OF.replace(year=2000))  # the Python path
        want = league.league(AS_OF, weights, scope.get("plan"), year=scope.get("year"))
        monkeypatch.undo()
        monkeypatch.setattr(matrix, "MATRIX_PAGE", 40)
        assert [asdict(s) for s in got[0] + got[1]] == [asdict(s) for s in want[0] + want[1]], scope
        assert got[0] or scope.get("year") == 1999


def test_the_matrix_cells_in_python_are_the_template_loops_html(seed):
    """dash.matrix_cells gives what the template loop gave, cell for cell, with the
    names and reasons escaped."""
    from django.template import Context, Template

    from duban.dashboards.templatetags.dash import matrix_cells

    loop = Template(
        '{% load dash %}{% for cell in r.cells %}{% if cell.role %}<td class="m-cell {{ cell.color }} {{ cell.role }}" '
        'title="{{ r.name }}{% if cell.role == "lead" %}牵头{% else %}配合{% endif %}；{{ cell.color|color_label }}：'
        '{{ cell.reasons }}">{{ cell.mark }}<span class="visually-hidden">{% if cell.role == "lead" %}牵头{% else %}'
        '配合{% endif %}，{{ cell.color|color_label }}</span></td>{% else %}<td></td>{% endif %}{% endfor %}')
    store.ensure_current(AS_OF)
    m = matrix.matrix(AS_OF)
    m.rows[0].name = '<b>"单位"</b>'
    m.rows[0].cells[0] = matrix.MatrixCell("lead", "red", "已逾期 <5> 天 & “原因”")
    roles = set()
    for row in m.rows:
        assert matrix_cells(row) == loop.render(Context({"r": row}))
        roles |= {c.role for c in row.cells}
    assert roles == {"", "lead", "co"}

