"""`duban`, `duban help` and `duban --help`: Duban's own commands first, in Chinese,
under the headings 导入 调度 督办 备份 运维, then Django's; every one of them is in the
README's table of commands."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from duban import cli

ROOT = Path(__file__).resolve().parents[2]


def _help(capsys, *args) -> str:
    assert cli.main(["duban", *args]) == 0
    return capsys.readouterr().out


def _sections(text: str) -> dict[str, list[str]]:
    """Heading → the command names listed under it (two-space indented lines)."""
    out, current = {}, None
    for line in text.splitlines():
        if line.endswith("：") and not line.startswith(" "):
            current = line[:-1]
            out[current] = []
        elif current and re.match(r"^  \S", line):
            out[current].append(line.split()[0])
    return out


def test_it_groups_every_duban_command_in_chinese_before_djangos(capsys):
    text = _help(capsys, "--help")
    commands = cli.duban_commands()
    assert {"import", "remind", "backup", "worker", "demo"} <= set(commands)
    sections = _sections(text)
    headings = list(sections)
    assert headings[:5] == list(cli.GROUPS), headings
    assert headings[-1].startswith("Django")
    for name, command in commands.items():
        assert getattr(command, "group", None) in cli.GROUPS, f"duban {name} 未指定分组（group）"
        assert name in sections[command.group], f"duban {name} 未列在“{command.group}”下"
        assert re.search(r"[\u4e00-\u9fff]", command.help), f"duban {name} 的说明不是中文"
        line = next(line for line in text.splitlines() if line.split()[:1] == [name])
        assert cli.first_line(command.help) in line
    # Django's commands come after, none of Duban's among them
    django_part = text[text.index(headings[-1]):]
    assert "migrate" in django_part and "runserver" in django_part
    assert not set(re.findall(r"^    (\S+)$", django_part, re.M)) & set(commands)


@pytest.mark.parametrize("args", [(), ("help",), ("-h",)])
def test_it_prints_the_same_list_without_arguments_and_for_help(capsys, args):
    assert _help(capsys, *args) == _help(capsys, "--help")


def test_the_installed_command_prints_it():
    duban = Path(sys.executable).with_name("duban")
    out = subprocess.run([str(duban), "--help"], capture_output=True, text=True, timeout=120, check=True).stdout
    assert out.startswith("督办系统命令行") and "备份：" in out


def test_it_keeps_one_commands_own_help(capsys):
    cli.main(["duban", "help", "backup"])
    out = capsys.readouterr().out
    assert "--keep" in out and "备份数据库" in out


def test_the_readme_lists_every_duban_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = [line for line in readme.splitlines() if line.startswith("| `duban")]
    for name in cli.duban_commands():
        assert any(re.search(rf"`duban {re.escape(name)}\b", line) for line in table), \
            f"README.md 的命令表缺少 duban {name}"
