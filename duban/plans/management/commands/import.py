"""`duban import FILE`: parse a plan and put it in the ledger (atomic).

Prints what the import will do (new plan, or the tasks a revised version adds,
changes and removes) and every parser warning; `--dry-run` stops there, and a
revised version asks for `--yes` (or an interactive yes) before it is applied.
"""
from __future__ import annotations

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from planparser import ReadError

from duban.plans.importing import build_preview, check_plan_file, import_plan, parse_upload, sha256_of


class Command(BaseCommand):
    help = "导入分工方案文件（.txt/.docx/.pdf/.xlsx/.csv）"

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="只显示将要发生的变化，不写入")
        parser.add_argument("--yes", action="store_true", help="修订版无需确认直接应用")

    def _fail(self, message: str):
        """One line of Chinese on stderr and exit status 2: the file could not be read."""
        self.stderr.write(message)
        raise SystemExit(2)

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        try:
            data = path.read_bytes()
            # The web upload's checks (zip bombs, XML entity declarations, locked PDFs),
            # before any reader library opens the file.
            check_plan_file(data, path.name)
            parsed = parse_upload(path)
        except OSError as exc:
            self._fail(f"无法读取文件 {path.name}：{exc.strerror or exc}")
        except ReadError as exc:
            self._fail(str(exc))
        preview = build_preview(parsed, sha256_of(data))
        out = self.stdout
        out.write(f"方案：{parsed.title}（{parsed.issuer or '发文单位未识别'}，{parsed.issued or '日期未识别'}）")
        out.write(f"任务 {len(parsed.tasks)} 项，部分 {len(parsed.sections)} 个")
        for w in parsed.warnings:
            out.write(self.style.WARNING(f"警告 第{w.line}行：{w.message}" if w.line else f"警告：{w.message}"))
        for m in preview.guessed_units:
            if m.name != m.canonical:
                out.write(self.style.WARNING(f"推断：单位“{m.name}”视为“{m.canonical}”"))
        if preview.is_unchanged:
            out.write("与已导入的版本相同，未做任何修改。")
            return
        if preview.is_new:
            out.write(f"新方案：将新增 {len(parsed.tasks)} 项任务，新建单位 {len(preview.new_units)} 个、区领导 {len(preview.new_leaders)} 位")
        else:
            out.write(
                f"修订版：新增 {preview.count('added')} 项、修改 {preview.count('changed')} 项、"
                f"撤销 {preview.count('removed')} 项、不变 {preview.count('same')} 项"
            )
            for c in preview.changes:
                if c.kind == "added":
                    out.write(f"  + {c.key} {c.after['title'][:40]}")
                elif c.kind == "removed":
                    out.write(f"  - {c.key} {c.before['title'][:40]}")
                elif c.kind == "changed":
                    out.write(f"  ~ {c.key} 修改：{'、'.join(c.field_labels)}")
        if opts["dry_run"]:
            out.write("（试运行，未写入）")
            return
        if not preview.is_new and not opts["yes"]:
            if not sys.stdin.isatty() or input("应用以上修改？[y/N] ").strip().lower() not in ("y", "yes"):
                raise CommandError("未确认，未做任何修改（可加 --yes）", returncode=1)
        result = import_plan(preview, actor=None, source_name=path.name, source_bytes=data)
        out.write(self.style.SUCCESS(f"已导入：{result.plan.title}（编号 {result.plan.pk}，第{result.plan.revision}版）"))
