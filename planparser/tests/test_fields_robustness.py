"""Every field function returns (never raises) on any text, and stays fast."""
from __future__ import annotations

import time
from datetime import date
from pathlib import Path

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


SEED = Path(__file__).resolve().parents[2] / "examples" / "daxing-2026-plan.txt"


def _unique_tasks(n: int) -> list[tuple[str, str, str, str]]:
    """n tasks whose field texts are all different (no memoisation help)."""
    lines = SEED.read_text(encoding="utf-8").splitlines() if SEED.exists() else []
    titles = [ln.split(".", 1)[1] for ln in lines if ln[:1].isdigit() and "." in ln]
    titles = titles or ["全年新设经营主体不少于3.3万家。"]
    return [
        (
            f"{titles[i % len(titles)]}新增{i}个站点。",
            f"张晓晟、周  冲、王{i}明" if i % 2 else f"郭文杰、刘{i}",
            f"区人力资源社会保障局、区农业农村局、区{i}号中心",
            f"{i % 12 + 1}月底前完成方案设计；12月底前完成主体施工{i}"
            if i % 5 == 0
            else f"2026年{i % 12 + 1}月{i % 28 + 1}日（{i}）",
        )
        for i in range(n)
    ]


def _baseline_seconds() -> float:
    """Time of a fixed pure-Python loop: the machine's speed right now."""
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        total = 0
        for i in range(200_000):
            total += i
        best = min(best, time.perf_counter() - started)
    return best


def test_field_functions_handle_2000_tasks_quickly() -> None:
    """The whole parser must do a 2,000-task plan in 500 ms; the field functions get a
    share of that. All texts differ here, so memoisation does not help. The bound is
    relative to a plain loop timed alongside (about 10 ms on an idle laptop, so the
    bound is about 250 ms there), which keeps the test meaningful on a loaded machine;
    measured runs take 8-12 loop units."""
    tasks = _unique_tasks(2000)
    before = _baseline_seconds()
    started = time.perf_counter()
    for title, leaders, units, deadline in tasks:
        find_targets(title)
        clean_leaders(leaders)
        assign_units({"resp": units})
        parse_deadline(deadline, 2026)
        find_time_text(deadline)
    elapsed = time.perf_counter() - started
    unit = max(before, _baseline_seconds())
    assert elapsed < 25 * unit, (
        f"field functions took {elapsed * 1000:.0f} ms for 2,000 tasks "
        f"({elapsed / unit:.1f} loop units)"
    )


def test_repeated_field_texts_are_memoised() -> None:
    """Plans repeat leaders, units and deadlines on every task: the second pass over
    the same texts is much cheaper than the first."""
    tasks = _unique_tasks(500)

    def run() -> float:
        started = time.perf_counter()
        for _title, leaders, units, deadline in tasks:
            clean_leaders(leaders)
            assign_units({"resp": units})
            parse_deadline(deadline, 2026)
        return time.perf_counter() - started

    first, second = run(), run()
    assert second < first / 2


@pytest.mark.parametrize(
    "unit",
    ["1", "年", "（", "、", "2026年", "6月", "不少于", "周 ", "牵头", "1,", "1.", "—", "十",
     "1万", "（牵头）", "月底前完成；", "“", "第", "牵头单位：", "区长", "\n", "等"],
)
def test_long_repetitive_texts_stay_linear(unit: str) -> None:
    """No catastrophic backtracking or quadratic scans: 8,000 characters of one
    repeated pattern go through every function quickly."""
    text = (unit * (8000 // len(unit) + 1))[:8000]
    started = time.perf_counter()
    parse_deadline(text, 2026)
    find_time_text(text)
    find_targets(text)
    split_unit_list(text)
    assign_units({"lead": text, "prose": text, "co": text})
    clean_leaders(text)
    is_collective(text)
    elapsed = time.perf_counter() - started
    assert elapsed < 1.5, f"{unit!r}×: {elapsed * 1000:.0f} ms"
