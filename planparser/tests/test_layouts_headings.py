"""Headings: a higher numbering style after finished tasks closes back to its rank."""
from __future__ import annotations

from pathlib import Path

import pytest

from planparser import parse_file

from .containers import CONTAINERS, write_as

# A city plan whose first chapter lists arabic-numbered tasks directly, then opens a
# （七） subsection (the first six sit in another document); the next chapter restarts.
PLAN = [
    "宜昌市夷陵区2025年优化营商环境重点任务",
    "一、政务服务",
    "1.推行“一件事一次办”，新增集成事项15项。（区政务服务和大数据管理局牵头，年底前）",
    "2.企业开办全程网办率达到95%以上。（区市场监管局牵头，区税务局配合，6月底前）",
    "（七）要素保障",
    "3.新增工业用地供应600亩。",
    "牵头领导：覃  峰",
    "责任单位：区自然资源和规划局",
    "完成时限：2025年10月",
    "4.新增政府性融资担保额度5亿元。（区财政局牵头，年底前）",
    "(八)法治保障",
    "5.开展涉企执法检查“双随机”全覆盖。（区司法局牵头，持续推进）",
    "二、市场环境",
    "1.清理妨碍统一市场的政策文件。（区发展和改革局牵头，三季度）",
]


@pytest.mark.parametrize("container", list(CONTAINERS))
def test_it_opens_a_subsection_after_arabic_numbered_tasks(tmp_path: Path, container: str) -> None:
    plan = parse_file(write_as(container, tmp_path / "yiling", PLAN))
    got = [(t.number, t.section, t.subsection) for t in plan.tasks]
    assert got == [
        ("1", "一、政务服务", None),
        ("2", "一、政务服务", None),
        ("3", "一、政务服务", "（七）要素保障"),
        ("4", "一、政务服务", "（七）要素保障"),
        ("5", "一、政务服务", "(八)法治保障"),
        ("1", "二、市场环境", None),
    ]
    three = plan.tasks[2]
    assert three.leaders == ["覃峰"] and three.lead_units == ["区自然资源和规划局"]
    assert three.deadline is not None and three.deadline.isoformat() == "2025-10-31"
    assert not any("要素保障" in w.message for w in plan.warnings)


# A county plan whose item 2 is a heading over sub-items （1）（2）: the (七) after
# them is a subsection of chapter 一 (it ranks above 2.), not a sub-item of item 2.
BIJIANG = [
    "铜仁市碧江区2025年重点工作责任分工",
    "一、经济发展",
    "1.推进工业园区扩容提质，新增标准厂房10万平方米。",
    "责任领导：杨  帆",
    "责任单位：区工信局、碧江经开区管委会",
    "完成时间：2025年9月",
    "2.实施农业产业结构调整。",
    "（1）新建高标准农田2万亩。",
    "责任领导：杨帆",
    "责任单位：区农业农村局",
    "完成时间：上半年",
    "（2）发展林下经济5万亩。（区林业局负责，年底）",
    "(七)项目建设",
    "3.完成固定资产投资增长8%。",
    "责任领导：杨帆",
    "责任单位：区发改局",
    "完成时间：全年",
    "（八）招商引资",
    "4.引进500万元以上项目60个。（龙  涛副区长负责，区投资促进局牵头，12月底前）",
    "二、民生保障",
    "1.新增城镇就业4000人。",
    "责任领导：龙涛",
    "责任单位：区人社局",
    "完成时间：全年",
]


@pytest.mark.parametrize("container", list(CONTAINERS))
def test_a_subsection_after_sub_items_closes_their_item(tmp_path: Path, container: str) -> None:
    plan = parse_file(write_as(container, tmp_path / "bijiang", BIJIANG))
    got = [(t.number, t.section, t.subsection, t.title, t.leaders, t.lead_units, t.deadline.isoformat())
           for t in plan.tasks]
    assert got == [
        ("1", "一、经济发展", None, "推进工业园区扩容提质，新增标准厂房10万平方米。", ["杨帆"], ["区工信局"], "2025-09-30"),
        ("2.1", "一、经济发展", None, "新建高标准农田2万亩。", ["杨帆"], ["区农业农村局"], "2025-06-30"),
        ("2.2", "一、经济发展", None, "发展林下经济5万亩。", [], ["区林业局"], "2025-12-31"),
        ("3", "一、经济发展", "(七)项目建设", "完成固定资产投资增长8%。", ["杨帆"], ["区发改局"], "2025-12-31"),
        ("4", "一、经济发展", "（八）招商引资", "引进500万元以上项目60个。", ["龙涛"], ["区投资促进局"], "2025-12-31"),
        ("1", "二、民生保障", None, "新增城镇就业4000人。", ["龙涛"], ["区人社局"], "2025-12-31"),
    ]
    assert not any("项目建设" in w.message for w in plan.warnings)
