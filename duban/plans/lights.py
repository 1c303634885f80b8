"""Status lights (红黄绿灯) of duban.supervision on the plan pages.

``attach_status(tasks, as_of)`` gives each task of a list (one ledger page, a unit's
or a leader's tasks) ``t.status`` (a supervision ``Status``), ``t.effective_deadline``
and ``t.extended`` (whether an approved extension moved ``t.deadline``, which always
keeps the original). The facts of all the tasks are read once, in a fixed number of
queries (``supervision.status.load_facts``: tasks, extensions, closures, milestones,
reports, plus the status rules) whatever the number of tasks: no N+1. Without the
supervision app the pages show no light.
"""
from __future__ import annotations

import datetime as dt

from django.apps import apps


def supervision_installed() -> bool:
    return apps.is_installed("duban.supervision")


def attach_status(tasks, as_of: dt.date) -> list:
    """The same tasks, each with ``status``, ``effective_deadline`` and ``extended``."""
    tasks = list(tasks)
    for t in tasks:
        t.status, t.effective_deadline, t.extended = None, t.deadline, False
    if not tasks or not supervision_installed():
        return tasks
    from duban.supervision.models import StatusRules
    from duban.supervision.status import as_rules, compute_status, load_facts

    # status_for_tasks() would read the same facts; reading them here once also gives
    # the effective deadlines without a second round of queries.
    facts = load_facts([t.pk for t in tasks], as_of)
    rules = as_rules(StatusRules.current())
    for t in tasks:
        f = facts.get(t.pk)
        if f is not None:
            t.status = compute_status(f, as_of, rules)
            t.effective_deadline = f.deadline
            t.extended = f.deadline != t.deadline
    return tasks


def ids_with_color(tasks, as_of: dt.date, color: str) -> list[int]:
    """Ids of `tasks` (a queryset) whose light is `color` on `as_of`. The statuses are
    evaluated in Python over every task of the queryset (``status_for_tasks``), so
    this costs a pass over all of them, not one SQL condition."""
    if not supervision_installed():
        return []
    from duban.supervision.status import status_for_tasks

    return [pk for pk, s in status_for_tasks(tasks, as_of).items() if s.color == color]
