"""A unit's people cannot reach another unit's task by its address (越权)."""
from __future__ import annotations

from playwright.sync_api import expect

from duban.plans.models import Task


def test_it_shows_unit_b_a_404_page_for_unit_as_task(sign_in, liaison_a, liaison_b, plan):
    task = Task.objects.get(plan=plan, number="1")  # carried by 甲局 and 丙局 only
    url = f"/plans/tasks/{task.pk}/"

    page = sign_in(liaison_a)
    response = page.goto(url)
    assert response.status == 200, "甲局联络员应能打开本单位任务（对照）"
    expect(page.locator("main")).to_contain_text("全年新增市场主体不少于2000家")
    page.context.clear_cookies()

    page = sign_in(liaison_b)
    response = page.goto(url)
    assert response.status == 404
    expect(page.locator("body")).not_to_contain_text("全年新增市场主体")
    expect(page.locator("body")).not_to_contain_text("李明")
