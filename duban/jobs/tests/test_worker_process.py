"""Real `duban worker` processes (the django-q2 cluster) on this test's database: a
worker killed with SIGKILL while a message is on the wire loses nothing and sends no
message whose answer it had recorded again; two workers at once send every message
once."""
from __future__ import annotations

import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from duban.jobs import outbox
from duban.jobs.models import Message

pytestmark = pytest.mark.django_db(transaction=True)
DUBAN = str(Path(sys.executable).parent / "duban")


class SlowRobot:
    """A robot endpoint on 127.0.0.1; the message whose text is `hold` is received and
    then not answered until `release` is set."""

    def __init__(self, hold: str | None = None):
        self.texts: list[str] = []
        self.holding = threading.Event()
        self.release = threading.Event()
        robot = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                text = json.loads(self.rfile.read(int(self.headers["Content-Length"])))["text"]["content"]
                robot.texts.append(text)
                if text == hold and not robot.holding.is_set():
                    robot.holding.set()
                    robot.release.wait(60)
                data = b'{"errcode": 0}'
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/robot"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def _database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    return f"postgres://{s['USER'] or 'postgres'}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def workers(tmp_path):
    started: list[subprocess.Popen] = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUBAN_") and k != "DATABASE_URL"}
    env.update({"DJANGO_SETTINGS_MODULE": "duban.settings", "DATABASE_URL": _database_url(),
                "DUBAN_DATA_DIR": str(tmp_path / "data"), "DUBAN_OUTBOX_LEASE_SECONDS": "3",
                "DUBAN_WORKERS": "1",
                # the same key as this process: the queue's task payloads are signed with it
                "DUBAN_SECRET_KEY": settings.SECRET_KEY})

    def start(name: str) -> subprocess.Popen:
        log = open(tmp_path / f"{name}.log", "wb")
        proc = subprocess.Popen([DUBAN, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
        proc.log_path = tmp_path / f"{name}.log"
        started.append(proc)
        return proc

    yield start
    for proc in started:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(30)


def wait_for(condition, timeout: float = 90, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"等待超时：{what}")
        time.sleep(0.2)


def queue(url: str, names: list[str]) -> None:
    outbox.enqueue(outbox.message("wecom", url, text, subject=text) for text in names)


def test_a_worker_killed_mid_send_loses_nothing_and_resends_only_the_message_on_the_wire(
        workers, allow_local_listeners):
    robot = SlowRobot(hold="消息3")
    try:
        first = workers("first")
        queue(robot.url, [f"消息{i}" for i in range(6)])  # the commit wakes a worker
        wait_for(robot.holding.is_set, what="消息3 到达接收方")
        os.killpg(first.pid, signal.SIGKILL)  # the whole cluster, mid-send
        first.wait(30)
        robot.release.set()
        held = Message.objects.get(body="消息3")
        assert held.status == "sending"  # claimed, its answer never recorded
        time.sleep(3.5)  # its lease runs out
        workers("second")
        queue(robot.url, ["消息6"])  # wakes the new worker
        wait_for(lambda: not Message.objects.exclude(status="sent").exists(), what="全部发送")
    finally:
        robot.close()
    texts = sorted(robot.texts)
    for i in (0, 1, 2, 4, 5, 6):
        assert texts.count(f"消息{i}") == 1, texts  # answered once: never sent again
    assert texts.count("消息3") == 2  # on the wire when the worker died: sent again
    held.refresh_from_db()
    assert held.attempts == 2


def test_two_workers_at_once_send_every_message_once(workers, allow_local_listeners):
    robot = SlowRobot()
    try:
        two = [workers("a"), workers("b")]
        time.sleep(1)
        names = [f"消息{i}" for i in range(40)]
        for chunk in range(4):  # four commits: four wake-ups for the two workers to race on
            queue(robot.url, names[chunk * 10:(chunk + 1) * 10])
        wait_for(lambda: Message.objects.filter(status="sent").count() == 40, what="40 条全部发送")
        assert [p.poll() for p in two] == [None, None]
    finally:
        robot.close()
    assert sorted(robot.texts) == sorted(names)
    assert set(Message.objects.values_list("attempts", flat=True)) == {1}


def _group(proc: subprocess.Popen) -> list[str]:
    """The ids of the processes still in the worker's process group."""
    return subprocess.run(["pgrep", "-g", str(proc.pid)], capture_output=True, text=True).stdout.split()


def _running(proc: subprocess.Popen) -> None:
    """Waits until the cluster runs: the command said so, and its guard process has
    started the workers under it (more than the command and the guard in the group)."""
    wait_for(lambda: "后台任务已启动" in proc.log_path.read_text(encoding="utf-8", errors="replace"), what="worker 启动")
    wait_for(lambda: len(_group(proc)) > 2, what="工作进程启动")


@pytest.mark.parametrize("how", ["group", "parent-repeated"])
def test_a_worker_stops_on_sigterm_to_its_whole_group_or_repeated(workers, how):
    """SIGTERM to every process of the worker at once (kill of the process group,
    pkill) left the command hung for good inside django-q2's signal handler (this
    case failed before the fix). Signals repeated while it stops are waited for once.
    Either way the worker and every process under it end."""
    proc = workers(how)
    _running(proc)
    if how == "group":
        os.killpg(proc.pid, signal.SIGTERM)
    else:
        os.kill(proc.pid, signal.SIGTERM)
        time.sleep(0.05)
        os.kill(proc.pid, signal.SIGTERM)
        os.kill(proc.pid, signal.SIGINT)
    assert proc.wait(30) == 0
    wait_for(lambda: not _group(proc), timeout=30, what="所有后台进程退出")
