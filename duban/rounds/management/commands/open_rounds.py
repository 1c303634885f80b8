"""`duban open_rounds`: open the rounds that active cadences owe, once. The workers do
this every 10 minutes (duban.jobs.runner); this command is for an operator.

Idempotent: two runs at once never open the same round twice (unique constraint on
cadence + period, see actions.open_due_rounds)."""
from __future__ import annotations

from django.core.management.base import BaseCommand

from duban.rounds.actions import open_due_rounds


class Command(BaseCommand):
    help = "按定期调度设置发起到期的调度（一次；平时由后台任务每 10 分钟运行，可重复运行）"
    group = "调度"  # the heading it is listed under in `duban --help` (duban/cli.py)

    def handle(self, *args, **options):
        for rnd in open_due_rounds():
            self.stdout.write(f"已发起：{rnd.name}（{rnd.reports.count()} 份报告）")
