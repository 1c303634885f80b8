"""End to end in headless Chromium: the office issues a supervision notice and
downloads its .docx; the unit replies from its inbox; the office closes the notice.

Reuses the Playwright fixtures of duban/e2e (Debian's Chromium, fresh context, no
JavaScript errors allowed)."""
from __future__ import annotations

import datetime as dt
import re

import pytest

import duban.e2e.conftest as _e2e

# Every fixture of duban/e2e (browser, page, sign_in and their helpers), whatever their names.
for _name, _value in vars(_e2e).items():
    if type(_value).__name__ == "FixtureFunctionDefinition" or hasattr(_value, "_pytestfixturefunction"):
        globals()[_name] = _value

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_out(page):
    page.locator("header").get_by_role("button", name="退出").click()
    page.wait_for_url(re.compile(r"/accounts/login/"))


def test_it_issues_a_notice_the_unit_replies_and_the_office_closes_it(sign_in, page, office, liaison_a, plan, tmp_path):
    from docx import Document
    from playwright.sync_api import expect

    from django.utils import timezone

    task = plan.tasks.get(number="1")

    # The office issues a notice from the task's supervision page.
    sign_in(office)
    page.goto(f"/supervision/tasks/{task.pk}/")
    page.get_by_role("link", name="签发督办单").click()
    page.get_by_label("督办层级").select_option(label="督办")
    page.get_by_label("督办事项").fill("该任务进展滞后，本期未报送。")
    page.get_by_label("办理要求").fill("请加快推进，书面回复办理情况。")
    reply_by = timezone.localdate() + dt.timedelta(days=5)
    page.get_by_label("回复期限").fill(reply_by.isoformat())
    page.get_by_role("button", name="签发").click()
    number = f"督办〔{timezone.localdate().year}〕1号"
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)

    # ... and downloads its Word document.
    with page.expect_download() as info:
        page.get_by_role("link", name="下载 Word").click()
    path = tmp_path / "notice.docx"
    info.value.save_as(path)
    doc = Document(str(path))
    text = "\n".join(p.text for p in doc.paragraphs)
    assert number in text
    assert "甲局、丙局：" in text
    assert "该任务进展滞后，本期未报送。" in text
    assert f"请于{reply_by.year}年{reply_by.month}月{reply_by.day}日前通过督办系统回复办理情况。" in text
    sign_out(page)

    # The unit sees it in its inbox and replies.
    sign_in(liaison_a)
    expect(page.locator("header")).to_contain_text("收件箱 1")
    page.locator("header").get_by_role("link", name=re.compile("收件箱")).click()
    row = page.locator("main tr", has_text=number)
    row.get_by_role("button", name="查看").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    page.get_by_label("回复内容").fill("已召开专题会，月底前完成。")
    page.get_by_role("button", name="提交回复").click()
    # The notice went to 甲局 and 丙局: 甲局's reply does not answer for 丙局.
    expect(page.locator("#notice-status")).to_have_text("部分回复")
    expect(page.locator("#notice-replies tr", has_text="丙局")).to_contain_text("待回复")
    expect(page.get_by_role("button", name="提交回复")).to_have_count(0)
    sign_out(page)

    # The office closes it.
    sign_in(office)
    page.goto("/supervision/")
    page.get_by_role("link", name=number).click()
    expect(page.locator("main")).to_contain_text("已召开专题会，月底前完成。")
    expect(page.locator("main")).to_contain_text("各单位回复（1/2）")
    page.get_by_label("办结意见").fill("回复属实，丙局已电话说明。")
    page.get_by_role("button", name="办结").click()
    expect(page.locator("#notice-status")).to_have_text("已办结")
