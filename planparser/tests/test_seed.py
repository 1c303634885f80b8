"""The real plan (the seed) against its hand-checked ground truth."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from planparser import parse_file

from .conftest import SEED

EXPECTED = json.loads((Path(__file__).parent / "data" / "seed_expected.json").read_text(encoding="utf-8"))
KEYS = ("number", "section", "title", "leaders", "lead_units", "co_units", "deadline", "deadline_text")


@pytest.fixture(scope="module")
def seed() -> dict:
    return parse_file(SEED).to_dict()


def test_it_reads_the_plan_header(seed: dict) -> None:
    assert seed["title"] == "2026年区政府工作报告重点工作分工方案"
    assert seed["issuer"] == "北京市大兴区人民政府办公室"
    assert seed["issued"] == "2026-03-19"
    assert seed["plan_year"] == 2026
    assert seed["default_deadline"] is None
    assert seed["doc_number"] is None


def test_it_finds_every_task_section_leader_and_unit(seed: dict) -> None:
    tasks = seed["tasks"]
    assert len(tasks) == 101
    assert [s["title"] for s in seed["sections"]] == EXPECTED["sections"]
    assert len(seed["sections"]) == 8
    assert len({n for t in tasks for n in t["leaders"]}) == 13
    assert len({u for t in tasks for u in t["lead_units"] + t["co_units"]}) == 57
    assert [t["number"] for t in tasks] == [str(i) for i in range(1, 102)]


@pytest.mark.parametrize("index", range(101))
def test_it_matches_the_ground_truth(seed: dict, index: int) -> None:
    got = {k: seed["tasks"][index][k] for k in KEYS}
    assert got == EXPECTED["tasks"][index]


def test_it_gives_no_warnings_for_a_clean_plan(seed: dict) -> None:
    assert seed["warnings"] == []


def test_it_handles_the_known_hard_spots(seed: dict) -> None:
    by_no = {t["number"]: t for t in seed["tasks"]}
    assert "北臧村镇人民政府" in by_no["76"]["co_units"]  # wrapped across lines
    for n in ("98", "100", "101"):
        assert by_no[n]["lead_units"] + by_no[n]["co_units"] == ["各部门", "各单位"]
    assert by_no["3"]["leaders"] == ["周冲"]  # 周  冲
    assert by_no["12"]["deadline"] == "2026-10-01"
    assert by_no["35"]["title"] == "发布新版“1+N”产业政策体系"  # no final 。 added
