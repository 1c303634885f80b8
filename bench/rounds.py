"""Round benchmark: many units submit their reports at once; nothing may be lost.

    .venv/bin/python bench/rounds.py [--quick] [--reports N] [--db sqlite|postgres|both] [--keep]

For each database (SQLite in a temporary DUBAN_DATA_DIR; PostgreSQL in a fresh
database on postgres://postgres@127.0.0.1:5432 that is created and dropped here) it
migrates, imports the seed plan (101 tasks), creates one liaison per unit, opens
rounds until there are N report slots, and starts gunicorn with production settings
(DUBAN_DEBUG off) on 127.0.0.1. One client thread per unit signs in through the real
sign-in form as that unit's liaison; all clients then submit their unit's reports
concurrently (fill + submit in one POST, as the report form does). Afterwards the
database is asked which acknowledged reports (302) are really submitted.

Final lines, per database (prefix sqlite_ / postgres_):

    sqlite_lost_reports: 0 reports      acknowledged but not submitted in the database
    sqlite_errors: 0 errors             responses other than 302, and exceptions
    sqlite_p99_latency: N ms            99th percentile of the submitting POSTs

Traffic goes to 127.0.0.1 only. --quick submits 150 reports (under a minute in all).
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _client import Browser  # bench/ is on sys.path: run as a script
from _gunicorn import Server, die

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Bench-pass-2026"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
# As scripts/run.sh: more threads only lengthen SQLite write-lock queues on a small host.
GUNICORN = ["--workers", "2", "--threads", "4", "--worker-class", "gthread", "--log-level", "warning",
            "--timeout", "120"]


def log(msg: str) -> None:
    print(msg, flush=True)


# ------------------------------------------------------------------ in a child process


def prepare(n_reports: int) -> None:
    """(child) Migrate, import the seed, make liaisons, open rounds; print the slots as JSON."""
    import datetime as dt

    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.utils import timezone

    from duban.accounts.models import Role, User
    from duban.org.models import Unit
    from duban.rounds.actions import open_round
    from duban.rounds.models import Report
    from duban.web.demo import load_seed_plan

    call_command("migrate", interactive=False, verbosity=0)
    plan = load_seed_plan()
    hashed = make_password(PASSWORD)  # one hash for all: same password, PBKDF2 once
    has_changed_at = any(f.name == "password_changed_at" for f in User._meta.get_fields())
    users = {}
    for unit in Unit.objects.filter(is_collective=False):
        extra = {"password_changed_at": timezone.now()} if has_changed_at else {}
        users[unit.pk] = User.objects.create(username=f"bench{unit.pk:03d}", role=Role.LIAISON, unit=unit,
                                             password=hashed, full_name=f"{unit.name}联络员", **extra)
    today = timezone.localdate()
    slots: list = []
    month = 0
    while len(slots) < n_reports:
        month += 1
        end = today - dt.timedelta(days=31 * (12 - month))
        rnd = open_round(plan, actor=None, name=f"基准调度{month}", period_start=end - dt.timedelta(days=27),
                         period_end=end, opens_on=today, due_on=today + dt.timedelta(days=5))
        slots += list(Report.objects.filter(round=rnd).values_list("pk", "unit_id"))
        if month > 12:
            break
    out = [{"report": pk, "username": users[unit_id].username} for pk, unit_id in slots[:n_reports]]
    print("SLOTS " + json.dumps(out))


def count(ids_json: str) -> None:
    """(child) How many of the given report ids are submitted, and how many versions they have."""
    import django

    django.setup()
    from duban.rounds.models import Report, ReportVersion

    ids = json.loads(Path(ids_json).read_text())
    submitted = Report.objects.filter(pk__in=ids, status=Report.Status.SUBMITTED).count()
    versions = ReportVersion.objects.filter(report_id__in=ids).count()
    all_submitted = Report.objects.exclude(status=Report.Status.DRAFT).count()
    print("COUNT " + json.dumps({"submitted": submitted, "versions": versions, "all_submitted": all_submitted}))


def child(env: dict, *args: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, *args], env=env, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        die(f"子进程 {args[0]} 失败：\n{proc.stderr[-3000:]}")
    for line in proc.stdout.splitlines():
        if line.startswith(("SLOTS ", "COUNT ")):
            return json.loads(line.split(" ", 1)[1])
    die(f"子进程 {args[0]} 没有输出结果：\n{proc.stdout[-2000:]}{proc.stderr[-2000:]}")
    return {}


# ------------------------------------------------------------------ server and clients


class Client:
    """One unit's liaison in a browser (bench/_client.py), signed in through the real form."""

    def __init__(self, server: Server, username: str):
        self.browser = Browser(server.url)
        self.browser.sign_in(username, PASSWORD)

    def submit(self, report_id: int) -> tuple[int, float]:
        fields = {"version": "1", "progress_status": "in_progress", "percent": "50", "action": "submit",
                  "progress": f"基准测试：报告 {report_id} 本期完成投资 3.2 亿元，推进顺利。",
                  "problems": "", "next_steps": "继续推进。"}
        t0 = time.perf_counter()
        status = self.browser.post(f"/rounds/reports/{report_id}/", fields).status_code
        return status, (time.perf_counter() - t0) * 1000


def run_backend(name: str, env: dict, n_reports: int, work: Path) -> dict:
    t0 = time.perf_counter()
    slots = child(env, "--prepare", str(n_reports))
    if len(slots) < n_reports:
        die(f"只生成了 {len(slots)} 个报告位")
    log(f"[{name}] prepared {len(slots)} report slots in {time.perf_counter() - t0:.1f} s")
    by_user: dict[str, list[int]] = defaultdict(list)
    for s in slots:
        by_user[s["username"]].append(s["report"])
    server = Server("duban", "duban.wsgi", ROOT, env, work, GUNICORN)
    server.wait_ready()
    try:
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=16) as pool:  # sign-ins are PBKDF2-bound on the server
            clients = dict(zip(by_user, pool.map(lambda u: Client(server, u), by_user)))
        log(f"[{name}] {len(clients)} liaisons signed in in {time.perf_counter() - t0:.1f} s")
        acknowledged, latencies, errors = [], [], []
        lock = threading.Lock()
        start = threading.Barrier(len(clients))

        def work_unit(username: str) -> None:
            client = clients[username]
            start.wait()
            for rid in by_user[username]:
                try:
                    status, ms = client.submit(rid)
                except Exception as exc:  # a refused or reset connection counts as an error
                    with lock:
                        errors.append(f"{rid}: {exc!r}")
                    continue
                with lock:
                    latencies.append(ms)
                    if status == 302:
                        acknowledged.append(rid)
                    else:
                        errors.append(f"{rid}: HTTP {status}")

        t0 = time.perf_counter()
        threads = [threading.Thread(target=work_unit, args=(u,)) for u in clients]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
    finally:
        server.stop()
    ids_path = work / "acknowledged.json"
    ids_path.write_text(json.dumps(acknowledged))
    counted = child(env, "--count", str(ids_path))
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))] if latencies else 0.0
    p50 = latencies[len(latencies) // 2] if latencies else 0.0
    lost = len(acknowledged) - counted["submitted"]
    log(f"[{name}] {len(slots)} submissions from {len(clients)} concurrent clients in {elapsed:.1f} s "
        f"({len(slots) / elapsed:.0f}/s); acknowledged {len(acknowledged)}, submitted in database "
        f"{counted['submitted']} (versions {counted['versions']}), p50 {p50:.0f} ms")
    for e in errors[:10]:
        log(f"[{name}] error: {e}")
    if errors:
        lines = server.log_path.read_text(errors="replace").splitlines()
        causes = sorted({ln for ln in lines if re.match(r"^\w+(\.\w+)*(Error|Exception): ", ln)})
        for ln in causes[:10]:
            log(f"[{name}] server error: {ln[:300]}")
    return {"lost": lost, "errors": len(errors), "p99": p99}


def base_env(data_dir: Path) -> dict:
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "duban.settings", "DUBAN_DATA_DIR": str(data_dir), "DUBAN_DEBUG": "false",
        "DUBAN_SECRET_KEY": "bench-" + os.urandom(16).hex(), "PYTHONPATH": str(ROOT),
    })
    env.pop("DATABASE_URL", None)
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="150 份报告，一分钟内完成")
    parser.add_argument("--reports", type=int, default=500)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--keep", action="store_true", help="保留临时数据目录")
    parser.add_argument("--prepare", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--count", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        return prepare(args.prepare)
    if args.count:
        return count(args.count)
    n = 150 if args.quick else args.reports
    results = {}
    for backend in (["sqlite", "postgres"] if args.db == "both" else [args.db]):
        work = Path(tempfile.mkdtemp(prefix=f"duban-bench-rounds-{backend}-"))
        env = base_env(work)
        dbname = None
        try:
            if backend == "postgres":
                import psycopg

                dbname = f"duban_bench_rounds_{os.getpid()}"
                with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                    conn.execute(f'CREATE DATABASE "{dbname}"')
                env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{dbname}"
            results[backend] = run_backend(backend, env, n, work)
        finally:
            if dbname:
                import psycopg

                with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')
            if args.keep:
                log(f"[{backend}] data kept in {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
    for backend, r in results.items():
        log(f"{backend}_lost_reports: {r['lost']} reports")
        log(f"{backend}_errors: {r['errors']} errors")
        log(f"{backend}_p99_latency: {r['p99']:.0f} ms")
    if any(r["lost"] or r["errors"] for r in results.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
