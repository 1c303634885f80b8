"""`duban parse FILE [--format json|table]` and `python -m planparser FILE`."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from planparser import parse_file
from planparser.cli import main

from .conftest import SEED
from .containers import write_as


def test_it_prints_exactly_the_plan_dict_as_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(SEED), "--format", "json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out) == parse_file(SEED).to_dict()
    assert out == json.dumps(parse_file(SEED).to_dict(), ensure_ascii=False, indent=1) + "\n"


def test_it_accepts_the_parse_subcommand_word(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(SEED)]) == 0
    assert json.loads(capsys.readouterr().out)["title"] == "2026年区政府工作报告重点工作分工方案"


def test_it_prints_a_table_for_a_person(docs: dict[str, Path], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(docs["xihu_txt"]), "--format", "table"]) == 0
    out = capsys.readouterr().out
    assert "方案名称：西湖区2025年民生实事项目分工方案" in out
    assert "共9项任务" in out
    assert "【一、教育卫生】" in out
    assert "3.1" in out and "牵头：区卫健局" in out
    assert "提示：" in out and "编号不连续" in out


def test_python_dash_m_works() -> None:
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.run([sys.executable, "-m", "planparser", str(SEED)], capture_output=True, text=True, cwd=root)
    assert proc.returncode == 0
    assert len(json.loads(proc.stdout)["tasks"]) == 101


def test_it_reads_a_copied_table_and_names_each_line_it_warns_about(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    path = write_as("txt", tmp_path / "copied", [
        "某县2026年重点工作任务清单", "序号|", "重点工作|", "责任领导|", "责任单位|", "完成时限|",
        "1|", "新建乡镇污水处理站6座。|", "常务副县长|", "县住房和城乡建设局|", "年底前|",
        "2|", "改造农村公路40公里。|", "县交通运输局|", "三季度|",
    ])
    assert main([str(path), "--format", "table"]) == 0
    out = capsys.readouterr().out
    assert "共2项任务" in out
    assert "领导：常务副县长（未写姓名）｜牵头：县住房和城乡建设局" in out
    assert "第7行：任务1的牵头领导只写了职务“常务副县长”" in out
    assert main([str(path), "--format", "json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["tasks"][0]["leader_roles"] == ["常务副县长"] and d["tasks"][0]["leaders"] == []
    assert d["tasks"][1]["deadline"] == "2026-09-30"
    assert [w["line"] for w in d["warnings"]] == [7]
