"""The ledger (台账) in the browser."""
from __future__ import annotations

from playwright.sync_api import expect


def _ledger_rows(page):
    return page.locator("main table tbody tr")


def test_it_shows_the_plans_tasks_to_the_office(sign_in, office, plan):
    page = sign_in(office)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="任务台账").click()

    expect(page.get_by_role("heading", name="任务台账")).to_be_visible()
    table = page.locator("main table").first
    expect(table).to_contain_text("全年新增市场主体不少于2000家")
    expect(table).to_contain_text("完成老旧小区改造")
    expect(table).to_contain_text("推进社区养老服务")
    row = _ledger_rows(page).filter(has_text="全年新增市场主体不少于2000家")
    expect(row).to_contain_text("李明")
    expect(row).to_contain_text("甲局")
    expect(row).to_contain_text("丙局")
    expect(row).to_contain_text("2026-12-31")


def test_it_shows_a_liaison_only_their_units_tasks(sign_in, liaison_b, plan):
    page = sign_in(liaison_b)
    page.goto("/plans/ledger/")

    table = page.locator("main table").first
    expect(table).to_contain_text("推进社区养老服务")
    expect(table).not_to_contain_text("全年新增市场主体")
    expect(table).not_to_contain_text("老旧小区")
