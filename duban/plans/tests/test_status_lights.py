"""The supervision status lights (红黄绿灯) on the plan pages: the ledger's 状态 column
and light filters, the task page's status card and link to supervision, and the
leader page's coordination items."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from duban.plans.models import Task

NOW = timezone.make_aware(dt.datetime(2026, 10, 5, 10))  # task 2 (due 2026-09-30) is overdue


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _extend(task, unit, new_deadline):
    from duban.supervision.models import ExtensionRequest, RequestStatus

    return ExtensionRequest.objects.create(
        task=task, unit=unit, reason="受施工条件影响", old_deadline=task.deadline, new_deadline=new_deadline,
        status=RequestStatus.APPROVED, requested_at=timezone.now(), decided_on=dt.date(2026, 10, 1))


def test_it_shows_the_light_and_its_reasons_in_the_ledger(client, plan, office):
    client.force_login(office)
    response = client.get(reverse("plans:ledger"))
    page = response.content.decode()
    assert "<th scope=\"col\">状态</th>" in page
    task2 = next(t for t in response.context["page"] if t.number == "2")
    assert task2.status.color == "red"
    assert "红灯" in page
    assert "已逾期 5 天" in page  # the reasons, in the badge's title and as text for screen readers
    assert f'<span class="visually-hidden">：{task2.status.text}</span>' in page


def test_it_shows_the_effective_deadline_beside_the_original(client, plan, office, units):
    _extend(Task.objects.get(number="1"), units["甲局"], dt.date(2027, 1, 31))
    client.force_login(office)
    page = client.get(reverse("plans:ledger")).content.decode()
    assert '<time datetime="2027-01-31">2027-01-31</time></span><span class="muted">（原 <time datetime="2026-12-31">2026-12-31</time>）</span>' in page


def test_it_filters_exactly_the_red_tasks(client, plan, office, units):
    _extend(Task.objects.get(number="1"), units["甲局"], dt.date(2027, 1, 31))
    client.force_login(office)
    red = client.get(reverse("plans:ledger"), {"status": "red"}).context["page"]
    assert [t.number for t in red] == ["2"]
    green = client.get(reverse("plans:ledger"), {"status": "green"}).context["page"]
    assert sorted(t.number for t in green) == ["1", "3"]
    assert list(client.get(reverse("plans:ledger"), {"status": "done"}).context["page"]) == []


def test_it_filters_red_among_the_tasks_a_unit_may_see_only(client, plan, liaison_b):
    client.force_login(liaison_b)  # 乙局 leads task 3 only, which has no deadline
    assert list(client.get(reverse("plans:ledger"), {"status": "red"}).context["page"]) == []


def test_it_shows_the_reasons_and_the_supervision_link_on_the_task_page(client, plan, liaison_a):
    task = Task.objects.get(number="2")
    client.force_login(liaison_a)
    page = client.get(reverse("plans:task", args=[task.pk])).content.decode()
    assert "督办状态" in page and "红灯" in page
    assert "<li>完成时限 2026-09-30，已逾期 5 天</li>" in page
    assert f'href="{reverse("supervision:task", args=[task.pk])}"' in page


def test_it_counts_open_extension_requests_on_the_task_page(client, plan, office, units):
    from duban.supervision.models import ExtensionRequest

    task = Task.objects.get(number="1")
    ExtensionRequest.objects.create(task=task, unit=units["甲局"], reason="理由", old_deadline=task.deadline,
                                    new_deadline=dt.date(2027, 3, 31), requested_at=timezone.now())
    client.force_login(office)
    assert "1 项延期申请待审批" in client.get(reverse("plans:task", args=[task.pk])).content.decode()


def test_it_shows_the_lights_on_my_tasks(client, plan, liaison_a):
    client.force_login(liaison_a)
    response = client.get(reverse("plans:mine"))
    assert [t.status.color for t in response.context["lead"]] == ["green"]
    assert [t.status.color for t in response.context["co"]] == ["red"]


def test_it_shows_coordination_items_addressed_to_the_leader(client, plan, office, leader, units):
    from duban.rounds.actions import open_round
    from duban.rounds.models import CoordinationItem, Report

    task = Task.objects.get(number="1")
    rnd = open_round(plan, actor=office, name="2026年10月调度", period_start=dt.date(2026, 10, 1),
                     period_end=dt.date(2026, 10, 31), opens_on=dt.date(2026, 10, 1), due_on=dt.date(2026, 10, 31))
    report = Report.objects.get(round=rnd, task=task, unit=units["甲局"])
    CoordinationItem.objects.create(report=report, task=task, text="请协调用地指标", raised_by_unit=units["甲局"],
                                    addressed_to_leader=leader.leader)
    client.force_login(leader)
    response = client.get(reverse("plans:leader", args=[leader.leader_id]))
    page = response.content.decode()
    assert "请协调用地指标" in page and "待我决定的事项（1）" in page  # duban/supervision/tests/test_leader_decisions.py
    assert {t.number: t.status.color for t in response.context["tasks"]}["1"] == "green"


def test_it_lists_extension_requests_awaiting_the_leader(client, plan, leader, units):
    from duban.supervision.models import ExtensionRequest, RequestStatus

    task = Task.objects.get(number="1")
    ExtensionRequest.objects.create(task=task, unit=units["甲局"], reason="理由", old_deadline=task.deadline,
                                    new_deadline=dt.date(2027, 3, 31), requested_at=timezone.now(),
                                    status=RequestStatus.LEADER_PENDING)
    client.force_login(leader)
    page = client.get(reverse("plans:leader", args=[leader.leader_id])).content.decode()
    assert "待我决定的事项（1）" in page and "甲局 申请由 2026-12-31 延至 2027-03-31" in page
