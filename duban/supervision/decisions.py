"""A leader's pending decisions (待我决定), in one list, oldest first: extension
requests waiting for the leader's consent (延期须牵头领导同意), coordination items
raised to the leader, and 约谈 notices naming the leader that are not closed."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import reverse

from duban.plans.models import Task
from duban.rounds.models import CoordinationItem

from .models import ExtensionRequest, Notice, RequestStatus


@dataclass
class Decision:
    """One thing waiting for a leader: its kind (extension / coordination / interview),
    since when, the task, a line saying what, and the object to act on."""

    kind: str
    label: str
    since: dt.datetime
    task: Task
    text: str
    obj: object

    @property
    def task_url(self) -> str:
        return reverse("supervision:task", args=[self.task.pk])


def pending_decisions(leader, tasks=None) -> list[Decision]:
    """What waits for `leader`, oldest first; `tasks` (a queryset) narrows it to the
    tasks the viewer may see."""
    extensions = ExtensionRequest.objects.filter(status=RequestStatus.LEADER_PENDING, task__leader_links__leader=leader)
    items = CoordinationItem.objects.filter(addressed_to_leader=leader, status=CoordinationItem.Status.OPEN)
    interviews = Notice.objects.filter(leaders=leader, level=Notice.Level.INTERVIEW).exclude(status=Notice.Status.CLOSED)
    if tasks is not None:
        extensions, items, interviews = (qs.filter(task__in=tasks.values("pk")) for qs in (extensions, items, interviews))
    out = [
        Decision("extension", "延期审批", e.requested_at, e.task,
                 f"{e.unit} 申请由 {e.old_deadline:%Y-%m-%d} 延至 {e.new_deadline:%Y-%m-%d}：{e.reason}", e)
        for e in extensions.select_related("task", "unit").distinct()
    ]
    out += [
        Decision("coordination", "协调事项", i.created_at, i.task, f"{i.raised_by_unit} 提请协调：{i.text}", i)
        for i in items.select_related("task", "raised_by_unit")
    ]
    out += [
        Decision("interview", "约谈", n.issued_at, n.task,
                 f"{n.number}：请约谈 {'、'.join(str(u) for u in n.units.all())}", n)
        for n in interviews.select_related("task").prefetch_related("units").distinct()
    ]
    out.sort(key=lambda d: (d.since, d.kind))
    return out
