"""`duban verify_audit [--archive-dir DIR] [--daily]`: check the audit chain (the live
table and the archive files as one chain, every keyed hash recomputed) and the seals of
accepted reports, report versions and 督办单; print what was checked and every break,
the first one first; exit 1 when anything is broken (see duban/audit/integrity.py).
With --daily it is the scheduled job: the result is recorded as an audit event, the
anchor moves on, and a break alerts the security administrators and auditors."""
from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand

from duban.audit import integrity


class Command(BaseCommand):
    help = "校验审计记录哈希链（含归档文件）和已采纳报告、报告版本、督办单的防篡改校验值；发现问题时退出码为1"
    group = "运维"  # the heading it is listed under in `duban --help` (duban/cli.py)

    def add_arguments(self, parser):
        parser.add_argument("--archive-dir", default=None, help="审计归档文件所在目录；默认 数据目录/audit-archive")
        parser.add_argument("--daily", action="store_true",
                            help="每日例行校验：结果记入审计日志，发现问题时通知安全管理员和审计员")

    def handle(self, *args, archive_dir=None, daily=False, **options):
        folder = Path(archive_dir).expanduser() if archive_dir else None
        if folder is not None and not folder.is_dir():
            self.stderr.write(f"归档目录不存在：{folder}")
            sys.exit(2)
        report = (integrity.daily_check if daily else integrity.check)(archive_folder=folder)
        stream = self.stdout if report.ok else self.stderr
        for line in report.lines():
            stream.write(line)
        if not report.ok:
            sys.exit(1)
