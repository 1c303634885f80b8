"""A leader's day on the phone and at a desk: the extension the office sent on for the
leader's consent waits in 待我决定; the leader approves it there; the office sees it."""
from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from duban.supervision import actions
from duban.supervision.models import ExtensionRequest, RequestStatus, StatusRules

WIDTHS = [pytest.param(1280, id="desktop"), pytest.param(390, id="phone")]


@pytest.mark.parametrize("width", WIDTHS)
def test_the_leader_approves_an_extension_on_the_leader_page(page, sign_in, plan, office, leader, liaison_a, width):
    from playwright.sync_api import expect

    StatusRules.objects.update_or_create(pk=1, defaults={"extension_needs_leader": True})
    task = plan.tasks.get(number="1")
    deadline = max(task.deadline, timezone.localdate() + dt.timedelta(days=1))
    task.deadline = deadline
    task.save(update_fields=["deadline"])
    req = actions.request_extension(task, actor=liaison_a, new_deadline=deadline + dt.timedelta(days=90),
                                    reason="受审批进度影响")
    actions.decide_extension(req, actor=office, approve=True, note="理由属实")

    page.set_viewport_size({"width": width, "height": 900})
    sign_in(leader)  # lands on the leader page
    decisions = page.locator("#decisions")
    expect(decisions.get_by_role("heading")).to_contain_text("待我决定的事项（1）")
    expect(decisions).to_contain_text("受审批进度影响")
    overflow = page.evaluate("() => { const m = document.querySelector('main'); return m.scrollWidth - m.clientWidth; }")
    assert overflow <= 1, f"正文超出屏幕 {overflow}px"
    decisions.get_by_label("审批意见（不同意时必填）").fill("同意，务必按期完成")
    decisions.get_by_role("button", name="同意延期").click()
    expect(page.locator(".messages")).to_contain_text("已同意延期申请")
    expect(page.locator("#decisions").get_by_role("heading")).to_contain_text("待我决定的事项（0）")
    assert ExtensionRequest.objects.get().status == RequestStatus.APPROVED

    page.context.clear_cookies()  # (on a phone 退出 is inside the menu)
    sign_in(office)
    page.goto("/supervision/")
    expect(page.locator("#leader-decided")).to_contain_text("已同意")
    expect(page.locator("#leader-decided")).to_contain_text("同意，务必按期完成")
