"""The unit × task matrix: every cell against the task-unit links in the database."""
from __future__ import annotations

from collections import Counter

from django.urls import reverse

from duban.dashboards.matrix import MATRIX_PAGE
from duban.org.models import Unit
from duban.plans.models import Section, Task, TaskUnit
from duban.status.facts import status_for_tasks

from .conftest import AS_OF, get_page, text

URL = reverse("dashboards:matrix")
MARK = {"red": "✕", "yellow": "!", "green": "", "done": "✓"}
LABEL = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "done": "已销号"}


def _matrix(tree):
    """(task ids of the columns, {unit id: (row header, summary cell, [cells])})."""
    columns = [int(pk) for pk in tree.xpath("//table[@id='matrix']/thead/tr/th[@data-task]/@data-task")]
    body = {}
    for tr in tree.xpath("//table[@id='matrix']/tbody/tr"):
        tds = tr.xpath("./td")
        body[int(tr.get("data-unit"))] = (tr.xpath("./th")[0], tds[0], tds[1:])
    return columns, body


def test_it_shows_every_unit_against_the_tasks_it_carries(client, seed):
    client.force_login(seed.office)
    tree = get_page(client, URL)
    lights = status_for_tasks(Task.objects.active(), AS_OF)
    columns, body = _matrix(tree)
    active = list(Task.objects.active().order_by("order").values_list("pk", flat=True))
    assert columns == active and len(columns) == 100 <= MATRIX_PAGE
    links = list(TaskUnit.objects.filter(task__in=Task.objects.active()).values_list("unit_id", "task_id", "role"))
    assert set(body) == {u for u, _, _ in links}
    assert len(body) == 57  # 55 units and the two collective assignees
    carried = {(u, t): role for u, t, role in links}
    for unit_id, (_, summary, cells) in body.items():
        assert len(cells) == len(columns)
        for task_id, cell in zip(columns, cells):
            role = carried.get((unit_id, task_id))
            if role is None:
                assert text(cell) == "" and not cell.get("class")
                continue
            color = lights[task_id].color
            assert cell.get("class").split() == ["m-cell", color, role]
            # Not colour alone: the role and a mark in the cell, the words for screen readers.
            mark = ("牵" if role == "lead" else "配") + MARK[color]
            assert text(cell) == f"{mark}{'牵头' if role == 'lead' else '配合'}，{LABEL[color]}"
            assert lights[task_id].text in cell.get("title")
        mine = [(t, role) for (u, t), role in carried.items() if u == unit_id]
        colors = Counter(lights[t].color for t, _ in mine)
        assert summary.get("data-red") == str(colors["red"])
        assert summary.get("data-yellow") == str(colors["yellow"])
        assert summary.get("data-lead") == str(sum(1 for _, r in mine if r == "lead"))
        assert summary.get("data-co") == str(sum(1 for _, r in mine if r == "co"))


def test_it_puts_trouble_first_and_collective_assignees_last(client, seed):
    client.force_login(seed.office)
    _, body = _matrix(get_page(client, URL))
    order = list(body)
    collective = set(Unit.objects.filter(is_collective=True).values_list("pk", flat=True))
    assert set(order[-2:]) == collective
    keys = [(-int(s.get("data-red")), -int(s.get("data-yellow"))) for pk, (_, s, _) in body.items() if pk not in collective]
    assert keys == sorted(keys)
    _, by_name = _matrix(get_page(client, URL, order="name"))
    names = [text(th) for pk, (th, _, _) in by_name.items() if pk not in collective]
    assert names == sorted(names)


def test_it_filters_by_section(client, seed):
    client.force_login(seed.office)
    section = Section.objects.get(plan=seed.plan, order=1)
    columns, body = _matrix(get_page(client, URL, plan=seed.plan.pk, section=section.pk))
    assert columns == list(Task.objects.active().filter(section=section).order_by("order").values_list("pk", flat=True))
    assert set(body) == set(TaskUnit.objects.filter(task__in=columns).values_list("unit_id", flat=True))


def test_it_explains_bad_filters_in_chinese(client, seed, plan):
    client.force_login(seed.office)
    other = Section.objects.filter(plan=plan).first()
    tree = get_page(client, URL, plan=seed.plan.pk, section=other.pk, page="abc")
    assert "所选部分不属于所选分工方案" in text(tree)
    assert "页码应为正整数" in text(tree)
    columns, _ = _matrix(tree)
    assert len(columns) == 100  # the whole seed plan, page 1


def test_it_pages_the_task_columns(client, seed, monkeypatch):
    from duban.dashboards import matrix

    monkeypatch.setattr(matrix, "MATRIX_PAGE", 40)
    client.force_login(seed.office)
    active = list(Task.objects.active().order_by("order").values_list("pk", flat=True))
    seen = []
    for page in (1, 2, 3):
        columns, body = _matrix(get_page(client, URL, page=page))
        seen += columns
    assert seen == active
    tree = get_page(client, URL, page=3)
    assert "第 3/3 页" in text(tree)
