"""What the parser cannot read from a task, it keeps where it can and says so."""
from __future__ import annotations

from pathlib import Path

import pytest

from planparser import parse_file
from planparser.leaders import surname_only_mentions

PLAN = """一、生态环境
1. 空气质量持续改善，PM2.5平均浓度控制在35微克/立方米以下。（牵头领导：李副市长、张伟；责任单位：市生态环境局；完成时限：2026年12月底）
2. 完成水利设施修复。（县水利局；汛期前）
3. 完成河道清淤3公里。（县水利局、县财政局；2026年6月底前）
"""


@pytest.fixture(scope="module")
def plan(tmp_path_factory):
    path = Path(tmp_path_factory.mktemp("guesses")) / "plan.txt"
    path.write_text(PLAN, encoding="utf-8")
    return parse_file(path)


def test_a_surname_and_title_is_not_a_leader_and_is_warned_about(plan) -> None:
    assert plan.tasks[0].leaders == ["张伟"]
    assert [w.line for w in plan.warnings if "李副市长" in w.message] == [2]


def test_surname_only_mentions_lists_only_surname_and_title_items() -> None:
    assert surname_only_mentions("李副市长、张伟、分管副区长、王区长（联系）") == ("李副市长", "王区长")
    assert surname_only_mentions("郭文杰副区长") == ()
    assert surname_only_mentions(None) == ()


def test_an_unlabelled_parenthesis_of_a_unit_and_an_unreadable_time_is_read(plan) -> None:
    task = plan.tasks[1]
    assert task.title == "完成水利设施修复。"
    assert task.lead_units == ["县水利局"] and task.deadline is None and task.deadline_text == "汛期前"
    assert any(w.line == 3 and "汛期前" in w.message for w in plan.warnings)
    assert not any("没有找到责任单位" in w.message for w in plan.warnings)


def test_a_readable_time_beside_units_still_gives_the_date(plan) -> None:
    task = plan.tasks[2]
    assert task.lead_units == ["县水利局"] and task.co_units == ["县财政局"]
    assert task.deadline.isoformat() == "2026-06-30"


def test_a_concentration_target_is_read(plan) -> None:
    [target] = plan.tasks[0].targets
    assert (target.value, target.unit, target.comparator) == (35, "微克/立方米", "<=")
