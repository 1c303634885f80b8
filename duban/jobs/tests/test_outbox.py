"""The outbox and the jobs, in process: two workers at once never send one message, a
lease that ran out lets another worker take over, retries back off and stop, a
database error does not stop the jobs, the schedule runs every job, and the system
administrator's page shows runs, failures and the backlog with a retry button."""
from __future__ import annotations

import datetime as dt
import http.server
import json
import threading

import pytest
import time_machine
from django.db import connection
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone

from duban.audit.models import Event
from duban.jobs import outbox, runner
from duban.jobs.models import JobRun, Message

NOW = timezone.make_aware(dt.datetime(2026, 11, 28, 10))


class Robot:
    """A group-robot endpoint on 127.0.0.1 recording each message's text."""

    def __init__(self, answers=()):
        self.texts: list[str] = []
        self.answers = list(answers)
        robot = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                robot.texts.append(json.loads(body)["text"]["content"])
                code = robot.answers.pop(0) if robot.answers else 200
                data = b'{"errcode": 0}'
                self.send_response(code)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/robot"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def robot(allow_local_listeners):
    r = Robot()
    yield r
    r.close()


def queue(robot_url: str, n: int) -> list[Message]:
    return outbox.enqueue(outbox.message("wecom", robot_url, f"消息{i}", subject=f"标题{i}") for i in range(n))


@pytest.mark.django_db(transaction=True)
def test_it_never_sends_one_message_twice_with_two_workers_at_once(robot):
    queue(robot.url, 30)
    barrier = threading.Barrier(2)
    errors = []

    def worker(name):
        try:
            barrier.wait()
            outbox.send_due(worker=name)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sorted(robot.texts) == sorted(f"消息{i}" for i in range(30))  # each once
    assert Message.objects.filter(status="sent", attempts=1).count() == 30


@pytest.mark.django_db
def test_a_worker_whose_lease_ran_out_is_taken_over_and_its_late_answer_changes_nothing(robot, settings):
    settings.DUBAN_OUTBOX_LEASE_SECONDS = 60
    with time_machine.travel(NOW, tick=False):
        [msg] = queue(robot.url, 1)
        dead = outbox.claim(msg.pk, "w-died")  # claimed, then its worker died mid-send
        assert dead is not None and outbox.claim(msg.pk, "w-other") is None  # held by the lease
        assert outbox.send_due(worker="w-other") == {"sent": 0, "failed": 0, "skipped": 0}
    with time_machine.travel(NOW + dt.timedelta(seconds=61), tick=False):
        assert outbox.send_due(worker="w-other")["sent"] == 1
    msg.refresh_from_db()
    assert (msg.status, msg.attempts, msg.claimed_by) == ("sent", 2, "w-other")
    assert robot.texts == ["消息0"]
    # the first worker comes back and records a failure: its claim is gone, nothing changes
    assert outbox._settle(dead, status="failed") is False
    msg.refresh_from_db()
    assert msg.status == "sent"


@pytest.mark.django_db
def test_it_backs_off_then_gives_up_and_the_administrator_sends_it_again(allow_local_listeners, sysadmin, client,
                                                                         monkeypatch):
    down = Robot(answers=[503] * 20)
    monkeypatch.setattr(outbox, "MAX_ATTEMPTS", 4)
    try:
        [msg] = queue(down.url, 1)
        pauses = []
        t = timezone.now()
        for attempt in range(1, 5):
            with time_machine.travel(t, tick=False):
                assert outbox.send_due()["failed"] == 1
                assert outbox.send_due()["failed"] == 0  # not before its time
                msg.refresh_from_db()
                assert msg.attempts == attempt and msg.response_status == 503
                pauses.append(msg.next_attempt_at - t)
                t = msg.next_attempt_at + dt.timedelta(seconds=1)
        assert pauses[:3] == [dt.timedelta(minutes=1), dt.timedelta(minutes=2), dt.timedelta(minutes=4)]
        assert msg.status == "failed"
        with time_machine.travel(t + dt.timedelta(days=1), tick=False):
            assert outbox.send_due()["failed"] == 0  # stays failed
        assert len(down.texts) == 4
        # the system administrator sees it and sends it again
        client.force_login(sysadmin)
        page = client.get(reverse("jobs:overview")).content.decode()
        assert f"#{msg.pk}" in page and "接收方返回 HTTP 503" in page and "重新发送" in page
        down.answers = []
        assert client.post(reverse("jobs:message_retry", args=[msg.pk])).status_code == 302
        assert Event.objects.filter(action="jobs.message_retry", actor=sysadmin).exists()
        assert outbox.send_due()["sent"] == 1
        msg.refresh_from_db()
        assert (msg.status, msg.attempts) == ("sent", 1)
    finally:
        down.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("failing", [1, 2, 3])
def test_a_database_error_fails_one_run_and_the_next_run_works(robot, failing):
    """The database refuses the `failing`-th statement of a run (the run record, the
    query of what is due, a claim): that run fails or is recorded as failed; the next
    one sends everything."""
    from django.db import OperationalError

    queue(robot.url, 2)
    seen = []

    def locked(execute, sql, params, many, context):
        seen.append(sql)
        if len(seen) == failing:
            raise OperationalError("database is locked (test)")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(locked):
        first = runner.run_job("send_outbox")
    assert first.ok is False and "database is locked" in first.summary
    again = runner.run_job("send_outbox")
    assert again.ok is True, again.summary
    assert sorted(robot.texts) == ["消息0", "消息1"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="PostgreSQL: its server ends the connection")
def test_a_connection_the_server_ended_is_replaced_by_the_next_run(robot):
    import psycopg

    queue(robot.url, 1)
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    with psycopg.connect(host=params.get("host"), port=params.get("port"), user=params.get("user"),
                         dbname="postgres", autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    runs = [runner.run_job("send_outbox") for _ in range(2)]
    assert runs[-1].ok is True
    assert robot.texts == ["消息0"]


@pytest.mark.django_db
def test_a_failing_job_is_recorded_with_its_traceback_and_the_worker_goes_on(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("磁盘已满（测试）")

    monkeypatch.setattr("duban.rounds.actions.open_due_rounds", broken)
    run = runner.run_job("open_rounds")
    assert run.ok is False and "磁盘已满" in run.summary and "Traceback" in run.error
    assert runner.run_job("remind").ok is True


@pytest.mark.django_db
def test_the_schedule_runs_each_job_once_when_due(monkeypatch):
    from django_q.brokers import get_broker
    from django_q.conf import Conf
    from django_q.models import Schedule
    from django_q.scheduler import scheduler

    with time_machine.travel(NOW, tick=False):
        names = runner.sync_schedules()
        assert runner.sync_schedules() == names  # idempotent
    assert Schedule.objects.filter(name__startswith=runner.SCHEDULE_PREFIX).count() == len(names)
    assert set(names) == {j.name for j in runner.JOBS if j.in_worker}
    daily = Schedule.objects.get(name="duban:dashboard_snapshots")
    assert timezone.localtime(daily.next_run).time() == dt.time(2, 30)
    monkeypatch.setattr(Conf, "SYNC", True)  # the queued task runs at once, in this process
    with time_machine.travel(NOW + dt.timedelta(days=1), tick=False):
        scheduler(broker=get_broker())
        scheduler(broker=get_broker())  # nothing is due twice
    runs = dict(JobRun.objects.values_list("job").annotate(n=Count("id")).values_list("job", "n"))
    assert runs == {name: 1 for name in names}, runs
    assert all(JobRun.objects.values_list("ok", flat=True))


@pytest.mark.django_db
def test_the_administrators_page_lists_each_jobs_runs_and_failures(client, sysadmin, office):
    runner.run_job("remind")
    JobRun.objects.create(job="open_rounds", ok=False, summary="失败：OperationalError: database is locked",
                          error="Traceback (most recent call last): …", finished_at=timezone.now())
    client.force_login(office)
    assert client.get(reverse("jobs:overview")).status_code == 403
    client.force_login(sysadmin)
    page = client.get(reverse("jobs:overview")).content.decode()
    for job in runner.JOBS:
        assert job.label in page
    assert "发出提醒 0 条" in page and "database is locked" in page and "尚未运行" in page
    detail = client.get(reverse("jobs:runs", args=["open_rounds"])).content.decode()
    assert "错误详情" in detail and "Traceback" in detail
    assert client.get(reverse("jobs:runs", args=["no_such_job"])).status_code == 404
