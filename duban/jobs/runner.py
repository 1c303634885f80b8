"""The scheduled jobs, and running one.

Every scheduled job is listed in ``JOBS`` with the function that does the work (a
dotted path: the owning app keeps its logic, this list only names it, as a Celery beat
schedule does) and when it runs. ``duban worker`` writes the list into the job
library's schedule table (``sync_schedules``); the library's scheduler, inside every
worker, queues each job when it is due, under a row lock, so however many workers run
on however many machines each due run is queued once; any worker runs it through
``run_job``, which records a ``JobRun`` (start, end, outcome, the error's traceback).
``duban run_job NAME`` runs one by hand, recorded the same way.

The audit archive and the integrity check are not in the worker's schedule: they use
the data folder of one machine (the one that makes the backups, which need pg_dump and that folder too),
so systemd timers there run ``duban run_job archive_audit`` and ``verify_audit``
(recorded here like the others) and the backup keeps its own timer (audited by itself); see docs/DEPLOY.md.
"""
from __future__ import annotations

import datetime as dt
import logging
import pydoc
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

from django.db import DatabaseError, close_old_connections, connection, transaction
from django.utils import timezone
from django_q.models import Schedule

from .models import JobRun
from .outbox import worker_name

log = logging.getLogger(__name__)

SCHEDULE_PREFIX = "duban:"
SCHEDULE_LOCK = 4242_0017  # the advisory lock of sync_schedules on PostgreSQL


def _count(result: Any) -> str:
    if isinstance(result, str):
        return result
    if isinstance(result, dict):
        return "，".join(f"{k} {v}" for k, v in result.items())
    if isinstance(result, (list, tuple, set)):
        return f"{len(result)} 项"
    if result is None:
        return "完成"
    return str(result)


@dataclass(frozen=True)
class Job:
    """A scheduled job. ``func`` is called with no arguments; ``every_minutes`` or
    ``daily_at`` (hour, minute, Beijing time) say when; ``in_worker`` False for the
    jobs run by systemd timers (recorded, not scheduled here)."""

    name: str
    label: str
    func: str
    describe: Callable[[Any], str] = _count
    every_minutes: int | None = None
    daily_at: tuple[int, int] | None = None
    timeout_minutes: int = 30
    in_worker: bool = True
    kwargs: dict = field(default_factory=dict)

    @property
    def when(self) -> str:
        if self.every_minutes:
            return "每分钟" if self.every_minutes == 1 else f"每 {self.every_minutes} 分钟"
        hour, minute = self.daily_at
        return f"每天 {hour:02d}:{minute:02d}"


JOBS: list[Job] = [
    Job("send_outbox", "发送外发消息（邮件、群机器人、状态变化推送）", "duban.jobs.outbox.send_due",
        describe=lambda c: f"发送 {c['sent']} 条，失败 {c['failed']} 条", every_minutes=1, timeout_minutes=10),
    Job("audit_refusals", "汇总上一分钟被拒绝的访问，写入审计记录", "duban.audit.refusals.summarize",
        every_minutes=1, timeout_minutes=10),
    Job("open_rounds", "按定期调度设置发起到期的调度", "duban.rounds.actions.open_due_rounds",
        describe=lambda r: f"发起调度 {len(r)} 期", every_minutes=10),
    Job("remind", "到期前催办和逾期提醒", "duban.supervision.reminders.run_reminders",
        describe=lambda r: f"发出提醒 {len(r)} 条", every_minutes=10),
    Job("dashboard_snapshots", "生成已过截止日期各期调度的状态快照", "duban.dashboards.snapshots.take_due_snapshots",
        describe=lambda r: f"生成快照 {len(r)} 期", daily_at=(2, 30)),
    # Just after midnight: what only the date changes (days left, overdue, missed
    # rounds); the actions recompute what they change themselves (duban.status).
    Job("refresh_status", "按新的日期重新计算全部任务的红黄绿灯（状态变化随之推送）", "duban.status.store.refresh_status",
        daily_at=(0, 1), timeout_minutes=30),
    Job("archive_audit", "审计记录归档（超过保存期的记录写入归档文件）", "duban.audit.archive.archive_due",
        daily_at=(2, 30), in_worker=False, timeout_minutes=120),
    # After the archive, before the backup, on the machine that keeps the audit archives
    # (deploy/duban-verify-audit.timer); a break alerts the security admins and auditors.
    Job("verify_audit", "完整性校验（审计哈希链和防篡改校验值）", "duban.audit.integrity.daily_job",
        daily_at=(3, 0), in_worker=False, timeout_minutes=120),
    # Only where a directory is configured (DUBAN_LDAP_URL): its systemd timer is enabled there.
    Job("sync_directory", "从目录（LDAP/AD）同步人员和单位", "duban.identity.directory.sync_directory",
        describe=lambda r: r.message, kwargs={"trigger": "schedule"}, daily_at=(2, 30), in_worker=False),
]
BY_NAME = {job.name: job for job in JOBS}


class UnknownJob(KeyError):
    pass


def job(name: str) -> Job:
    try:
        return BY_NAME[name]
    except KeyError:
        raise UnknownJob(name) from None


def run_job(name: str, *, trigger: str = "schedule") -> JobRun:
    """Runs one job and records the run: its outcome, or the error with its traceback
    (also logged). Never raises for the job's own failure: the worker goes on, the
    next scheduled run tries again."""
    spec = job(name)
    _fresh_connection()
    func = pydoc.locate(spec.func)
    if not callable(func):
        raise UnknownJob(f"{name}: {spec.func}")
    try:
        run = JobRun.objects.create(job=name, worker=worker_name(), trigger=trigger)
    except DatabaseError as exc:
        # The database is down or locked: nothing can run or be recorded now. Logged;
        # the next scheduled run (a fresh connection) tries again.
        log.exception("job %s not started: the database failed", name)
        _fresh_connection()
        return JobRun(job=name, ok=False, summary=f"未能开始：{type(exc).__name__}: {exc}"[:500])
    try:
        result = func(**spec.kwargs)
    except Exception as exc:  # noqa: BLE001 - recorded, logged, and the worker goes on
        log.exception("job %s failed", name)
        _fresh_connection()
        _finish(run, ok=False, summary=f"失败：{type(exc).__name__}: {exc}"[:500], error=traceback.format_exc())
        return run
    _finish(run, ok=True, summary=spec.describe(result)[:500])
    return run


def _fresh_connection() -> None:
    """Drops a connection that failed or grew too old, as Django does between requests,
    so one database error or restart does not stop the jobs for good. Not inside a
    transaction (a caller's, or a test's)."""
    if connection.get_autocommit():
        close_old_connections()


def _finish(run: JobRun, **fields) -> None:
    try:
        with transaction.atomic():
            JobRun.objects.filter(pk=run.pk).update(finished_at=timezone.now(), **fields)
    except Exception:  # noqa: BLE001 - the database may be what failed; the log has it
        log.exception("could not record the end of job run %s (%s)", run.pk, fields.get("summary"))
    for key, value in fields.items():
        setattr(run, key, value)


def _next_daily(hour: int, minute: int, now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    at = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return at if at > local else at + dt.timedelta(days=1)


def sync_schedules(now: dt.datetime | None = None) -> list[str]:
    """Makes the library's schedule table say what ``JOBS`` says (idempotent; a job's
    next run time is kept while its timing is unchanged); returns the names written."""
    now = now or timezone.now()
    wanted = {f"{SCHEDULE_PREFIX}{j.name}": j for j in JOBS if j.in_worker}
    written = []
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # workers starting at once on several machines: one writes at a time (SQLite's
            # write transactions are exclusive already)
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEDULE_LOCK])
        Schedule.objects.filter(name__startswith=SCHEDULE_PREFIX).exclude(name__in=list(wanted)).delete()
        for sched_name, spec in wanted.items():
            if spec.every_minutes:
                fields = {"schedule_type": Schedule.MINUTES, "minutes": spec.every_minutes}
                first = now
            else:
                fields = {"schedule_type": Schedule.DAILY, "minutes": None}
                first = _next_daily(*spec.daily_at, now)
            fields.update(func="duban.jobs.runner.run_job", args=repr(spec.name), kwargs=None, repeats=-1)
            current = Schedule.objects.filter(name=sched_name).first()
            if current is None:
                Schedule.objects.create(name=sched_name, next_run=first, **fields)
            else:
                timing_same = (current.schedule_type, current.minutes) == (fields["schedule_type"], fields["minutes"])
                if not timing_same or (spec.daily_at and timezone.localtime(current.next_run).time()
                                       != dt.time(*spec.daily_at)):
                    fields["next_run"] = first
                Schedule.objects.filter(pk=current.pk).update(**fields)
            written.append(spec.name)
    return written
