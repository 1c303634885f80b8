"""The stored status (duban.status): every action that changes a task's facts
recomputes the task's row in its own transaction, the row always equals a computation
from scratch, a new day is computed once by the first reader (or the daily job), the
ledger's colour filter is a condition on the row, and the lights the webhooks' job
kept (api.TaskLight) became rows without losing one."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from duban.plans.models import Task
from duban.rounds.actions import open_round, return_report, save_report_draft, submit_report
from duban.rounds.models import Report
from duban.status import store
from duban.status.facts import as_rules, current_rules, status_for_tasks
from duban.status.models import StatusDay, TaskStatus
from duban.supervision import actions as sup
from duban.supervision.models import RequestStatus, StatusRules
from duban.workplans.actions import add_milestone, complete_milestone

NOW = timezone.make_aware(dt.datetime(2026, 11, 28, 10))
TODAY = dt.date(2026, 11, 28)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def from_scratch(as_of=TODAY) -> dict:
    return {pk: (s.color, list(s.reasons), s.deadline)
            for pk, s in status_for_tasks(Task.objects.all(), as_of).items()}


def stored() -> dict:
    return {r.task_id: (r.color, list(r.reasons), r.deadline) for r in TaskStatus.objects.all()}


def task(number: str) -> Task:
    return Task.objects.get(number=number)


def test_the_first_reader_of_a_day_computes_every_row_then_each_reads_one_row(plan):
    assert store.ensure_current() is True
    assert stored() == from_scratch()
    assert set(TaskStatus.objects.values_list("as_of", flat=True)) == {TODAY}
    day = StatusDay.objects.get()
    assert (day.as_of, day.tasks) == (TODAY, 3)
    with CaptureQueriesContext(connection) as queries:
        assert store.ensure_current() is False
    assert len(queries.captured_queries) == 1
    # The next day: the deadlines come one day nearer, every row is computed again.
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        assert store.ensure_current() is True
        assert stored() == from_scratch(TODAY + dt.timedelta(days=1))
        assert "剩余 32 天" in TaskStatus.objects.get(task=task("1")).text


def test_every_action_recomputes_its_tasks_row_in_its_own_transaction(plan, office, liaison_a):
    store.refresh_all()
    t1 = task("1")
    assert TaskStatus.objects.get(task=t1).color == "green"

    m = add_milestone(t1, actor=office, title="已逾期的节点", due=dt.date(2026, 11, 1))
    assert TaskStatus.objects.get(task=t1).color == "yellow" and stored() == from_scratch()
    complete_milestone(m, actor=office, version=m.version, done_on=TODAY, evidence="已完成")
    assert TaskStatus.objects.get(task=t1).color == "green" and stored() == from_scratch()

    req = sup.request_extension(t1, actor=liaison_a, new_deadline=dt.date(2027, 3, 31), reason="资金未到位")
    assert stored() == from_scratch()  # a request alone changes nothing
    req = sup.decide_extension(req, actor=office, approve=True)
    assert req.status == RequestStatus.APPROVED
    row = TaskStatus.objects.get(task=t1)
    assert row.deadline == dt.date(2027, 3, 31) and "已延期" in row.text and stored() == from_scratch()

    claim = sup.claim_completion(t1, actor=liaison_a, evidence="已全部完成")
    sup.verify_completion(claim, actor=office)
    assert TaskStatus.objects.get(task=t1).color == "done" and stored() == from_scratch()
    sup.reopen_task(t1, actor=office, reason="复查发现问题")
    assert TaskStatus.objects.get(task=t1).color != "done" and stored() == from_scratch()

    open_round(plan, actor=office, name="2026年10月调度", period_start=dt.date(2026, 10, 1),
               period_end=dt.date(2026, 10, 31), opens_on=dt.date(2026, 11, 1), due_on=dt.date(2026, 11, 10))
    assert "缺报 1 期" in TaskStatus.objects.get(task=t1).text and stored() == from_scratch()
    report = Report.objects.get(task=t1, unit=liaison_a.unit)
    report = save_report_draft(report, actor=liaison_a, version=report.version,
                               data={"progress_status": "in_progress", "progress": "推进中", "percent": 90})
    submit_report(report, actor=liaison_a)
    assert "缺报" not in TaskStatus.objects.get(task=t1).text and stored() == from_scratch()
    return_report(Report.objects.get(pk=report.pk), actor=office, reason="请补充数据")
    assert "调度报告被退回" in TaskStatus.objects.get(task=t1).text and stored() == from_scratch()

    sup.update_status_rules(actor=office, values={"yellow_report_returned": False, "yellow_days_before": 40})
    assert stored() == from_scratch()  # the rules changed: every task's row


def test_a_rolled_back_action_leaves_the_row_as_it_was(plan, office):
    store.refresh_all()
    before = stored()
    with pytest.raises(RuntimeError), transaction.atomic():
        add_milestone(task("1"), actor=office, title="已逾期的节点", due=dt.date(2026, 11, 1))
        assert TaskStatus.objects.get(task=task("1")).color == "yellow"  # inside: already recomputed
        raise RuntimeError("the action failed later")
    assert stored() == before


def test_one_actions_recompute_is_a_fixed_handful_of_queries(plan):
    store.refresh_all()
    with CaptureQueriesContext(connection) as queries:
        store.recompute([task("2").pk])
    assert len(queries.captured_queries) <= 12, [q["sql"] for q in queries.captured_queries]


def test_the_ledgers_colour_filter_is_a_condition_on_the_stored_row(client, plan, office):
    store.refresh_all()
    client.force_login(office)
    expected = {r.task.number for r in TaskStatus.objects.filter(color="red").select_related("task")}
    assert expected == {"2"}  # task 2's deadline (30 September) has passed
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("plans:ledger"), {"status": "red"})
    assert response.status_code == 200
    shown = {t.number for t in response.context["page"].object_list}
    assert shown == expected
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert '"status_taskstatus"."color" = ' in sql.replace("`", '"')  # an SQL condition, not ids from Python


@pytest.mark.django_db(transaction=True)
def test_the_lights_the_webhooks_kept_become_stored_rows_without_losing_one():
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    executor.migrate([("status", None)])  # before the status app (api 0003 goes too)
    try:
        executor.loader.build_graph()
        before = [n for n in latest if n[0] not in ("status", "api")] + [("api", "0002_outbox")]
        old = executor.loader.project_state(before).apps
        Plan, Task_, TaskLight = (old.get_model("plans", "Plan"), old.get_model("plans", "Task"),
                                  old.get_model("api", "TaskLight"))
        plan = Plan.objects.create(title="旧方案", year=2026)
        t1 = Task_.objects.create(plan=plan, order=1, number="1", title="任务一")
        t2 = Task_.objects.create(plan=plan, order=2, number="2", title="任务二")
        when = timezone.make_aware(dt.datetime(2026, 11, 20, 9))
        TaskLight.objects.create(task=t1, color="red", reasons=["已逾期 3 天"], version=4, changed_at=when)
        TaskLight.objects.create(task=t2, color="green", reasons=[], version=1, changed_at=when)
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(latest)
    rows = {r.task_id: (r.color, r.reasons, r.version, r.changed_at) for r in TaskStatus.objects.all()}
    assert rows == {t1.pk: ("red", ["已逾期 3 天"], 4, when), t2.pk: ("green", [], 1, when)}
    assert "api_tasklight" not in connection.introspection.table_names()


@pytest.mark.django_db(transaction=True)
def test_the_old_change_triggers_and_their_tables_are_dropped():
    """What duban.lib.dataversion and duban.supervision.changes installed after every
    migrate goes: no write pays for those triggers any more."""
    import importlib

    drop = importlib.import_module("duban.status.migrations.0003_drop_change_triggers").drop
    q = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE duban_data_version (id integer PRIMARY KEY, token text NOT NULL)")
        cursor.execute("CREATE TABLE duban_changed_task (seq integer PRIMARY KEY, task_id integer NULL)")
        if connection.vendor == "sqlite":
            cursor.execute(f"CREATE TRIGGER {q('duban_dv_plans_task_insert')} AFTER INSERT ON plans_task "
                           "BEGIN UPDATE duban_data_version SET token = 'x' WHERE id = 1; END")
        else:
            cursor.execute("CREATE FUNCTION duban_bump_data_version() RETURNS trigger AS $$ BEGIN "
                           "UPDATE duban_data_version SET token = 'x' WHERE id = 1; RETURN NULL; END $$ LANGUAGE plpgsql")
            cursor.execute("CREATE TRIGGER duban_dv_plans_task AFTER INSERT ON plans_task "
                           "FOR EACH ROW EXECUTE FUNCTION duban_bump_data_version()")
    with connection.schema_editor() as editor:
        drop(None, editor)
    tables = set(connection.introspection.table_names())
    assert not {"duban_data_version", "duban_changed_task"} & tables
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'duban_dv_%'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'duban_dv_%'")
        assert cursor.fetchall() == []


def test_the_rules_read_for_a_recompute_are_the_offices_with_their_types(office):
    sup.update_status_rules(actor=office, values={"yellow_report_returned": False, "yellow_days_before": 40})
    got, expected = current_rules(), as_rules(StatusRules.current())
    assert got == expected and got.yellow_days_before == 40 and got.yellow_report_returned is False
    assert got.red_when_overdue is True  # a boolean, not SQLite's 1
