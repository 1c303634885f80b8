"""Dashboard benchmark: the dashboards over 100,000 tasks and 1,000,000 reports, on
SQLite and PostgreSQL, and the Excel ledger export of 10,000 tasks.

    .venv/bin/python bench/dashboard.py [--quick] [--db sqlite|postgresql|both] [--tasks N] [--keep]

For each database (SQLite in a temporary DUBAN_DATA_DIR; PostgreSQL 127.0.0.1:5432,
database duban_bench_dash, dropped and created again), in a process of its own:

1. Migrates and builds with bulk_create (batches of 5,000) one plan of N tasks
   (default 100,000; --quick 5,000) in 8 chapters, 120 units, 12 leaders; every task
   has a lead unit and one in four a co-unit; two milestones a task (some overdue,
   some done); approved extensions and closures; eight monthly rounds (April to
   November 2026) with one report slot per task and unit (10 per task on average:
   1,000,000 reports): 75 % on time, 10 % late, 5 % returned and submitted again,
   10 % missing; the November round is still open on the benchmark's date.
   On PostgreSQL the database is then VACUUM ANALYZEd, as autovacuum leaves one
   that grew over months.
2. Computes and stores every task's status (``duban.status.store.refresh_all``, the
   daily job) and the status snapshots of the seven past rounds, and times both.
3. Signs in (Django test client, in-process, DEBUG off) an office user, 3 leaders and
   20 units' liaisons, and times requests. Nothing is cached: every page is built from
   the stored status rows and SQL aggregates, so every page is fresh.
   - first after an action: a liaison saves a report draft through the action
     (``rounds.actions.save_report_draft``, which recomputes that task's stored
     status), then the office's overview (every task) and a unit's overview are
     requested; median of three;
   - the floor: after a real action, the office overview's reads alone
     (``dashboards.overview.stored_facts``: every task's stored light and its leader
     and lead-unit links, read to the last row), nothing counted, no page; median of
     three. No overview computed from the stored lights when it is asked for can
     cost less;
   - quiet mix: 300 requests (--quick 150), drawn at random (seeded) with these
     weights: office overview 25, meeting-room screen poll 5, matrix 10, league
     table 10, leaders' overview 20, units' own overview 30;
   - busy mix: the same draw with a real action (a report draft saved) before every
     20th request.
4. The Excel ledger export of 10,000 tasks (or all, when fewer: the name says how many).

The last lines are the figures, one per database (suffix _sqlite / _postgresql); the
names carry the numbers of tasks and reports actually built:

    dashboard_first_after_action_ms_100k_tasks_1000k_reports_sqlite: N ms  (target ≤ 1,000 ms)
    dashboard_first_after_action_unit_ms_…: N ms
    dashboard_floor_read_ms_…: N ms                 (the office overview's reads alone)
    dashboard_quiet_p95_ms_…: N ms
    dashboard_busy_p50_ms_…: N ms
    dashboard_busy_p95_ms_…: N ms                  (target ≤ 300 ms)
    report_save_action_ms_…: N ms                  (the action's own time, with its recompute)
    status_refresh_all_s_100k_tasks_sqlite: N s
    dashboard_snapshots_s_7_rounds_…: N s
    excel_export_10k_s_sqlite: N s                 (target: under 3 s; excel_export_5k_s with --quick)

The machine is shared: compare figures of one run, not across runs.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _sizes import size_name

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 11, 28)
PG_NAME = "duban_bench_dash"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
TARGET_P95_MS = 300
TARGET_FIRST_MS = 1000
BUSY_WRITE_EVERY = 20
TARGET_EXPORT_S = 3.0
EXPORT_TASKS = 10_000
BATCH = 5000
MIX = [("office", "overview", 25), ("office", "screen", 5), ("office", "matrix", 10), ("office", "league", 10),
       ("leader", "overview", 20), ("unit", "overview", 30)]
PATHS = {"overview": "/dashboards/", "screen": "/dashboards/?screen=1", "matrix": "/dashboards/matrix/",
         "league": "/dashboards/league/"}


def log(msg: str) -> None:
    print(msg, flush=True)


# ---------------------------------------------------------------- building the data


def build(n: int) -> dict:
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from duban.accounts.models import User
    from duban.org.models import Leader, Unit
    from duban.plans.models import Plan, Section, Task, TaskLeader, TaskUnit
    from duban.rounds.models import Report, ReportVersion, Round
    from duban.supervision.models import ExtensionRequest, StatusRules, TaskClosure
    from duban.workplans.models import Milestone

    call_command("migrate", verbosity=0)
    rng = random.Random(2026)
    t0 = time.perf_counter()
    with transaction.atomic():
        units = Unit.objects.bulk_create([Unit(name=f"单位{i:03d}") for i in range(120)])
        leaders = Leader.objects.bulk_create([Leader(name=f"领导{i:02d}") for i in range(12)])
        plan = Plan.objects.create(title="基准方案", issuer="基准区政府办公室", year=2026, issued=dt.date(2026, 2, 1))
        sections = Section.objects.bulk_create([Section(plan=plan, order=i, title=f"第{i + 1}部分") for i in range(8)])
        Task.objects.bulk_create([
            Task(plan=plan, section=sections[i * 8 // n], number=str(i + 1), order=i,
                 title=f"第{i + 1}项重点任务：推进基准工作",
                 deadline=None if i % 10 == 0 else dt.date(2026, rng.randint(6, 12), rng.randint(1, 28)),
                 kind="ongoing" if i % 10 == 0 else "dated")
            for i in range(n)
        ], batch_size=BATCH)
        ids = list(Task.objects.filter(plan=plan).order_by("order").values_list("pk", flat=True))
        links = [TaskUnit(task_id=pk, unit=units[i % len(units)], role="lead") for i, pk in enumerate(ids)]
        links += [TaskUnit(task_id=pk, unit=units[(i * 7 + 3) % len(units)], role="co", order=1)
                  for i, pk in enumerate(ids) if i % 4 == 0 and (i * 7 + 3) % len(units) != i % len(units)]
        TaskUnit.objects.bulk_create(links, batch_size=BATCH)
        TaskLeader.objects.bulk_create(
            [TaskLeader(task_id=pk, leader=leaders[i % len(leaders)]) for i, pk in enumerate(ids)], batch_size=BATCH)
        milestones = []
        for i, pk in enumerate(ids):
            for k in range(2):
                due = dt.date(2026, rng.randint(3, 12), rng.randint(1, 28))
                milestones.append(Milestone(task_id=pk, title=f"节点{k + 1}", due=due,
                                            done_on=due if rng.random() < 0.6 else None, order=k))
        Milestone.objects.bulk_create(milestones, batch_size=BATCH)
        now = timezone.now()
        ExtensionRequest.objects.bulk_create([
            ExtensionRequest(task_id=pk, unit=units[0], reason="基准", old_deadline=dt.date(2026, 12, 31),
                             new_deadline=dt.date(2027, 3, 31), status="approved", requested_at=now,
                             decided_on=dt.date(2026, 10, 1))
            for pk in ids[1::50]
        ], batch_size=BATCH)
        TaskClosure.objects.bulk_create(
            [TaskClosure(task_id=pk, closed_on=dt.date(2026, 11, 1)) for pk in ids[3::20]], batch_size=BATCH)
        rounds = [
            Round.objects.create(name=f"2026年{m}月调度", plan=plan, period_start=dt.date(2026, m, 1),
                                 period_end=dt.date(2026, m, 28), opens_on=dt.date(2026, m, 25),
                                 due_on=dt.date(2026, m + 1, 5))
            for m in range(4, 12)
        ]
        reports = 0
        for rnd in rounds:
            batch, versions = [], []
            for link in links:
                r = rng.random()
                due = timezone.make_aware(dt.datetime.combine(rnd.due_on, dt.time(9)))
                if rnd.due_on > AS_OF and r < 0.5:
                    sub = None  # the open round: half not reported yet
                elif r < 0.10:
                    sub = None
                elif r < 0.20:
                    sub = due + dt.timedelta(days=rng.randint(1, 6))
                else:
                    sub = due - dt.timedelta(days=rng.randint(0, 8))
                status = "draft" if sub is None else ("submitted" if r >= 0.25 else "accepted")
                batch.append(Report(round=rnd, task_id=link.task_id, unit_id=link.unit_id, role=link.role,
                                    status=status, first_submitted_at=sub, submitted_at=sub,
                                    percent=None if sub is None else rng.randint(10, 100)))
            Report.objects.bulk_create(batch, batch_size=BATCH)
            reports += len(batch)
            # 5 % returned and submitted again: two frozen versions each.
            again = Report.objects.filter(round=rnd).exclude(first_submitted_at=None).order_by("pk").values_list(
                "pk", "first_submitted_at")
            for pk, sub in again.iterator(chunk_size=BATCH):
                if pk % 20 == 0:
                    versions += [ReportVersion(report_id=pk, number=k, data={}, submitted_at=sub) for k in (1, 2)]
            ReportVersion.objects.bulk_create(versions, batch_size=BATCH)
        StatusRules.current()
        office = User.objects.create(username="bench-office", role="office", full_name="督查室")
        leader_users = [User.objects.create(username=f"bench-leader{i}", role="leader", full_name=f"领导{i}",
                                            leader=leaders[i]) for i in range(3)]
        unit_users = [User.objects.create(username=f"bench-unit{i}", role="liaison", full_name=f"联络员{i}",
                                          unit=units[i * 6]) for i in range(20)]
    log(f"建库：{n} 项任务，{len(links)} 个任务单位，{len(milestones)} 个节点，{reports} 份报告，"
        f"用时 {time.perf_counter() - t0:.1f} s")
    settle()
    return {"office": [office], "leader": leader_users, "unit": unit_users, "tasks": n, "reports": reports}


def settle() -> None:
    """PostgreSQL: VACUUM ANALYZE the tables just loaded, as autovacuum does to a
    database that grew over months. Without it the measurements depend on whether
    autovacuum has reached the new tables yet: before it, an index-only count must
    still read the table's pages to check visibility (the trend's counts of a round's
    slots took 238 ms a page against 99 ms after). SQLite keeps no such map: nothing
    to do."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    log(f"VACUUM ANALYZE（如 autovacuum 之后的库），用时 {time.perf_counter() - t0:.1f} s")


# ---------------------------------------------------------------- measuring


class Writer:
    """Real writes through an action: a unit's liaison saves their report draft
    (rounds.actions.save_report_draft, which recomputes the task's stored status in
    its transaction), each time on the next of the open round's draft reports."""

    def __init__(self, people: dict):
        from duban.rounds.models import Report

        self.liaisons = people["unit"]
        self.reports = {u.pk: list(Report.objects.filter(unit_id=u.unit_id, status="draft", round__due_on__gt=AS_OF)
                                   .order_by("pk").values_list("pk", flat=True)[:50]) for u in self.liaisons}
        self.n = 0
        self.times: list[float] = []

    def write(self) -> float:
        from duban.rounds.actions import save_report_draft
        from duban.rounds.models import Report

        self.n += 1
        liaison = self.liaisons[self.n % len(self.liaisons)]
        pks = self.reports[liaison.pk]
        report = Report.objects.get(pk=pks[self.n % len(pks)])
        t0 = time.perf_counter()
        save_report_draft(report, actor=liaison, version=report.version,
                          data={"progress_status": "in_progress", "progress": f"基准写入 {self.n}", "percent": self.n % 100})
        ms = (time.perf_counter() - t0) * 1000
        self.times.append(ms)
        return ms


def timed_get(client, path: str) -> float:
    t0 = time.perf_counter()
    response = client.get(path)
    ms = (time.perf_counter() - t0) * 1000
    if response.status_code != 200:
        raise SystemExit(f"{path}: HTTP {response.status_code}")
    return ms


def read_floor(user) -> float:
    """Milliseconds to read what the overview of `user` counts (``stored_facts``), to
    the last link row, and nothing more."""
    from duban.dashboards.metrics import scope_tasks
    from duban.dashboards.overview import stored_facts

    t0 = time.perf_counter()
    rows, leader_links, unit_links = stored_facts(scope_tasks(user))
    read = len(rows) + len(list(leader_links)) + len(list(unit_links))
    ms = (time.perf_counter() - t0) * 1000
    if not read:
        raise SystemExit("下限读取：没有读到任何行")
    return ms


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1] if len(values) > 1 else values[0]


def measure(people: dict, requests: int) -> dict:
    import time_machine
    from django.test import Client
    from django.utils import timezone

    from duban.dashboards.snapshots import take_due_snapshots
    from duban.status import store

    out = {}
    with time_machine.travel(timezone.make_aware(dt.datetime.combine(AS_OF, dt.time(10))), tick=True):
        t0 = time.perf_counter()
        result = store.refresh_all(AS_OF)
        out["refresh_all"] = time.perf_counter() - t0
        log(f"全部任务状态重新计算并存储（每日任务 refresh_status）：{result}，用时 {out['refresh_all']:.1f} s")
        t0 = time.perf_counter()
        done = take_due_snapshots()
        out["snapshots"] = time.perf_counter() - t0
        log(f"快照：{len(done)} 期调度，用时 {out['snapshots']:.1f} s")

        clients = {}
        for kind, users in people.items():
            if kind in ("office", "leader", "unit"):
                clients[kind] = []
                for user in users:
                    c = Client()
                    c.force_login(user)
                    clients[kind].append(c)
        office = clients["office"][0]
        writer = Writer(people)

        # The first build after a real action: nothing is cached, so this is what
        # every request costs; the action's own time is measured apart.
        first, first_unit = [], []
        for _ in range(3):
            writer.write()
            first.append(timed_get(office, PATHS["overview"]))
            first_unit.append(timed_get(clients["unit"][0], PATHS["overview"]))
        out["first"], out["first_unit"] = statistics.median(first), statistics.median(first_unit)
        log(f"真实写入（保存报告草稿）后的第一次驾驶舱（督查室，全部任务）：{', '.join(f'{v:.0f}' for v in first)} ms")
        log(f"真实写入后的第一次驾驶舱（单位，本单位任务）：{', '.join(f'{v:.0f}' for v in first_unit)} ms")

        # The floor: the office's overview's reads alone after a real action (every
        # task's stored light and its leader and lead-unit links), nothing counted, no
        # page. Any overview computed from the stored lights when asked costs more.
        floor = []
        for _ in range(3):
            writer.write()
            floor.append(read_floor(people["office"][0]))
        out["floor"] = statistics.median(floor)
        log(f"下限：督查室驾驶舱只读取（每项任务的存储状态及其牵头领导、牵头单位，不计数、不出页面）："
            f"{', '.join(f'{v:.0f}' for v in floor)} ms（目标 P95 ≤ {TARGET_P95_MS} ms）")

        rng = random.Random(28)
        choices = [(who, page) for who, page, w in MIX for _ in range(w)]
        every = [(c, PATHS[page]) for who, page, _ in MIX for c in clients[who]]
        for c, path in every:  # templates and connections warm
            timed_get(c, path)

        def draw():
            who, page = rng.choice(choices)
            return rng.choice(clients[who]), PATHS[page], f"{who}:{page}"

        quiet = [timed_get(c, path) for c, path, _ in (draw() for _ in range(requests))]
        out["quiet_p50"], out["quiet_p95"] = statistics.median(quiet), p95(quiet)
        log(f"无写入混合（{requests} 次）：中位 {out['quiet_p50']:.1f} ms，P95 {out['quiet_p95']:.1f} ms，"
            f"最慢 {max(quiet):.0f} ms")

        busy, slow = [], {}
        for i in range(requests):
            if i % BUSY_WRITE_EVERY == 0:
                writer.write()
            c, path, label = draw()
            ms = timed_get(c, path)
            busy.append(ms)
            slow[label] = max(slow.get(label, 0), ms)
        out["busy_p50"], out["busy_p95"] = statistics.median(busy), p95(busy)
        out["action_p50"] = statistics.median(writer.times)
        log(f"繁忙混合（{requests} 次，每 {BUSY_WRITE_EVERY} 次一次真实写入；每页都是当前数据，无旧副本）："
            f"中位 {out['busy_p50']:.1f} ms，P95 {out['busy_p95']:.1f} ms")
        log("  各页面最慢：" + "，".join(f"{k} {v:.0f} ms" for k, v in sorted(slow.items())))
        log(f"写入动作本身（保存草稿并重算该任务状态）：中位 {out['action_p50']:.1f} ms，共 {len(writer.times)} 次")
    return out


def export_time(n: int) -> float:
    """Seconds to write the Excel ledger of the first `n` tasks (in document order)
    into memory, as bench/export.py does: on AS_OF as today, the lights read from the
    stored rows as a request reads them (not computed for a past date)."""
    import io

    import time_machine
    from django.utils import timezone

    from duban.exports.ledger import write_ledger
    from duban.plans.models import Task
    from duban.status.store import ensure_current

    with time_machine.travel(timezone.make_aware(dt.datetime.combine(AS_OF, dt.time(10))), tick=True):
        ensure_current(AS_OF)
        t0 = time.perf_counter()
        write_ledger(Task.objects.order_by("order")[:n], io.BytesIO(), as_of=AS_OF)
        return time.perf_counter() - t0


# ---------------------------------------------------------------- one database, in its own process


def run_one(db: str, n: int, requests: int, keep: bool) -> int:
    data_dir = Path(tempfile.mkdtemp(prefix=f"duban-bench-dash-{db}-"))
    os.environ["DUBAN_DATA_DIR"] = str(data_dir)
    os.environ["DUBAN_DEBUG"] = "false"
    if db == "sqlite":
        os.environ["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    else:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {PG_NAME}")
        os.environ["DATABASE_URL"] = f"{PG_SERVER}/{PG_NAME}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    sys.path.insert(0, str(ROOT))
    import warnings

    warnings.filterwarnings("ignore", message="No directory at")  # STATIC_ROOT: no collectstatic here
    try:
        import django

        django.setup()
        from django.conf import settings

        log(f"== {db}: {n} 项任务；缓存 {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}")
        people = build(n)
        out = measure(people, requests)
        exported = min(EXPORT_TASKS, n)
        export = export_time(exported)
        log(f"tasks: {people['tasks']}, reports: {people['reports']}")
        size = f"{size_name(people['tasks'])}_tasks_{size_name(people['reports'])}_reports"
        suffix = f"_{db}"
        figures = [
            (f"dashboard_first_after_action_ms_{size}{suffix}", f"{out['first']:.0f} ms"),
            (f"dashboard_first_after_action_unit_ms_{size}{suffix}", f"{out['first_unit']:.0f} ms"),
            (f"dashboard_floor_read_ms_{size}{suffix}", f"{out['floor']:.0f} ms"),
            (f"dashboard_quiet_p95_ms_{size}{suffix}", f"{out['quiet_p95']:.1f} ms"),
            (f"dashboard_busy_p50_ms_{size}{suffix}", f"{out['busy_p50']:.1f} ms"),
            (f"dashboard_busy_p95_ms_{size}{suffix}", f"{out['busy_p95']:.1f} ms"),
            (f"report_save_action_ms_{size}{suffix}", f"{out['action_p50']:.1f} ms"),
            (f"status_refresh_all_s_{size_name(people['tasks'])}_tasks{suffix}", f"{out['refresh_all']:.1f} s"),
            (f"dashboard_snapshots_s_7_rounds_{size}{suffix}", f"{out['snapshots']:.1f} s"),
            (f"excel_export_{size_name(exported)}_s{suffix}", f"{export:.2f} s"),
        ]
        for name, value in figures:
            print(f"FIGURE {name}: {value}", flush=True)
    finally:
        if keep:
            log(f"数据保留在 {data_dir}" + (f"，PostgreSQL 数据库 {PG_NAME}" if db != "sqlite" else ""))
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
            if db != "sqlite":
                from django.db import connections

                connections.close_all()
                import psycopg

                with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                    conn.execute(f"DROP DATABASE IF EXISTS {PG_NAME} WITH (FORCE)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the dashboards over many tasks and reports.")
    parser.add_argument("--quick", action="store_true", help="5,000 tasks instead of 100,000, fewer requests")
    parser.add_argument("--tasks", type=int, help="number of tasks (overrides --quick)")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--requests", type=int, help="requests per mix (default 300, --quick 150)")
    parser.add_argument("--keep", action="store_true", help="keep the data folder (and the PostgreSQL database)")
    parser.add_argument("--one", choices=["sqlite", "postgresql"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    n = args.tasks or (5_000 if args.quick else 100_000)
    requests = args.requests or (150 if args.quick else 300)
    if args.one:
        return run_one(args.one, n, requests, args.keep)

    figures = []
    failed = 0
    for db in (["sqlite", "postgresql"] if args.db == "both" else [args.db]):
        cmd = [sys.executable, __file__, "--one", db, "--tasks", str(n), "--requests", str(requests)]
        if args.keep:
            cmd.append("--keep")
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        for line in proc.stdout:
            if line.startswith("FIGURE "):
                figures.append(line[len("FIGURE "):].rstrip())
            else:
                print(line, end="", flush=True)
        if proc.wait():
            log(f"{db}: 失败（退出码 {proc.returncode}）")
            failed = proc.returncode
            break
    log(f"tasks: {n}; targets: first dashboard after an action ≤ {TARGET_FIRST_MS} ms and busy p95 ≤ "
        f"{TARGET_P95_MS} ms at 100,000 tasks and 1,000,000 reports; Excel export of {EXPORT_TASKS} tasks < {TARGET_EXPORT_S} s")
    for line in figures:  # those of a database that finished, even when the next one failed
        print(line, flush=True)
    return failed


if __name__ == "__main__":
    sys.exit(main())
