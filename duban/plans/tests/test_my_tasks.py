"""My tasks (a unit's lead and co tasks), a leader's page, and where home sends each role."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from duban.org.models import Leader
from duban.plans.models import Task, TaskUnit
from duban.workplans.models import Milestone

NOW = timezone.make_aware(dt.datetime(2026, 8, 1, 10))


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_it_splits_a_units_tasks_into_lead_and_co(client, plan, liaison_a):
    client.force_login(liaison_a)
    response = client.get(reverse("plans:mine"))
    assert [t.number for t in response.context["lead"]] == ["1"]
    assert [t.number for t in response.context["co"]] == ["2"]
    assert "推进社区养老服务" not in response.content.decode()


def test_it_orders_by_nearest_deadline_with_no_date_last(client, plan, liaison_a, units):
    for number in ("2", "3"):  # make 甲局 lead everything
        t = Task.objects.get(number=number)
        TaskUnit.objects.update_or_create(task=t, unit=units["甲局"], defaults={"role": "lead"})
    client.force_login(liaison_a)
    lead = client.get(reverse("plans:mine")).context["lead"]
    assert [t.number for t in lead] == ["2", "1", "3"]


def test_it_counts_overdue_milestones(client, plan, liaison_a):
    t1 = Task.objects.get(number="1")
    Milestone.objects.create(task=t1, title="逾期节点", due=dt.date(2026, 7, 1))
    Milestone.objects.create(task=t1, title="已完成节点", due=dt.date(2026, 7, 1), done_on=dt.date(2026, 6, 30))
    client.force_login(liaison_a)
    response = client.get(reverse("plans:mine"))
    assert response.context["lead"][0].milestone_overdue == 1
    assert response.context["co"][0].milestone_overdue == 1  # task 2's 完成设计 (6-30)
    assert "1 个逾期" in response.content.decode()


def test_it_shows_a_leader_the_tasks_they_lead(client, plan, leader, office):
    li = Leader.objects.get(name="李明")
    for user in (leader, office):
        client.force_login(user)
        response = client.get(reverse("plans:leader", args=[li.pk]))
        assert response.status_code == 200
        assert [t.number for t in response.context["tasks"]] == ["1"]
    wang = Leader.objects.get(name="王芳")
    client.force_login(leader)
    assert [t.number for t in client.get(reverse("plans:leader", args=[wang.pk])).context["tasks"]] == ["2", "3"]


def test_it_hides_the_leader_page_from_units_and_admins(client, plan, liaison_a, sysadmin):
    li = Leader.objects.get(name="李明")
    client.force_login(liaison_a)
    assert client.get(reverse("plans:leader", args=[li.pk])).status_code == 404
    client.force_login(sysadmin)
    assert client.get(reverse("plans:leader", args=[li.pk])).status_code == 403


def test_it_sends_each_role_home_to_its_page(client, plan, office, leader, liaison_a, head_a, sysadmin, auditor):
    expected = {
        leader: reverse("plans:leader", args=[leader.leader_id]),
        liaison_a: reverse("plans:mine"),
        head_a: reverse("plans:mine"),
    }
    for user, target in expected.items():
        client.force_login(user)
        response = client.get("/")
        assert response.status_code == 302 and response["Location"] == target
    # the office's home is its work queue (duban/web/tests/test_queue.py)
    for user, link in ((office, "待办"), (sysadmin, reverse("accounts:user_list")), (auditor, reverse("accounts:audit_log"))):
        client.force_login(user)
        response = client.get("/")
        assert response.status_code == 200 and link in response.content.decode()


def test_it_offers_my_tasks_in_the_navigation(client, plan, liaison_a, leader):
    client.force_login(liaison_a)
    assert ">我的任务</a>" in client.get(reverse("plans:ledger")).content.decode()
    client.force_login(leader)
    assert ">我牵头的任务</a>" in client.get(reverse("plans:ledger")).content.decode()
    response = client.get(reverse("plans:mine"))
    assert response.status_code == 302 and response["Location"] == reverse("plans:leader", args=[leader.leader_id])
