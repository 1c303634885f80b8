"""The `duban` console command: manage.py under one name.

`duban parse FILE` runs the pure parser without starting Django; every other
sub-command is a Django management command (`duban migrate`, `duban import`, ...).
`duban`, `duban help` and `duban --help` list Duban's own commands first, in Chinese
and grouped by the `group` attribute each of them carries, then Django's.
"""
from __future__ import annotations

import os
import sys
import unicodedata

# The headings of `duban --help`, in this order; every Duban command names one of them
# in its `group` attribute (duban/tests/test_cli.py holds each command to it).
GROUPS = ("导入", "调度", "督办", "备份", "运维")
OTHER_GROUP = "其他"
_NAME_WIDTH = 22


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def duban_commands() -> dict[str, object]:
    """Every management command of Duban's own apps, name → command instance (needs
    django.setup())."""
    from django.core.management import get_commands, load_command_class

    return {
        name: load_command_class(app, name)
        for name, app in sorted(get_commands().items())
        if app == "duban" or app.startswith("duban.")
    }


def first_line(help_text: str) -> str:
    return (help_text or "").strip().splitlines()[0] if (help_text or "").strip() else ""


def main_help() -> str:
    """The text `duban --help` prints: Duban's commands by group, then Django's."""
    from django.core.management import get_commands

    commands = duban_commands()
    lines = [
        "督办系统命令行",
        "",
        "用法：duban <命令> [选项]",
        "      duban help <命令>    查看某个命令的说明和全部选项",
        "",
    ]
    for group in (*GROUPS, OTHER_GROUP):
        names = [n for n, c in commands.items() if getattr(c, "group", OTHER_GROUP) == group]
        if not names:
            continue
        lines.append(f"{group}：")
        for name in names:
            pad = " " * max(2, _NAME_WIDTH - _width(name))
            lines.append(f"  {name}{pad}{first_line(commands[name].help)}")
        lines.append("")
    lines.append("Django 自带命令（数据库迁移、静态文件、开发服务器等）：")
    by_app: dict[str, list[str]] = {}
    for name, app in get_commands().items():
        if name not in commands:
            by_app.setdefault(app.rpartition(".")[2], []).append(name)
    for app in sorted(by_app):
        lines.append(f"  [{app}]")
        lines.extend(f"    {name}" for name in sorted(by_app[app]))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] == "parse":
        from planparser.cli import main as parse_main

        return parse_main(argv[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    if len(argv) == 1 or (len(argv) == 2 and argv[1] in ("help", "--help", "-h")):
        import django

        django.setup()
        sys.stdout.write(main_help())
        return 0
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
