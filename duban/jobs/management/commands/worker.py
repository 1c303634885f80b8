"""`duban worker`: the background work of Duban — a django-q2 cluster (a guard process
that restarts dead workers, the workers, and the scheduler that queues each job when it
is due), with the job list of duban.jobs.runner written into its schedule first.

Run one per machine (systemd: deploy/duban-worker@.service; the embedded install:
scripts/run.sh starts it beside the web server). Any number may run on any number of
machines: they share the queue in the database, each due job is queued once, each
outgoing message is claimed by one worker."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django_q.cluster import Cluster
from django_q.conf import Conf

from duban.jobs.runner import sync_schedules


class Command(BaseCommand):
    help = "运行后台任务（发送邮件和机器人消息、状态变化推送、催办提醒、定期调度、每日快照）"
    group = "调度"  # the heading it is listed under in `duban --help` (duban/cli.py)

    def add_arguments(self, parser):
        parser.add_argument("--workers", type=int, default=None, help="工作进程数（默认 DUBAN_WORKERS，2）")
        parser.add_argument("--no-scheduler", action="store_true",
                            help="只执行任务，不负责按时排队（其他机器上的 worker 负责）")

    def handle(self, *args, workers=None, no_scheduler=False, **options):
        if workers is not None:
            if workers < 1:
                raise CommandError("--workers 必须是不小于 1 的整数")
            Conf.WORKERS = workers
        if no_scheduler:
            Conf.SCHEDULER = False
        names = sync_schedules()
        self.stdout.write(f"后台任务已启动：{Conf.WORKERS} 个工作进程；定时任务 {len(names)} 项"
                          f"{'（本机不负责排队）' if no_scheduler else ''}")
        self.stdout.flush()
        Cluster().start()  # returns once running; the process lives while the cluster does (SIGTERM stops it)
