"""The office imports a plan through the web pages: upload → preview → confirm."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from duban.plans.models import Plan

PLAN_TEXT = """测试区人民政府办公室
关于印发《2026年测试区重点工作分工方案》的通知

各部门、各单位：
现将《2026年测试区重点工作分工方案》印发给你们，请认真贯彻落实。

测试区人民政府办公室
2026年2月1日

2026年测试区重点工作分工方案

一、稳定经济增长
1.全年新增市场主体不少于2000家。
牵头领导：李明
主要责任单位：区市场监管局、区商务局
完成时限：2026年12月31日
2.推进重点项目建设，完成投资120亿元。
牵头领导：王芳
主要责任单位：区发展改革委
完成时限：6月底前完成前期手续；12月底前完成年度投资
二、保障改善民生
3.持续推进社区养老服务。
牵头领导：王芳
主要责任单位：区民政局
完成时限：持续推进
4.完成老旧小区综合整治。
牵头领导：李明
主要责任单位：区住房城乡建设委
完成时限：根据上级部署确定
"""
TITLE = "2026年测试区重点工作分工方案"


def _upload(page):
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="导入方案").click()
    expect(page.get_by_role("heading", name="导入分工方案")).to_be_visible()
    page.get_by_label("方案文件").set_input_files(
        {"name": "测试区分工方案.txt", "mimeType": "text/plain", "buffer": PLAN_TEXT.encode("utf-8")}
    )
    page.get_by_role("button", name="上传并预览").click()
    expect(page).to_have_url(re.compile(r"/plans/import/\d+/$"))


def test_it_imports_a_plan_after_a_preview(sign_in, office):
    page = sign_in(office)
    _upload(page)

    # The preview: what was read, in a table, with the warning on the row it concerns.
    expect(page.get_by_role("heading", level=1)).to_contain_text(TITLE)
    expect(page.locator("main")).to_contain_text("测试区分工方案.txt")
    rows = page.locator("#preview-table tbody tr")
    expect(rows).to_have_count(4)
    first = rows.filter(has_text="全年新增市场主体不少于2000家")
    expect(first).to_contain_text("李明")
    expect(first).to_contain_text("区市场监管局")
    expect(first).to_contain_text("区商务局")
    expect(first).to_contain_text("2026-12-31")
    expect(rows.filter(has_text="推进重点项目建设")).to_contain_text("2026-06-30")
    expect(rows.filter(has_text="推进社区养老服务")).to_contain_text("持续推进")
    warnings = page.locator("#warnings")
    expect(warnings).to_contain_text("根据上级部署确定")
    expect(rows.filter(has_text="完成老旧小区综合整治")).to_have_class(re.compile(r"\bwarn\b"))
    assert not Plan.objects.filter(title=TITLE).exists(), "预览阶段不应写入任何数据"

    page.get_by_role("button", name="确认导入").click()

    plan = Plan.objects.get(title=TITLE)
    expect(page).to_have_url(re.compile(rf"/plans/{plan.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(page.get_by_role("status")).to_contain_text("共 4 项任务")
    assert plan.tasks.count() == 4

    page.get_by_role("link", name="在台账中查看").click()
    table = page.locator("main table").first
    for title in ("全年新增市场主体不少于2000家", "推进重点项目建设", "推进社区养老服务", "完成老旧小区综合整治"):
        expect(table).to_contain_text(title)


def test_it_changes_nothing_when_the_import_is_cancelled(sign_in, office):
    page = sign_in(office)
    _upload(page)
    page.get_by_role("button", name="取消").click()

    expect(page).to_have_url(re.compile(r"/plans/import/$"))
    expect(page.get_by_role("status")).to_contain_text("未做任何修改")
    assert not Plan.objects.exists()


def test_it_tells_the_office_what_is_wrong_with_an_unsupported_file(sign_in, office):
    page = sign_in(office)
    page.goto("/plans/import/")
    page.get_by_label("方案文件").set_input_files(
        {"name": "plan.exe", "mimeType": "application/octet-stream", "buffer": b"MZ\x90\x00"}
    )
    page.get_by_role("button", name="上传并预览").click()

    expect(page.locator("main .errorlist")).to_contain_text("plan.exe")
    expect(page.locator("main .errorlist")).to_contain_text("不受支持")
    assert not Plan.objects.exists()
