"""`duban remind [--loop] [--as-of DATE]`: send the reminders due (催办 before task,
milestone and report deadlines, and overdue notices).

Idempotent and safe to run twice at once: each reminder is claimed by a unique row."""
from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from duban.supervision.reminders import run_reminders


class Command(BaseCommand):
    help = "发送到期前催办提醒和逾期提醒（--loop 持续运行）"

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="按此日期计算（YYYY-MM-DD，默认今天）")
        parser.add_argument("--loop", action="store_true", help="持续运行，每隔 --interval 秒检查一次")
        parser.add_argument("--interval", type=float, default=600.0, help="循环间隔秒数（默认 600）")

    def handle(self, *args, as_of=None, loop=False, interval=600.0, **options):
        fixed = None
        if as_of:
            try:
                fixed = dt.date.fromisoformat(as_of)
            except ValueError:
                raise CommandError(f"--as-of 日期格式应为 YYYY-MM-DD，收到“{as_of}”") from None
        while True:
            sent = run_reminders(fixed or timezone.localdate())
            if sent or options["verbosity"] > 1:
                self.stdout.write(f"已发出提醒 {len(sent)} 条")
            if not loop:
                return
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                return
