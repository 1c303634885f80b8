"""The API shows each person exactly what the pages show them: the task list is the
ledger's, another unit's objects answer 404, admins 403, no credentials 401."""
from __future__ import annotations

import re

import pytest
from django.urls import reverse

from duban.accounts.models import User
from duban.conftest import PASSWORD
from duban.org.models import Unit
from duban.plans.models import Task, TaskUnit

LINK = re.compile(r'href="/plans/tasks/(\d+)/"')


def ledger_ids(client, query: str = "") -> list[int]:
    """Task ids of the ledger page, in its order, over all its pages."""
    ids: list[int] = []
    page = 1
    while True:
        response = client.get(f"{reverse('plans:ledger')}?{query}&page={page}")
        assert response.status_code == 200
        found = [int(x) for x in LINK.findall(response.content.decode())]
        if not found or found[0] in ids:  # past the last page Django shows the last one again
            return ids
        ids += found
        page += 1


def api_ids(api_client, query: str = "") -> list[int]:
    ids: list[int] = []
    url = f"/api/v1/tasks/?{query}&page_size=40"
    while url:
        response = api_client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        ids += [t["id"] for t in body["results"]]
        url = body["next"]
    return ids


@pytest.fixture
def seed_liaison(plan):
    """A liaison of the seed plan's busiest unit (the seed plan is loaded with it)."""
    from django.db.models import Count

    from duban.web.demo import load_seed_plan

    load_seed_plan()
    unit = (Unit.objects.filter(is_collective=False).annotate(n=Count("assignments")).order_by("-n", "name").first())
    user = User(username="seed_liaison", role="liaison", unit=unit, full_name="种子联络员")
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.mark.parametrize("role", ["office", "leader", "liaison_a", "head_a", "liaison_b", "seed_liaison"])
def test_it_lists_the_ledgers_tasks_for_every_role(request, client, api, seed_liaison, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    as_api = api(user)
    visible = Task.objects.visible_to(user).active()
    some_unit = (TaskUnit.objects.filter(role="lead", task__in=visible.values("pk")).order_by("id")
                 .values_list("unit_id", flat=True).first())
    queries = ["", "sort=-deadline", "sort=unit", "status=open", "status=overdue", "status=yellow", "status=green",
               "q=推进", "targets=yes", "quantified=no", f"unit={some_unit}&role=lead"]
    seen_any = False
    for query in queries:
        expected = ledger_ids(client, query)
        got = api_ids(as_api, query)
        assert got == expected, f"{role} ?{query}"
        seen_any = seen_any or bool(expected)
    assert seen_any
    if role in ("office", "leader"):
        assert len(ledger_ids(client)) > 100  # both plans, several pages


def test_it_refuses_a_filter_the_ledger_would_drop_with_a_chinese_message(api, liaison_b, units):
    response = api(liaison_b).get(f"/api/v1/tasks/?unit={units['甲局'].pk}")  # not a unit of B's tasks
    assert response.status_code == 400
    body = response.json()
    assert body["detail"].startswith("请求数据有误：unit：")
    assert list(body["errors"]) == ["unit"]
    bad = api(liaison_b).get("/api/v1/tasks/?due_from=2026-12-01&due_to=2026-01-01")
    assert bad.status_code == 400 and "时限至" in bad.json()["detail"]


def test_it_gives_another_units_objects_404(api, liaison_b, objects):
    as_b = api(liaison_b)
    urls = [
        f"/api/v1/tasks/{objects.task.pk}/", f"/api/v1/tasks/{objects.task.pk}/milestones/",
        f"/api/v1/milestones/{objects.milestone.pk}/", f"/api/v1/rounds/{objects.round.pk}/",
        f"/api/v1/reports/{objects.report.pk}/", f"/api/v1/notices/{objects.notice.pk}/",
        f"/api/v1/indicators/{objects.target.pk}/",
    ]
    for url in urls:
        response = as_b.get(url)
        assert response.status_code == 404, url
        assert response.json() == {"detail": "未找到该对象，或您无权查看"}
    # ... and leaves them out of its lists.
    for url, obj in [("/api/v1/rounds/", objects.round), ("/api/v1/reports/", objects.report),
                     ("/api/v1/notices/", objects.notice), ("/api/v1/indicators/", objects.target)]:
        assert obj.pk not in [x["id"] for x in as_b.get(url).json()["results"]], url


@pytest.mark.parametrize("role", ["office", "leader", "liaison_a", "head_a"])
def test_it_shows_unit_as_objects_to_those_who_see_them_on_the_pages(request, api, client, objects, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    as_user = api(user)
    pages_and_api = [
        (reverse("plans:task", args=[objects.task.pk]), f"/api/v1/tasks/{objects.task.pk}/"),
        (reverse("rounds:detail", args=[objects.round.pk]), f"/api/v1/rounds/{objects.round.pk}/"),
        (reverse("rounds:report", args=[objects.report.pk]), f"/api/v1/reports/{objects.report.pk}/"),
        (reverse("supervision:notice", args=[objects.notice.pk]), f"/api/v1/notices/{objects.notice.pk}/"),
    ]
    for page, url in pages_and_api:
        assert client.get(page).status_code == 200, page
        assert as_user.get(url).status_code == 200, url
    assert as_user.get(f"/api/v1/milestones/{objects.milestone.pk}/").json()["title"] == "甲局节点"


def api_urls(objects) -> list[str]:
    ids = {"task": objects.task.pk, "milestone": objects.milestone.pk, "round": objects.round.pk,
           "report": objects.report.pk, "notice": objects.notice.pk, "indicator": objects.target.pk,
           "plan": objects.plan.pk}
    urls = ["/api/v1/schema/"]
    for kind in ("plan", "task", "round", "report", "notice", "indicator"):
        urls.append(reverse(f"api:{kind}-list"))
    for kind, pk in ids.items():
        urls.append(reverse(f"api:{kind}-detail", args=[pk]))
    urls += [reverse("api:task-milestones", args=[objects.task.pk]),
             reverse("api:milestone-complete", args=[objects.milestone.pk]),
             reverse("api:report-submit", args=[objects.report.pk])]
    return urls


@pytest.mark.parametrize("role", ["sysadmin", "secadmin", "auditor", None])
def test_it_refuses_admins_403_and_strangers_401_everywhere(request, api, client, objects, role):
    user = request.getfixturevalue(role) if role else None
    as_user = api(user)
    expected = 403 if user else 401
    for url in api_urls(objects):
        method = "post" if url.endswith(("/complete/", "/submit/")) else "get"
        response = getattr(as_user, method)(url, {}, format="json")
        assert response.status_code == expected, url
        assert "results" not in response.json()
    if user:  # and by session, as on the pages
        client.force_login(user)
        assert client.get("/api/v1/tasks/").status_code == 403
        assert client.get(reverse("api:docs")).status_code == 403
