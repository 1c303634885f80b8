"""Crash safety: gunicorn is killed with SIGKILL (master and workers at once) while unit
liaisons save and submit reports through the real forms and the office applies a
revised plan; after a restart nothing half-written is visible and nothing that was
acknowledged is lost.

Runs on the database of the suite's run: a temporary SQLite file when DATABASE_URL is
unset, a fresh PostgreSQL database when it names one. The server runs with production
settings (bench/_gunicorn.py), the clients are bench/_client.py browsers (sign-in form,
CSRF cookie, Origin/Referer). Checked after the restart:

- every acknowledged save is stored (or the one attempt sent after it, whose answer
  the kill cut off), with a version at least as high as acknowledged;
- every acknowledged submission is submitted, with its frozen version holding what
  was sent, and its audit record;
- no report is half-submitted: a submitted report has a first submission time and a
  version whose text and figures are the report's, one "report.submit" record per
  version; a draft has neither;
- the revised plan is wholly applied (revision 2, 100 active tasks, the new deadlines,
  the batch marked applied) or not at all (revision 1, 101 tasks, the batch pending);
  an acknowledged confirmation means applied;
- SQLite: PRAGMA integrity_check says ok.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
sys.path.insert(0, str(ROOT / "bench"))
from _client import Browser  # noqa: E402
from _gunicorn import Server  # noqa: E402

from .crash_child import PASSWORD  # noqa: E402

GUNICORN = ["--workers", "2", "--threads", "4", "--worker-class", "gthread", "--log-level", "warning",
            "--timeout", "60"]
SAVES_PER_REPORT = 2
IMPORT_DELAY = 0.15  # seconds after the import began writing: it takes over a second
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
TARGET_FIELD = re.compile(r'name="(target_\d+)"')
VERSION_FIELD = re.compile(r'name="version" value="(\d+)"')

VENDOR = "postgresql" if "postgresql" in settings.DATABASES["default"]["ENGINE"] else "sqlite"


def child(env: dict, *args: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "duban.web.tests.crash_child", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULT "))
    return json.loads(line.split(" ", 1)[1])


@pytest.fixture
def stack(tmp_path):
    """A data folder (and for PostgreSQL a database) of this test's own."""
    env = dict(os.environ)
    env.update({"DJANGO_SETTINGS_MODULE": "duban.settings", "DUBAN_DATA_DIR": str(tmp_path / "data"),
                "DUBAN_DEBUG": "false", "DUBAN_SECRET_KEY": secrets.token_urlsafe(40), "PYTHONPATH": str(ROOT)})
    env.pop("DATABASE_URL", None)
    dbname = None
    if VENDOR == "postgresql":
        import psycopg

        dbname = f"duban_crash_{os.getpid()}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{dbname}"')
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{dbname}"
    (tmp_path / "data").mkdir()
    yield env, tmp_path
    if dbname:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
    shutil.rmtree(tmp_path / "data", ignore_errors=True)


def start(env: dict, log_dir: Path, name: str) -> Server:
    server = Server(name, "duban.wsgi", ROOT, env, log_dir, GUNICORN)
    try:
        server.wait_ready()
    except SystemExit:
        pytest.fail(f"gunicorn did not start:\n{server.log_path.read_text(errors='replace')[-3000:]}")
    return server


def process_tree(pid: int) -> list[int]:
    """The process and all its descendants (gunicorn's master and workers)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def kill_hard(server: Server) -> int:
    """SIGKILL to the master and every worker at once: no request is finished, no
    transaction committed, no file closed cleanly."""
    pids = process_tree(server.proc.pid)
    for pid in reversed(pids):  # workers first, so the master cannot replace them
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    server.proc.wait(timeout=10)
    server._log.close()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(_alive(pid) for pid in pids):
        time.sleep(0.05)
    assert not any(_alive(pid) for pid in pids)
    return len(pids)


def _alive(pid: int) -> bool:
    try:
        return "State:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


@dataclass
class Attempt:
    report: int
    kind: str  # save | submit
    text: str
    targets: dict
    acked: bool | None = None  # None: sent, no answer (cut off by the kill)


@dataclass
class Liaison:
    """One unit's liaison filling and submitting the unit's reports, one after another."""

    url: str
    username: str
    reports: list[int]
    attempts: list[Attempt] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def run(self, stop: threading.Event) -> None:
        browser = Browser(self.url, timeout=60)
        try:
            browser.sign_in(self.username, PASSWORD)
            for rid in self.reports:
                page = browser.get(f"/rounds/reports/{rid}/")
                if page.status_code != 200:
                    self.errors.append(f"GET {rid}: {page.status_code}")
                    return
                version = int(VERSION_FIELD.search(page.text).group(1))
                targets = TARGET_FIELD.findall(page.text)
                for n in range(SAVES_PER_REPORT + 1):
                    if stop.is_set():
                        return
                    kind = "submit" if n == SAVES_PER_REPORT else "save"
                    text = f"{self.username} 报告{rid} 第{n + 1}稿：本期完成投资{n + 1}.5亿元。"
                    values = {t: str(100 * (n + 1) + i) for i, t in enumerate(targets)}
                    attempt = Attempt(rid, kind, text, values)
                    self.attempts.append(attempt)
                    resp = browser.post(f"/rounds/reports/{rid}/", {
                        "version": str(version), "progress_status": "in_progress", "percent": str(30 + n),
                        "progress": text, "problems": "", "next_steps": "继续推进。", "action": kind, **values})
                    attempt.acked = resp.status_code == 302 and resp.headers["Location"].endswith(f"/reports/{rid}/")
                    if not attempt.acked:
                        self.errors.append(f"{kind} {rid}: HTTP {resp.status_code}")
                        return
                    version += 2 if kind == "submit" else 1
        except Exception as exc:  # noqa: BLE001 - the kill resets connections
            if not stop.is_set():
                self.errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            browser.close()


@dataclass
class Office:
    url: str
    username: str
    revised: Path
    sent_at: float | None = None
    acked: bool | None = None
    errors: list[str] = field(default_factory=list)

    def upload(self) -> str:
        self.browser = Browser(self.url, timeout=60)
        self.browser.sign_in(self.username, PASSWORD)
        self.browser.get("/plans/import/")
        resp = self.browser.session.post(
            self.url + "/plans/import/", data={},
            files={"file": (self.revised.name, self.revised.read_bytes(), "text/plain")},
            headers={"X-CSRFToken": self.browser.cookie("csrftoken"), "Origin": self.browser.origin,
                     "Referer": self.browser.origin + "/plans/import/"}, allow_redirects=False, timeout=60)
        assert resp.status_code == 302, resp.text[-2000:]
        preview = resp.headers["Location"]
        page = self.browser.get(preview)
        assert page.status_code == 200 and "修订版" in page.text
        return preview

    def confirm(self, preview: str, stop: threading.Event) -> None:
        try:
            self.sent_at = time.monotonic()
            resp = self.browser.post(preview, {"action": "confirm", "revision": "1"})
            self.took = time.monotonic() - self.sent_at
            self.acked = resp.status_code == 302 and re.search(r"/plans/\d+/$", resp.headers.get("Location", ""))
            if not self.acked:
                self.errors.append(f"confirm: HTTP {resp.status_code}")
        except Exception as exc:  # noqa: BLE001
            if not stop.is_set():
                self.errors.append(f"{type(exc).__name__}: {exc}")


def test_a_killed_server_leaves_nothing_half_written_and_loses_nothing_acknowledged(stack):
    env, work = stack
    t0 = time.monotonic()
    prepared = child(env, "prepare", str(work))
    phases = {"prepare": time.monotonic() - t0}
    before = {k: prepared[k] for k in ("revision", "active_tasks", "deadlines")}
    assert before["revision"] == 1 and before["active_tasks"] == 101

    server = start(env, work, "crash-1")
    stop = threading.Event()
    liaisons = [Liaison(server.url, name, reports) for name, reports in prepared["reports"].items()]
    office = Office(server.url, prepared["office"], Path(prepared["revised"]))
    preview = office.upload()
    phases["server+upload"] = time.monotonic() - t0
    threads = [threading.Thread(target=x.run, args=(stop,)) for x in liaisons]
    for t in threads:
        t.start()

    def acked(kind=None):
        return sum(1 for x in liaisons for a in x.attempts if a.acked and (kind is None or a.kind == kind))

    deadline = time.monotonic() + 30
    while acked("submit") < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert acked("submit") >= 3, [x.errors for x in liaisons]
    phases["3 submissions"] = time.monotonic() - t0
    confirm = threading.Thread(target=office.confirm, args=(preview, stop))
    confirm.start()
    # The import's transaction has begun once it stores the revised source file; the
    # kill comes a moment later, while it is rewriting the tasks.
    source = work / "data" / "files" / "plans"
    deadline = time.monotonic() + 30
    while not list(source.glob(f"*/*{office.revised.name}")) and office.acked is None \
            and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(IMPORT_DELAY)
    stop.set()
    phases["kill"] = time.monotonic() - t0
    killed = kill_hard(server)
    assert killed >= 3  # the master and both workers
    for t in [*threads, confirm]:
        t.join(timeout=40)
    unexpected = [e for x in liaisons for e in x.errors] + office.errors
    assert not unexpected, (unexpected, server.log_path.read_text(errors="replace")[-3000:])
    in_flight = sum(1 for x in liaisons for a in x.attempts if a.acked is None) + (office.acked is None)
    assert in_flight >= 1  # the kill did land in the middle of something

    # The restart: the database is opened again after the crash, and the server serves.
    server = start(env, work, "crash-2")
    try:
        survivor = liaisons[0]
        browser = Browser(server.url, timeout=30)
        browser.sign_in(survivor.username, PASSWORD)
        assert browser.get(f"/rounds/reports/{survivor.reports[0]}/").status_code == 200
        browser.close()
    finally:
        server.stop()
    phases["restart"] = time.monotonic() - t0
    state = child(env, "state")

    if VENDOR == "sqlite":
        assert state["integrity"] == "ok"

    # Nothing acknowledged is lost.
    reports = {int(k): v for k, v in state["reports"].items()}
    for x in liaisons:
        by_report: dict[int, list[Attempt]] = {}
        for a in x.attempts:
            by_report.setdefault(a.report, []).append(a)
        for rid, attempts in by_report.items():
            stored = reports[rid]
            last_acked = max((i for i, a in enumerate(attempts) if a.acked), default=None)
            if last_acked is None:
                continue
            allowed = {a.text for a in attempts[last_acked:]}
            assert stored["progress"] in allowed, (rid, stored["progress"], allowed)
            bumps = sum(2 if a.kind == "submit" else 1 for a in attempts[:last_acked + 1])
            assert stored["version"] >= 1 + bumps, (rid, stored["version"], bumps)
            if attempts[last_acked].kind == "submit":
                sent = attempts[last_acked]
                assert stored["status"] == "submitted", (rid, stored)
                assert stored["versions"][-1]["progress"] == sent.text
                figures = sorted([int(k.split("_")[1]), v] for k, v in sent.targets.items())
                assert stored["versions"][-1]["targets"] == figures

    # Nothing half-written is visible.
    for rid, r in reports.items():
        if r["status"] == "draft":
            assert not r["versions"] and not r["first_submitted"], (rid, r)
            continue
        assert r["status"] == "submitted", (rid, r)
        assert r["first_submitted"] and r["versions"], (rid, r)
        last = r["versions"][-1]
        assert (last["progress"], last["targets"]) == (r["progress"], r["actuals"]), (rid, r)
        assert state["submit_events"].get(str(rid), 0) == len(r["versions"]), (rid, r)

    # The revised plan: all or nothing, and applied if acknowledged.
    after_import = state["revision"] == 2
    if after_import:
        assert state["active_tasks"] == 100 and state["withdrawn"] == 1
        assert "2026-11-30" in state["deadlines"] and state["batches"] == ["applied"]
        assert state["plan_events"].count("plan.revise") == 1
    else:
        assert {k: state[k] for k in before} == before and state["withdrawn"] == 0
        assert state["batches"] == ["pending"] and "plan.revise" not in state["plan_events"]
    if office.acked:
        assert after_import

    submitted = sum(1 for r in reports.values() if r["status"] == "submitted")
    elapsed = time.monotonic() - t0
    print(f"crash test ({VENDOR}): {acked()} acknowledged writes ({acked('submit')} submissions), "
          f"{in_flight} cut off by the kill, {submitted} reports submitted, revised plan "
          f"{'applied' if after_import else 'not applied'} (confirmation "
          f"{f'acknowledged after {office.took:.2f} s' if office.acked else 'cut off'}), {elapsed:.1f} s "
          f"({', '.join(f'{k} at {v:.1f}' for k, v in phases.items())})")
