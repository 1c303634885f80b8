"""The seed plan with a dispatch round, its people, and the clock frozen.

- ``seed``: the real plan (examples/daxing-2026-plan.txt, 101 tasks) imported, and
  the demo round (``duban.web.demo.load_demo_round``: of every 20 report slots 12 on
  time — 4 of them accepted —, 3 late, 1 returned, 4 missing), plus an approved and a
  pending extension, an open coordination item to a leader and one to a unit;
- ``seed_office`` / ``seed_leader`` (the leader of the most tasks) /
  ``other_leader`` / ``seed_liaison`` (a unit that leads some tasks and co-works on
  others) / ``far_unit`` (a unit sharing no task with that liaison's unit).

Tests marked ``libreoffice`` convert files with LibreOffice headless (a few seconds
each); they run in the default suite (deselect with -m "not libreoffice").
"""
from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
import time_machine
from django.utils import timezone

TODAY = dt.date(2026, 11, 28)
NOW = timezone.make_aware(dt.datetime(2026, 11, 28, 10))


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "libreoffice: converts files with LibreOffice headless, slow (deselect with -m \"not libreoffice\")")


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def _user(username, role, **fields):
    from duban.accounts.models import User

    user = User(username=username, role=role, full_name=username, **fields)
    user.set_password("Test-pass-2026")
    user.save()
    return user


@pytest.fixture
def seed(db):
    from duban.plans.models import Task, TaskUnit
    from duban.rounds.models import CoordinationItem, Report
    from duban.supervision.models import ExtensionRequest, RequestStatus
    from duban.web.demo import load_demo_round, load_seed_plan

    plan = load_seed_plan()
    rnd = load_demo_round(TODAY)
    tasks = list(Task.objects.filter(plan=plan).order_by("order"))
    t1, t2 = tasks[1], tasks[2]
    lead1 = TaskUnit.objects.filter(task=t1, role="lead").first().unit
    lead2 = TaskUnit.objects.filter(task=t2, role="lead").first().unit
    now = timezone.now()
    ExtensionRequest.objects.create(task=t1, unit=lead1, reason="征地手续尚未办结", old_deadline=t1.deadline or TODAY,
                                    new_deadline=dt.date(2027, 3, 31), status=RequestStatus.APPROVED, requested_at=now,
                                    decided_on=dt.date(2026, 11, 1))
    ExtensionRequest.objects.create(task=t2, unit=lead2, reason="资金未到位，需调整实施计划",
                                    old_deadline=t2.deadline or TODAY, new_deadline=dt.date(2027, 6, 30),
                                    status=RequestStatus.LEADER_PENDING, requested_at=now)
    report = Report.objects.filter(round=rnd, task=t2).first()
    leader = t2.leader_links.first().leader
    CoordinationItem.objects.create(report=report, task=t2, text="请协调区财政局提前拨付项目资金",
                                    raised_by_unit=report.unit, addressed_to_leader=leader)
    other = TaskUnit.objects.exclude(unit=report.unit).filter(task=t2).first()
    if other is not None:
        CoordinationItem.objects.create(report=report, task=t2, text="请配合提供用地指标", raised_by_unit=report.unit,
                                        addressed_to_unit=other.unit)
    return {"plan": plan, "round": rnd}


@pytest.fixture
def seed_office(seed):
    return _user("seed_office", "office")


@pytest.fixture
def seed_leader(seed):
    from duban.plans.models import TaskLeader

    counts = Counter(TaskLeader.objects.values_list("leader_id", flat=True))
    from duban.org.models import Leader

    leader = Leader.objects.get(pk=counts.most_common(1)[0][0])
    return _user("seed_leader", "leader", leader=leader)


@pytest.fixture
def other_leader(seed_leader):
    from duban.org.models import Leader

    return _user("other_leader", "leader", leader=Leader.objects.exclude(pk=seed_leader.leader_id).first())


@pytest.fixture
def seed_liaison(seed):
    """The liaison of the unit with the most lead tasks that also co-works on a task."""
    from duban.plans.models import TaskUnit

    lead = Counter(TaskUnit.objects.filter(role="lead", unit__is_collective=False).values_list("unit_id", flat=True))
    co = set(TaskUnit.objects.filter(role="co").values_list("unit_id", flat=True))
    unit_id = next(u for u, _ in lead.most_common() if u in co)
    from duban.org.models import Unit

    return _user("seed_liaison", "liaison", unit=Unit.objects.get(pk=unit_id))


@pytest.fixture
def far_unit(seed_liaison):
    """A unit that shares no task with the liaison's unit."""
    from duban.org.models import Unit
    from duban.plans.models import Task, TaskUnit

    mine = Task.objects.visible_to(seed_liaison).values("pk")
    near = TaskUnit.objects.filter(task__in=mine).values("unit_id")
    return Unit.objects.exclude(pk__in=near).filter(assignments__isnull=False).distinct().first()
