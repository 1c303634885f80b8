"""A task's timeline: every Event recorded against the task, newest first, with its
object named and its before → after shown field by field in Chinese (the words come
from the models: duban/audit/display.py)."""
from __future__ import annotations

from duban.audit.display import Shown, show_events
from duban.audit.models import Event


def task_timeline(task) -> list[Shown]:
    """Every successful event of the task, newest first. Refused attempts (result
    denied/failed) belong to the security audit trail, not the task's timeline."""
    events = (
        Event.objects.filter(task=task, result=Event.Result.OK).select_related("actor__unit").order_by("-at", "-id")
    )
    return show_events(events)
