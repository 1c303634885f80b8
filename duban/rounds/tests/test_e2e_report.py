"""End to end in Debian's Chromium: a liaison fills and submits a report with an
attachment; the office returns it; the liaison resubmits; the office accepts."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

import duban.e2e.conftest as _e2e
from duban.rounds.actions import open_round
from duban.rounds.models import Report

# Reuse every fixture of duban/e2e (browser, page, sign_in and what they depend on).
globals().update({
    name: obj for name, obj in vars(_e2e).items()
    if type(obj).__name__ == "FixtureFunctionDefinition" or hasattr(obj, "_pytestfixturefunction")
})

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_out(page):
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))


def test_it_takes_a_report_through_return_and_acceptance(page, sign_in, plan, office, liaison_a, tmp_path):
    from playwright.sync_api import expect

    today = timezone.localdate()
    rnd = open_round(plan, actor=office, name="2026年11月调度", period_start=today - dt.timedelta(days=20),
                     period_end=today, opens_on=today, due_on=today + dt.timedelta(days=5))
    report = Report.objects.get(round=rnd, task__number="1", unit=liaison_a.unit)
    evidence = tmp_path / "进展证明.txt"
    evidence.write_text("新增市场主体登记表", encoding="utf-8")

    sign_in(liaison_a)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="调度").click()
    page.get_by_role("link", name=re.compile("全年新增市场主体不少于2000家")).click()
    expect(page).to_have_url(re.compile(rf"/rounds/reports/{report.pk}/$"))
    page.get_by_label("佐证材料").set_input_files(str(evidence))
    page.get_by_role("button", name="上传附件").click()
    expect(page.locator("main")).to_contain_text("进展证明.txt")
    page.get_by_label("推进状态").select_option(label="推进中")
    page.get_by_label("完成进度（%）").fill("40")
    page.get_by_label("进展情况").fill("已新增市场主体800家。")
    page.get_by_role("button", name="报送督查室").click()
    expect(page.locator("#report-state")).to_contain_text("已报送")
    sign_out(page)

    sign_in(office)
    page.goto(f"/rounds/{rnd.pk}/")
    page.get_by_role("link", name=re.compile("待审核")).first.click()
    page.get_by_role("link", name=re.compile("审核：甲局")).click()
    expect(page.locator("main")).to_contain_text("已新增市场主体800家。")
    with page.expect_download() as download:
        page.get_by_role("link", name="进展证明.txt").click()
    assert download.value.suggested_filename == "进展证明.txt"
    page.get_by_label("退回原因").fill("请补充各季度数据。")
    page.get_by_role("button", name="退回").click()
    expect(page.locator("#report-state")).to_contain_text("已退回")
    sign_out(page)

    sign_in(liaison_a)
    page.goto(f"/rounds/reports/{report.pk}/")
    expect(page.get_by_role("alert")).to_contain_text("请补充各季度数据。")
    page.get_by_label("进展情况").fill("一季度新增300家，二季度新增500家，累计800家。")
    page.get_by_role("button", name="报送督查室").click()
    expect(page.locator("#report-state")).to_contain_text("已报送")
    sign_out(page)

    sign_in(office)
    page.goto(f"/rounds/reports/{report.pk}/")
    page.get_by_role("button", name="采纳").click()
    expect(page.locator("#report-state")).to_contain_text("已采纳")
    page.get_by_role("link", name=re.compile("历次报送版本")).click()
    expect(page.locator("main")).to_contain_text("已新增市场主体800家。")
    expect(page.locator("main")).to_contain_text("累计800家")

    report.refresh_from_db()
    assert report.status == Report.Status.ACCEPTED and report.versions.count() == 2
    assert report.attachments.get().original_name == "进展证明.txt"
