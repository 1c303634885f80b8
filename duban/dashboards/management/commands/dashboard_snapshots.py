"""`duban dashboard_snapshots [--loop]`: store the lights of every round past its due
date (the trend across rounds on the dashboards), so no dashboard request pays for it;
and drop the log of changed tasks older than two days (duban.supervision.changes).

Idempotent: run it daily from cron or a systemd timer (duban-daily@dashboard_snapshots),
or as one long-running process with --loop. A snapshot missing when a dashboard needs
it is taken by that request instead (duban.dashboards.snapshots)."""
from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections

from duban.dashboards.snapshots import take_due_snapshots
from duban.supervision import changes


class Command(BaseCommand):
    help = "为已过报送截止日期的调度生成状态快照（驾驶舱各期趋势），可重复运行"

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="持续运行，每隔一段时间检查一次")
        parser.add_argument("--interval", type=int, default=3600, help="--loop 时的检查间隔（秒）")

    def handle(self, *args, loop: bool = False, interval: int = 3600, **options):
        while True:
            done = take_due_snapshots()
            if done:
                self.stdout.write(f"已生成 {len(done)} 期调度的状态快照：{'、'.join(r.name for r in done)}")
            else:
                self.stdout.write("没有需要生成快照的调度")
            pruned = changes.prune()
            if pruned:
                self.stdout.write(f"已清理 {pruned} 条 {changes.KEEP_DAYS} 天前的任务变动记录")
            if not loop:
                return
            time.sleep(interval)
            close_old_connections()  # a long-running process must not keep a dead connection
