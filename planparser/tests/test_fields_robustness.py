"""Every field function returns (never raises) on any text, and stays fast."""
from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from planparser.fields import (
    Deadline,
    UnitSplit,
    assign_units,
    clean_leaders,
    find_targets,
    find_time_text,
    is_collective,
    parse_deadline,
    split_unit_list,
)
from planparser.model import Target

# Text drawn mostly from the characters these grammars care about, plus anything.
_ALPHABET = st.sampled_from(
    list("0123456789０１２３４５６７８９年月日底前末旬上中下半季度第一二三四五六七八九十〇"
         "至到—-~./、，,；;。：:（）()〈〉〔〕“”《》%％万亿元个家余以上内左右约不少于低突破超过"
         "牵头配合负责按职责分工等各部门单位区长副书记周冲 \u3000\n\tRQMS+×第持续推进长期")
)
_TEXT = st.one_of(st.text(_ALPHABET, max_size=80), st.text(max_size=80))


@settings(max_examples=400, deadline=None)
@given(_TEXT, st.one_of(st.none(), st.integers(min_value=1, max_value=9999)))
def test_parse_deadline_never_raises(text: str, plan_year: int | None) -> None:
    result = parse_deadline(text, plan_year)
    assert isinstance(result, Deadline)
    assert result.kind in {"dated", "phased", "ongoing", "none", "unknown"}
    assert (result.date is None) == (result.kind in {"ongoing", "none", "unknown"})
    if result.kind == "phased":
        assert len(result.milestones) >= 2
        assert result.date == max(m.date for m in result.milestones)
    else:
        assert result.milestones == []
    if result.kind == "unknown":
        assert result.problems
    for m in result.milestones:
        assert isinstance(m.date, date)
        assert not any(ch.isspace() for ch in m.text)


@settings(max_examples=400, deadline=None)
@given(_TEXT)
def test_find_time_text_never_raises(text: str) -> None:
    found = find_time_text(text)
    assert found is None or (found and not any(ch.isspace() for ch in found))


@settings(max_examples=400, deadline=None)
@given(_TEXT)
def test_find_targets_never_raises(text: str) -> None:
    for t in find_targets(text):
        assert isinstance(t, Target)
        assert t.comparator in {">=", ">", "<=", "~", "="}
        assert isinstance(t.value, (int, float))
        assert t.text and not any(ch.isspace() for ch in t.text)


@settings(max_examples=400, deadline=None)
@given(_TEXT, _TEXT, _TEXT, _TEXT)
def test_unit_functions_never_raise(lead: str, co: str, resp: str, prose: str) -> None:
    for text in (lead, co, resp, prose):
        names = split_unit_list(text)
        assert all(n and not any(ch.isspace() for ch in n) for n in names)
        for n in names:
            assert isinstance(is_collective(n), bool)
    result = assign_units({"lead": lead, "co": co, "resp": resp, "prose": prose})
    assert isinstance(result, UnitSplit)
    assert not set(result.lead) & set(result.co)
    if result.co:
        assert result.lead
    result = assign_units({"resp": resp, "prose": prose, "co": co})
    assert not set(result.lead) & set(result.co)


@settings(max_examples=400, deadline=None)
@given(_TEXT)
def test_clean_leaders_never_raises(text: str) -> None:
    names = clean_leaders(text)
    assert all(n and not any(ch.isspace() for ch in n) for n in names)
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    "unit",
    ["1", "年", "（", "、", "2026年", "6月", "不少于", "周 ", "牵头", "1,", "1.", "—", "十",
     "1万", "（牵头）", "月底前完成；", "“", "第", "牵头单位：", "区长", "\n", "等"],
)
def test_long_repetitive_texts_stay_linear(unit: str) -> None:
    """8,000 characters of one repeated pattern go through every function and come
    back as values of the promised types (speed is measured by bench/parse.py)."""
    text = (unit * (8000 // len(unit) + 1))[:8000]
    assert parse_deadline(text, 2026).kind in {"dated", "phased", "ongoing", "none", "unknown"}
    assert find_time_text(text) is None or isinstance(find_time_text(text), str)
    assert all(t.comparator in {">=", ">", "<=", "~", "="} for t in find_targets(text))
    assert all(isinstance(u, str) and u.strip() == u for u in split_unit_list(text))
    split = assign_units({"lead": text, "prose": text, "co": text})
    assert not set(split.lead) & set(split.co)
    assert all(isinstance(n, str) for n in clean_leaders(text))
    assert isinstance(is_collective(text), bool)
