"""Demo data: the seed plan imported, a sign-in for the office, every leader and
every unit, each with a password generated now and shown once, and a first dispatch
round with a mix of reports (load_demo_round) so the dashboards have figures."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from duban.accounts.models import Role, User
from duban.audit import seals
from duban.imports.actions import import_plan
from duban.imports.preview import build_preview, parse_upload, sha256_of
from duban.lib.passwords import generate_password
from duban.org.models import Leader, Unit
from duban.plans.models import Plan
from duban.rounds.actions import open_round
from duban.rounds.models import ProgressStatus, Report, ReportVersion, Round

SEED = Path(settings.BASE_DIR) / "examples" / "daxing-2026-plan.txt"


@dataclass
class Credential:
    username: str
    password: str
    role: str
    who: str


def load_seed_plan(path: Path = SEED) -> Plan:
    data = path.read_bytes()
    parsed = parse_upload(path)
    preview = build_preview(parsed, sha256_of(data))
    return import_plan(preview, actor=None, source_name=path.name, source_bytes=data).plan


def _make(username: str, role: str, who: str, *, reset: bool = False, **fields) -> Credential | None:
    existing = User.objects.filter(username=username).first()
    password = generate_password()
    if existing is not None:
        if not reset:
            return None
        existing.set_password(password)
        existing.save(update_fields=["password"])
        return Credential(username, password, Role(role).label, who)
    user = User(username=username, role=role, full_name=who, **fields)
    user.set_password(password)
    user.full_clean()
    user.save()
    return Credential(username, password, Role(role).label, who)


@transaction.atomic
def create_demo_accounts(*, reset: bool = False) -> list[Credential]:
    """Accounts that do not exist yet (and, with reset, new passwords for those that
    do); returns the one-time credentials."""
    made: list[Credential | None] = [
        _make("office", Role.OFFICE, "督查室", reset=reset),
        _make("sysadmin", Role.SYSADMIN, "系统管理员", reset=reset),
        _make("secadmin", Role.SECADMIN, "安全管理员", reset=reset),
        _make("auditor", Role.AUDITOR, "审计员", reset=reset),
    ]
    for i, leader in enumerate(Leader.objects.order_by("id"), start=1):
        made.append(_make(f"leader{i:02d}", Role.LEADER, leader.name, reset=reset, leader=leader))
    units = Unit.objects.filter(is_collective=False).order_by("id")
    for i, unit in enumerate(units, start=1):
        made.append(_make(f"unit{i:02d}", Role.LIAISON, f"{unit.name}联络员", reset=reset, unit=unit))
        made.append(_make(f"unit{i:02d}h", Role.UNIT_HEAD, f"{unit.name}负责人", reset=reset, unit=unit))
    return [c for c in made if c is not None]


DEMO_NOTE = "（演示数据）"


def _demo_round_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """The latest calendar month whose round (due 5 days after the month ends) is past due."""
    end = today.replace(day=1) - dt.timedelta(days=1)
    if end + dt.timedelta(days=5) >= today:
        end = end.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


@transaction.atomic
def load_demo_round(today: dt.date | None = None):
    """A first dispatch round of the seed plan with a plausible mix of reports, so the
    dashboards have something to show. Demo data, marked as such in the round's name
    and every report's text, and deterministic: of every 20 report slots (in task
    order) 12 went in on time (4 of them accepted), 3 late, 1 was returned, 4 are
    missing. The round is the latest month already past its due date. Nothing is done
    when the plan already has a round. Returns the round, or None."""
    plan = Plan.objects.order_by("pk").first()
    if plan is None or Round.objects.filter(plan=plan).exists():
        return None
    today = today or timezone.localdate()
    start, end = _demo_round_period(today)
    due = end + dt.timedelta(days=5)
    rnd = open_round(plan, actor=None, name=f"{start.year}年{start.month}月调度{DEMO_NOTE}", period_start=start,
                     period_end=end, opens_on=end - dt.timedelta(days=5), due_on=due)
    now = timezone.now()
    # Each unit's reports were submitted by its liaison, and reviewed by the office
    # (create_demo_accounts runs first), so the pages say who did what.
    liaisons = {u.unit_id: u for u in User.objects.filter(role=Role.LIAISON, unit__isnull=False).order_by("pk")}
    reviewer = User.objects.filter(role=Role.OFFICE).order_by("pk").first()
    slots = list(Report.objects.filter(round=rnd).select_related("task").order_by("task__order", "-role", "unit__name"))
    versions = []
    for i, report in enumerate(slots):
        bucket = i % 20
        if bucket >= 16:
            continue  # missing: never submitted
        if 12 <= bucket <= 14:  # late: one to three days after the due date
            day = min(due + dt.timedelta(days=bucket - 11), today)
        else:
            day = rnd.opens_on + dt.timedelta(days=i % 6)
        at = min(timezone.make_aware(dt.datetime.combine(day, dt.time(9, 30))), now)
        status = Report.Status.SUBMITTED
        if bucket < 4:
            status = Report.Status.ACCEPTED
        elif bucket == 15:
            status = Report.Status.RETURNED
        percent = 60 + (i * 7) % 40
        fields = dict(
            status=status, progress_status=ProgressStatus.IN_PROGRESS, percent=percent,
            progress=f"{DEMO_NOTE}按计划推进，已完成本期工作的{percent}%。", problems="" if i % 3 else f"{DEMO_NOTE}项目资金尚未全部到位。",
            next_steps=f"{DEMO_NOTE}继续按节点推进。", first_submitted_at=at, submitted_at=at, version=2,
            return_reason=f"{DEMO_NOTE}请补充量化数据。" if status == Report.Status.RETURNED else "",
            submitted_by=liaisons.get(report.unit_id), updated_by=liaisons.get(report.unit_id),
        )
        if status in (Report.Status.ACCEPTED, Report.Status.RETURNED):
            fields.update(reviewed_by=reviewer, reviewed_at=min(at + dt.timedelta(days=1), now))
        Report.objects.filter(pk=report.pk).update(**fields)
        for name, value in fields.items():
            setattr(report, name, value)
        versions.append(ReportVersion(report=report, number=1, data=report.snapshot(), submitted_at=at,
                                      submitted_by=fields["submitted_by"]))
    ReportVersion.objects.bulk_create(versions)
    seals.seal_rows(ReportVersion.objects.filter(report__round=rnd))
    seals.seal_rows(Report.objects.filter(round=rnd, status=Report.Status.ACCEPTED))
    return rnd
