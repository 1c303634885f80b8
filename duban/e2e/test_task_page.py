"""The office narrows the ledger with its filters and opens a task's page."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from duban.plans.models import Task

from .helpers import apply_filters, ledger_table


def test_it_lets_the_office_filter_the_ledger_by_unit_and_open_a_task(sign_in, office, plan):
    page = sign_in(office)
    page.goto("/plans/ledger/")
    table = ledger_table(page)
    expect(table).to_contain_text("全年新增市场主体不少于2000家")

    apply_filters(page, unit="乙局")

    expect(table).to_contain_text("推进社区养老服务")
    expect(table).not_to_contain_text("全年新增市场主体")
    expect(table).not_to_contain_text("老旧小区")
    assert "乙局" in page.url or "unit=" in page.url, "筛选条件应体现在地址中，便于分享和刷新"

    task = Task.objects.get(plan=plan, number="3")
    table.get_by_role("link", name=re.compile("推进社区养老服务")).click()
    expect(page).to_have_url(re.compile(rf"/plans/tasks/{task.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("推进社区养老服务")
    main = page.locator("main")
    expect(main).to_contain_text("王芳")
    expect(main).to_contain_text("乙局")
    expect(main).to_contain_text("持续推进")


def test_it_lets_the_office_search_the_ledger_by_keyword(sign_in, office, plan):
    page = sign_in(office)
    page.goto("/plans/ledger/")

    apply_filters(page, keyword="老旧小区")

    table = ledger_table(page)
    expect(table).to_contain_text("完成老旧小区改造")
    expect(table).not_to_contain_text("全年新增市场主体")
    expect(table).not_to_contain_text("推进社区养老服务")


def test_it_shows_a_leader_the_task_page_with_the_plans_milestones(sign_in, leader, plan):
    task = Task.objects.get(plan=plan, number="2")  # phased: 6月底前完成设计；9月底前完工
    page = sign_in(leader)
    response = page.goto(f"/plans/tasks/{task.pk}/")
    assert response.status == 200
    main = page.locator("main")
    expect(main).to_contain_text("完成老旧小区改造")
    expect(main).to_contain_text("完成设计")
    expect(main).to_contain_text("2026-06-30")
    expect(main).to_contain_text("完工")
