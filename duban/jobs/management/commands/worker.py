"""`duban worker`: the background work of Duban — a django-q2 cluster (a guard process
that restarts dead workers, the workers, and the scheduler that queues each job when it
is due), with the job list of duban.jobs.runner written into its schedule first.

Run one per machine (systemd: deploy/duban-worker@.service; the embedded install:
scripts/run.sh starts it beside the web server). Any number may run on any number of
machines: they share the queue in the database, each due job is queued once, each
outgoing message is claimed by one worker."""
from __future__ import annotations

import signal
import threading

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
        run_until_stopped(Cluster())


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def run_until_stopped(cluster: Cluster) -> None:
    """Starts `cluster` and returns when it has stopped: on SIGTERM or SIGINT, or when
    its guard process (the sentinel) ends by itself.

    django-q2 stops the cluster from inside its signal handler (``stop_event.set()``
    there waits for the sentinel to acknowledge; django-q2 issue #346). When the
    signal reaches every process of the worker at once (``kill`` of the process group,
    ``pkill``, a service manager that signals the whole group) the sentinel dies of it
    first, nothing ever acknowledges, and the process hung for good; each further
    signal stacked another blocked handler. So the handler here only notes the signal;
    once the cluster runs the signals are blocked and waited for, outside any handler.
    A sentinel that ends within a second of the signal went with it and there is
    nothing left to stop; one still running is asked to stop from a thread, and this
    waits for the sentinel itself, which drains its workers and exits."""
    noted: list[int] = []
    for signum in STOP_SIGNALS:  # replaces django-q2's handlers, set by Cluster()
        signal.signal(signum, lambda signum, frame: noted.append(signum))
    try:
        cluster.start()
    except RuntimeError:
        if noted:  # the sentinel died of the same signal while starting
            return
        raise
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    sentinel = cluster.sentinel
    while sentinel.is_alive():
        if not noted and signal.sigtimedwait(STOP_SIGNALS, 1.0) is None:
            continue
        sentinel.join(1.0)
        if sentinel.is_alive():
            threading.Thread(target=cluster.stop, name="stop-cluster", daemon=True).start()
            sentinel.join()
