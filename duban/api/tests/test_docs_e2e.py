"""The interactive API documentation in Debian's Chromium: Swagger UI comes from the
app itself (drf-spectacular-sidecar), runs under the Content-Security-Policy (no
inline script, nothing from outside), and "try it out" calls the API with the
signed-in session."""
from __future__ import annotations

import re

import pytest

import duban.e2e.conftest as _e2e

# Reuse every fixture of duban/e2e (browser, page, sign_in and what they depend on).
globals().update({
    name: obj for name, obj in vars(_e2e).items()
    if type(obj).__name__ == "FixtureFunctionDefinition" or hasattr(obj, "_pytestfixturefunction")
})

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_it_shows_the_api_docs_offline_under_the_csp(page, sign_in, live_server, plan, liaison_a):
    from playwright.sync_api import expect

    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    outside: list[str] = []
    page.on("request", lambda r: outside.append(r.url) if not r.url.startswith(live_server.url) else None)

    sign_in(liaison_a)
    response = page.goto("/api/v1/docs/")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "<script>" not in page.content().split("<body", 1)[1].replace("<script src=", "")  # no inline script
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("督办系统接口")
    block = page.locator("#operations-tasks-tasks_list")
    expect(block).to_be_visible()
    block.locator(".opblock-summary").click()
    page.get_by_role("button", name="Try it out").click()
    page.locator(".execute").click()
    expect(page.locator(".responses-table .response .response-col_status").first).to_have_text(re.compile("200"))
    expect(page.locator(".response-col_description .microlight").first).to_contain_text("全年新增市场主体")
    assert not outside, f"文档页访问了外部地址：{outside}"
    assert not [p for p in problems if "Content Security Policy" in p or "Refused" in p], problems
