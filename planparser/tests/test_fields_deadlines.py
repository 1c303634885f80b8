"""parse_deadline and find_time_text (PLAN_FORMAT.md `deadline_text, deadline, milestones`)."""
from __future__ import annotations

from datetime import date

import pytest

from planparser.fields import Deadline, find_time_text, parse_deadline
from planparser.model import Milestone

D = date


@pytest.mark.parametrize(
    "text, expected",
    [
        # full dates, any separator, full-width digits, stray spaces
        ("2026年12月31日", D(2026, 12, 31)),
        ("２０２６年６月３０日", D(2026, 6, 30)),
        ("2026 年 6 月 30 日", D(2026, 6, 30)),
        ("2026年 6月\u300030日", D(2026, 6, 30)),
        ("2026.6.30", D(2026, 6, 30)),
        ("２０２６．６．３０", D(2026, 6, 30)),
        ("2026-06-30", D(2026, 6, 30)),
        ("2026/6/30", D(2026, 6, 30)),
        ("20260630", D(2026, 6, 30)),
        ("2026年10月1日", D(2026, 10, 1)),
        ("2026年6月30日前", D(2026, 6, 30)),
        ("2026年6月30号", D(2026, 6, 30)),
        ("6月30日前", D(2026, 6, 30)),
        ("二〇二六年十二月三十一日", D(2026, 12, 31)),
        ("十月一日前", D(2026, 10, 1)),
        # month without a day → last day
        ("2026年6月", D(2026, 6, 30)),
        ("6月底", D(2026, 6, 30)),
        ("6月底前", D(2026, 6, 30)),
        ("6月末", D(2026, 6, 30)),
        ("6月份", D(2026, 6, 30)),
        ("2026年2月底", D(2026, 2, 28)),
        ("2028年2月底", D(2028, 2, 29)),
        ("2026.9", D(2026, 9, 30)),
        ("2026-11", D(2026, 11, 30)),
        ("十二月底前", D(2026, 12, 31)),
        ("十一月", D(2026, 11, 30)),
        ("三月底前", D(2026, 3, 31)),
        # explicit other years kept
        ("2027年6月底前", D(2027, 6, 30)),
        ("2025年底前", D(2025, 12, 31)),
        ("2025年12月31日", D(2025, 12, 31)),
        # year-level words
        ("年底", D(2026, 12, 31)),
        ("年底前", D(2026, 12, 31)),
        ("年末", D(2026, 12, 31)),
        ("年内", D(2026, 12, 31)),
        ("全年", D(2026, 12, 31)),
        ("年内持续推进", D(2026, 12, 31)),
        ("全年持续推进", D(2026, 12, 31)),
        ("2027年底前", D(2027, 12, 31)),
        ("2027年年底前", D(2027, 12, 31)),
        ("今年底", D(2026, 12, 31)),
        ("今年年底前", D(2026, 12, 31)),
        ("明年底", D(2027, 12, 31)),
        ("年中", D(2026, 6, 30)),
        ("2026年", D(2026, 12, 31)),
        ("2026年度内", D(2026, 12, 31)),
        ("2026—2027年", D(2027, 12, 31)),
        # half years and quarters
        ("上半年", D(2026, 6, 30)),
        ("下半年", D(2026, 12, 31)),
        ("2027年上半年", D(2027, 6, 30)),
        ("上半年前", D(2026, 6, 30)),
        ("一季度", D(2026, 3, 31)),
        ("二季度", D(2026, 6, 30)),
        ("三季度", D(2026, 9, 30)),
        ("四季度", D(2026, 12, 31)),
        ("第一季度", D(2026, 3, 31)),
        ("第三季度末", D(2026, 9, 30)),
        ("1季度", D(2026, 3, 31)),
        ("2季度", D(2026, 6, 30)),
        ("三季末", D(2026, 9, 30)),
        ("Q2", D(2026, 6, 30)),
        ("2027年Q1", D(2027, 3, 31)),
        ("2026年第四季度", D(2026, 12, 31)),
        # 旬
        ("6月上旬", D(2026, 6, 10)),
        ("6月中旬", D(2026, 6, 20)),
        ("6月下旬", D(2026, 6, 30)),
        ("2月下旬", D(2026, 2, 28)),
        ("9月下旬前", D(2026, 9, 30)),
        ("9月初", D(2026, 9, 10)),
        # trailing action words do not change the date
        ("2026年6月底前开工", D(2026, 6, 30)),
        ("2026年6月底前完成", D(2026, 6, 30)),
        ("2026年9月底前投入使用", D(2026, 9, 30)),
        ("年底前建成投用", D(2026, 12, 31)),
        ("力争于2026年11月底前完成", D(2026, 11, 30)),
        # ranges → end
        ("2026年3月—6月", D(2026, 6, 30)),
        ("2026年3月-6月", D(2026, 6, 30)),
        ("3月至6月", D(2026, 6, 30)),
        ("3—6月", D(2026, 6, 30)),
        ("2026年3月-2026年6月", D(2026, 6, 30)),
        ("2026.3-2026.6", D(2026, 6, 30)),
        ("2026年9月30日至10月7日", D(2026, 10, 7)),
        ("11月至次年3月", D(2027, 3, 31)),
        ("2026年11月—3月", D(2027, 3, 31)),
        # recurring report dates are not deadlines
        ("每月10日前报送进展，12月底前完成", D(2026, 12, 31)),
        ("每年6月底前报送，2026年底前完成", D(2026, 12, 31)),
        # an open-ended word next to a date does not hide the date
        ("长期坚持，2026年底前取得阶段性成效", D(2026, 12, 31)),
    ],
)
def test_it_reads_one_date(text: str, expected: date) -> None:
    result = parse_deadline(text, 2026)
    assert result == Deadline(expected, "dated", [], [])


@pytest.mark.parametrize(
    "text",
    ["持续推进", "长期坚持", "长期", "常态化推进", "常态化", "持续开展", "长期推进",
     "每年", "定期开展", "逐年推进", "每年6月底前报送", " 持续推进 ", "每季度末", "按月报送",
     "每月10日前报送进展"],
)
def test_it_reads_open_ended_texts_as_ongoing(text: str) -> None:
    assert parse_deadline(text, 2026) == Deadline(None, "ongoing", [], [])


@pytest.mark.parametrize("text", [None, "", "   ", "\u3000\n", "无", "—", "-", "/", "／", "暂无"])
def test_it_reads_no_text_as_none(text: str | None) -> None:
    assert parse_deadline(text, 2026) == Deadline(None, "none", [], [])


@pytest.mark.parametrize(
    "text", ["春节前", "上旬", "3个月内", "三年内", "根据项目进度", "视情况而定", "abc", "12345"]
)
def test_it_reports_unreadable_texts(text: str) -> None:
    result = parse_deadline(text, 2026)
    assert result.date is None
    assert result.kind == "unknown"
    assert result.milestones == []
    assert len(result.problems) == 1
    assert "无法识别完成时限" in result.problems[0]


def test_it_reports_a_date_that_does_not_exist() -> None:
    result = parse_deadline("2026年2月30日", 2026)
    assert (result.date, result.kind) == (None, "unknown")
    assert result.problems == ["完成时限中的日期“2026年2月30日”不存在"]


def test_it_keeps_a_valid_date_beside_an_invalid_one() -> None:
    result = parse_deadline("2026年2月30日前完成设计；2026年6月30日前完成施工", 2026)
    assert (result.date, result.kind) == (D(2026, 6, 30), "dated")
    assert len(result.problems) == 1


@pytest.mark.parametrize("text", ["6月底前", "年底", "上半年", "三季度", "6月30日"])
def test_it_needs_a_year_when_the_text_and_plan_have_none(text: str) -> None:
    result = parse_deadline(text, None)
    assert result.date is None
    assert result.kind == "unknown"
    assert result.problems and "未写年份" in result.problems[0]


@pytest.mark.parametrize(
    "text, expected",
    [("2026年6月底前", D(2026, 6, 30)), ("2027年底", D(2027, 12, 31)), ("2026.6.30", D(2026, 6, 30))],
)
def test_it_reads_explicit_years_without_a_plan_year(text: str, expected: date) -> None:
    assert parse_deadline(text, None).date == expected


def test_it_lends_a_written_year_to_later_phases() -> None:
    result = parse_deadline("2027年3月底前完成设计；6月底前完成施工", 2026)
    assert result.date == D(2027, 6, 30)
    assert [m.date for m in result.milestones] == [D(2027, 3, 31), D(2027, 6, 30)]


@pytest.mark.parametrize(
    "text, expected_date, milestones",
    [
        (
            "6月底前完成方案设计；12月底前完成主体施工",
            D(2026, 12, 31),
            [(D(2026, 6, 30), "完成方案设计"), (D(2026, 12, 31), "完成主体施工")],
        ),
        (
            "3月底前完成方案设计；8月底前完成主体施工",
            D(2026, 8, 31),
            [(D(2026, 3, 31), "完成方案设计"), (D(2026, 8, 31), "完成主体施工")],
        ),
        (
            "2026年6月底前开工，年底前完成主体结构，2027年6月底前投入使用。",
            D(2027, 6, 30),
            [
                (D(2026, 6, 30), "开工"),
                (D(2026, 12, 31), "完成主体结构"),
                (D(2027, 6, 30), "投入使用"),
            ],
        ),
        (
            "6月底前完成方案设计、12月底前完成主体施工",
            D(2026, 12, 31),
            [(D(2026, 6, 30), "完成方案设计"), (D(2026, 12, 31), "完成主体施工")],
        ),
        (
            "上半年启动建设；下半年完成验收",
            D(2026, 12, 31),
            [(D(2026, 6, 30), "启动建设"), (D(2026, 12, 31), "完成验收")],
        ),
        (
            "6月底前完成方案设计，并报区政府审定；12月底前完成主体施工",
            D(2026, 12, 31),
            [(D(2026, 6, 30), "完成方案设计，并报区政府审定"), (D(2026, 12, 31), "完成主体施工")],
        ),
        # later phase written first: deadline is still the latest
        (
            "12月底前完成验收；6月底前完成招标",
            D(2026, 12, 31),
            [(D(2026, 12, 31), "完成验收"), (D(2026, 6, 30), "完成招标")],
        ),
        # nothing after the dates: the clause before names the phase
        (
            "完成方案设计：6月底前；完成主体施工：12月底前",
            D(2026, 12, 31),
            [(D(2026, 6, 30), "完成方案设计"), (D(2026, 12, 31), "完成主体施工")],
        ),
        # bare dates: the date as written
        (
            "2026年6月30日；2026年12月31日",
            D(2026, 12, 31),
            [(D(2026, 6, 30), "2026年6月30日"), (D(2026, 12, 31), "2026年12月31日")],
        ),
        # milestone text keeps full-width characters and loses whitespace
        (
            "６月底前 完成 方案设计；１２月底前完成Ａ区施工",
            D(2026, 12, 31),
            [(D(2026, 6, 30), "完成方案设计"), (D(2026, 12, 31), "完成Ａ区施工")],
        ),
    ],
)
def test_it_reads_phases_as_milestones(
    text: str, expected_date: date, milestones: list[tuple[date, str]]
) -> None:
    result = parse_deadline(text, 2026)
    assert result.kind == "phased"
    assert result.date == expected_date
    assert result.milestones == [Milestone(d, t) for d, t in milestones]
    assert result.problems == []


def test_a_range_is_one_phase_not_two() -> None:
    result = parse_deadline("2026年3月—6月", 2026)
    assert result.kind == "dated"
    assert result.milestones == []


# ------------------------------------------------------------------ find_time_text


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2026年6月底前完成", "2026年6月底前完成"),
        ("持续推进", "持续推进"),
        ("长期坚持。", "长期坚持"),
        ("年底前", "年底前"),
        ("完成时限：2026年12月31日", "2026年12月31日"),
        ("牵头单位：区发改委；完成时限：6月底前", "6月底前"),
        ("区发改委牵头，区财政局配合，2026年6月底前完成", "2026年6月底前完成"),
        ("区发改委牵头2026年6月底前完成", "2026年6月底前完成"),
        ("区发改委牵头；长期坚持", "长期坚持"),
        ("区发改委牵头；常态化推进", "常态化推进"),
        (
            "6月底前完成方案设计；12月底前完成主体施工",
            "6月底前完成方案设计；12月底前完成主体施工",
        ),
        (
            "6月底前完成方案设计，并报区政府审定；12月底前完成主体施工",
            "6月底前完成方案设计，并报区政府审定；12月底前完成主体施工",
        ),
        ("6月底前完成设计；牵头单位：区发改委；12月底前完成", "6月底前完成设计"),
        ("区住建委负责，2026年 6月底前 完成", "2026年6月底前完成"),
        ("力争2026年10月底前建成", "力争2026年10月底前建成"),
        ("上半年", "上半年"),
        ("2026年第三季度", "2026年第三季度"),
    ],
)
def test_it_finds_the_time_part(text: str, expected: str) -> None:
    assert find_time_text(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "区发改委、区财政局",
        "牵头单位：区发改委；配合单位：区财政局",
        "持续推进背街小巷环境精细化治理",  # a title, not a time text
        "长期坚持党的领导，推进各项工作",
        "统一月度调度机制",
        "区发改委牵头",
        "建设3个花园式示范街区",
    ],
)
def test_it_finds_no_time_part(text: str) -> None:
    assert find_time_text(text) is None


def test_a_found_time_part_parses() -> None:
    found = find_time_text("区发改委牵头，区财政局配合，2026年6月底前完成")
    assert parse_deadline(found, 2026).date == D(2026, 6, 30)
