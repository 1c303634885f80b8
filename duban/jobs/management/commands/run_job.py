"""`duban run_job NAME`: run one scheduled job now, recorded on the system
administrator's page like the scheduled runs (duban.jobs.runner). `duban run_job
--list` lists the jobs. The systemd timer of the audit archive runs it this way."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from duban.jobs.runner import JOBS, UnknownJob, run_job


class Command(BaseCommand):
    help = "立即运行一项后台任务（运行记录显示在系统管理员的“后台任务”页面）"
    group = "调度"  # the heading it is listed under in `duban --help` (duban/cli.py)

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="任务名，见 --list")
        parser.add_argument("--list", action="store_true", help="列出所有后台任务")

    def handle(self, *args, name=None, list=False, **options):
        if list or not name:
            for job in JOBS:
                where = "worker" if job.in_worker else "systemd 定时器"
                self.stdout.write(f"{job.name:<22}{job.when:<12}{where:<14}{job.label}")
            return
        try:
            run = run_job(name, trigger="command")
        except UnknownJob:
            raise CommandError(f"没有名为“{name}”的后台任务；duban run_job --list 列出所有任务") from None
        if not run.ok:
            raise CommandError(f"{name} 运行失败：{run.summary}")
        self.stdout.write(f"{name}：{run.summary}")
