"""`duban status_webhooks [--loop] [--as-of DATE]`: record every task's status light,
queue a message to each matching webhook for every light that changed since the last
run, and send the queued messages that are due (retries included).

The first run only records the lights (the baseline) and sends nothing. Safe to run
from a timer and as a long-running process at the same time (duban.api.webhooks)."""
from __future__ import annotations

import datetime as dt
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from duban.api.webhooks import detect_changes, send_due


class Command(BaseCommand):
    help = "检查任务红黄绿灯变化，向状态变化推送地址发送通知（--loop 持续运行）"

    def add_arguments(self, parser):
        parser.add_argument("--as-of", dest="as_of", help="按此日期计算状态（YYYY-MM-DD，默认今天）")
        parser.add_argument("--loop", action="store_true", help="持续运行，每隔 --interval 秒检查一次")
        parser.add_argument("--interval", type=float, default=60.0, help="循环间隔秒数（默认 60）")

    def handle(self, *args, as_of=None, loop=False, interval=60.0, **options):
        fixed = None
        if as_of:
            try:
                fixed = dt.date.fromisoformat(as_of)
            except ValueError:
                raise CommandError(f"--as-of 日期格式应为 YYYY-MM-DD，收到“{as_of}”") from None
        while True:
            changes = detect_changes(fixed or timezone.localdate())
            counts = send_due()
            if changes or counts["sent"] or counts["failed"] or options["verbosity"] > 1:
                self.stdout.write(f"状态变化 {len(changes)} 项；推送成功 {counts['sent']} 条，失败 {counts['failed']} 条")
            if not loop:
                return
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                return
