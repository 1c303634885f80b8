"""The indicator pages: list and filters, trajectory (chart data and table), adding and
changing an indicator (validation, permissions, audit, optimistic locking)."""
from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from duban.audit.models import Event
from duban.indicators.actions import indicator_fingerprint
from duban.plans.models import Target

from .conftest import as_4places, at, exact_line_at

D = dt.date
TODAY = D(2026, 11, 28)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(at(TODAY), tick=False):
        yield


@pytest.fixture
def task1(plan):
    return plan.tasks.get(number="1")  # 甲局 leads, 丙局 co-works; 不少于2000家


@pytest.fixture
def task3(plan):
    t = plan.tasks.get(number="3")  # 乙局 only, no deadline
    Target.objects.create(task=t, text="新增养老床位", value=200, unit="张", comparator=">=", source="manual")
    return t


def client_for(client, user):
    client.force_login(user)
    return client


def _figures(rounds, report_figures, task, person, target, *pairs):
    """Submits (month, value) figures for `target` in monthly rounds."""
    for month, value in pairs:
        report_figures(rounds(task.plan, month), task, person, {target: value}, on=D(2026, month + 1, 2))


# --- list ----------------------------------------------------------------------------------

def test_it_lists_the_indicators_a_person_may_see(client, task1, task3, office, leader, liaison_a, liaison_b):
    names = {}
    for user in (office, leader, liaison_a, liaison_b):
        html = client_for(client, user).get(reverse("indicators:list")).content.decode()
        names[user.username] = ("全年新增市场主体不少于2000家" in html, "新增养老床位" in html)
    assert names == {"office": (True, True), "leader": (True, True),
                     "liaison_a": (True, False), "liaison_b": (False, True)}


def test_it_filters_by_forecast_state(client, task1, task3, office, liaison_a, rounds, report_figures):
    target1 = task1.targets.get()
    _figures(rounds, report_figures, task1, liaison_a, target1, (6, 600), (9, 900))  # → 1200 at 31 Dec: a miss
    c = client_for(client, office)
    miss = c.get(reverse("indicators:list"), {"state": "miss"})
    assert miss.status_code == 200
    html = miss.content.decode()
    assert "全年新增市场主体不少于2000家" in html and "新增养老床位" not in html
    expected = as_4places(exact_line_at([(D(2026, 6, 30), 600), (D(2026, 9, 30), 900)], D(2026, 12, 31)))
    assert f"{expected.normalize():f} 家" in html
    no_data = c.get(reverse("indicators:list"), {"state": "no_data"}).content.decode()
    assert "新增养老床位" in no_data and "全年新增市场主体不少于2000家" not in no_data
    assert "新增养老床位" not in c.get(reverse("indicators:list"), {"state": "on_track"}).content.decode()
    other = c.get(reverse("indicators:list"), {"plan": "999999"})
    assert other.status_code == 200 and "选择一个有效的选项" in other.content.decode()


# --- trajectory ----------------------------------------------------------------------------

def test_the_trajectory_page_gives_the_chart_and_the_table_the_same_numbers(client, task1, office, liaison_a,
                                                                           rounds, report_figures):
    target1 = task1.targets.get()
    target1.baseline = Decimal(100)
    target1.save()
    _figures(rounds, report_figures, task1, liaison_a, target1, (6, 600), (9, 900))
    response = client_for(client, office).get(reverse("indicators:detail", args=[target1.pk]))
    assert response.status_code == 200
    chart = response.context["chart"]
    points = [(D(2026, 2, 1), 100), (D(2026, 6, 30), 600), (D(2026, 9, 30), 900)]
    forecast = as_4places(exact_line_at(points, D(2026, 12, 31)))
    assert chart["target"] == 2000.0
    assert chart["baseline"] == ["2026-02-01", 100.0]
    assert chart["actuals"] == [["2026-06-30", 600.0], ["2026-09-30", 900.0]]
    assert chart["line"][-1] == ["2026-12-31", float(forecast)]
    assert chart["line"][0][0] == "2026-02-01"
    html = response.content.decode()
    data = json.loads(re.search(r'<script id="trajectory-data" type="application/json">(.*?)</script>', html).group(1))
    assert data == json.loads(json.dumps(chart))
    # the table beside the chart shows every number of the chart
    table = html.split("轨迹数据（与图中数值相同）")[1].split("</table>")[0]
    for figure in ("100 家", "600 家", "900 家", "2000 家", f"{forecast.quantize(Decimal('0.01')).normalize():f} 家"):
        assert figure in table, figure
    assert "按基数和已报实际值线性外推（最小二乘）" in html
    inline = [tag for tag in re.findall(r"<script[^>]*>", html) if "src=" not in tag and "application/json" not in tag]
    assert not inline  # the CSP forbids inline scripts: the chart code is a static file


def test_the_trajectory_says_when_there_is_too_little_data(client, task1, office):
    html = client_for(client, office).get(reverse("indicators:detail", args=[task1.targets.get().pk])).content.decode()
    assert "尚无已报送的实际值，无法预测" in html and "数据不足" in html


def test_another_units_indicator_is_not_found(client, task1, liaison_b):
    url = reverse("indicators:detail", args=[task1.targets.get().pk])
    assert client_for(client, liaison_b).get(url).status_code == 404


# --- adding -----------------------------------------------------------------------------------

def test_the_lead_unit_adds_an_indicator_and_the_timeline_shows_it(client, task1, liaison_a):
    c = client_for(client, liaison_a)
    response = c.post(reverse("indicators:add", args=[task1.pk]),
                      {"text": " 新增就业岗位 ", "comparator": ">=", "value": "1000", "unit": "个", "baseline": "120"})
    target = Target.objects.get(task=task1, text="新增就业岗位")
    assert response.status_code == 302 and response["Location"] == reverse("indicators:detail", args=[target.pk])
    assert (target.source, target.value, target.unit, target.comparator, target.baseline) == \
        ("manual", Decimal(1000), "个", ">=", Decimal(120))
    assert target.order > task1.targets.get(source="parsed").order
    event = Event.objects.get(action="indicator.add")
    assert event.task_id == task1.pk and event.actor_id == liaison_a.pk
    assert event.after == {"indicator": "新增就业岗位", "comparator": "不低于", "target_value": "1000",
                           "measure_unit": "个", "baseline": "120"}
    page = c.get(reverse("plans:task", args=[task1.pk])).content.decode()
    timeline = page.split('id="tl-h"')[1]
    assert "添加量化指标" in timeline and "指标名称：" in timeline and "新增就业岗位" in timeline
    assert reverse("indicators:detail", args=[target.pk]) in page


@pytest.mark.parametrize(("data", "message"), [
    ({"text": "", "comparator": ">=", "value": "10"}, "请填写指标名称"),
    ({"text": "新增就业岗位", "comparator": ">=", "value": "很多"}, "目标值必须是数字"),
    ({"text": "新增就业岗位", "comparator": ">=", "value": ""}, "请填写目标值"),
    ({"text": "新增就业岗位", "comparator": ">=", "value": "1.23456"}, "目标值最多保留 4 位小数"),
    ({"text": "新增就业岗位", "comparator": "≈", "value": "10"}, "请选择要求"),
    ({"text": "新增就业岗位", "comparator": ">=", "value": "10", "baseline": "x"}, "基数必须是数字"),
    ({"text": "新增就业岗位", "comparator": ">=", "value": "10", "unit": "个" * 21}, "计量单位不能超过 20 个字"),
    ({"text": "不少于2000家", "comparator": ">=", "value": "10"}, "该任务已有名为“不少于2000家”的指标"),
])
def test_it_refuses_bad_input_in_chinese_and_changes_nothing(client, task1, office, data, message):
    before = Target.objects.count()
    response = client_for(client, office).post(reverse("indicators:add", args=[task1.pk]), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert Target.objects.count() == before and not Event.objects.filter(action="indicator.add").exists()


def test_co_units_and_leaders_may_not_add(client, task1, leader, units):
    from duban.accounts.models import User

    liaison_c = User.objects.create(username="liaison_c", role="liaison", full_name="丙局", unit=units["丙局"])
    for user in (leader, liaison_c):
        c = client_for(client, user)
        assert c.get(reverse("plans:task", args=[task1.pk])).status_code == 200
        assert "添加量化指标" not in c.get(reverse("plans:task", args=[task1.pk])).content.decode()
        r = c.post(reverse("indicators:add", args=[task1.pk]), {"text": "x", "comparator": ">=", "value": "1"})
        assert r.status_code == 403
    assert Target.objects.filter(task=task1).count() == 1


# --- changing ---------------------------------------------------------------------------------

def _edit(c, target, **data):
    form = c.get(reverse("indicators:edit", args=[target.pk])).context["form"]
    values = {name: form[name].value() for name in ("text", "comparator", "value", "unit", "baseline", "fingerprint")}
    values = {k: ("" if v is None else v) for k, v in values.items()}
    values.update(data)
    return c.post(reverse("indicators:edit", args=[target.pk]), values)


def test_a_parsed_indicator_takes_a_baseline_only(client, task1, office):
    target = task1.targets.get()
    c = client_for(client, office)
    response = _edit(c, target, baseline="350", value="10", text="改掉原文")
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.baseline, target.value, target.text) == (Decimal(350), Decimal(2000), "不少于2000家")
    event = Event.objects.get(action="indicator.edit")
    assert (event.before, event.after) == ({"baseline": None}, {"baseline": "350"})
    page = c.get(reverse("plans:task", args=[task1.pk])).content.decode().split('id="tl-h"')[1]
    assert "修改量化指标" in page and "基数：" in page and "350" in page


def test_the_action_refuses_changing_a_parsed_indicators_figure(task1, office):
    from duban.indicators.actions import IndicatorError, update_indicator

    target = task1.targets.get()
    with pytest.raises(IndicatorError, match="只能修改基数"):
        update_indicator(target, actor=office, seen=indicator_fingerprint(target), value=Decimal(10))
    target.refresh_from_db()
    assert target.value == 2000


def test_a_manual_indicator_is_changed_whole_by_the_lead_unit(client, task1, liaison_a, head_a):
    from duban.indicators.actions import add_indicator

    target = add_indicator(task1, actor=liaison_a, text="新增就业岗位", comparator=">=", value=Decimal(1000), unit="个")
    response = _edit(client_for(client, head_a), target, value="1200", comparator="~")
    assert response.status_code == 302
    target.refresh_from_db()
    assert (target.value, target.comparator) == (Decimal(1200), "~")
    event = Event.objects.get(action="indicator.edit")
    assert event.before == {"comparator": "不低于", "target_value": "1000"}
    assert event.after == {"comparator": "左右", "target_value": "1200"}


def test_a_stale_edit_is_refused_and_shows_both_sides(client, task1, office, liaison_a):
    from duban.indicators.actions import update_indicator

    target = task1.targets.get()
    c = client_for(client, office)
    form = c.get(reverse("indicators:edit", args=[target.pk])).context["form"]
    seen = form["fingerprint"].value()
    update_indicator(target, actor=liaison_a, seen=seen, baseline=Decimal(300))  # someone else saves first
    response = c.post(reverse("indicators:edit", args=[target.pk]),
                      {"baseline": "500", "fingerprint": seen})
    assert response.status_code == 409
    html = response.content.decode()
    assert "已被liaison_a" in html and "300 家" in html and "500 家" in html
    target.refresh_from_db()
    assert target.baseline == 300
    # submitting again (the form now carries the current fingerprint) is a deliberate overwrite
    again = c.post(reverse("indicators:edit", args=[target.pk]),
                   {"baseline": "500", "fingerprint": response.context["form"]["fingerprint"].value()})
    assert again.status_code == 302
    target.refresh_from_db()
    assert target.baseline == 500


def test_the_task_page_links_every_indicator_and_offers_adding(client, task1, office, leader):
    target = task1.targets.get()
    html = client_for(client, office).get(reverse("plans:task", args=[task1.pk])).content.decode()
    assert reverse("indicators:detail", args=[target.pk]) in html
    assert reverse("indicators:add", args=[task1.pk]) in html
    assert ">指标</a>" in html  # the nav link
    html = client_for(client, leader).get(reverse("plans:task", args=[task1.pk])).content.decode()
    assert reverse("indicators:detail", args=[target.pk]) in html
    assert reverse("indicators:add", args=[task1.pk]) not in html
