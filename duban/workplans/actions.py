"""Every change to a work plan: add, update, complete, reopen, delete a milestone.

Each function is atomic and records one Event on the task's timeline with the
milestone's state before and after. Changes to an existing milestone are optimistic:
the caller passes the version the person saw, the row is changed with a conditional
``UPDATE … WHERE version = n`` and a row count other than 1 means someone else got
there first (``MilestoneConflict``), on SQLite and PostgreSQL alike.

Permission checks are the caller's (duban.workplans.permissions); these functions trust
their `actor`."""
from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from duban.audit.log import record
from duban.audit.models import Event
from duban.lib.concurrency import update_if_version
from duban.notifications.actions import notify, office_people
from duban.plans.lights import attach_status
from duban.plans.signals import facts_changed

from .models import Milestone


class MilestoneConflict(Exception):
    """The milestone changed (or vanished) since the person loaded it. `current` is
    the milestone as it is now (None when deleted); `by` and `at` say who changed it
    last and when, as far as the timeline knows."""

    def __init__(self, current: Milestone | None, *, by: str = "", at: dt.datetime | None = None):
        self.current, self.by, self.at = current, by, at
        super().__init__(self.message)

    @property
    def message(self) -> str:
        if self.current is None:
            return "该节点已被他人删除，您的修改未保存。"
        who = f"已被{self.by}" if self.by else "已被他人"
        when = f"于 {self.at:%Y-%m-%d %H:%M} " if self.at else ""
        return f"保存失败：您打开页面后，该节点{who}{when}修改。请核对对方保存的内容后重新提交。"

    @property
    def values(self) -> dict[str, Any]:
        return snapshot(self.current) if self.current is not None else {}


def snapshot(m: Milestone) -> dict[str, Any]:
    """A milestone's user-visible state as plain JSON values (the timeline's before/after)."""
    return {
        "title": m.title,
        "due": m.due.isoformat() if m.due else None,
        "unit": m.unit.name if m.unit_id else None,
        "owner": m.owner,
        "is_measurable": m.is_measurable,
        "done_on": m.done_on.isoformat() if m.done_on else None,
        "evidence": m.evidence,
    }


def _last_change(m: Milestone) -> tuple[str, dt.datetime | None]:
    event = (
        Event.objects.filter(object_type="milestone", object_id=str(m.pk), result=Event.Result.OK)
        .order_by("-at", "-id").first()
    )
    return (event.actor_name, event.at) if event else ("", None)


def _conflict(pk: int) -> MilestoneConflict:
    current = Milestone.objects.select_related("unit").filter(pk=pk).first()
    if current is None:
        return MilestoneConflict(None)
    by, at = _last_change(current)
    return MilestoneConflict(current, by=by, at=at)


def _change(m: Milestone, version: int, **values) -> Milestone:
    """The conditional update; returns the milestone as stored after it."""
    if not update_if_version(Milestone.objects.filter(pk=m.pk), version, **values):
        raise _conflict(m.pk)
    return Milestone.objects.select_related("unit", "task").get(pk=m.pk)


def _fresh(m: Milestone, version: int) -> Milestone:
    """The stored milestone, refusing at once if it already moved past `version`."""
    current = Milestone.objects.select_related("unit", "task").filter(pk=m.pk).first()
    if current is None or current.version != version:
        raise _conflict(m.pk)
    return current


def deadline_in_force(task, as_of: dt.date | None = None) -> dt.date | None:
    """The task's deadline as approved extensions leave it (``Task.deadline`` keeps the
    plan's own)."""
    probe = type(task)(pk=task.pk, deadline=task.deadline)  # attach_status writes on what it is given
    return attach_status([probe], as_of or timezone.localdate())[0].effective_deadline


def _warn_if_after_deadline(m: Milestone, *, actor, was_after: bool = False) -> None:
    """A milestone due after the task's deadline in force tells the office (when a unit
    set it; the office knows what it did itself), once per change that makes it so."""
    deadline = deadline_in_force(m.task)
    if was_after or not m.is_after(deadline) or getattr(actor, "is_office", False):
        return
    task = m.task
    name = f"第{task.number}项任务" if task.number else str(task)
    who = m.unit or getattr(actor, "unit", None) or actor
    notify(office_people(), kind="milestone.after_deadline",
           title=f"{who}的节点「{m.title}」完成时间 {m.due:%Y-%m-%d} 晚于{name}完成时限 {deadline:%Y-%m-%d}",
           body="按此节点安排，任务将不能按期完成；请督促调整节点时间，或由责任单位在到期前申请延期。",
           url=reverse("plans:task", args=[task.pk]) + "#milestones", task=task)


@transaction.atomic
def add_milestone(task, *, actor, title: str, due: dt.date | None, unit=None, owner: str = "",
                  is_measurable: bool = False) -> Milestone:
    order = (task.milestones.aggregate(n=Max("order"))["n"] or 0) + 1
    m = Milestone.objects.create(
        task=task, title=title, due=due, unit=unit, owner=owner, is_measurable=is_measurable,
        source=Milestone.Source.WORKPLAN, order=order, created_by=actor if getattr(actor, "pk", None) else None,
    )
    record("milestone.add", actor=actor, obj=m, task=task, summary=f"新增节点「{title}」", after=snapshot(m))
    _warn_if_after_deadline(m, actor=actor)
    facts_changed(Milestone, [task.pk])
    return m


EDITABLE = ("title", "due", "unit", "owner", "is_measurable")


@transaction.atomic
def update_milestone(m: Milestone, *, actor, version: int, **changes) -> Milestone:
    """Changes any of title, due, unit, owner, is_measurable. A save that changes
    nothing records nothing and keeps the version."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"update_milestone cannot change {sorted(unknown)}")
    current = _fresh(m, version)
    before = snapshot(current)
    values = {k: v for k, v in changes.items() if getattr(current, k) != v}
    if not values:
        return current
    updated = _change(current, version, **values)
    after = snapshot(updated)
    keys = [k for k in after if before[k] != after[k]]
    record("milestone.update", actor=actor, obj=updated, task=updated.task,
           summary=f"修改节点「{updated.title}」", before={k: before[k] for k in keys}, after={k: after[k] for k in keys})
    if "due" in values:
        _warn_if_after_deadline(updated, actor=actor, was_after=current.is_after(deadline_in_force(current.task)))
    facts_changed(Milestone, [updated.task_id])
    return updated


@transaction.atomic
def complete_milestone(m: Milestone, *, actor, version: int, done_on: dt.date, evidence: str) -> Milestone:
    current = _fresh(m, version)
    if current.done_on is not None:
        raise _conflict(m.pk)
    before = snapshot(current)
    updated = _change(current, version, done_on=done_on, evidence=evidence)
    record("milestone.complete", actor=actor, obj=updated, task=updated.task,
           summary=f"完成节点「{updated.title}」（{done_on:%Y-%m-%d}）",
           before={"done_on": before["done_on"], "evidence": before["evidence"]},
           after={"done_on": done_on.isoformat(), "evidence": evidence})
    facts_changed(Milestone, [updated.task_id])
    return updated


@transaction.atomic
def reopen_milestone(m: Milestone, *, actor, version: int, reason: str) -> Milestone:
    current = _fresh(m, version)
    if current.done_on is None:
        raise _conflict(m.pk)
    before = snapshot(current)
    updated = _change(current, version, done_on=None, evidence="")
    record("milestone.reopen", actor=actor, obj=updated, task=updated.task,
           summary=f"重新打开节点「{updated.title}」：{reason}",
           before={"done_on": before["done_on"], "evidence": before["evidence"]},
           after={"done_on": None, "evidence": "", "reason": reason})
    facts_changed(Milestone, [updated.task_id])
    return updated


@transaction.atomic
def delete_milestone(m: Milestone, *, actor, version: int) -> None:
    current = _fresh(m, version)
    before = snapshot(current)
    pk, task = current.pk, current.task
    _, per_model = Milestone.objects.filter(pk=pk, version=version).delete()
    if per_model.get(Milestone._meta.label, 0) != 1:
        raise _conflict(pk)
    record("milestone.delete", actor=actor, obj=current, task=task, summary=f"删除节点「{before['title']}」",
           before=before)
    facts_changed(Milestone, [task.pk])
