"""The stored status lights (红黄绿灯) on the plan pages.

duban.status keeps each task's light in a row of its own (``task.light``: colour,
reasons, deadline in force), recomputed by the actions that change the task's facts
and daily for the date. These pages only read it: ``attach_status(tasks)`` gives each
task of a list ``t.status`` (the row, or None), ``t.effective_deadline`` and
``t.extended`` (whether an approved extension moved ``t.deadline``, which always
keeps the original), in one query for the whole list; the ledger's colour filters
are a condition on the same row (``filters.light_filter``).
"""
from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import prefetch_related_objects


def stored_status(task):
    """The task's stored light, or None (a task never computed)."""
    try:
        return task.light
    except ObjectDoesNotExist:
        return None


def attach_status(tasks, as_of=None) -> list:
    """The same tasks, each with ``status``, ``effective_deadline`` and ``extended``
    (`as_of` is today: the stored rows are today's)."""
    tasks = list(tasks)
    if not tasks:
        return tasks
    prefetch_related_objects([t for t in tasks if "light" not in t._state.fields_cache], "light")
    for t in tasks:
        row = stored_status(t)
        t.status = row if row is not None and row.color else None
        t.effective_deadline = row.deadline if t.status is not None else t.deadline
        t.extended = t.effective_deadline != t.deadline
    return tasks
