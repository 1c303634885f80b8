"""Milestones through the API: the same people may make the same changes as on the
task page (each change is tried both ways on the same data and must do the same),
the same audit records, and 409 on a stale version."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from duban.audit.models import Event
from duban.conftest import _user
from duban.plans.models import Task
from duban.workplans.models import Milestone

NOW = timezone.make_aware(dt.datetime(2026, 3, 1, 10))


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def liaison_c(units):
    return _user("liaison_c", "liaison", unit=units["丙局"])


@pytest.fixture
def w(plan, units):
    """Task 1 (lead 甲局, co 丙局) with a milestone of each unit and a done one; task 2
    (lead 丙局, co 甲局) with its two milestones from the plan's phased deadline."""
    from types import SimpleNamespace

    t1 = Task.objects.get(number="1")
    t2 = Task.objects.get(number="2")
    mk = lambda title, unit, **kw: Milestone.objects.create(task=t1, title=title, unit=unit,  # noqa: E731
                                                            due=dt.date(2026, 6, 30), **kw)
    return SimpleNamespace(
        t1=t1, t2=t2, units=units,
        lead_ms=mk("甲局节点", units["甲局"]), co_ms=mk("丙局节点", units["丙局"]),
        done_ms=mk("已完成节点", units["甲局"], done_on=dt.date(2026, 2, 1), evidence="已办"),
        plan_ms=Milestone.objects.filter(task=t2, source="plan").order_by("due").first(),
    )


# Each change as the task page makes it (form POST) and as the API makes it.
def _add(unit_name):
    def page(w):
        return reverse("workplans:add", args=[w.t1.pk]), {
            "add-title": "新节点", "add-due": "2026-07-31", "add-unit": w.units[unit_name].pk, "add-owner": "张伟"}

    def api(w):
        return "post", f"/api/v1/tasks/{w.t1.pk}/milestones/", {
            "title": "新节点", "due": "2026-07-31", "unit": w.units[unit_name].pk, "owner": "张伟"}
    return page, api


def _edit(which):
    def page(w):
        m = getattr(w, which)
        return reverse("workplans:edit", args=[m.pk]), {
            "edit-title": "改过的节点", "edit-due": "2026-08-31", "edit-unit": m.unit_id or "", "edit-version": m.version}

    def api(w):
        m = getattr(w, which)
        return "patch", f"/api/v1/milestones/{m.pk}/", {"title": "改过的节点", "due": "2026-08-31",
                                                          "version": m.version}
    return page, api


def _complete(which):
    def page(w):
        m = getattr(w, which)
        return reverse("workplans:complete", args=[m.pk]), {
            "complete-version": m.version, "complete-done_on": "2026-02-28", "complete-evidence": "已完成"}

    def api(w):
        m = getattr(w, which)
        return "post", f"/api/v1/milestones/{m.pk}/complete/", {"version": m.version, "done_on": "2026-02-28",
                                                                   "evidence": "已完成"}
    return page, api


def _reopen(which):
    def page(w):
        m = getattr(w, which)
        return reverse("workplans:reopen", args=[m.pk]), {"reopen-version": m.version, "reopen-reason": "返工"}

    def api(w):
        m = getattr(w, which)
        return "post", f"/api/v1/milestones/{m.pk}/reopen/", {"version": m.version, "reason": "返工"}
    return page, api


def _delete(which):
    def page(w):
        m = getattr(w, which)
        return reverse("workplans:delete", args=[m.pk]), {"version": m.version}

    def api(w):
        m = getattr(w, which)
        return "delete", f"/api/v1/milestones/{m.pk}/?version={m.version}", None
    return page, api


CHANGES = {
    "add for 甲局": _add("甲局"), "add for 丙局": _add("丙局"),
    "edit 甲局's": _edit("lead_ms"), "edit 丙局's": _edit("co_ms"), "edit the plan's": _edit("plan_ms"),
    "complete 丙局's": _complete("co_ms"), "complete the plan's": _complete("plan_ms"),
    "reopen 甲局's done": _reopen("done_ms"),
    "delete 甲局's": _delete("lead_ms"), "delete 丙局's": _delete("co_ms"), "delete the plan's": _delete("plan_ms"),
}


def milestones() -> list[dict]:
    return list(Milestone.objects.order_by("pk").values())


def tried(fn) -> tuple[bool, object]:
    """Runs fn in a transaction that is rolled back; (whether milestones changed, result)."""
    with transaction.atomic():
        before = milestones()
        result = fn()
        changed = milestones() != before
        transaction.set_rollback(True)
    return changed, result


@pytest.mark.parametrize("role", ["office", "leader", "liaison_a", "head_a", "liaison_c", "liaison_b"])
def test_it_allows_through_the_api_exactly_the_changes_the_page_allows(request, client, api, w, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    as_user = api(user)
    allowed = []
    for name, (page, call) in CHANGES.items():
        url, data = page(w)
        by_page, _ = tried(lambda: client.post(url, data))
        method, api_url, body = call(w)
        by_api, response = tried(lambda: getattr(as_user, method)(api_url, body, format="json"))
        assert by_api == by_page, f"{role}: {name}: 页面{'允许' if by_page else '拒绝'}，接口{'允许' if by_api else '拒绝'}" \
                                  f"（{response.status_code} {response.content.decode()[:200]}）"
        if by_api:
            assert response.status_code in (200, 201, 204)
            allowed.append(name)
        else:
            assert response.status_code in (400, 403, 404), f"{role}: {name}: {response.status_code}"
            assert response.json()["detail"]
            if role == "liaison_b":
                assert response.status_code == 404  # neither task is unit B's
    if role == "office":
        assert "edit 甲局's" in allowed and "edit the plan's" not in allowed
    if role == "leader":
        assert allowed == []


def test_it_adds_a_milestone_with_the_pages_audit_record(api, w, liaison_a):
    response = api(liaison_a).post(f"/api/v1/tasks/{w.t1.pk}/milestones/",
                                   {"title": " 完成培育方案 ", "due": "2026-06-30", "unit": w.units["甲局"].pk},
                                   format="json")
    assert response.status_code == 201
    body = response.json()
    m = Milestone.objects.get(pk=body["id"])
    assert (m.title, m.created_by, m.source, body["version"], body["can_edit"]) == ("完成培育方案", liaison_a,
                                                                                  "workplan", 1, True)
    event = Event.objects.get(action="milestone.add", object_id=str(m.pk))
    assert event.actor == liaison_a and event.task_id == w.t1.pk


def test_it_refuses_bad_input_in_chinese_naming_the_field_and_saves_nothing(api, w, liaison_a):
    as_a = api(liaison_a)
    before = milestones()
    response = as_a.post(f"/api/v1/tasks/{w.t1.pk}/milestones/",
                         {"title": " ", "due": "2026-06-30", "unit": w.units["乙局"].pk}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert set(body["errors"]) == {"title", "unit"}
    assert "只能选择本任务中您可以安排的单位" in body["detail"]
    response = as_a.post(f"/api/v1/milestones/{w.lead_ms.pk}/complete/",
                         {"version": 1, "done_on": "2026-03-02", "evidence": "提前完成"}, format="json")
    assert response.status_code == 400 and "完成日期不能晚于今天" in response.json()["detail"]
    assert as_a.delete(f"/api/v1/milestones/{w.lead_ms.pk}/").status_code == 400  # no version
    assert milestones() == before


def test_it_answers_409_with_the_saved_milestone_when_the_version_is_stale(api, w, liaison_a, office):
    as_a, as_office = api(liaison_a), api(office)
    url = f"/api/v1/milestones/{w.lead_ms.pk}/"
    first = as_office.patch(url, {"owner": "王强", "version": 1}, format="json")
    assert first.status_code == 200 and first.json()["version"] == 2
    stale = as_a.patch(url, {"title": "我的改动", "version": 1}, format="json")
    assert stale.status_code == 409
    body = stale.json()
    assert "office" in body["detail"] and body["current"]["owner"] == "王强" and body["current"]["version"] == 2
    assert Milestone.objects.get(pk=w.lead_ms.pk).title == "甲局节点"
    assert as_a.delete(f"{url}?version=1").status_code == 409
    assert as_a.post(f"{url}complete/", {"version": 1, "done_on": "2026-02-28", "evidence": "x"},
                     format="json").status_code == 409
    # With the version just read, the change goes through.
    assert as_a.patch(url, {"title": "我的改动", "version": 2}, format="json").status_code == 200
    assert Event.objects.filter(action="milestone.update", object_id=str(w.lead_ms.pk)).count() == 2


def test_it_lists_a_tasks_milestones_with_what_the_caller_may_do(api, w, liaison_c):
    rows = api(liaison_c).get(f"/api/v1/tasks/{w.t1.pk}/milestones/").json()
    mine = {r["title"]: (r["can_edit"], r["can_complete"]) for r in rows}
    assert mine == {"甲局节点": (False, False), "丙局节点": (True, True), "已完成节点": (False, False)}
