"""Signals other apps listen to, so that lower apps never import higher ones.

``task_facts_changed`` is sent by every action that changes what a task's status
depends on (its deadline, targets, milestones, reports and their figures, rounds,
extensions, closure, withdrawal, a plan import or its undo) with ``task_ids``, the
ids of the tasks it changed, or None when every task's status may have changed (the
status rules). duban.status owns the stored status: it listens and recomputes those
tasks' rows in the same transaction, so no reader ever sees a status older than the
facts.
"""
from __future__ import annotations

from django.dispatch import Signal

# send(sender, task_ids: list[int] | None)
task_facts_changed = Signal()


def facts_changed(sender, task_ids) -> None:
    """Tell the listeners that the facts of `task_ids` changed (call inside the action's transaction)."""
    ids = sorted({int(pk) for pk in task_ids})
    if ids:
        task_facts_changed.send(sender=sender, task_ids=ids)


def all_facts_changed(sender) -> None:
    """Tell the listeners that every task's status may have changed (the rules did)."""
    task_facts_changed.send(sender=sender, task_ids=None)
