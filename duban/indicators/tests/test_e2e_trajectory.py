"""In Debian's Chromium: the office finds an indicator from the navigation, its trajectory
is drawn by ECharts (served locally, under the strict CSP) beside a table of the same
figures; a lead unit's liaison adds an indicator by hand from the task page."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine

import duban.e2e.conftest as _e2e

from .conftest import at

# Reuse every fixture of duban/e2e (browser, page, sign_in and what they depend on).
globals().update({
    name: obj for name, obj in vars(_e2e).items()
    if type(obj).__name__ == "FixtureFunctionDefinition" or hasattr(obj, "_pytestfixturefunction")
})

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
D = dt.date


@pytest.fixture
def today():
    with time_machine.travel(at(D(2026, 11, 28)), tick=True):
        yield


def test_it_draws_the_trajectory_beside_its_table(today, page, sign_in, plan, office, liaison_a, rounds,
                                                  report_figures):
    from playwright.sync_api import expect

    task = plan.tasks.get(number="1")
    target = task.targets.get()
    report_figures(rounds(plan, 6), task, liaison_a, {target: 600}, on=D(2026, 7, 3))
    report_figures(rounds(plan, 9), task, liaison_a, {target: 900}, on=D(2026, 10, 3))
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)

    sign_in(office)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="指标", exact=True).click()
    expect(page.get_by_role("heading", name="量化指标", exact=True)).to_be_visible()
    row = page.get_by_role("row").filter(has_text="全年新增市场主体不少于2000家")
    expect(row).to_contain_text("预计未达标")
    row.get_by_role("link", name="全年新增市场主体不少于2000家", exact=True).click()

    expect(page.locator("#trajectory-chart[data-ready='1'] canvas")).to_have_count(1)
    box = page.locator("#trajectory-chart canvas").first.bounding_box()
    assert box and box["width"] > 200 and box["height"] > 200
    table = page.get_by_role("table", name=re.compile("轨迹数据"))
    expect(table).to_be_visible()
    for figure in ("600 家", "900 家", "1200 家", "2000 家"):  # 900 + 300 × 92 / 92 = 1200 on 31 Dec
        expect(table).to_contain_text(figure)
    assert not refused, refused


def test_a_lead_unit_adds_an_indicator_from_the_task_page(today, page, sign_in, plan, liaison_a):
    from playwright.sync_api import expect

    task = plan.tasks.get(number="1")
    sign_in(liaison_a)
    page.goto(f"/plans/tasks/{task.pk}/")
    page.get_by_role("link", name="添加量化指标").click()
    page.get_by_label("指标名称").fill("新增就业岗位")
    page.get_by_label("目标值").fill("一千")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("main")).to_contain_text("目标值必须是数字")
    page.get_by_label("目标值").fill("1000")
    page.get_by_label("计量单位").fill("个")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", name="新增就业岗位")).to_be_visible()
    expect(page.locator("main")).to_contain_text("尚无已报送的实际值，无法预测")
