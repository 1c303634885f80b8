"""The office enters one item of each kind through the pages (批示件, 会议 and its 议定事项,
建议提案, 上级交办), each shows in the ledger filtered by its kind; the instructing leader
signs the closed instruction off; the pages fit a 390 px phone."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from duban.items.models import AssignedItem, InstructionItem, Meeting, Proposal
from duban.supervision import actions as sup


def _fill(page, fields: dict) -> None:
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)


def test_the_office_enters_one_item_of_each_kind_and_the_leader_signs_off(sign_in, page, office, leader, liaison_a,
                                                                          units):
    sign_in(office)
    page.goto("/items/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("督办事项")

    # 领导批示件: deadline in working days.
    page.get_by_role("link", name="录入批示件").click()
    page.get_by_label("批示领导", exact=True).select_option(label="李明")
    _fill(page, {"来文（报告）标题": "关于河道整治情况的报告", "批示内容": "请甲局5个工作日内报结果",
                 "批示日期": "2026-09-29", "收文日期": "2026-09-30", "办理期限（工作日）": "5",
                 "牵头单位": "甲局", "配合单位": "丙局"})
    page.get_by_role("button", name="保存").click()
    expect(page).to_have_url(re.compile(r"/plans/tasks/\d+/$"))
    item = page.locator("#item")
    expect(item).to_contain_text("请甲局5个工作日内报结果")
    expect(item).to_contain_text("2026-10-13")

    # 会议 and one 议定事项.
    page.goto("/items/")
    page.get_by_role("link", name="录入会议").click()
    page.get_by_label("会议类型", exact=True).select_option(label="区政府常务会议")
    _fill(page, {"会议名称": "区政府第12次常务会议", "会议日期": "2026-05-18"})
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("区政府第12次常务会议")
    _fill(page, {"议定事项": "由甲局牵头，丙局配合，于6月底前完成项目立项。", "牵头单位": "甲局", "配合单位": "丙局",
                 "完成时限": "2026-06-30"})
    page.get_by_role("button", name="添加").click()
    expect(page.locator("main")).to_contain_text("于6月底前完成项目立项")

    # 建议提案: a unit not in the directory is named, nothing saved; then corrected.
    page.goto("/items/proposals/new/")
    page.get_by_label("类别", exact=True).select_option(label="人大代表建议")
    _fill(page, {"编号": "101", "代表（委员）": "张三", "案由（标题）": "关于增设公交线路的建议",
                 "交办日期": "2026-03-31", "主办单位": "甲局、不存在局"})
    page.get_by_role("button", name="保存").click()
    expect(page.locator("main")).to_contain_text("“不存在局”不在单位名录中")
    assert not Proposal.objects.exists()
    page.get_by_label("主办单位", exact=True).fill("甲局")
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#item")).to_contain_text("2026-06-30")  # three months after assignment

    # 上级交办 / 督查反馈.
    page.goto("/items/assigned/new/")
    page.get_by_label("来源", exact=True).select_option(label="督查反馈问题")
    _fill(page, {"交办机关": "市政府督查室", "交办单文号": "市督查〔2026〕12号", "收到日期": "2026-06-01",
                 "交办事项": "河道垃圾清理不及时", "完成时限": "2026-06-30", "牵头单位": "甲局"})
    page.get_by_role("button", name="保存").click()
    expect(page.locator("#item")).to_contain_text("市督查〔2026〕12号")

    assert (InstructionItem.objects.count(), Meeting.objects.get().decisions.count(), Proposal.objects.count(),
            AssignedItem.objects.count()) == (1, 1, 1, 1)

    # The ledger by kind.
    page.goto("/plans/ledger/?category=proposal")
    table = page.locator("main table").first
    expect(table).to_contain_text("关于增设公交线路的建议")
    expect(table).not_to_contain_text("河道垃圾清理不及时")

    # The phone: the pages fit 390 px.
    page.set_viewport_size({"width": 390, "height": 800})
    for url in ("/items/", "/items/instructions/new/", f"/items/meetings/{Meeting.objects.get().pk}/",
                f"/plans/tasks/{Proposal.objects.get().task_id}/"):
        page.goto(url)
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (url, width)
    page.set_viewport_size({"width": 1280, "height": 900})

    # Closed, the instruction waits for the instructing leader, who signs it off.
    instruction = InstructionItem.objects.get()
    req = sup.claim_completion(instruction.task, actor=liaison_a, evidence="已整治完毕，附验收记录")
    sup.verify_completion(req, actor=office)
    page.context.clear_cookies()
    sign_in(leader)
    page.goto("/items/")
    page.get_by_role("link", name="关于河道整治情况的报告").click()
    page.get_by_label("阅示意见", exact=True).fill("同意，办理到位")
    page.get_by_role("button", name="阅示").click()
    expect(page.locator("#item")).to_contain_text("已阅示")
    expect(page.locator("#item")).to_contain_text("同意，办理到位")
    instruction.refresh_from_db()
    assert instruction.signed_off_by_id == leader.pk
