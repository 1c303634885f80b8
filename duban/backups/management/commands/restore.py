"""`duban restore ARCHIVE [--yes]`: put a backup back (see duban/backups/archive.py).
The archive's signature is checked over every byte and the archive verified in full
first; an unsigned, wrongly signed, damaged or foreign file, another database vendor or
a backup of a newer Duban is refused with nothing changed. Credentials revoked or
changed since the backup stay revoked, and are listed. Without --yes
the command shows what the backup holds and asks before replacing anything."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from duban.backups.archive import apply_restore, prepare_restore, record_failure, record_verified
from duban.backups.errors import BackupError


class Command(BaseCommand):
    help = "从备份文件恢复数据库和私有文件（先完整校验；当前数据将被替换）"
    group = "备份"  # the heading it is listed under in `duban --help` (duban/cli.py)

    def add_arguments(self, parser):
        parser.add_argument("archive", help="duban backup 生成的 .dbk 备份文件（加密并签名）")
        parser.add_argument("--yes", action="store_true", help="不再询问，直接恢复")
        parser.add_argument("--check", action="store_true",
                            help="只校验备份文件（完整读取、逐个核对摘要、检查数据库副本），不恢复；校验结果记入审计日志")

    def handle(self, *args, archive: str, yes: bool = False, check: bool = False, **options):
        action = "backup.verify" if check else "backup.restore"
        try:
            prepared = prepare_restore(archive)
        except BackupError as exc:
            record_failure(action, archive, exc)
            if check:
                raise CommandError(f"备份文件校验未通过：{exc}") from exc
            raise CommandError(f"未恢复，当前数据没有任何改变：{exc}") from exc
        try:
            self.stdout.write("备份校验通过。")
            for line in prepared.describe():
                self.stdout.write(line)
            if check:
                record_verified(prepared)
                return
            if prepared.pending_migrations:
                self.stdout.write(f"恢复后将执行本程序较新的数据库迁移 {len(prepared.pending_migrations)} 项。")
            if not yes:
                self.stdout.write(self.style.WARNING("恢复将用该备份替换当前的全部数据和私有文件（备份之后新增的审计记录会保留）。"))
                try:
                    answer = input("确认恢复请输入 yes：").strip().lower()
                except EOFError:
                    answer = ""
                if answer != "yes":
                    raise CommandError("已取消，未做任何修改")
            try:
                result = apply_restore(prepared)
            except BackupError as exc:
                record_failure("backup.restore", archive, exc)
                raise CommandError(f"恢复失败：{exc}") from exc
        finally:
            prepared.cleanup()
        self.stdout.write(self.style.SUCCESS("恢复完成。"))
        if result.carried_events:
            self.stdout.write(f"备份之后产生的审计记录 {result.carried_events} 条已保留。")
        if result.migrated:
            self.stdout.write(f"已执行数据库迁移 {len(result.migrated)} 项。")
        if result.credentials_kept:
            self.stdout.write("账号凭据与会话（备份之后撤销或更换的凭据保持撤销，不随备份恢复）：")
            for line in result.credentials_kept:
                self.stdout.write(f"  {line}")
