"""The office's day in Debian's Chromium, at desktop width and on a 390 px phone: the
work queue (待办) on the home page, then the review flow of a round — filter by
state and unit, accept, 下一份待审, return — until nothing waits."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from duban.conftest import _user
from duban.rounds import actions
from duban.rounds.models import Report
from duban.supervision.actions import request_extension

WIDTHS = [pytest.param(1280, id="desktop"), pytest.param(390, id="phone")]


def _submit(report, actor, text):
    report = actions.save_report_draft(report, actor=actor, version=report.version, data={
        "progress_status": "in_progress", "percent": 50, "progress": text, "problems": "", "next_steps": ""})
    return actions.submit_report(report, actor=actor, version=report.version)


@pytest.fixture
def round_with_reports(plan, office, liaison_a, units):
    """An open round: the lead reports of task 1 (甲局) and task 2 (丙局) submitted,
    task 3 (乙局) not; 甲局 asks for an extension of task 1."""
    liaison_c = _user("liaison_c", "liaison", unit=units["丙局"])
    today = timezone.localdate()
    rnd = actions.open_round(plan, actor=office, name="本月调度", period_start=today.replace(day=1), period_end=today,
                             opens_on=today, due_on=today + dt.timedelta(days=5))
    _submit(Report.objects.get(round=rnd, task__number="2", role="lead"), liaison_c, "改造设计已完成。")
    _submit(Report.objects.get(round=rnd, task__number="1", role="lead"), liaison_a, "新增市场主体800家。")
    request_extension(plan.tasks.get(number="1"), actor=liaison_a, new_deadline=dt.date(2027, 6, 30),
                      reason="受审批进度影响")
    return rnd


def _fits(page) -> None:
    """Nothing in the page's main part is wider than the screen."""
    overflow = page.evaluate("() => { const m = document.querySelector('main');"
                             " return m.scrollWidth - m.clientWidth; }")
    assert overflow <= 1, f"正文超出屏幕 {overflow}px"


@pytest.mark.parametrize("width", WIDTHS)
def test_the_office_works_through_its_queue_and_the_reports(page, sign_in, round_with_reports, office, width):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": width, "height": 900})
    sign_in(office)  # lands on the home page: the queue
    expect(page.get_by_role("heading", name=re.compile("待办"))).to_be_visible()
    counts = page.get_by_role("navigation", name="待办分类")
    expect(counts.get_by_role("link", name=re.compile("2\\s*待审核的报告"))).to_be_visible()
    expect(counts.get_by_role("link", name=re.compile("1\\s*延期申请"))).to_be_visible()
    _fits(page)

    # oldest first: 丙局's report on task 2 was submitted before 甲局's on task 1
    reports = page.locator("#q-reports")
    expect(reports.locator("li").first).to_contain_text("完成老旧小区改造")
    reports.get_by_role("link", name="审核").first.click()
    expect(page.locator("main")).to_contain_text("改造设计已完成。")
    _fits(page)
    page.get_by_role("button", name="采纳").click()
    expect(page.locator("#report-state")).to_contain_text("已采纳")

    # 下一份待审 opens 甲局's report; returning it leaves nothing to review
    page.get_by_role("link", name="下一份待审").click()
    expect(page.locator("main")).to_contain_text("新增市场主体800家。")
    page.get_by_label("退回原因").fill("请补充分季度数据。")
    page.get_by_role("button", name="退回").click()
    expect(page.locator("#report-state")).to_contain_text("已退回")
    expect(page.locator("#review-next")).to_contain_text("本次调度已没有其他待审报告")

    # back home: the reports are dealt with, the extension still waits, one click away
    page.get_by_role("link", name="重点工作督查督办系统").click()
    counts = page.get_by_role("navigation", name="待办分类")
    expect(counts.get_by_role("link", name=re.compile("0\\s*待审核的报告"))).to_be_visible()
    page.locator("#q-extensions").get_by_role("link", name="审批").click()
    expect(page).to_have_url(re.compile(r"/supervision/tasks/\d+/#extensions$"))
    expect(page.locator("main")).to_contain_text("受审批进度影响")


@pytest.mark.parametrize("width", WIDTHS)
def test_the_round_page_filters_by_state_and_unit(page, sign_in, round_with_reports, office, width):
    from playwright.sync_api import expect

    page.set_viewport_size({"width": width, "height": 900})
    sign_in(office)
    page.goto(f"/rounds/{round_with_reports.pk}/")
    table = page.locator("#round-reports tbody tr")
    expect(table).to_have_count(5)
    _fits(page)

    page.get_by_role("navigation", name="按状态筛选").get_by_role("link", name=re.compile("未报送")).click()
    expect(page).to_have_url(re.compile(r"\?state=unsent$"))
    expect(table).to_have_count(3)
    expect(page.locator("#round-reports")).not_to_contain_text("已报送")

    page.locator("select[name=unit]").select_option(label="乙局")
    page.get_by_role("button", name="筛选").click()
    expect(table).to_have_count(1)
    expect(table.first).to_contain_text("推进社区养老服务")

    page.locator("select[name=state]").select_option(label="待审核")
    page.locator("select[name=unit]").select_option(label="全部单位")
    page.get_by_role("button", name="筛选").click()
    expect(table).to_have_count(2)
    expect(page.locator(".review-next")).to_contain_text("待督查室审核 2 份")
    page.get_by_role("link", name="开始审核").click()
    expect(page.locator("main")).to_contain_text("完成老旧小区改造")
    _fits(page)


@pytest.mark.parametrize("width", WIDTHS)
def test_the_demo_round_is_a_page_not_a_scroll(page, sign_in, office, width):
    """The demo's round (about 145 reports) is read a page at a time: at desktop width
    the page is far shorter than the 6,800 px of every report at once."""
    from playwright.sync_api import expect

    from duban.web.demo import load_demo_round, load_seed_plan

    load_seed_plan()
    rnd = load_demo_round()
    total = rnd.reports.count()
    assert total > 100
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(office)
    page.goto(f"/rounds/{rnd.pk}/")
    expect(page.locator("#round-reports tbody tr")).to_have_count(25)
    expect(page.get_by_role("navigation", name="分页")).to_contain_text(f"第 1 / {-(-total // 25)} 页")
    height = page.evaluate("() => document.documentElement.scrollHeight")
    print(f"round page height at {width}px: {height}px for {total} reports")
    assert height < (3000 if width > 600 else 9000), f"页面高 {height}px"
    _fits(page)
    page.get_by_role("navigation", name="分页").get_by_role("link", name="末页").click()
    expect(page.locator("#round-reports tbody tr")).to_have_count(total - 25 * (-(-total // 25) - 1))
