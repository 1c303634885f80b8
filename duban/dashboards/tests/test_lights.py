"""Today's lights of every task are computed once and then kept current from the log of
changed tasks (duban.supervision.changes): only the tasks a write touched are computed
again, and the map always equals a computation from scratch."""
from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duban.dashboards import metrics
from duban.plans.models import Plan, Target, Task
from duban.rounds.models import Report, Round, TargetActual
from duban.supervision import changes, status
from duban.supervision.models import ExtensionRequest, StatusRules, TaskClosure
from duban.workplans.models import Milestone

from .conftest import AS_OF


_load_facts = status.load_facts  # not the counting one of the fixture


def from_scratch() -> dict:
    facts = _load_facts(Task.objects.active(), AS_OF)
    rules = status.as_rules(StatusRules.current())
    out = {}
    for pk, f in facts.items():
        s = status.compute_status(f, AS_OF, rules)
        out[pk] = (s.color, s.text, f.deadline)
    return out


@pytest.fixture
def computed(monkeypatch):
    """The sizes of the task sets whose facts are read (a full computation reads all)."""
    sizes = []
    real = status.load_facts

    def counting(tasks, as_of):
        facts = real(tasks, as_of)
        sizes.append(len(facts))
        return facts

    monkeypatch.setattr(status, "load_facts", counting)
    return sizes


def test_every_table_the_facts_are_read_from_is_in_the_log(seed):
    with CaptureQueriesContext(connection) as queries:
        status.load_facts(Task.objects.active(), AS_OF)
    read = set()
    for q in queries.captured_queries:
        read |= set(re.findall(r'(?:FROM|JOIN)\s+"?(\w+)"?', q["sql"]))
    assert {"plans_task", "rounds_report", "workplans_milestone", "plans_target"} <= read  # the capture works
    assert read <= set(changes.fact_tables()), read - set(changes.fact_tables())


def test_each_write_names_its_task(seed):
    task, other = Task.objects.active().order_by("order")[:2]
    start = changes.newest()

    def changed_since(seq):
        return changes.since(seq, 1000)[1]

    Milestone.objects.create(task=task, title="节点", due=AS_OF)
    assert changed_since(start) == {task.pk}
    mark = changes.newest()
    report = Report.objects.filter(task=other).first()
    Report.objects.filter(pk=report.pk).update(percent=50)
    assert changed_since(mark) == {other.pk}
    mark = changes.newest()
    target = Target.objects.exclude(task=other).first()
    TargetActual.objects.create(report=report, target=target, value=1)
    assert changed_since(mark) == {target.task_id}
    mark = changes.newest()
    Task.objects.filter(pk=task.pk).update(withdrawn=True)
    assert changed_since(mark) == {task.pk}
    mark = changes.newest()
    Round.objects.filter(pk=seed.r2.pk).update(name="改名")  # a round concerns every task
    assert changed_since(mark) is None
    mark = changes.newest()
    Plan.objects.filter(pk=seed.plan.pk).update(title="改名")
    assert changed_since(mark) is None
    assert changed_since(start) is None
    assert changes.since(start, 2)[1] is None  # more rows than the limit: everything


def test_the_map_is_kept_current_one_write_at_a_time(seed, computed):
    assert metrics.lights(AS_OF) == from_scratch()
    assert computed == [Task.objects.active().count()]
    tasks = list(Task.objects.active().order_by("order")[:6])
    writes = [
        lambda: TaskClosure.objects.create(task=tasks[0], closed_on=AS_OF),
        lambda: TaskClosure.objects.filter(task=tasks[0]).update(reopened_on=AS_OF),
        lambda: Milestone.objects.create(task=tasks[1], title="逾期节点", due=AS_OF - dt.timedelta(days=3)),
        lambda: ExtensionRequest.objects.create(
            task=tasks[2], unit=tasks[2].units.first(), reason="r", old_deadline=AS_OF, new_deadline=AS_OF + dt.timedelta(days=90),
            status="approved", requested_at=timezone.now(), decided_on=AS_OF),
        lambda: Report.objects.filter(task=tasks[3], round=seed.r1).update(status=Report.Status.RETURNED),
        lambda: Task.objects.filter(pk=tasks[4].pk).update(deadline=AS_OF - dt.timedelta(days=1)),
        lambda: Task.objects.filter(pk=tasks[5].pk).update(withdrawn=True),
    ]
    for i, write in enumerate(writes):
        computed.clear()
        before = metrics.lights(AS_OF)
        write()
        after = metrics.lights(AS_OF)
        assert after == from_scratch(), f"write {i}"
        assert computed[0] <= 1, f"write {i}: {computed}"  # only the task written to (or none: withdrawn)
    assert tasks[5].pk not in after and tasks[5].pk in before  # withdrawn: off the map


def test_a_change_of_the_rules_or_a_restore_computes_everything_again(seed, computed):
    total = Task.objects.active().count()
    metrics.lights(AS_OF)
    computed.clear()
    rules = StatusRules.current()
    rules.yellow_days_before = 30
    rules.save()
    assert metrics.lights(AS_OF) == from_scratch()
    assert computed[0] == total
    computed.clear()
    metrics.lights(AS_OF)
    assert computed == []  # held, nothing changed
    changes.renew_epoch()
    metrics.lights(AS_OF)
    assert computed[0] == total


def test_old_log_rows_are_pruned(seed):
    Milestone.objects.create(task=Task.objects.active().first(), title="节点", due=AS_OF)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {changes.LOG}")
        rows = cursor.fetchone()[0]
        if connection.vendor == "sqlite":
            cursor.execute(f"INSERT INTO {changes.LOG} (task_id, created) VALUES (1, datetime('now', '-3 days'))")
        else:
            cursor.execute(f"INSERT INTO {changes.LOG} (task_id, created) VALUES (1, now() - interval '3 days')")
    assert changes.prune() >= 1
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {changes.LOG}")
        assert cursor.fetchone()[0] == rows


@pytest.mark.django_db(transaction=True)
def test_the_log_follows_commit_order_on_postgresql(plan):
    """A transaction that wrote first but commits last gets the later place in the log,
    so a reader who read up to the other's row still sees it next time."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer at a time: its log is in commit order by construction")
    first, second = Task.objects.active().order_by("order")[:2]
    start = changes.newest()
    written, go_on = threading.Event(), threading.Event()

    def slow_writer():
        try:
            with transaction.atomic():
                Milestone.objects.create(task=first, title="先写后提交", due=AS_OF)
                written.set()
                go_on.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_writer)
    thread.start()
    assert written.wait(10)
    Milestone.objects.create(task=second, title="后写先提交", due=AS_OF)
    seq, changed = changes.since(start, 100)
    assert changed == {second.pk}
    go_on.set()
    thread.join(10)
    assert changes.since(seq, 100)[1] == {first.pk}
