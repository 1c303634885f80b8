"""Status benchmark: the stored status lights (duban.status) of 100,000 tasks.

    .venv/bin/python bench/status.py [--quick] [--tasks N] [--keep] [--postgres URL]

Builds a fresh database (SQLite in a temporary DUBAN_DATA_DIR; or an empty PostgreSQL
database given with --postgres, e.g. postgres://postgres@127.0.0.1:5432/duban_bench,
dropped and created), migrates, and creates with bulk_create one plan of N tasks
(default 100,000; --quick 10,000), each with its units, two milestones (some overdue,
some done), a few approved extensions and closures, and two progress rounds with one
report slot per task (some missed, some returned, most submitted with a percent);
every third task has a quantitative target (half with a baseline) and its submitted
reports give actual figures, so the indicator forecasts run too. Then it times:

1. ``store.refresh_all``: every task's stored row recomputed and written (the facts
   loaded in a few queries, the pure rule function per task, one upsert per 2,000
   rows), as the daily job ``refresh_status`` does; best of three (the first run
   creates the rows, the others update them);
2. ``store.recompute([task])`` for 300 tasks drawn at random, each in its own
   transaction: what every action that changes a task's facts adds to itself
   (the row locked, the task's facts read, the status computed and written);
   median and 95th percentile.

Figures (names carry the number of tasks actually built: 100k, or 10k with --quick):

    status_refresh_all_100k_s: N s          target ≤ 5 s
    status_action_recompute_100k_ms: N ms   (median) target ≤ 5 ms
    status_action_recompute_p95_100k_ms: N ms
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
from collections import Counter
from pathlib import Path

from _sizes import size_name

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 5.0
TARGET_MS = 5.0
AS_OF = dt.date(2026, 11, 28)


def log(msg: str) -> None:
    print(msg, flush=True)


def build(n: int) -> None:
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from duban.org.models import Leader, Unit
    from duban.plans.models import Plan, Target, Task, TaskLeader, TaskUnit
    from duban.rounds.models import Report, Round, TargetActual
    from duban.supervision.models import ExtensionRequest, TaskClosure
    from duban.workplans.models import Milestone

    call_command("migrate", verbosity=0)
    rng = random.Random(2026)
    batch = 5000
    t0 = time.perf_counter()
    with transaction.atomic():
        units = Unit.objects.bulk_create([Unit(name=f"单位{i:03d}") for i in range(120)])
        leaders = Leader.objects.bulk_create([Leader(name=f"领导{i:02d}") for i in range(12)])
        plan = Plan.objects.create(title="基准方案", issuer="基准区政府办公室", year=2026, issued=dt.date(2026, 2, 1))
        tasks = [
            Task(plan=plan, number=str(i + 1), order=i, title=f"第{i + 1}项重点任务",
                 deadline=None if i % 10 == 0 else dt.date(2026, rng.randint(6, 12), rng.randint(1, 28)),
                 kind="ongoing" if i % 10 == 0 else "dated")
            for i in range(n)
        ]
        Task.objects.bulk_create(tasks, batch_size=batch)
        ids = list(Task.objects.filter(plan=plan).order_by("order").values_list("pk", flat=True))
        TaskUnit.objects.bulk_create(
            [TaskUnit(task_id=pk, unit=units[i % len(units)], role="lead") for i, pk in enumerate(ids)], batch_size=batch)
        TaskLeader.objects.bulk_create(
            [TaskLeader(task_id=pk, leader=leaders[i % len(leaders)]) for i, pk in enumerate(ids)], batch_size=batch)
        milestones = []
        for i, pk in enumerate(ids):
            for k in range(2):
                due = dt.date(2026, rng.randint(3, 12), rng.randint(1, 28))
                done = due if rng.random() < 0.6 else None
                milestones.append(Milestone(task_id=pk, title=f"节点{k + 1}", due=due, done_on=done, order=k))
        Milestone.objects.bulk_create(milestones, batch_size=batch)
        now = timezone.now()
        ExtensionRequest.objects.bulk_create([
            ExtensionRequest(task_id=pk, unit=units[0], reason="基准", old_deadline=dt.date(2026, 12, 31),
                             new_deadline=dt.date(2027, 3, 31), status="approved", requested_at=now,
                             decided_on=dt.date(2026, 10, 1))
            for pk in ids[1::50]
        ], batch_size=batch)
        TaskClosure.objects.bulk_create(
            [TaskClosure(task_id=pk, closed_on=dt.date(2026, 11, 1)) for pk in ids[3::20]], batch_size=batch)
        rounds = [
            Round.objects.create(name=f"2026年{m}月调度", plan=plan, period_start=dt.date(2026, m, 1),
                                 period_end=dt.date(2026, m, 28), opens_on=dt.date(2026, m, 25), due_on=dt.date(2026, m, 28 if m < 11 else 30))
            for m in (10, 11)
        ]
        reports = []
        for rnd in rounds:
            for i, pk in enumerate(ids):
                r = rng.random()
                sub = None if r < 0.1 else timezone.make_aware(dt.datetime(2026, rnd.period_start.month, 26, 10))
                status = "draft" if sub is None else ("returned" if r < 0.15 else "submitted")
                reports.append(Report(round=rnd, task_id=pk, unit=units[i % len(units)], role="lead", status=status,
                                      first_submitted_at=sub, submitted_at=sub,
                                      percent=None if sub is None else rng.randint(10, 100)))
        Report.objects.bulk_create(reports, batch_size=batch)
        Target.objects.bulk_create([
            Target(task_id=pk, value=1000, unit="个", comparator=">=", text="不少于1000个",
                   baseline=0 if i % 2 else None)
            for i, pk in enumerate(ids[::3])
        ], batch_size=batch)
        target_of = dict(Target.objects.values_list("task_id", "pk"))
        sent = Report.objects.filter(status="submitted", task_id__in=list(target_of)).values_list(
            "pk", "task_id", "round__period_start")
        actuals = [TargetActual(report_id=pk, target_id=target_of[task_id],
                                value=rng.randint(50, 110) * start.month)
                   for pk, task_id, start in sent]
        TargetActual.objects.bulk_create(actuals, batch_size=batch)
    log(f"建库：{n} 项任务，{len(milestones)} 个节点，{len(reports)} 份报告，{len(target_of)} 个指标，"
        f"{len(actuals)} 个实际值，用时 {time.perf_counter() - t0:.1f} s")


def measure_all(repeat: int = 3) -> tuple[float, float, Counter, int]:
    from duban.status import store
    from duban.status.models import TaskStatus
    from duban.status.rules import Rules

    best = best_cpu = float("inf")
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        store.refresh_all(AS_OF, Rules())
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    colors = Counter(TaskStatus.objects.values_list("color", flat=True))
    return best, best_cpu, colors, sum(colors.values())


def measure_one(samples: int = 300) -> tuple[float, float, float]:
    from django.db import transaction

    from duban.plans.models import Task
    from duban.status import store

    ids = list(Task.objects.values_list("pk", flat=True))
    rng = random.Random(17)
    times, cpu = [], []
    for pk in rng.sample(ids, min(samples, len(ids))):
        t0, c0 = time.perf_counter(), time.process_time()
        with transaction.atomic():
            store.recompute([pk], AS_OF)  # the office's rules read, as an action does
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], statistics.median(cpu)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Recompute the stored statuses of many tasks and print the times.")
    parser.add_argument("--quick", action="store_true", help="10,000 tasks instead of 100,000")
    parser.add_argument("--tasks", type=int, help="number of tasks (overrides --quick)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    parser.add_argument("--postgres", metavar="URL", help="an empty PostgreSQL database to use (dropped and created)")
    args = parser.parse_args(argv)
    n = args.tasks or (10_000 if args.quick else 100_000)
    size = size_name(n)

    data_dir = Path(tempfile.mkdtemp(prefix="duban-bench-status-"))
    os.environ["DUBAN_DATA_DIR"] = str(data_dir)
    os.environ["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    if args.postgres:
        name = args.postgres.rsplit("/", 1)[1]
        server = args.postgres.rsplit("/", 1)[0] + "/postgres"
        for sql in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
            subprocess.run(["psql", server, "-q", "-c", sql], check=True)
        os.environ["DATABASE_URL"] = args.postgres
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    sys.path.insert(0, str(ROOT))
    try:
        import django

        django.setup()
        build(n)
        from django.db import connection

        seconds, cpu, colors, count = measure_all()
        assert count == n, f"expected {n} stored statuses, got {count}"
        median, p95, cpu_one = measure_one()
        log(f"database: {connection.vendor}")
        log("状态分布：" + "，".join(f"{k} {v}" for k, v in sorted(colors.items())))
        log(f"tasks: {n}")
        log(f"cpu of refresh_all: {cpu:.2f} s (process time; wall time below is inflated on a busy machine)")
        log(f"cpu of one recompute: {cpu_one:.2f} ms (median process time)")
        log(f"targets: refresh_all ≤ {TARGET_S} s for 100,000 tasks; one action's recompute ≤ {TARGET_MS} ms")
        print(f"status_refresh_all_{size}_s: {seconds:.2f} s", flush=True)
        print(f"status_action_recompute_{size}_ms: {median:.2f} ms", flush=True)
        print(f"status_action_recompute_p95_{size}_ms: {p95:.2f} ms", flush=True)
    finally:
        if args.keep:
            log(f"数据保留在 {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
