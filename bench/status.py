"""Status benchmark: recompute the status lights of 100,000 tasks on SQLite.

    .venv/bin/python bench/status.py [--quick] [--tasks N] [--keep]

Builds a fresh SQLite database in a temporary DUBAN_DATA_DIR, migrates, and creates
with bulk_create one plan of N tasks (default 100,000; --quick 10,000), each with
its units, two milestones (some overdue, some done), a few approved extensions and
closures, and two progress rounds with one report slot per task (some missed, some
returned, most submitted with a percent); every third task has a quantitative target
(half with a baseline) and its submitted reports give actual figures, so the indicator
forecasts (duban.indicators.forecast) run too. Then it times the bulk recomputation
(``duban.supervision.status.status_for_tasks`` over all tasks: the facts loaded in
a few queries, then the pure rule function per task), best of three runs.

The last line is the figure:

    status_recompute_100k: N s

(the time for the number of tasks built; with --quick or --tasks it is labelled the
same and the task count is printed above it). Target: under 5 s.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 5.0
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
            Task(plan=plan, number=str(i + 1), key=f"k{i}", order=i, title=f"第{i + 1}项重点任务",
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


def measure(repeat: int = 3) -> tuple[float, float, Counter, int]:
    from duban.plans.models import Task
    from duban.supervision.status import Rules, status_for_tasks

    best = best_cpu = float("inf")
    result = {}
    for _ in range(repeat):
        t0, c0 = time.perf_counter(), time.process_time()
        result = status_for_tasks(Task.objects.all(), AS_OF, Rules())
        best = min(best, time.perf_counter() - t0)
        best_cpu = min(best_cpu, time.process_time() - c0)
    return best, best_cpu, Counter(s.color for s in result.values()), len(result)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Recompute the status of many tasks on SQLite and print the time.")
    parser.add_argument("--quick", action="store_true", help="10,000 tasks instead of 100,000")
    parser.add_argument("--tasks", type=int, help="number of tasks (overrides --quick)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    args = parser.parse_args(argv)
    n = args.tasks or (10_000 if args.quick else 100_000)

    data_dir = Path(tempfile.mkdtemp(prefix="duban-bench-status-"))
    os.environ["DUBAN_DATA_DIR"] = str(data_dir)
    os.environ["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    sys.path.insert(0, str(ROOT))
    try:
        import django

        django.setup()
        build(n)
        seconds, cpu, colors, count = measure()
        assert count == n, f"expected {n} statuses, got {count}"
        log("状态分布：" + "，".join(f"{k} {v}" for k, v in sorted(colors.items())))
        log(f"tasks: {n}")
        log(f"cpu: {cpu:.2f} s (process time; wall time below is inflated on a busy machine)")
        log(f"target: < {TARGET_S} s for 100,000 tasks")
        print(f"status_recompute_100k: {seconds:.2f} s", flush=True)
    finally:
        if args.keep:
            log(f"数据保留在 {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
