"""The pure forecast: hand-checked cases, and properties against an exact least-squares
line computed here with fractions (no statistics module, no floats)."""
from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from duban.status.forecast import (
    METHOD_LINEAR,
    METHOD_LINEAR_BASELINE,
    METHOD_REACHED,
    NO_ACTUALS,
    NO_HORIZON,
    ONE_POINT,
    SAME_DAY,
    Indicator,
    evaluate,
    forecast,
    horizon_for,
    indicator_name,
    meets_target,
    miss_reason,
    number,
    quantity,
)

D = dt.date
DEC31 = D(2026, 12, 31)


def exact_forecast(points, horizon) -> Fraction:
    """Least squares by the textbook formula, in exact rationals."""
    x0 = points[0][0]
    xs = [Fraction((d - x0).days) for d, _ in points]
    ys = [Fraction(str(v)) for _, v in points]
    n = len(xs)
    xbar, ybar = sum(xs) / n, sum(ys) / n
    slope = sum((x - xbar) * (y - ybar) for x, y in zip(xs, ys)) / sum((x - xbar) ** 2 for x in xs)
    return ybar + slope * (Fraction((horizon - x0).days) - xbar)


# --- hand-checked -------------------------------------------------------------------------

def test_it_extrapolates_two_actuals_to_the_year_end():
    # 420 on 30 June, 620 on 30 September: +200 in 92 days; 31 December is 92 days on.
    fc = forecast([(D(2026, 6, 30), 420), (D(2026, 9, 30), 620)], DEC31, target=1000, comparator=">=")
    assert fc.value == Decimal("820")
    assert fc.method == METHOD_LINEAR == "按已报实际值线性外推（最小二乘）"
    assert fc.meets is False and fc.state == "miss" and fc.points == 2
    assert fc.line == ((D(2026, 6, 30), Decimal("420")), (DEC31, Decimal("820")))


def test_it_fits_a_least_squares_line_through_three_points():
    # x = 0, 1, 2 days; y = 0, 1, 1: slope 1/2, intercept 1/6; at day 10: 5 1/6.
    fc = forecast([(D(2026, 1, 1), 0), (D(2026, 1, 2), 1), (D(2026, 1, 3), 1)], D(2026, 1, 11),
                  target=5, comparator=">=")
    assert fc.value == Decimal("5.1667")
    assert fc.meets is True
    assert fc.line[0] == (D(2026, 1, 1), Decimal("0.1667"))


def test_it_uses_the_baseline_at_the_plan_start_with_one_actual():
    # Baseline 0 on 1 Feb, 400 on 30 June (149 days): at 31 Dec (333 days) 400 × 333 / 149.
    fc = forecast([(D(2026, 6, 30), 400)], DEC31, target=900, comparator=">=", baseline=0, start=D(2026, 2, 1))
    assert fc.method == METHOD_LINEAR_BASELINE
    assert fc.value == Decimal("893.9597")  # 133200 / 149 = 893.95973…
    assert fc.meets is False


def test_it_says_when_there_is_too_little_data():
    assert forecast([], DEC31, target=1, comparator=">=").note == NO_ACTUALS
    one = forecast([(D(2026, 6, 30), 400)], DEC31, target=1, comparator=">=")
    assert (one.value, one.meets, one.note, one.state) == (None, None, ONE_POINT, "no_data")
    # a baseline without a start date cannot be placed on the time axis
    assert forecast([(D(2026, 6, 30), 400)], DEC31, target=1, comparator=">=", baseline=0).note == ONE_POINT
    same = forecast([(D(2026, 6, 30), 400), (D(2026, 6, 30), 500)], DEC31, target=1, comparator=">=")
    assert same.note == SAME_DAY and same.value is None
    assert forecast([(D(2026, 6, 30), 400)], None, target=1, comparator=">=").note == NO_HORIZON


def test_it_takes_the_latest_actual_once_the_horizon_is_reached():
    fc = forecast([(D(2026, 6, 30), 400), (D(2026, 12, 31), 1003), (D(2026, 9, 30), 2000)], DEC31,
                  target=1000, comparator=">=")
    assert (fc.value, fc.method, fc.meets, fc.line) == (Decimal("1003"), METHOD_REACHED, True, ())


@pytest.mark.parametrize(("value", "target", "comparator", "meets"), [
    (100, 100, ">=", True), (99.99, 100, ">=", False),
    (100, 100, ">", False), (100.0001, 100, ">", True),
    (100, 100, "<=", True), (100.0001, 100, "<=", False),
    (100, 100, "=", True), (120, 100, "=", True), (99, 100, "=", False),  # 达到: overshooting is no miss
    (95, 100, "~", True), (105, 100, "~", True), (94.99, 100, "~", False), (105.01, 100, "~", False),
    (Decimal("2.85"), 3, "~", True), (Decimal("2.84"), 3, "~", False),
])
def test_it_compares_with_each_comparator(value, target, comparator, meets):
    assert meets_target(value, target, comparator) is meets


def test_it_refuses_an_unknown_comparator():
    with pytest.raises(ValueError):
        forecast([], DEC31, target=1, comparator="≈")


def test_it_writes_the_reason_in_words():
    ind = Indicator(1, "新增就业岗位", Decimal("1000"), "个", ">=",
                    actuals=[(D(2026, 6, 30), Decimal(420)), (D(2026, 9, 30), Decimal(620))])
    fc = evaluate(ind, DEC31, None)
    assert miss_reason(ind, fc) == "指标“新增就业岗位”预计到期达到 820 个，未达目标 1000 个（线性外推）"
    assert miss_reason(ind, fc, at_deadline=False) == "指标“新增就业岗位”预计年底达到 820 个，未达目标 1000 个（线性外推）"
    cap = Indicator(2, "PM2.5平均浓度", Decimal("35"), "微克/立方米", "<=",
                    actuals=[(D(2026, 3, 31), Decimal(30)), (D(2026, 6, 30), Decimal(33))])
    fc = evaluate(cap, DEC31, None)
    assert fc.meets is False
    assert miss_reason(cap, fc).startswith("指标“PM2.5平均浓度”预计到期为 39.07 微克/立方米，超过目标上限 35 微克/立方米")
    about = Indicator(3, "增长3%左右", Decimal("3"), "%", "~", actuals=[(D(2026, 12, 31), Decimal("2.5"))])
    assert miss_reason(about, evaluate(about, DEC31, None)) == \
        "指标“增长3%左右”预计最近为 2.5%，偏离目标 3% 左右（±5%）（按最近实际值）"


def test_it_shows_numbers_as_people_write_them():
    assert [number(x) for x in (Decimal("820.0000"), Decimal("1E+3"), Decimal("4.2500"), Decimal("0.0035"),
                                Decimal("955.4945"), None)] == ["820", "1000", "4.25", "0.0035", "955.49", "—"]
    assert quantity(Decimal("4.2"), "%") == "4.2%" and quantity(Decimal("33000"), "家") == "33000 家"


def test_it_forecasts_to_the_deadline_or_the_year_end():
    assert horizon_for(D(2026, 6, 30), 2026) == D(2026, 6, 30)
    assert horizon_for(None, 2026) == DEC31
    assert horizon_for(None, None) is None


@pytest.mark.parametrize(("text", "title", "name"), [
    ("1000个以上", "开展不少于50场“投资大兴”宣介活动，全年引进高质量项目1000个以上。", "全年引进高质量项目1000个以上"),
    ("增长5%以上", "地区生产总值比上年增长5%以上。", "地区生产总值比上年增长5%以上"),
    ("不少于20个", "吸引不少于20个总部类、高潜力科技类优质项目入驻念坛国际金融商务区。",
     "吸引不少于20个总部类、高潜力科技类优质项目入驻念坛国际金融…"),
    ("达到100%", "提升卫生健康信息化数智水平，畅通医联体双向转诊渠道，力争院前急救呼叫满足率达到100%。",
     "力争院前急救呼叫满足率达到100%"),
    ("3个", "标题里没有这个数", "3个"),
])
def test_it_names_a_parsed_indicator_by_its_clause(text, title, name):
    got = indicator_name(text, title)
    assert got == name
    assert len(got.strip("…")) <= 30 and text in got or got == text


def test_it_names_a_manual_indicator_by_its_text():
    assert indicator_name("新增就业岗位", "全年新增就业岗位1000个。", manual=True) == "新增就业岗位"


def test_a_long_clause_keeps_the_figure_in_view():
    title = "统筹推进" + "甲" * 40 + "建成口袋公园不少于12处" + "乙" * 20
    got = indicator_name("不少于12处", title)
    assert "不少于12处" in got and got.startswith("…") and got.endswith("…")


# --- properties --------------------------------------------------------------------------

days = st.integers(min_value=0, max_value=365)
values = st.decimals(min_value=-10**6, max_value=10**6, places=2, allow_nan=False, allow_infinity=False)
START = D(2026, 1, 1)


@st.composite
def series(draw, min_size=2):
    pts = draw(st.lists(st.tuples(days, values), min_size=min_size, max_size=12))
    assume(len({d for d, _ in pts}) >= 2)
    horizon = draw(st.integers(min_value=max(d for d, _ in pts) + 1, max_value=800))
    return [(START + dt.timedelta(d), v) for d, v in pts], START + dt.timedelta(horizon)


@settings(max_examples=300, deadline=None)
@given(series())
def test_the_forecast_is_the_exact_least_squares_line(data):
    points, horizon = data
    fc = forecast(points, horizon, target=0, comparator=">=")
    exact = exact_forecast(sorted(points, key=lambda p: p[0]), horizon)
    assert fc.method == METHOD_LINEAR and fc.points == len(points)
    # rounded to 4 places, plus binary floating point error relative to the size of the figures
    scale = max([abs(Fraction(str(v))) for _, v in points] + [abs(exact), 1])
    assert abs(Fraction(fc.value) - exact) <= Fraction(1, 10**4) / 2 + scale * Fraction(1, 10**9)


@settings(max_examples=200, deadline=None)
@given(series(), st.randoms(use_true_random=False))
def test_the_order_of_the_actuals_does_not_matter(data, rnd: random.Random):
    points, horizon = data
    shuffled = list(points)
    rnd.shuffle(shuffled)
    a = forecast(points, horizon, target=0, comparator=">=")
    b = forecast(shuffled, horizon, target=0, comparator=">=")
    assert abs(a.value - b.value) <= Decimal("0.0001") + abs(a.value) * Decimal("1e-9")


@settings(max_examples=200, deadline=None)
@given(st.lists(days, min_size=2, max_size=10, unique=True), st.integers(-1000, 1000), st.integers(-50, 50),
       st.integers(366, 800))
def test_points_on_a_line_forecast_that_line(xs, intercept, slope, horizon):
    points = [(START + dt.timedelta(x), intercept + slope * x) for x in xs]
    fc = forecast(points, START + dt.timedelta(horizon), target=0, comparator=">=")
    assert fc.value == intercept + slope * horizon


@settings(max_examples=200, deadline=None)
@given(series(), st.decimals(min_value=0, max_value=10**4, places=2))
def test_raising_every_actual_never_turns_a_forecast_that_meets_into_a_miss(data, lift):
    points, horizon = data
    target = Decimal(0)
    before = forecast(points, horizon, target=target, comparator=">=")
    after = forecast([(d, v + lift) for d, v in points], horizon, target=target, comparator=">=")
    assert abs((after.value - before.value) - lift) <= Decimal("0.0002") + abs(before.value) * Decimal("1e-9")
    if before.meets:
        assert after.meets or abs(after.value) <= Decimal("0.0002")


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(days, values), max_size=1), st.sampled_from([">=", ">", "<=", "~", "="]))
def test_it_never_guesses_from_one_actual_without_a_baseline(pts, comparator):
    points = [(START + dt.timedelta(d), v) for d, v in pts]
    fc = forecast(points, D(2027, 6, 30), target=1, comparator=comparator)
    assert fc.value is None and fc.meets is None and fc.note in (NO_ACTUALS, ONE_POINT)


@settings(max_examples=300, deadline=None)
@given(values, st.decimals(min_value=-10**6, max_value=10**6, places=4), st.sampled_from([">=", ">", "<=", "~", "="]))
def test_meets_target_follows_the_stated_rule(value, target, comparator):
    v, t = Fraction(str(value)), Fraction(str(target))
    expected = {">=": v >= t, "=": v >= t, ">": v > t, "<=": v <= t, "~": abs(v - t) * 20 <= abs(t)}[comparator]
    assert meets_target(value, target, comparator) is expected
