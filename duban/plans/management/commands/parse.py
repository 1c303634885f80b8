"""`duban parse FILE --format json|table` (also reachable without Django through duban.cli)."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from planparser.cli import main as parse_main


class Command(BaseCommand):
    help = "解析分工方案文件并输出结果（不写入数据库）"
    group = "导入"  # the heading it is listed under in `duban --help` (duban/cli.py)

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--format", choices=["json", "table"], default="table")

    def handle(self, *args, **opts):
        status = parse_main([opts["file"], "--format", opts["format"]])
        if status:
            raise CommandError("", returncode=status)
