"""`duban open_rounds [--loop]`: open the rounds that active cadences owe.

Idempotent: run it from cron, a systemd timer, or as one long-running process with
--loop; two copies at once never open the same round twice (unique constraint on
cadence + period, see actions.open_due_rounds)."""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from duban.rounds.actions import open_due_rounds


class Command(BaseCommand):
    help = "按定期调度设置发起到期的调度（可重复运行）"

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="持续运行，每隔一段时间检查一次")
        parser.add_argument("--interval", type=int, default=600, help="--loop 时的检查间隔（秒）")

    def handle(self, *args, loop: bool = False, interval: int = 600, **options):
        while True:
            for rnd in open_due_rounds():
                self.stdout.write(f"已发起：{rnd.name}（{rnd.reports.count()} 份报告）")
            if not loop:
                return
            time.sleep(interval)
            close_old_connections()  # a long-running process must not keep a dead connection
