"""Unit lists with a shared suffix stay as written; lines after a unit field that are
not units are warned about, never taken as units; role-only leaders are kept as
roles with a warning."""
from __future__ import annotations

from pathlib import Path

import pytest

from planparser import parse_file

from .containers import CONTAINERS, write_as

WUHAN = [
    "武汉市2025年城市更新重点任务清单",
    "1.完成老旧小区改造200个。（市住房和城市更新局牵头，江岸、江汉、硚口、汉阳、武昌区人民政府负责，年底前）",
    "2.推进两江四岸滨水空间提升。",
    "牵头领导：常务副市长",
    "责任单位：市园林和林业局，江岸、江汉、武昌区人民政府",
    "责任人：王建华",
    "备注：结转项目",
    "完成时限：2025年10月底前",
    "3.建设城市绿道50公里。",
    "牵头领导：分管副市长、徐  彬",
    "责任单位：市园林和林业局、东湖风景区管委会",
    "联系人：李四 027-12345678",
    "完成时限：三季度",
]


@pytest.mark.parametrize("container", list(CONTAINERS))
def test_it_keeps_shared_suffix_lists_and_leaves_out_other_labelled_lines(tmp_path: Path, container: str) -> None:
    plan = parse_file(write_as(container, tmp_path / "wuhan", WUHAN))
    got = [(t.number, t.leaders, t.leader_roles, t.lead_units, t.co_units, t.deadline.isoformat())
           for t in plan.tasks]
    assert got == [
        ("1", [], [], ["市住房和城市更新局"], ["江岸", "江汉", "硚口", "汉阳", "武昌区人民政府"], "2025-12-31"),
        ("2", [], ["常务副市长"], ["市园林和林业局"], ["江岸", "江汉", "武昌区人民政府"], "2025-10-31"),
        ("3", ["徐彬"], ["分管副市长"], ["市园林和林业局"], ["东湖风景区管委会"], "2025-09-30"),
    ]
    messages = [w.message for w in plan.warnings]
    for text in ("责任人：王建华", "备注：结转项目", "联系人：李四"):
        assert any(text in m and "未导入" in m for m in messages), text
    assert sum("只写了职务" in m for m in messages) == 2
    assert all(w.line for w in plan.warnings)
