"""duban sync_directory: read every person from the directory (LDAP/AD) and bring the
accounts in line (duban.identity.directory.sync_directory). Idempotent; run daily."""
from django.core.management.base import BaseCommand, CommandError

from duban.identity.directory import sync_directory
from duban.identity.models import SyncRun


class Command(BaseCommand):
    help = "从目录（LDAP/AD）同步人员和单位"
    group = "运维"  # the heading it is listed under in `duban --help` (duban/cli.py)

    def handle(self, *args, **options):
        run = sync_directory(trigger=SyncRun.Trigger.SCHEDULE)
        for problem in run.problems:
            self.stdout.write(f"需处理：{problem}")
        if not run.ok:
            raise CommandError(f"目录同步失败：{run.message}")
        self.stdout.write(f"目录同步完成：{run.message}")
