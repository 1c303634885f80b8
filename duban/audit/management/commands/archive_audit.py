"""`duban archive_audit [--older-than-days N]`: move audit events older than the
retention into a compressed, verified archive file (see duban/audit/archive.py).
Run it from cron, e.g. monthly."""
from django.core.management.base import BaseCommand, CommandError

from duban.audit.archive import ArchiveError, archive_events
from duban.security.models import SecurityPolicy


class Command(BaseCommand):
    help = "将超过保存期的审计记录写入压缩归档文件并校验，校验无误后移出在线表"
    group = "运维"  # the heading it is listed under in `duban --help` (duban/cli.py)

    def add_arguments(self, parser):
        parser.add_argument("--older-than-days", type=int, default=None,
                            help="归档早于此天数的记录；默认取安全策略的保存天数（不少于180）")

    def handle(self, *args, older_than_days=None, **options):
        days = older_than_days if older_than_days is not None else SecurityPolicy.current().audit_retention_days
        try:
            result = archive_events(days)
        except ArchiveError as exc:
            raise CommandError(str(exc)) from exc
        if result.count == 0:
            self.stdout.write(f"没有早于{days}天的审计记录，无需归档。")
        else:
            self.stdout.write(f"已归档{result.count}条审计记录：{result.path}\nSHA-256 {result.sha256}")
