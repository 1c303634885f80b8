"""Reading the facts a task's status depends on, in bulk, as of any date.

``load_facts(tasks, as_of)`` reads the facts of many tasks in one query per kind of
fact (tasks, extensions, closures, milestones, rounds and reports, indicators);
``status_for_tasks`` computes their statuses on any date (``rules.compute_status``):
the stored status (``duban.status.store``) is today's, computed with it, and a past
date (snapshots of rounds, trends, briefings) is computed here from the facts as they
were on that date.
"""
from __future__ import annotations

import datetime as dt
import gc
from collections import defaultdict
from dataclasses import fields

from django.db.models import QuerySet
from django.utils import timezone

from .forecast import load_indicators
from duban.lib.rows import Dates, select, task_rows
from duban.plans.models import Task
from duban.rounds.models import Report, Round
from duban.supervision.models import ExtensionRequest, RequestStatus, StatusRules, TaskClosure
from duban.workplans.models import Milestone

from .rules import RoundFacts, Rules, Status, TaskFacts, compute_status


def current_rules(rules: Rules | None = None) -> Rules:
    """`rules`, or the office's (``StatusRules``, a row edited on the rules page)."""
    if rules is not None:
        return rules
    for row in select(("status.rules",), lambda ids: StatusRules.objects.filter(pk=1), [], *RULE_FIELDS):
        return Rules(*(kind(value) for kind, value in zip(RULE_KINDS, row)))  # SQLite's 0/1 as booleans
    return as_rules(StatusRules.current())  # a new database: the row is made with the defaults


RULE_FIELDS = tuple(f.name for f in fields(Rules))  # StatusRules has a column of each name
RULE_KINDS = tuple(type(f.default) for f in fields(Rules))


def as_rules(obj) -> Rules:
    """The rules of a ``StatusRules`` row (or anything with the same attributes)."""
    return Rules(**{name: getattr(obj, name) for name in RULE_FIELDS})


def load_facts(tasks, as_of: dt.date) -> dict[int, TaskFacts]:
    """The facts of `tasks` (a Task queryset, or an iterable of tasks or ids) on
    `as_of`, in one query per kind of fact (tasks, extensions, closures, milestones,
    reports, indicators and their actuals)."""
    if isinstance(tasks, QuerySet):
        source = tasks.order_by()
    else:
        source = [t if isinstance(t, int) else t.pk for t in tasks]
    dates = Dates(as_of)
    facts: dict[int, TaskFacts] = {}
    # Building many small objects triggers the cyclic collector over and over; none
    # of them form cycles, so it is paused while they are built.
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for pk, deadline, issued, year in task_rows(("facts.tasks",), Task.objects.order_by, "pk", source,
                                                    "pk", "deadline", "plan__issued", "plan__year"):
            deadline = dates.date(deadline)
            facts[pk] = TaskFacts(pk, deadline, deadline, dates.date(issued) or dt.date(year, 1, 1), year=year)
        if not facts:
            return facts

        def ext():
            return ExtensionRequest.objects.order_by().filter(status=RequestStatus.APPROVED, decided_on__lte=as_of)

        latest: dict[int, tuple] = {}
        for task_id, decided_on, pk, new in task_rows(("facts.extensions", as_of), ext, "task_id", source,
                                                      "task_id", "decided_on", "pk", "new_deadline"):
            key = (dates.date(decided_on), pk)
            if task_id not in latest or key > latest[task_id][0]:
                latest[task_id] = (key, dates.date(new))
        for task_id, (_, new) in latest.items():
            if task_id in facts:
                facts[task_id].deadline = new

        def closures():
            return TaskClosure.objects.order_by().filter(closed_on__lte=as_of).exclude(reopened_on__lte=as_of)

        for task_id, closed_on in task_rows(("facts.closures", as_of), closures, "task_id", source,
                                            "task_id", "closed_on"):
            if task_id in facts:
                facts[task_id].closed_on = dates.date(closed_on)

        get = facts.get
        for task_id, due, done_on in task_rows(("facts.milestones",), Milestone.objects.order_by, "task_id", source,
                                               "task_id", "due", "done_on"):
            f = get(task_id)
            if f is not None:
                f.milestones.append((dates.date(due), dates.date(done_on)))

        _load_round_facts(facts, source, as_of, dates)

        for task_id, indicators in load_indicators(source, as_of, dates).items():
            f = get(task_id)
            if f is not None:
                f.indicators = indicators
    finally:
        if gc_was_enabled:
            gc.enable()
    return facts


def _load_round_facts(facts: dict[int, TaskFacts], source, as_of: dt.date, dates: Dates) -> None:
    """Per task and round: earliest submission date, returned flag; and the latest
    reported percent (lead-unit reports preferred, returned ones ignored)."""
    per_task: dict[int, dict[int, RoundFacts]] = defaultdict(dict)
    best_percent: dict[int, tuple] = {}
    # The rounds opened by the date, read once: a few rows, so the reports need no join.
    opened = {
        pk: (dates.date(opens_on), dates.date(due_on))
        for pk, opens_on, due_on in select(("facts.rounds", as_of), lambda ids: Round.objects.order_by().filter(
            opens_on__lte=as_of), [], "pk", "opens_on", "due_on")
    }
    if not opened:
        return
    round_ids = sorted(opened)

    def reports():
        return Report.objects.order_by().filter(round_id__in=round_ids)

    returned = Report.Status.RETURNED.value
    for task_id, round_id, status, first_at, sub_at, percent, role in task_rows(
        ("facts.reports", tuple(round_ids)), reports, "task_id", source,
        "task_id", "round_id", "status", "first_submitted_at", "submitted_at", "percent", "role",
    ):
        rounds = per_task[task_id]
        rf = rounds.get(round_id)
        if rf is None:
            rf = rounds[round_id] = RoundFacts(round_id, *opened[round_id])
        first_on = dates.local_date(first_at)
        if first_on is not None and (rf.submitted_on is None or first_on < rf.submitted_on):
            rf.submitted_on = first_on
        if status == returned:
            rf.returned = True
        elif percent is not None and sub_at is not None:
            sub_on = dates.local_date(sub_at)
            if sub_on <= as_of:
                key = (role == "lead", sub_on, round_id)
                best = best_percent.get(task_id)
                if best is None or key > best[0]:
                    best_percent[task_id] = (key, percent)
    for task_id, rounds in per_task.items():
        f = facts.get(task_id)
        if f is not None:
            f.rounds = list(rounds.values())
    for task_id, (key, percent) in best_percent.items():
        f = facts.get(task_id)
        if f is not None:
            f.percent, f.percent_on = percent, key[1]


def status_for_tasks(tasks, as_of: dt.date | None = None, rules: Rules | None = None) -> dict[int, Status]:
    """Status of many tasks by task id on any date, computed from the facts as they
    were then (past dates: round snapshots, trends, briefings; today: the store)."""
    as_of = as_of or timezone.localdate()
    rules = current_rules(rules)
    facts = load_facts(tasks, as_of)
    enabled = gc.isenabled()
    gc.disable()  # no cycles among the results; see load_facts
    try:
        return {pk: compute_status(f, as_of, rules) for pk, f in facts.items()}
    finally:
        if enabled:
            gc.enable()


def task_status(task, as_of: dt.date | None = None, rules: Rules | None = None) -> Status:
    """Status of one task (a Task or its id)."""
    as_of = as_of or timezone.localdate()
    pk = task if isinstance(task, int) else task.pk
    return status_for_tasks([pk], as_of, rules)[pk]
