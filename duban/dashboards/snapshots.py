"""The lights of a round's plan on the round's due date (RoundSnapshot), for the
trend across rounds.

The stored lights (duban.status) are today's; a past date's are computed from the facts
as they were then (duban.status.facts), which costs a status computation over all of
the plan's tasks (seconds for 100,000 tasks), so each round's is computed once, when its due
date has passed, and kept: by the first dashboard that needs it, or by
``duban dashboard_snapshots`` (idempotent; run it daily from cron or the scheduler).
A round whose due date has not passed yet (or is viewed as of an earlier date) is
computed on the fly and not stored.
"""
from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from duban.plans.models import Task
from duban.rounds.models import Round
from duban.status.facts import status_for_tasks

from .metrics import COLORS
from .models import RoundSnapshot


def compute(rnd) -> dict[str, list[int]]:
    """Ids of the round's plan's active tasks by light on the round's due date."""
    statuses = status_for_tasks(Task.objects.filter(plan_id=rnd.plan_id).active(), rnd.due_on)
    out: dict[str, list[int]] = {c: [] for c in COLORS}
    for pk, s in statuses.items():
        out.setdefault(s.color, []).append(pk)
    return {c: sorted(ids) for c, ids in out.items()}


def take(rnd) -> RoundSnapshot:
    """Stores the round's snapshot (replacing one taken for another due date)."""
    tasks = compute(rnd)
    try:
        with transaction.atomic():
            snap, _ = RoundSnapshot.objects.update_or_create(round=rnd, defaults={"as_of": rnd.due_on, "tasks": tasks})
    except IntegrityError:  # another process took it at the same moment
        snap = RoundSnapshot.objects.get(round=rnd)
    return snap


def colors_on_due_date(rnd) -> dict[str, list[int]]:
    """The round's tasks by light on its due date: the stored snapshot, taken now if
    the due date has passed and there is none; computed and not stored otherwise."""
    snap = RoundSnapshot.objects.filter(round=rnd, as_of=rnd.due_on).first()
    if snap is not None:
        return snap.tasks
    if timezone.localdate() > rnd.due_on:
        return take(rnd).tasks
    return compute(rnd)


def take_due_snapshots(today=None) -> list:
    """Takes the snapshot of every round whose due date has passed and that has none
    (or one for another due date); returns the rounds done."""
    today = today or timezone.localdate()
    done = []
    for rnd in Round.objects.filter(due_on__lt=today).order_by("due_on", "pk"):
        if not RoundSnapshot.objects.filter(round=rnd, as_of=rnd.due_on).exists():
            take(rnd)
            done.append(rnd)
    return done
