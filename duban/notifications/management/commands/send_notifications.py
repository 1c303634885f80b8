"""`duban send_notifications [--loop]`: send queued emails and robot messages.

Safe to run from cron and as a long-running process at the same time: every
delivery is claimed with a conditional UPDATE before it is sent."""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from duban.notifications.delivery import send_pending


class Command(BaseCommand):
    help = "发送待发的邮件和群机器人消息（--loop 持续运行）"

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="持续运行，每隔 --interval 秒检查一次")
        parser.add_argument("--interval", type=float, default=30.0, help="循环间隔秒数（默认 30）")

    def handle(self, *args, loop: bool = False, interval: float = 30.0, **options):
        while True:
            counts = send_pending()
            if counts["sent"] or counts["failed"] or options["verbosity"] > 1:
                self.stdout.write(f"已发送 {counts['sent']} 条，失败 {counts['failed']} 条")
            if not loop:
                return
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                return
