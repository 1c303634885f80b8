"""Reminders (催办) that go out by themselves: before task deadlines, milestone dates
and report due dates (7, 3 and 1 days before, settable), and once when each becomes
overdue.

Each reminder is claimed by inserting a ``ReminderClaim`` row whose (kind, object,
due date, offset) is unique, in the same transaction as the inbox messages: two
schedulers running at once, or one run twice, never send the same reminder twice.
A scheduler that was down catches up with the nearest reminder still due (it does
not send the 7-day one on the 2nd day before)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from duban.notifications.actions import notify, office_people, people_of_units
from duban.plans.models import Task, TaskUnit
from duban.rounds.models import Report, Round
from duban.workplans.models import Milestone

from .models import ReminderClaim, StatusRules, TaskClosure
from .deadlines import closed_ids, effective_deadlines


@dataclass
class Sent:
    kind: str
    object_id: int
    offset: int


def offset_for(days_left: int, offsets: list[int]) -> int | None:
    """The reminder due when `days_left` days remain: the smallest offset not below
    it (5 days left → the 7-day reminder), -1 once overdue, None when too early."""
    if days_left < 0:
        return ReminderClaim.OVERDUE
    candidates = [o for o in offsets if o >= days_left]
    return min(candidates) if candidates else None


def claim(kind: str, object_id: int, due: dt.date, offset: int) -> bool:
    """Claims one reminder; False when it was already sent (by this or another process)."""
    try:
        with transaction.atomic():
            ReminderClaim.objects.create(kind=kind, object_id=object_id, due=due, offset=offset)
    except IntegrityError:
        return False
    return True


def _when(days_left: int, due: dt.date) -> str:
    if days_left < 0:
        return f"已于 {due:%Y-%m-%d} 到期，逾期 {-days_left} 天"
    if days_left == 0:
        return f"今天（{due:%Y-%m-%d}）到期"
    return f"将于 {due:%Y-%m-%d} 到期，剩余 {days_left} 天"


def _task_name(task) -> str:
    return f"第{task.number}项任务" if task.number else str(task)


def _units_of(task_ids) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for task_id, unit_id in (TaskUnit.objects.filter(task_id__in=task_ids, unit__is_collective=False)
                             .order_by("role", "order").values_list("task_id", "unit_id")):
        out.setdefault(task_id, []).append(unit_id)
    return out


def run_reminders(as_of: dt.date | None = None) -> list[Sent]:
    """Sends every reminder due on `as_of` (today by default); returns what this run sent."""
    as_of = as_of or timezone.localdate()
    rules = StatusRules.current()
    offsets = rules.reminder_offsets()
    horizon = as_of + dt.timedelta(days=max(offsets, default=0))
    sent: list[Sent] = []

    closed = closed_ids(as_of)
    deadline_of = {pk: d for pk, d in effective_deadlines(Task.objects.active(), as_of).items() if pk not in closed}
    due_ids = [pk for pk, d in deadline_of.items() if d is not None and d <= horizon]
    task_objs = Task.objects.in_bulk(due_ids)
    units = _units_of(due_ids)
    office = office_people()

    for pk in due_ids:
        deadline = deadline_of[pk]
        days_left = (deadline - as_of).days
        offset = offset_for(days_left, offsets)
        if offset is None:
            continue
        task = task_objs[pk]
        with transaction.atomic():
            if not claim(ReminderClaim.Kind.TASK, pk, deadline, offset):
                continue
            url = reverse("supervision:task", args=[pk])
            overdue = offset == ReminderClaim.OVERDUE
            title = f"{'逾期提醒' if overdue else '催办提醒'}：{_task_name(task)}完成时限{_when(days_left, deadline)}"
            people = people_of_units(units.get(pk, [])) + (office if overdue else [])
            notify(people, kind="remind.task.overdue" if overdue else "remind.task", title=title,
                   body=task.title[:300], url=url, task=task, units=units.get(pk, []))
            sent.append(Sent("task", pk, offset))

    closed = TaskClosure.objects.filter(reopened_on__isnull=True, closed_on__lte=as_of).values("task_id")
    milestones = list(
        Milestone.objects.filter(task__withdrawn=False, done_on__isnull=True, due__isnull=False, due__lte=horizon)
        .exclude(task_id__in=closed).select_related("task")
    )
    ms_units = _units_of({m.task_id for m in milestones})
    for m in milestones:
        days_left = (m.due - as_of).days
        offset = offset_for(days_left, offsets)
        if offset is None:
            continue
        with transaction.atomic():
            if not claim(ReminderClaim.Kind.MILESTONE, m.pk, m.due, offset):
                continue
            unit_ids = [m.unit_id] if m.unit_id else ms_units.get(m.task_id, [])
            overdue = offset == ReminderClaim.OVERDUE
            title = f"{'节点逾期' if overdue else '节点提醒'}：{_task_name(m.task)}节点“{m.title[:40]}”{_when(days_left, m.due)}"
            notify(people_of_units(unit_ids) + (office if overdue else []),
                   kind="remind.milestone.overdue" if overdue else "remind.milestone", title=title,
                   url=reverse("supervision:task", args=[m.task_id]), task=m.task)
            sent.append(Sent("milestone", m.pk, offset))

    sent += _report_reminders(as_of, horizon, offsets)
    return sent


def _report_reminders(as_of: dt.date, horizon: dt.date, offsets: list[int]) -> list[Sent]:
    """Reminders for report slots of open rounds that were never submitted."""
    sent: list[Sent] = []
    reports = (
        Report.objects.filter(round__status=Round.Status.OPEN, round__opens_on__lte=as_of, round__due_on__lte=horizon,
                              first_submitted_at__isnull=True, task__withdrawn=False)
        .exclude(task_id__in=TaskClosure.objects.filter(reopened_on__isnull=True, closed_on__lte=as_of).values("task_id"))
        .select_related("round", "task", "unit")
    )
    for rep in reports:
        due = rep.round.due_on
        days_left = (due - as_of).days
        offset = offset_for(days_left, offsets)
        if offset is None:
            continue
        with transaction.atomic():
            if not claim(ReminderClaim.Kind.REPORT, rep.pk, due, offset):
                continue
            overdue = offset == ReminderClaim.OVERDUE
            title = (f"{'缺报提醒' if overdue else '报送提醒'}：{rep.round.name} {_task_name(rep.task)}的进展报告"
                     f"{_when(days_left, due)}")
            try:
                url = reverse("rounds:report", args=[rep.pk])
            except Exception:  # noqa: BLE001 - rounds URLs not wired
                url = ""
            notify(people_of_units([rep.unit_id]), kind="remind.report.overdue" if overdue else "remind.report",
                   title=title, url=url, task=rep.task, units=[rep.unit_id])
            sent.append(Sent("report", rep.pk, offset))
    return sent
