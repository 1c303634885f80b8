"""End to end in headless Chromium: the office downloads the 督办通知单 template,
uploads a version with its own letterhead (made here with python-docx, nothing edited
by hand), previews it filled with a real task, publishes it, issues a 督办单 and reads
the new letterhead back from the download; the settings page fits a 390 px phone."""
from __future__ import annotations

import datetime as dt

from docx import Document
from playwright.sync_api import expect

LETTERHEAD = "测试区人民政府督查室文件"


def test_it_uploads_previews_publishes_a_template_and_issues_with_it(sign_in, page, office, plan, tmp_path):
    from django.utils import timezone

    task = plan.tasks.get(number="1")
    sign_in(office)
    page.goto("/settings/")
    page.get_by_role("link", name="管理督办通知单模板").click()

    # The current template, downloaded and changed as an office would in Word.
    with page.expect_download() as info:
        page.get_by_role("link", name="下载当前模板（Word）").click()
    doc = Document(info.value.path())
    doc.paragraphs[0].insert_paragraph_before(LETTERHEAD)
    doc.add_paragraph("抄送：{{牵头领导}}同志。")
    changed = tmp_path / "督办通知单（本室）.docx"
    doc.save(changed)

    page.get_by_label("模板文件（.docx）").set_input_files(str(changed))
    page.get_by_label("说明（选填）").fill("本室红头")
    page.get_by_role("button", name="上传并检查").click()
    expect(page.locator(".messages")).to_contain_text("第1版已上传并通过检查")

    # Preview with task 1, version 1.
    page.get_by_label("用哪项任务预览").select_option(value=str(task.pk))
    page.get_by_label("模板版本").select_option(value="1")
    with page.expect_download() as info:
        page.get_by_role("button", name="下载预览").click()
    preview = [p.text for p in Document(info.value.path()).paragraphs]
    assert preview[0] == LETTERHEAD and "抄送：李明同志。" in preview

    page.get_by_role("button", name="启用第1版").click()
    expect(page.locator(".messages")).to_contain_text("已启用督办通知单模板第1版")

    # A notice issued now comes out on the new letterhead.
    page.goto(f"/supervision/tasks/{task.pk}/")
    page.get_by_role("link", name="签发督办单").click()
    page.get_by_label("督办层级").select_option(label="督办")
    page.get_by_label("督办事项").fill("该任务进展滞后。")
    page.get_by_label("办理要求").fill("请书面回复办理情况。")
    page.get_by_label("回复期限").fill((timezone.localdate() + dt.timedelta(days=5)).isoformat())
    page.get_by_role("button", name="签发").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="下载 Word").click()
    issued = [p.text for p in Document(info.value.path()).paragraphs]
    assert issued[0] == LETTERHEAD
    assert issued[1:3] == ["督办通知单", f"督办〔{timezone.localdate().year}〕1号"]
    assert "抄送：李明同志。" in issued


def test_the_settings_pages_fit_a_phone(sign_in, page, office, plan):
    sign_in(office)
    page.set_viewport_size({"width": 390, "height": 800})
    for url in ("/settings/", "/settings/templates/briefing/", "/settings/ledger/new/"):
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (url, width)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
