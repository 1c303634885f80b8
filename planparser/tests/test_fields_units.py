"""split_unit_list, assign_units, is_collective (PLAN_FORMAT.md `lead_units, co_units`)."""
from __future__ import annotations

import pytest

from planparser.fields import UnitSplit, assign_units, is_collective, split_unit_list


@pytest.mark.parametrize(
    "text, expected",
    [
        ("区发展改革委", ["区发展改革委"]),
        ("区人力资源社会保障局、区农业农村局", ["区人力资源社会保障局", "区农业农村局"]),
        ("区发改委，区财政局,区住建委；区水务局;区教委", ["区发改委", "区财政局", "区住建委", "区水务局", "区教委"]),
        ("区发改委\n区财政局", ["区发改委", "区财政局"]),
        ("区发改委\r\n区财政局\r\n", ["区发改委", "区财政局"]),
        # a wrapped name is one unit
        (
            "区园林绿化局、黄村镇人民政府、北臧村镇\n人民政府、庞各庄镇人民政府",
            ["区园林绿化局", "黄村镇人民政府", "北臧村镇人民政府", "庞各庄镇人民政府"],
        ),
        ("区经济和信\n息化局、区财政局", ["区经济和信息化局", "区财政局"]),
        ("临空经济区大兴\n片区管委会", ["临空经济区大兴片区管委会"]),
        ("区城市管理\n委员会", ["区城市管理委员会"]),
        # never inside brackets
        ("中国（北京）自由贸易试验区大兴片区管委会、区商务局",
         ["中国（北京）自由贸易试验区大兴片区管委会", "区商务局"]),
        ("区政府各委、办、局（公司、中心）", ["区政府各委", "办", "局（公司、中心）"]),
        ("区委〔区政府〕办公室、区财政局", ["区委〔区政府〕办公室", "区财政局"]),
        ("区发改委(价格、收费)、区财政局", ["区发改委(价格、收费)", "区财政局"]),
        # role words and notes go
        ("区发改委（牵头）、区财政局", ["区发改委", "区财政局"]),
        ("区发改委(牵头)、区财政局", ["区发改委", "区财政局"]),
        ("区发改委（列第一位的为牵头单位，下同）、区财政局", ["区发改委", "区财政局"]),
        ("区发改委牵头，区财政局、区住建委配合。", ["区发改委", "区财政局", "区住建委"]),
        ("区发改委、区财政局分别牵头", ["区发改委", "区财政局"]),
        ("区发改委牵头，各相关单位按职责分工负责", ["区发改委", "各相关单位"]),
        ("由区发改委牵头负责", ["区发改委"]),
        ("区发改委、区财政局等", ["区发改委", "区财政局"]),
        ("区发改委、区财政局等部门", ["区发改委", "区财政局"]),
        ("区发改委、区财政局等相关单位。", ["区发改委", "区财政局"]),
        ("区发改委负责", ["区发改委"]),
        ("区发改委。", ["区发改委"]),
        ("牵头单位：区发改委", ["区发改委"]),
        ("区 发 改 委、区\u3000财政局", ["区发改委", "区财政局"]),
        # collective units stay as written; elided prefixes are not expanded
        ("各部门、各单位", ["各部门", "各单位"]),
        ("各镇街", ["各镇街"]),
        ("区直有关部门", ["区直有关部门"]),
        ("各镇人民政府、街道办事处", ["各镇人民政府", "街道办事处"]),
        # duplicates and empties
        ("区发改委、区发改委、、区财政局", ["区发改委", "区财政局"]),
        ("", []),
        ("  \n ", []),
        ("牵头", []),
    ],
)
def test_it_splits_unit_lists(text: str, expected: list[str]) -> None:
    assert split_unit_list(text) == expected


@pytest.mark.parametrize(
    "fields, lead, co",
    [
        # (4) one plain list: first leads
        ({"resp": "区人力资源社会保障局、区农业农村局"}, ["区人力资源社会保障局"], ["区农业农村局"]),
        ({"resp": "区发展改革委"}, ["区发展改革委"], []),
        ({"prose": "区科委、区国资委、区财政局"}, ["区科委"], ["区国资委", "区财政局"]),
        ({"resp": "各部门、各单位"}, ["各部门"], ["各单位"]),
        ({"resp": "A（列第一位的为牵头单位，下同）、B"}, ["A"], ["B"]),
        # (1) a 牵头单位 field: all its units lead; 配合/责任 fields beside it are co
        ({"lead": "A、B", "co": "C、D"}, ["A", "B"], ["C", "D"]),
        ({"lead": "A", "resp": "B、C"}, ["A"], ["B", "C"]),
        ({"lead": "A、B", "co": "C、A"}, ["A", "B"], ["C"]),
        ({"lead": "A", "resp": "A、B"}, ["A"], ["B"]),
        ({"lead": "A", "co": "各相关单位"}, ["A"], ["各相关单位"]),
        ({"lead": "A（牵头）、B"}, ["A", "B"], []),
        ({"lead": "A", "prose": "B牵头，C配合"}, ["A"], ["B", "C"]),
        ({"lead": "A", "participate": "B"}, ["A"], ["B"]),
        # (2) prose
        ({"prose": "A牵头，B、C配合"}, ["A"], ["B", "C"]),
        ({"prose": "A牵头；B、C配合。"}, ["A"], ["B", "C"]),
        ({"prose": "A、B分别牵头，C配合"}, ["A", "B"], ["C"]),
        ({"prose": "A、B共同牵头，C参与"}, ["A", "B"], ["C"]),
        ({"prose": "A牵头，各相关单位按职责分工负责"}, ["A"], ["各相关单位"]),
        ({"prose": "由A牵头，B配合"}, ["A"], ["B"]),
        ({"prose": "A牵头B配合"}, ["A"], ["B"]),
        ({"prose": "B、C配合，A牵头"}, ["A"], ["B", "C"]),
        ({"prose": "A牵头负责，B协助"}, ["A"], ["B"]),
        ({"prose": "A会同B、C"}, ["A"], ["B", "C"]),
        ({"prose": "A牵头，会同B、C"}, ["A"], ["B", "C"]),
        ({"prose": "A负责，B配合"}, ["A"], ["B"]),
        ({"prose": "A、B负责"}, ["A"], ["B"]),
        ({"resp": "A牵头，B配合"}, ["A"], ["B"]),
        # (3) a （牵头） marker leads wherever it stands
        ({"prose": "A（牵头）、B、C"}, ["A"], ["B", "C"]),
        ({"resp": "B、A（牵头）、C"}, ["A"], ["B", "C"]),
        ({"resp": "B、C、A(牵头)"}, ["A"], ["B", "C"]),
        ({"resp": "A（牵头）、B（牵头）、C"}, ["A", "B"], ["C"]),
        ({"resp": "A、B（配合）"}, ["A"], ["B"]),
        # labels written inside prose
        ({"prose": "牵头单位：A、B；配合单位：C"}, ["A", "B"], ["C"]),
        ({"prose": "牵头单位：A，B；配合单位：C，D"}, ["A", "B"], ["C", "D"]),
        ({"prose": "配合单位：C；牵头单位：A"}, ["A"], ["C"]),
        ({"prose": "责任单位：A、B"}, ["A"], ["B"]),
        ({"prose": "责任单位：A牵头，B配合"}, ["A"], ["B"]),
        # brackets that belong to a name are kept; roles inside them are not read
        ({"prose": "区发改委（区粮食和物资储备局）牵头，区财政局配合"},
         ["区发改委（区粮食和物资储备局）"], ["区财政局"]),
        ({"resp": "区委宣传部（区委网信办）、区文旅局"}, ["区委宣传部（区委网信办）"], ["区文旅局"]),
        # a wrapped list from the seed
        ({"resp": "区园林绿化局、黄村镇人民政府、北臧村镇\n人民政府、庞各庄镇人民政府"},
         ["区园林绿化局"], ["黄村镇人民政府", "北臧村镇人民政府", "庞各庄镇人民政府"]),
        # whitespace never survives
        ({"resp": "区 发改委、区\u3000财政局"}, ["区发改委"], ["区财政局"]),
        # nothing named
        ({}, [], []),
        ({"resp": "", "prose": "  "}, [], []),
    ],
)
def test_it_assigns_lead_and_co(fields: dict[str, str], lead: list[str], co: list[str]) -> None:
    result = assign_units(fields)
    assert (result.lead, result.co) == (lead, co)
    assert result.problems == []
    assert not set(result.lead) & set(result.co)


def test_it_promotes_a_co_unit_when_no_one_leads() -> None:
    result = assign_units({"co": "C、D"})
    assert result == UnitSplit(["C"], ["D"], ["未写明牵头单位，以“C”为牵头单位"])


@pytest.mark.parametrize(
    "unit",
    ["各部门", "各单位", "各镇街", "区直有关部门", "各镇人民政府", "各街道办事处", "各相关单位",
     "区有关部门", "各有关单位", "区政府各部门", "街道办事处", "镇人民政府", "各成员单位",
     "市直部门", "相关部门", "有关单位", " 各 部门 "],
)
def test_it_recognises_collective_units(unit: str) -> None:
    assert is_collective(unit) is True


@pytest.mark.parametrize(
    "unit",
    ["区发展改革委", "林校路街道办事处", "黄村镇人民政府", "区委组织部", "大兴发展",
     "临空经济区大兴片区管委会", "区人民政府", "", "区各"],
)
def test_it_recognises_single_units(unit: str) -> None:
    assert is_collective(unit) is False


def test_results_are_fresh_objects() -> None:
    first = assign_units({"resp": "A、B"})
    first.lead.append("X")
    first.co.clear()
    assert assign_units({"resp": "A、B"}) == UnitSplit(["A"], ["B"], [])
    names = split_unit_list("A、B")
    names.append("X")
    assert split_unit_list("A、B") == ["A", "B"]
