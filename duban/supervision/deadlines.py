"""The deadline in force and whether a task is closed, from supervision's own records
(approved extensions, closures). The status light itself is duban.status's.
"""
from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone

from duban.plans.models import Task

from .models import ExtensionRequest, RequestStatus, TaskClosure


def effective_deadline(task, as_of: dt.date | None = None) -> dt.date | None:
    """The deadline in force: the latest approved extension's new date, else
    ``Task.deadline`` (which always keeps the original)."""
    as_of = as_of or timezone.localdate()
    latest = (
        ExtensionRequest.objects.filter(task_id=task.pk, status=RequestStatus.APPROVED, decided_on__lte=as_of)
        .order_by("-decided_on", "-id").values_list("new_deadline", flat=True).first()
    )
    return latest or task.deadline


def closed_ids(as_of: dt.date | None = None) -> set[int]:
    """Ids of the tasks closed (销号) on `as_of` and not reopened since."""
    as_of = as_of or timezone.localdate()
    return set(TaskClosure.objects.filter(closed_on__lte=as_of).exclude(reopened_on__lte=as_of)
               .values_list("task_id", flat=True))


def is_closed(task, as_of: dt.date | None = None) -> bool:
    as_of = as_of or timezone.localdate()
    return (
        TaskClosure.objects.filter(task_id=task.pk, closed_on__lte=as_of)
        .exclude(reopened_on__lte=as_of).exists()
    )


def effective_deadlines(tasks=None, as_of: dt.date | None = None) -> dict[int, dt.date | None]:
    """The deadline in force on `as_of` of each of `tasks` (a Task queryset or ids;
    every task when None): the latest approved extension's new date, else
    ``Task.deadline``. Two queries."""
    as_of = as_of or timezone.localdate()
    rows = Task.objects.order_by()
    extensions = ExtensionRequest.objects.filter(status=RequestStatus.APPROVED, decided_on__lte=as_of).order_by()
    if tasks is not None:
        ids = tasks.values("pk") if isinstance(tasks, QuerySet) else list(tasks)
        rows, extensions = rows.filter(pk__in=ids), extensions.filter(task_id__in=ids)
    latest: dict[int, tuple] = {}
    for task_id, decided_on, pk, new in extensions.values_list("task_id", "decided_on", "pk", "new_deadline"):
        if task_id not in latest or (decided_on, pk) > latest[task_id][0]:
            latest[task_id] = ((decided_on, pk), new)
    return {pk: latest[pk][1] if pk in latest else deadline for pk, deadline in rows.values_list("pk", "deadline")}
