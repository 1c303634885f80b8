"""The ledger page: filters in the URL, htmx partial, pagination and counts, sorting
links, who may open it, and a bounded number of queries."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from duban.plans.models import Task, TaskLeader, TaskUnit
from duban.workplans.models import Milestone

URL = "/plans/ledger/"
NOW = timezone.make_aware(dt.datetime(2026, 3, 1, 10))


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def many_tasks(plan, n: int, units, leader_name="李明"):
    """n more tasks led by 甲局, with a leader and two milestones each."""
    from duban.org.models import Leader

    leader = Leader.objects.get(name=leader_name)
    tasks = Task.objects.bulk_create(
        Task(plan=plan, number=str(100 + i), order=100 + i, title=f"批量任务{i}（甲局）",
             deadline=dt.date(2026, 1 + i % 12, 1))
        for i in range(n)
    )
    TaskUnit.objects.bulk_create(TaskUnit(task=t, unit=units["甲局"], role="lead") for t in tasks)
    TaskUnit.objects.bulk_create(TaskUnit(task=t, unit=units["丙局"], role="co", order=1) for t in tasks)
    TaskLeader.objects.bulk_create(TaskLeader(task=t, leader=leader) for t in tasks)
    Milestone.objects.bulk_create(
        Milestone(task=t, title=f"节点{j}", due=dt.date(2026, 2, 1 + j)) for t in tasks for j in range(2)
    )
    return tasks


def test_it_lists_the_visible_tasks_with_their_facts(client, plan, office):
    client.force_login(office)
    page = client.get(URL).content.decode()
    for text in ("全年新增市场主体不少于2000家", "完成老旧小区改造", "推进社区养老服务", "李明", "2026-12-31", "共 <b>3</b> 项任务"):
        assert text in page
    assert reverse("plans:task", args=[Task.objects.get(number="1").pk]) in page


def test_it_shows_a_unit_only_its_tasks(client, plan, liaison_b):
    client.force_login(liaison_b)
    page = client.get(URL).content.decode()
    assert "推进社区养老服务" in page
    assert "市场主体" not in page and "老旧小区" not in page
    assert "共 <b>1</b> 项任务" in page


def test_it_keeps_the_filters_in_the_url(client, plan, office, units):
    client.force_login(office)
    a = units["甲局"]
    response = client.get(URL, {"unit": a.pk, "role": "lead", "q": "市场", "sort": "deadline", "status": "open"})
    page = response.content.decode()
    form = response.context["form"]
    assert form.filters()["unit"] == a and form.filters()["role"] == "lead"
    assert f'<option value="{a.pk}" selected>' in page
    assert 'value="市场"' in page
    assert '<option value="deadline" selected>' in page
    assert '<option value="open" selected>' in page
    assert [t.number for t in response.context["page"]] == ["1"]
    assert "筛选出 <b>1</b> 项（您可见的任务共 3 项）" in page
    # The sort links keep every other filter.
    assert "unit=%d&amp;role=lead&amp;q=%%E5%%B8%%82%%E5%%9C%%BA" % a.pk in page


def test_it_answers_htmx_with_the_results_part_only(client, plan, office):
    client.force_login(office)
    response = client.get(URL, {"q": "老旧"}, HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page and 'id="ledger-results"' in page
    assert "完成老旧小区改造" in page and "推进社区养老服务" not in page
    assert 'hx-swap-oob="true"' in page  # keeps the sort control in step


def test_it_pages_fifty_at_a_time_with_counts(client, plan, office, units):
    many_tasks(plan, 55, units)
    client.force_login(office)
    first = client.get(URL)
    assert len(first.context["page"].object_list) == 50
    assert "共 <b>58</b> 项任务" in first.content.decode()
    assert "第 1 / 2 页" in first.content.decode()
    second = client.get(URL, {"page": 2, "q": "批量"})
    assert len(second.context["page"].object_list) == 5
    assert second.context["r"].total == 55
    assert "page=1" in second.content.decode() and "q=%E6%89%B9%E9%87%8F" in second.content.decode()
    assert client.get(URL, {"page": "abc"}).status_code == 200  # a bad page number shows page 1


def test_it_sorts_by_the_sort_parameter(client, plan, office):
    client.force_login(office)
    assert [t.number for t in client.get(URL, {"sort": "deadline"}).context["page"]] == ["2", "1", "3"]
    assert [t.number for t in client.get(URL, {"sort": "-number"}).context["page"]] == ["3", "2", "1"]


def test_it_shows_overdue_milestones(client, plan, office):
    Milestone.objects.create(task=Task.objects.get(number="2"), title="摸底调查", due=dt.date(2026, 2, 15))
    client.force_login(office)
    page = client.get(URL, {"q": "老旧"}).content.decode()
    assert "0/3 已完成" in page and "1 个逾期" in page


def test_it_refuses_the_administrative_roles(client, plan, sysadmin, secadmin, auditor):
    for user in (sysadmin, secadmin, auditor):
        client.force_login(user)
        assert client.get(URL).status_code == 403


def test_it_sends_anonymous_visitors_to_sign_in(client, plan):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_it_reads_the_ledger_in_a_fixed_number_of_queries(client, plan, office, liaison_a, units,
                                                         django_assert_max_num_queries, settings):
    """The same number of queries for 3 tasks as for a full page of 50: no N+1."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    params = {"sort": "unit", "status": "open", "q": "局"}
    baseline = {}
    for user in (office, liaison_a):
        client.force_login(user)
        client.get(URL, params)  # the first request of a session also writes the session
        connection.queries_log.clear()  # a full log (maxlen) would make the capture look empty
        with CaptureQueriesContext(connection) as few:
            client.get(URL, params)
        baseline[user] = len(few.captured_queries)
        # The stored lights of the page's tasks are one query (duban.status), plus the
        # single-row check that they were computed for today.
        assert 0 < baseline[user] <= 26
    many_tasks(plan, 60, units)
    for user in (office, liaison_a):
        client.force_login(user)
        client.get(URL, params)
        with django_assert_max_num_queries(baseline[user]):
            response = client.get(URL, params)
        assert response.status_code == 200
        assert len(response.context["page"].object_list) == 50


def test_its_rows_show_leaders_units_steps_and_the_quantify_badge_escaped(client, plan, office, units):
    """The rows are rendered in Python (duban.ledger.rows): names in the plan's
    order, lead units as badges, milestone counts, the 待量化 badge, text escaped."""
    from duban.org.models import Leader

    task = Task.objects.create(plan=plan, number="9", order=9, title="整治<script>占道</script>经营",
                               deadline=dt.date(2026, 6, 30))
    TaskUnit.objects.create(task=task, unit=units["乙局"], role="lead", order=0)
    TaskUnit.objects.create(task=task, unit=units["丙局"], role="co", order=2)
    TaskUnit.objects.create(task=task, unit=units["甲局"], role="co", order=1)
    for i, name in enumerate(["王芳", "李明"]):
        TaskLeader.objects.create(task=task, leader=Leader.objects.get_or_create(name=name)[0], order=i)
    Milestone.objects.create(task=task, title="一", due=dt.date(2026, 2, 1), done_on=dt.date(2026, 1, 30))
    Milestone.objects.create(task=task, title="二", due=dt.date(2026, 2, 15))
    client.force_login(office)
    page = client.get(URL, {"q": "整治"}).content.decode()
    assert "整治&lt;script&gt;占道&lt;/script&gt;经营" in page and "<script>占道" not in page
    assert '<td data-label="牵头领导">王芳、李明</td>' in page
    assert '<td data-label="责任单位"><span class="badge lead" title="牵头单位">乙局</span> 甲局、丙局</td>' in page
    assert '1/2 已完成<br><span class="overdue">1 个逾期</span>' in page
    assert "待量化</span>" in page  # no target, no measurable milestone
    Milestone.objects.filter(task=task, title="二").update(is_measurable=True)
    assert "待量化</span>" not in client.get(URL, {"q": "整治"}).content.decode()


@pytest.mark.parametrize("color", ["red", "yellow", "green", "done", ""])
def test_its_python_cells_are_the_templates_html(plan, color):
    """duban.ledger.rows: deadline_html and light_html give what plans/_deadline.html and
    plans/_light.html give (whitespace aside), overdue, extended and without a date."""
    import re

    from django.template.loader import render_to_string

    from duban.ledger.rows import deadline_html, kind_badge_html, light_html
    from duban.plans.models import Category, Plan
    from duban.status.models import TaskStatus

    for category in Category.values:
        kind = Plan(title="x", year=2026, category=category)
        expected = render_to_string("plans/_kind_badge.html", {"task": Task(plan=kind)})
        assert kind_badge_html(kind) == expected.strip() + (" " if expected.strip() else "")

    as_of = dt.date(2026, 3, 1)
    for deadline, effective, text in ((dt.date(2026, 2, 1), None, ""), (dt.date(2026, 2, 1), dt.date(2026, 4, 1), ""),
                                      (None, None, "长期坚持"), (None, None, "")):
        t = Task(plan=plan, number="1", title="x", deadline=deadline, deadline_text=text)
        status = TaskStatus(color=color, reasons=["已逾期 5 天", "<b>"] if color else []) if color else None
        t.status = status
        t.effective_deadline = effective or deadline
        t.extended = t.effective_deadline != t.deadline
        expected = render_to_string("plans/_deadline.html", {"t": t, "as_of": as_of})
        assert re.sub(r"\s+", "", deadline_html(t, as_of)) == re.sub(r"\s+", "", expected)
        expected = render_to_string("plans/_light.html", {"status": status})
        assert re.sub(r"\s+", "", light_html(status)) == re.sub(r"\s+", "", expected)
