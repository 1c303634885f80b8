"""`duban remind [--as-of DATE]`: queue the reminders due (催办 before task, milestone
and report deadlines, and overdue notices) once. The workers do this every 10 minutes
(duban.jobs.runner); this command is for an operator (e.g. to catch up a given date).

Idempotent and safe to run beside the workers: each reminder is claimed by a unique row."""
from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from duban.supervision.reminders import run_reminders


class Command(BaseCommand):
    help = "发送到期前催办提醒和逾期提醒（一次；平时由后台任务每 10 分钟运行）"
    group = "督办"  # the heading it is listed under in `duban --help` (duban/cli.py)

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="按此日期计算（YYYY-MM-DD，默认今天）")

    def handle(self, *args, as_of=None, **options):
        day = timezone.localdate()
        if as_of:
            try:
                day = dt.date.fromisoformat(as_of)
            except ValueError:
                raise CommandError(f"--as-of 日期格式应为 YYYY-MM-DD，收到“{as_of}”") from None
        sent = run_reminders(day)
        if sent or options["verbosity"] > 1:
            self.stdout.write(f"已发出提醒 {len(sent)} 条")
