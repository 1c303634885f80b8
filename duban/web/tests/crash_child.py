"""The crash test's child process (duban/web/tests/test_crash.py): it runs with the
environment of the server under test (DUBAN_DATA_DIR, DATABASE_URL) and prints one
line of JSON.

    python -m duban.web.tests.crash_child prepare WORK_DIR   migrate, seed, people, a round, a revised plan
    python -m duban.web.tests.crash_child state              what the database holds now
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

PASSWORD = "Crash-pass-2026"
LIAISONS = 6


def revised_plan_text(seed: str) -> str:
    """The seed plan as a revised version: the last task withdrawn, and every task due
    at the end of the year moved to the end of November (about 90 tasks changed), so
    applying it takes a while and touches many rows."""
    lines = seed.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("101."))
    end = start + 1
    while end < len(lines) and not lines[end][:1].isdigit() and not lines[end].startswith(("抄送", "—")):
        end += 1
    kept = lines[:start] + lines[end:]
    return "\n".join(line.replace("完成时限：2026年12月31日", "完成时限：2026年11月30日") for line in kept) + "\n"


def prepare(work: Path) -> dict:
    import datetime as dt

    import django

    django.setup()
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command
    from django.db.models import Count
    from django.utils import timezone

    from duban.accounts.models import Role, User
    from duban.org.models import Unit
    from duban.rounds.actions import open_round
    from duban.rounds.models import Report
    from duban.web.demo import SEED, load_seed_plan

    call_command("migrate", interactive=False, verbosity=0)
    plan = load_seed_plan()
    today = timezone.localdate()
    rnd = open_round(plan, actor=None, name="崩溃测试调度", period_start=today.replace(day=1), period_end=today,
                     opens_on=today, due_on=today + dt.timedelta(days=5))
    hashed = make_password(PASSWORD)
    busiest = (Unit.objects.filter(is_collective=False, reports__round=rnd).annotate(n=Count("reports"))
               .order_by("-n", "pk")[:LIAISONS])
    people = {}
    for unit in busiest:
        user = User.objects.create(username=f"crash{unit.pk:03d}", role=Role.LIAISON, unit=unit, password=hashed,
                                   full_name=f"{unit.name}联络员", password_changed_at=timezone.now())
        people[user.username] = list(Report.objects.filter(round=rnd, unit=unit).order_by("pk").values_list("pk", flat=True))
    User.objects.create(username="crashoffice", role=Role.OFFICE, password=hashed, full_name="督查室",
                        password_changed_at=timezone.now())
    revised = work / "daxing-2026-plan-revised.txt"
    revised.write_text(revised_plan_text(SEED.read_text(encoding="utf-8")), encoding="utf-8")
    return {"reports": people, "office": "crashoffice", "revised": str(revised), **_plan_state()}


def _plan_state() -> dict:
    from duban.plans.models import Plan, Task

    plan = Plan.objects.get()
    tasks = Task.objects.filter(plan=plan).active().order_by("order")
    return {"revision": plan.revision, "active_tasks": tasks.count(),
            "deadlines": sorted({str(t.deadline) for t in tasks}),
            "withdrawn": Task.objects.filter(plan=plan, withdrawn=True).count()}


def _num(value) -> str:
    from decimal import Decimal

    return format(Decimal(str(value)).normalize(), "f")


def state() -> dict:
    import django

    django.setup()
    from django.db import connection

    from duban.audit.models import Event
    from duban.imports.models import ImportBatch
    from duban.rounds.models import Report

    integrity = "n/a"
    if connection.vendor == "sqlite":
        with connection.cursor() as cur:
            cur.execute("PRAGMA integrity_check")
            integrity = ";".join(r[0] for r in cur.fetchall())
    reports = {}
    for r in Report.objects.prefetch_related("versions", "actuals").order_by("pk"):
        versions = sorted(r.versions.all(), key=lambda v: v.number)
        reports[r.pk] = {
            "status": r.status, "version": r.version, "progress": r.progress,
            "first_submitted": r.first_submitted_at is not None,
            "actuals": sorted([a.target_id, _num(a.value)] for a in r.actuals.all()),
            "versions": [{"number": v.number, "progress": v.data.get("progress"),
                          "targets": sorted([t["target_id"], _num(t["value"])] for t in v.data.get("targets", []))}
                         for v in versions],
        }
    submits: dict[str, int] = {}
    for object_id in Event.objects.filter(action="report.submit").values_list("object_id", flat=True):
        submits[object_id] = submits.get(object_id, 0) + 1
    saves: dict[str, int] = {}
    for object_id in Event.objects.filter(action="report.save").values_list("object_id", flat=True):
        saves[object_id] = saves.get(object_id, 0) + 1
    return {"integrity": integrity, "reports": reports, "submit_events": submits, "save_events": saves,
            "batches": list(ImportBatch.objects.values_list("status", flat=True)),
            "plan_events": list(Event.objects.filter(action__startswith="plan.").values_list("action", flat=True)),
            **_plan_state()}


if __name__ == "__main__":
    command = sys.argv[1]
    result = prepare(Path(sys.argv[2])) if command == "prepare" else state()
    print("RESULT " + json.dumps(result, ensure_ascii=False))
