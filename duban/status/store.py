"""Keeping the stored status (``TaskStatus``) of every task current, and reading it.

- ``recompute(task_ids)``: the rows of some tasks, from their facts today, in the
  caller's transaction. Every action that changes a task's facts sends
  ``duban.plans.signals.task_facts_changed``; ``on_facts_changed`` listens and calls
  this (the status rules changed: every task, ``refresh_all``).
- ``refresh_all(as_of)``: every row, for a new date (the daily job ``refresh_status``,
  or the first reader of a day the job has not run yet: ``ensure_current``).
- ``lights`` / ``statuses``: the readers' side. Today's answers are the stored rows
  (one query); another date's are computed from the facts as they were then
  (duban.status.facts), as round snapshots and trends need.

A colour that changes makes ``version`` go up and is announced with
``signals.status_changed`` in the same transaction (the webhooks of duban.api).

Concurrency. A recompute locks the task's row (``SELECT … FOR UPDATE``, the row
created empty first if it is missing) before it reads the facts: a second action on
the same task waits for the first to commit and then reads its facts too (READ
COMMITTED reads what is committed when each statement starts), so the row written
last always comes from the newest facts. ``refresh_all`` takes the table in EXCLUSIVE
mode on PostgreSQL (plain reads go on, row locks wait), for the same reason. On
SQLite one transaction writes at a time.
"""
from __future__ import annotations

import datetime as dt
import gc
import json
import time

from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from duban.lib.rows import rows as raw_rows, select
from duban.plans.models import Task

from .facts import current_rules, load_facts, status_for_tasks
from .models import StatusDay, TaskStatus
from .rules import Rules, compute_status
from .signals import Change, status_changed

CHUNK = 2000  # ids per IN (…) and rows per INSERT


def _chunks(ids: list[int], size: int = CHUNK):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def on_facts_changed(sender, task_ids=None, **kwargs) -> None:
    """The receiver of ``task_facts_changed``: `task_ids` None means every task."""
    if task_ids is None:
        refresh_all()
    else:
        recompute(task_ids)


# --- writing --------------------------------------------------------------------------

def recompute(task_ids, as_of: dt.date | None = None, rules: Rules | None = None) -> list[Change]:
    """Recomputes and stores the rows of `task_ids` (ids of tasks that no longer exist
    are skipped); returns the colour changes (also sent as ``status_changed``)."""
    ids = sorted({int(pk) for pk in task_ids})
    if not ids:
        return []
    as_of = as_of or timezone.localdate()
    with transaction.atomic():
        old = _lock_rows(ids, as_of)
        facts = load_facts(ids, as_of)
        return _store(facts, current_rules(rules), as_of, old)


def _lock_rows(ids: list[int], as_of: dt.date) -> dict[int, tuple]:
    """Locks the rows of `ids` (in id order, so two recomputes never deadlock),
    creating the missing ones empty first; {task id: (colour, version, changed_at)}."""
    old: dict[int, tuple] = {}

    def lock(chunk):
        for pk, color, version, changed_at in select(
                ("status.lock",), lambda ids: TaskStatus.objects.select_for_update().filter(task_id__in=ids)
                .order_by("task_id"), chunk, "task_id", "color", "version", "changed_at"):
            old[pk] = (color, version, changed_at)

    for chunk in _chunks(ids):
        lock(chunk)
    missing = [pk for pk in ids if pk not in old]
    if missing:
        real = list(Task.objects.filter(pk__in=missing).values_list("pk", flat=True))
        TaskStatus.objects.bulk_create([TaskStatus(task_id=pk, color="", as_of=as_of) for pk in real],
                                       ignore_conflicts=True, batch_size=CHUNK)
        for chunk in _chunks(sorted(real)):
            lock(chunk)
    return old


def _store(facts: dict, rules: Rules, as_of: dt.date, old: dict[int, tuple]) -> list[Change]:
    """Computes the statuses of `facts` and upserts their rows (one INSERT … ON
    CONFLICT per CHUNK rows); `old` holds the rows as they were."""
    now = timezone.now()
    ops = connection.ops
    db_now, db_as_of = ops.adapt_datetimefield_value(now), ops.adapt_datefield_value(as_of)
    values, changes = [], []
    encoded: dict[tuple, str] = {}  # many tasks share their reasons word for word
    enabled = gc.isenabled()
    gc.disable()  # many small objects, no cycles (as load_facts)
    try:
        for pk, f in facts.items():
            s = compute_status(f, as_of, rules)
            reasons = tuple(s.reasons)
            prev = old.get(pk)
            version, changed_at = 1, db_now
            if prev is not None and prev[0]:
                if prev[0] == s.color:
                    version, changed_at = prev[1], prev[2]
                else:
                    version = prev[1] + 1
                    changes.append(Change(pk, version, prev[0], s.color, reasons, as_of, now))
            elif prev is not None:
                version = prev[1]
            text = encoded.get(reasons)
            if text is None:
                text = encoded[reasons] = _json(s.reasons)
            values.append((pk, s.color, text,
                           ops.adapt_datefield_value(f.deadline), db_as_of, db_now, version, changed_at))
    finally:
        if enabled:
            gc.enable()
    _upsert(values)
    if changes:
        status_changed.send(sender=TaskStatus, changes=changes)
    return changes


_json = json.JSONEncoder(ensure_ascii=False).encode  # one encoder (json.dumps with options makes one a call)
COLUMNS = ("task_id", "color", "reasons", "deadline", "as_of", "computed_at", "version", "changed_at")


def _upsert(values: list[tuple]) -> None:
    if not values:
        return
    q = connection.ops.quote_name
    table = q(TaskStatus._meta.db_table)
    cols = ", ".join(q(c) for c in COLUMNS)
    updates = ", ".join(f"{q(c)} = EXCLUDED.{q(c)}" for c in COLUMNS[1:])
    one = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
    with connection.cursor() as cursor:
        for i in range(0, len(values), CHUNK):
            chunk = values[i:i + CHUNK]
            sql = (f"INSERT INTO {table} ({cols}) VALUES {', '.join([one] * len(chunk))} "
                   f"ON CONFLICT ({q('task_id')}) DO UPDATE SET {updates}")
            cursor.execute(sql, [v for row in chunk for v in row])


def refresh_all(as_of: dt.date | None = None, rules: Rules | None = None) -> dict:
    """Recomputes every task's row for `as_of` (today): the daily job, and the status
    rules' change. Returns what it did (for the job's record)."""
    as_of = as_of or timezone.localdate()
    started = time.perf_counter()
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"LOCK TABLE {connection.ops.quote_name(TaskStatus._meta.db_table)} IN EXCLUSIVE MODE")
        old = {pk: (color, version, changed_at) for pk, color, version, changed_at in
               raw_rows(TaskStatus.objects.order_by(), "task_id", "color", "version", "changed_at")}
        facts = load_facts(Task.objects.all(), as_of)
        changes = _store(facts, current_rules(rules), as_of, old)
        seconds = time.perf_counter() - started
        StatusDay.objects.update_or_create(pk=1, defaults={"as_of": as_of, "finished_at": timezone.now(),
                                                           "tasks": len(facts), "seconds": round(seconds, 3)})
    return {"任务": len(facts), "状态变化": len(changes)}


def refresh_status() -> dict:
    """The daily job (duban.jobs ``refresh_status``): every row for today."""
    return refresh_all()


def ensure_current(as_of: dt.date | None = None) -> bool:
    """Makes sure every row was computed for `as_of` (today): one single-row read when
    it was; otherwise (the daily job has not run yet today, or a new database)
    ``refresh_all`` first. True when it had to."""
    as_of = as_of or timezone.localdate()
    if StatusDay.objects.filter(pk=1, as_of=as_of).exists():
        return False
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # One reader refreshes; the others wait here, then find it done.
            StatusDay.objects.get_or_create(pk=1, defaults={"as_of": dt.date.min})
            StatusDay.objects.select_for_update().filter(pk=1).first()
            if StatusDay.objects.filter(pk=1, as_of=as_of).exists():
                return False
        refresh_all(as_of)
    return True


# --- reading --------------------------------------------------------------------------

# A light: (colour, reasons in words, deadline in force).
Light = tuple[str, str, "dt.date | None"]


def lights(tasks, as_of: dt.date | None = None) -> dict[int, Light]:
    """{task id: light} of `tasks` (a Task queryset) on `as_of`: the stored rows for
    today, computed from the facts for another date."""
    today = timezone.localdate()
    as_of = as_of or today
    if as_of != today:
        facts = load_facts(tasks, as_of)
        rules = current_rules()
        out = {}
        for pk, f in facts.items():
            s = compute_status(f, as_of, rules)
            out[pk] = (s.color, s.text, f.deadline)
        return out
    ensure_current(today)
    rows = TaskStatus.objects.order_by()
    if isinstance(tasks, QuerySet):
        rows = rows.filter(task__in=tasks.order_by().values("pk")) if tasks.query.where else rows
    else:
        rows = rows.filter(task_id__in=[t if isinstance(t, int) else t.pk for t in tasks])
    return {pk: (color, "，".join(reasons), deadline)
            for pk, color, reasons, deadline in rows.values_list("task_id", "color", "reasons", "deadline")}


def statuses(tasks, as_of: dt.date | None = None) -> dict:
    """{task id: status} of `tasks` (queryset or ids) on `as_of`: stored rows
    (``TaskStatus``) for today, computed ``rules.Status`` for another date; both have
    ``color``, ``label``, ``reasons`` and ``text``."""
    today = timezone.localdate()
    as_of = as_of or today
    if as_of != today:
        return status_for_tasks(tasks, as_of)
    ensure_current(today)
    rows = TaskStatus.objects.all()
    if isinstance(tasks, QuerySet):
        rows = rows.filter(task__in=tasks.order_by().values("pk"))
    else:
        rows = rows.filter(task_id__in=[t if isinstance(t, int) else t.pk for t in tasks])
    return {row.task_id: row for row in rows}
