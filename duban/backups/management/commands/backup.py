"""`duban backup [--output DIR|FILE]`: one archive of the database and the private
files, taken while the application runs, encrypted and signed with keys derived from
the master key (see duban/backups/archive.py). Without --output the archive goes to
DATA_DIR/backups/duban-backup-YYYYmmdd-HHMMSS.dbk."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from duban.backups.archive import create_backup, record_failure
from duban.backups.errors import BackupError


class Command(BaseCommand):
    help = "备份数据库和私有文件（附件、方案原件、审计归档）到一个加密并签名的备份文件"
    group = "备份"  # the heading it is listed under in `duban --help` (duban/cli.py)

    def add_arguments(self, parser):
        parser.add_argument("--output", "-o", default=None,
                            help="输出目录或文件名；默认 数据目录/backups/duban-backup-时间.dbk")
        parser.add_argument("--keep", type=int, default=None, metavar="N",
                            help="备份成功后，只保留输出目录中最新的 N 个备份（含本次），删除更早的")

    def handle(self, *args, output=None, keep=None, **options):
        if keep is not None and keep < 1:
            raise CommandError("--keep 必须是不小于 1 的整数")
        try:
            result = create_backup(output, keep=keep)
        except BackupError as exc:
            record_failure("backup.create", output or "", exc)
            raise CommandError(f"备份失败：{exc}") from exc
        m = result.manifest
        files = sum(1 for name in m["members"] if name.startswith("files/"))
        self.stdout.write(f"备份完成：{result.path}")
        self.stdout.write(f"大小 {result.size / 1024 / 1024:.1f} MB，数据表 {len(m['tables'])} 张，私有文件 {files} 个")
        sealed = m["sealed_with"]
        self.stdout.write(f"已加密（{sealed['encryption']}）并签名（{sealed['mac']}），密钥来自主密钥，不在备份文件中")
        self.stdout.write(f"SHA-256 {result.sha256}")
        if result.removed:
            self.stdout.write(f"已删除较早的备份 {len(result.removed)} 个：" + "、".join(result.removed))
        if m["missing_files"]:
            self.stdout.write(self.style.WARNING(
                f"注意：数据库记录的 {len(m['missing_files'])} 个文件在存储目录中不存在，未能备份："
                + "、".join(m["missing_files"][:5])))
