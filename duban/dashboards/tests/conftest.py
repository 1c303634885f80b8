"""The seed plan (101 tasks, 8 chapters, 13 leaders, 55 units) in a known state, on a
frozen clock, for the dashboard tests.

On 2026-11-28 (the date the pages are read):
- round R1 "2026年10月调度" (due 2026-11-05, past) and R2 "2026年11月调度" (opened
  2026-11-25, due 2026-12-05);
- R1's report slots, in slot order, go by i % 5: 0 missing, 1 late (2026-11-07),
  2 on time, 3 on time and accepted, 4 on time and returned; two slots sit on the
  due date's edge (23:30 on the due date: on time; 00:10 the day after: late); one
  report goes through the real actions: submitted, returned, submitted again;
- R2: the first 10 slots submitted on 2026-11-26, the rest not yet due;
- task 2 closed (销号) on 2026-11-20; task 65 (due 2026-10-31) extended to
  2026-12-20 (approved 2026-10-20); task 5 has a milestone overdue since
  2026-11-01; task 7 withdrawn from the plan.
"""
from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from lxml import html as lxml_html

NOW = timezone.make_aware(dt.datetime(2026, 11, 28, 10))
AS_OF = dt.date(2026, 11, 28)


def at(day: dt.date, hour: int = 9, minute: int = 0) -> dt.datetime:
    """A Shanghai wall-clock moment."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@dataclass
class Seed:
    plan: Any
    office: Any
    leader: Any  # a leader's sign-in (郭文杰)
    liaison: Any  # 区发展改革委's liaison
    unit: Any
    r1: Any
    r2: Any
    resubmitted: Any  # the report returned and submitted again through the actions


def _user(username, role, **fields):
    from duban.accounts.models import User

    from duban.conftest import PASSWORD

    user = User(username=username, role=role, full_name=username, **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def seed(db) -> Seed:
    from duban.org.models import Leader, Unit
    from duban.plans.models import Task
    from duban.rounds.actions import open_round, return_report, submit_report
    from duban.rounds.models import Report, ReportVersion
    from duban.supervision.models import ExtensionRequest, RequestStatus, StatusRules, TaskClosure
    from duban.web.demo import load_seed_plan
    from duban.workplans.models import Milestone

    plan = load_seed_plan()
    office = _user("office", "office")
    leader = _user("leader", "leader", leader=Leader.objects.get(name="郭文杰"))
    unit = Unit.objects.get(name="区发展改革委")
    liaison = _user("liaison", "liaison", unit=unit)

    r1 = open_round(plan, actor=office, name="2026年10月调度", period_start=dt.date(2026, 10, 1),
                    period_end=dt.date(2026, 10, 31), opens_on=dt.date(2026, 10, 25), due_on=dt.date(2026, 11, 5))
    r2 = open_round(plan, actor=office, name="2026年11月调度", period_start=dt.date(2026, 11, 1),
                    period_end=dt.date(2026, 11, 30), opens_on=dt.date(2026, 11, 25), due_on=dt.date(2026, 12, 5))

    # The report that goes through the real actions: task 1, 区发展改革委 (lead).
    resubmitted = Report.objects.get(round=r1, task__number="1", unit=unit)
    content = {"progress_status": "in_progress", "progress": "推进中", "percent": 60}
    Report.objects.filter(pk=resubmitted.pk).update(**content)
    with time_machine.travel(at(dt.date(2026, 11, 2)), tick=False):
        submit_report(Report.objects.get(pk=resubmitted.pk), actor=liaison)
    with time_machine.travel(at(dt.date(2026, 11, 3)), tick=False):
        return_report(Report.objects.get(pk=resubmitted.pk), actor=office, reason="请补充数据")
    with time_machine.travel(at(dt.date(2026, 11, 4)), tick=False):
        submit_report(Report.objects.get(pk=resubmitted.pk), actor=liaison)

    slots = list(Report.objects.filter(round=r1).exclude(pk=resubmitted.pk)
                 .order_by("task__order", "-role", "unit__name"))
    for i, report in enumerate(slots):
        kind = i % 5
        if kind == 0:
            continue
        when = {1: at(dt.date(2026, 11, 7))}.get(kind, at(dt.date(2026, 11, 3)))
        if i == 2:
            when = at(dt.date(2026, 11, 5), 23, 30)  # on the due date, late at night: on time
        elif i == 6:
            when = at(dt.date(2026, 11, 6), 0, 10)  # ten minutes past midnight: late
        status = {3: Report.Status.ACCEPTED, 4: Report.Status.RETURNED}.get(kind, Report.Status.SUBMITTED)
        Report.objects.filter(pk=report.pk).update(status=status, first_submitted_at=when, submitted_at=when,
                                                   progress_status="in_progress", progress="进展", percent=50)
        ReportVersion.objects.create(report=report, number=1, data={}, submitted_at=when)
    for report in Report.objects.filter(round=r2).order_by("task__order", "-role", "unit__name")[:10]:
        Report.objects.filter(pk=report.pk).update(status=Report.Status.SUBMITTED, first_submitted_at=at(dt.date(2026, 11, 26)),
                                                   submitted_at=at(dt.date(2026, 11, 26)), percent=80)

    TaskClosure.objects.create(task=Task.objects.get(plan=plan, number="2"), closed_on=dt.date(2026, 11, 20))
    t65 = Task.objects.get(plan=plan, number="65")
    ExtensionRequest.objects.create(task=t65, unit=t65.lead_units()[0], reason="受天气影响", old_deadline=t65.deadline,
                                    new_deadline=dt.date(2026, 12, 20), status=RequestStatus.APPROVED,
                                    requested_at=at(dt.date(2026, 10, 15)), decided_on=dt.date(2026, 10, 20))
    Milestone.objects.create(task=Task.objects.get(plan=plan, number="5"), title="完成年中评估", due=dt.date(2026, 11, 1))
    Task.objects.filter(plan=plan, number="7").update(withdrawn=True)
    StatusRules.current()  # its first reading saves the defaults: a write, done here once
    return Seed(plan, office, leader, liaison, unit, r1, r2, Report.objects.get(pk=resubmitted.pk))


# --- reading pages ---------------------------------------------------------------------

def get_page(client, url: str, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content[:500]
    return lxml_html.fromstring(response.content.decode())


def text(el) -> str:
    return " ".join(el.text_content().split())


def rows(tree, xpath: str) -> list[list[str]]:
    """The cells' texts of each body row of the table(s) at `xpath`."""
    return [[text(c) for c in tr.xpath("./th|./td")] for tr in tree.xpath(f"{xpath}//tbody/tr")]


def chart_data(tree) -> dict:
    return json.loads(tree.xpath("//script[@id='dash-data']")[0].text)


def stat(tree, name: str) -> str:
    return tree.xpath(f"//div[@data-stat='{name}']/b")[0].text_content().strip()


def local_date(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localdate(moment) if moment else None


# --- independent counts -----------------------------------------------------------

def effective_deadlines(as_of=AS_OF) -> dict[int, dt.date | None]:
    """Each active task's deadline after the latest extension approved by `as_of`."""
    from duban.plans.models import Task
    from duban.supervision.models import ExtensionRequest

    ext = {}
    for e in ExtensionRequest.objects.filter(status="approved", decided_on__lte=as_of).order_by("decided_on", "pk"):
        ext[e.task_id] = e.new_deadline
    return {t.pk: ext.get(t.pk, t.deadline) for t in Task.objects.active()}


def closed(as_of=AS_OF) -> set[int]:
    """Ids of the tasks closed (销号) and not reopened on `as_of`."""
    from duban.supervision.models import TaskClosure

    return set(TaskClosure.objects.filter(closed_on__lte=as_of).exclude(reopened_on__lte=as_of)
               .values_list("task_id", flat=True))
