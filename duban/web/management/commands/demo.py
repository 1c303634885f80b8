"""`duban demo`: load the seed plan and create demo sign-ins (printed once)."""
from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from duban.jobs.runner import job, run_job
from duban.plans.models import Plan
from duban.web.demo import create_demo_accounts, load_demo_round, load_seed_plan


class Command(BaseCommand):
    help = "载入演示数据：示例分工方案、一期演示调度和演示账号（密码只显示一次），并运行一次催办提醒和快照任务"
    group = "运维"  # the heading it is listed under in `duban --help` (duban/cli.py)

    def add_arguments(self, parser):
        parser.add_argument("--reset-passwords", action="store_true", help="为已有演示账号重新生成密码")

    def handle(self, *args, **opts):
        if not settings.DEMO:
            raise CommandError("演示数据只能在演示模式下载入：请设置环境变量 DUBAN_DEMO=true")
        if not Plan.objects.exists():
            plan = load_seed_plan()
            self.stdout.write(f"已导入示例方案《{plan.title}》：{plan.tasks.count()} 项任务")
        creds = create_demo_accounts(reset=opts["reset_passwords"])  # first: the demo reports name their liaisons
        rnd = load_demo_round()
        if rnd is not None:
            self.stdout.write(f"已生成演示调度“{rnd.name}”（截止 {rnd.due_on:%Y-%m-%d}），含按时、迟报、退回和缺报的报告")
        # The scheduled jobs once, so the demo shows their work at once (reminders in the
        # inboxes, the dashboards' trend) and the system administrator's page has runs.
        for name in ("remind", "dashboard_snapshots"):
            run = run_job(name, trigger="demo")
            self.stdout.write(f"已运行后台任务“{job(name).label}”：{run.summary}")
        if not creds:
            self.stdout.write("演示账号已存在，密码已在首次设置时显示。需要重新生成：duban demo --reset-passwords")
            return
        self.stdout.write("演示账号（密码只显示这一次，请妥善保存）：")
        self.stdout.write(f"{'用户名':<10}{'密码':<14}{'角色':<8}对应")
        for c in creds:
            self.stdout.write(f"{c.username:<12}{c.password:<16}{c.role:<8}{c.who}")

