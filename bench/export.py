"""Export benchmark: the Excel ledger (任务台账) of 10,000 tasks on SQLite.

    .venv/bin/python bench/export.py [--quick] [--tasks N] [--keep]

Builds a fresh SQLite database in a temporary DUBAN_DATA_DIR, migrates, and creates
with bulk_create one plan of N tasks (default 10,000) in 8 chapters, with task texts
of plan length (about 90 characters), one or two leaders, a lead unit and (one task in
two) two co-units among 120 units, three milestones a task (some done, some overdue),
approved extensions and closures, a target on every third task, and progress rounds
(six; --quick two) with one report slot per task and unit carrying progress,
problems and next steps of report length, a percent and target actuals.

Then it times, best of three (--quick: of two):

- ``duban.exports.ledger.write_ledger`` over every task, into memory (what the
  dashboards benchmark times too), on AS_OF as today (the machine's clock moved
  there), with the lights stored beforehand as the daily job stores them: the
  request's path, whatever today's date;
- the whole request ``GET /exports/ledger.xlsx`` as the office (Django test client,
  in-process): filter form, visibility, the file and the audit record.

and checks the file reopens with openpyxl with one row per task (plus chapter rows).

Last lines, the figures (target: under 3 s for 10,000 tasks):

    ledger_xlsx_10k: N s
    ledger_xlsx_view_10k: N s

With --tasks N the names carry N instead (`ledger_xlsx_2k` for 2,000 tasks).
The machine is shared: compare figures of one run, not across runs.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _sizes import size_name

ROOT = Path(__file__).resolve().parent.parent
TARGET_S = 3.0
AS_OF = dt.date(2026, 11, 28)
TITLE = ("加快推进重点项目建设，全年实施市级重点工程项目不少于{n}个，完成固定资产投资增长5%以上，"
         "推动产业园区基础设施提质升级，优化营商环境，确保按期完成。")
PROGRESS = ("本期按计划推进，已完成年度投资的{p}%，主体工程完成形象进度{p}%，"
            "配套道路和管线同步实施，协调解决征地拆迁问题2项。")


def log(msg: str) -> None:
    print(msg, flush=True)


def build(n: int, rounds_n: int) -> None:
    from django.core.management import call_command
    from django.db import transaction
    from django.utils import timezone

    from duban.org.models import Leader, Unit
    from duban.plans.models import Plan, Section, Target, Task, TaskLeader, TaskUnit
    from duban.rounds.models import Report, Round, TargetActual
    from duban.supervision.models import ExtensionRequest, TaskClosure
    from duban.workplans.models import Milestone

    call_command("migrate", verbosity=0)
    rng = random.Random(2026)
    batch = 5000
    t0 = time.perf_counter()
    with transaction.atomic():
        units = Unit.objects.bulk_create([Unit(name=f"区第{i:03d}局") for i in range(120)])
        leaders = Leader.objects.bulk_create([Leader(name=f"领导{i:02d}") for i in range(12)])
        plan = Plan.objects.create(title="基准区2026年重点工作分工方案", issuer="基准区政府办公室", year=2026,
                                   issued=dt.date(2026, 2, 1))
        sections = Section.objects.bulk_create(
            [Section(plan=plan, order=k, title=f"{'一二三四五六七八'[k]}、第{k + 1}部分重点工作") for k in range(8)])
        Task.objects.bulk_create([
            Task(plan=plan, section=sections[i * 8 // n], number=str(i + 1), order=i,
                 title=TITLE.format(n=i % 50 + 1),
                 deadline=None if i % 10 == 0 else dt.date(2026, rng.randint(6, 12), rng.randint(1, 28)),
                 deadline_text="持续推进" if i % 10 == 0 else "", kind="ongoing" if i % 10 == 0 else "dated")
            for i in range(n)
        ], batch_size=batch)
        ids = list(Task.objects.filter(plan=plan).order_by("order").values_list("pk", flat=True))
        links, parts = [], {}
        for i, pk in enumerate(ids):
            chosen = [units[i % 120]] + ([units[(i + 7) % 120], units[(i + 31) % 120]] if i % 2 else [])
            parts[pk] = chosen
            links += [TaskUnit(task_id=pk, unit=u, role="lead" if k == 0 else "co", order=k) for k, u in enumerate(chosen)]
        TaskUnit.objects.bulk_create(links, batch_size=batch)
        TaskLeader.objects.bulk_create(
            [TaskLeader(task_id=pk, leader=leaders[(i + k) % 12], order=k) for i, pk in enumerate(ids)
             for k in range(1 + i % 2)], batch_size=batch)
        milestones = []
        for pk in ids:
            for k in range(3):
                due = dt.date(2026, rng.randint(3, 12), rng.randint(1, 28))
                milestones.append(Milestone(task_id=pk, title=f"完成第{k + 1}阶段建设任务并组织验收", due=due,
                                            done_on=due if rng.random() < 0.5 else None, order=k))
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
        Target.objects.bulk_create([
            Target(task_id=pk, value=1000, unit="个", comparator=">=", text="不少于1000个")
            for pk in ids[::3]
        ], batch_size=batch)
        target_of = dict(Target.objects.values_list("task_id", "pk"))
        months = list(range(11 - rounds_n + 1, 12))
        reports = []
        for m in months:
            rnd = Round.objects.create(name=f"2026年{m}月调度", plan=plan, period_start=dt.date(2026, m, 1),
                                       period_end=dt.date(2026, m, 28), opens_on=dt.date(2026, m, 20),
                                       due_on=dt.date(2026, m, 28))
            for pk in ids:
                for k, unit in enumerate(parts[pk]):
                    r = rng.random()
                    sub = None if r < 0.1 else timezone.make_aware(dt.datetime(2026, m, 26, 10))
                    p = rng.randint(10, 100)
                    reports.append(Report(
                        round=rnd, task_id=pk, unit=unit, role="lead" if k == 0 else "co",
                        status="draft" if sub is None else ("returned" if r < 0.15 else "submitted"),
                        first_submitted_at=sub, submitted_at=sub, percent=None if sub is None else p,
                        progress=PROGRESS.format(p=p), problems="部分地块征收进度偏慢，资金拨付尚未到位。",
                        next_steps="加快征收进度，推动资金拨付，确保按节点完成。"))
        Report.objects.bulk_create(reports, batch_size=batch)
        sent = Report.objects.filter(status="submitted", role="lead", task_id__in=list(target_of)).values_list(
            "pk", "task_id", "round__period_start")
        TargetActual.objects.bulk_create(
            [TargetActual(report_id=pk, target_id=target_of[task_id], value=rng.randint(50, 110) * start.month)
             for pk, task_id, start in sent], batch_size=batch)
    log(f"建库：{n} 项任务，{len(milestones)} 个节点，{len(reports)} 份报告，用时 {time.perf_counter() - t0:.1f} s")


def time_write(repeat: int) -> tuple[float, float, bytes]:
    """Best wall time and best CPU time (process time: what the machine's other work
    does not inflate) of write_ledger over every task, and the file. As the request
    does: on AS_OF as today, the lights read from the stored rows (duban.status.store),
    which the daily job has stored before (untimed here); whatever the machine's date
    (another date's lights are computed from the facts, which is not what a request
    times)."""
    import time_machine
    from django.utils import timezone

    from duban.exports.ledger import write_ledger
    from duban.plans.models import Task
    from duban.status.store import ensure_current

    best = best_cpu = float("inf")
    data = b""
    with time_machine.travel(timezone.make_aware(dt.datetime.combine(AS_OF, dt.time(10))), tick=True):
        ensure_current(AS_OF)
        for _ in range(repeat):
            out = io.BytesIO()
            t0, c0 = time.perf_counter(), time.process_time()
            write_ledger(Task.objects.order_by("order"), out, as_of=AS_OF)
            best = min(best, time.perf_counter() - t0)
            best_cpu = min(best_cpu, time.process_time() - c0)
            data = out.getvalue()
    return best, best_cpu, data


def time_view(repeat: int) -> float:
    import time_machine
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from duban.accounts.models import User

    office = User.objects.create(username="bench_office", role="office", full_name="督查室")
    client = Client()
    client.force_login(office)
    best = float("inf")
    with time_machine.travel(timezone.make_aware(dt.datetime.combine(AS_OF, dt.time(10))), tick=True):
        client.get(reverse("web:home"))  # a warm process, as a server's
        for _ in range(repeat):
            t0 = time.perf_counter()
            response = client.get(reverse("exports:ledger_xlsx"))
            best = min(best, time.perf_counter() - t0)
            if response.status_code != 200:
                raise SystemExit(f"导出失败：HTTP {response.status_code}")
    return best


def check(data: bytes, n: int) -> None:
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(data), read_only=True).active
    numbered = sum(1 for row in ws.iter_rows(min_row=4, max_col=1, values_only=True) if row[0])
    if numbered != n:
        raise SystemExit(f"台账行数不对：期望 {n} 行任务，实际 {numbered} 行")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Time the Excel ledger export of 10,000 tasks on SQLite.")
    parser.add_argument("--quick", action="store_true", help="two rounds of reports, one timed run")
    parser.add_argument("--tasks", type=int, help="number of tasks (default 10,000)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    args = parser.parse_args(argv)
    n = args.tasks or 10_000
    repeat = 2 if args.quick else 3

    data_dir = Path(tempfile.mkdtemp(prefix="duban-bench-export-"))
    os.environ["DUBAN_DATA_DIR"] = str(data_dir)
    os.environ["DATABASE_URL"] = f"sqlite:///{data_dir / 'bench.sqlite3'}"
    os.environ["DUBAN_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    sys.path.insert(0, str(ROOT))
    try:
        import django

        django.setup()
        build(n, 2 if args.quick else 6)
        seconds, cpu, data = time_write(repeat)
        check(data, n)
        view = time_view(repeat)
        log(f"tasks: {n}; file: {len(data) / 1024:.0f} KiB; target: < {TARGET_S} s")
        log(f"cpu: {cpu:.2f} s (process time of write_ledger; the wall time below grows with the machine's load, "
            f"load average now {os.getloadavg()[0]:.2f})")
        print(f"ledger_xlsx_{size_name(n)}: {seconds:.2f} s", flush=True)
        print(f"ledger_xlsx_view_{size_name(n)}: {view:.2f} s", flush=True)
    finally:
        if args.keep:
            log(f"数据保留在 {data_dir}")
        else:
            shutil.rmtree(data_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
