"""`duban dashboard_snapshots`: store the lights of every round past its due date (the
trend across rounds on the dashboards), so no dashboard request pays for it. The
workers do it daily (duban.jobs.runner); this command is for an operator.

Idempotent. A snapshot missing when a dashboard needs it is taken by that request
instead (duban.dashboards.snapshots)."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from duban.dashboards.snapshots import take_due_snapshots


class Command(BaseCommand):
    help = "为已过报送截止日期的调度生成状态快照（驾驶舱各期趋势），可重复运行；平时由后台任务每天运行"
    group = "调度"  # the heading it is listed under in `duban --help` (duban/cli.py)

    def handle(self, *args, **options):
        done = take_due_snapshots()
        if done:
            self.stdout.write(f"已生成 {len(done)} 期调度的状态快照：{'、'.join(r.name for r in done)}")
        else:
            self.stdout.write("没有需要生成快照的调度")
