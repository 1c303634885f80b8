"""What the status app tells the apps above it.

``status_changed`` is sent, inside the transaction that stored them, with
``changes``: the ``Change`` of every task whose colour changed (not a task's first
computation). duban.api records each as a LightChange and queues it to the webhooks.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.dispatch import Signal

# send(sender, changes: list[Change])
status_changed = Signal()


@dataclass(frozen=True)
class Change:
    task_id: int
    version: int
    old_color: str
    new_color: str
    reasons: tuple[str, ...]
    as_of: dt.date
    at: dt.datetime
