"""The task page, for the apps below the one that draws it.

The task page gathers every app's data, so it lives in duban.ledger, above plans, work
plans, rounds and supervision. The work plan views show it (with a milestone form open,
without JavaScript) through ``render_task_page`` here; duban.ledger registers the real
one when Django starts (``LedgerConfig.ready``)."""
from __future__ import annotations

from typing import Callable

_task_page: Callable | None = None


def register_task_page(render: Callable) -> None:
    global _task_page
    _task_page = render


def render_task_page(request, task, milestones: dict, status: int = 200):
    """The task page around a milestone-list context (duban.ledger.views.render_task_page)."""
    if _task_page is None:
        raise RuntimeError("duban.ledger is not installed: no task page to show")
    return _task_page(request, task, milestones, status)
