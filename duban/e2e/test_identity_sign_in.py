"""Signing in by each outside path in the browser: directory password, unified identity
(OIDC and CAS) against the local providers, and inside WeCom and DingTalk at phone
width."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from duban.accounts import approvals
from duban.accounts.models import AccountChange
from duban.identity.models import DirectoryRule
from duban.identity.tests.conftest import directory, identity_provider, slapd_server  # noqa: F401 (fixtures)
from duban.identity.tests.provider.setup import PASSWORD as IDP_PASSWORD
from duban.identity.tests.slapd import PASSWORD as DIR_PASSWORD

from .conftest import TIMEOUT_MS

WECOM_UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
            "Mobile/15E148 wxwork/4.1.20 MicroMessenger/7.0.1 Language/zh")
DINGTALK_UA = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Mobile Safari/537.36 AliApp(DingTalk/7.6.0)"


@pytest.fixture
def base(live_server):
    # 127.0.0.1, the address the providers accept callbacks to (any port, RFC 8252).
    return live_server.url.replace("localhost", "127.0.0.1")


def test_it_signs_in_with_the_directory_password(page, base, directory, units, secadmin):  # noqa: F811
    ou = directory.add_ou("甲局")
    DirectoryRule.objects.create(kind="ou", dn=ou, unit_mode="fixed", unit=units["甲局"], role="liaison")
    directory.add_person("zhangsan", "张三", ou)
    page.goto(base + "/accounts/login/")
    page.get_by_label("用户名", exact=True).fill("zhangsan")
    page.get_by_label("密码", exact=True).fill(DIR_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator(".errorlist")).to_contain_text("待安全管理员审批")
    approvals.approve(AccountChange.objects.get(status="pending"), actor=secadmin)
    page.get_by_label("密码", exact=True).fill(DIR_PASSWORD)
    page.get_by_role("button", name="登录").click()
    expect(page.locator("header")).to_contain_text("张三（单位联络员·甲局）")


def test_it_signs_in_by_oidc_and_out_of_both(page, base, identity_provider, settings, liaison_a):  # noqa: F811
    identity_provider.oidc_settings(settings)
    page.goto(base + "/plans/mine/")
    page.get_by_role("link", name="统一身份认证登录").click()
    expect(page.get_by_role("heading", name="统一身份认证平台")).to_be_visible()
    page.get_by_label("账号").fill("liaison_a")
    page.get_by_label("口令").fill(IDP_PASSWORD)
    page.get_by_role("button", name="认证").click()
    expect(page).to_have_url(re.compile(r"/plans/mine/$"))
    expect(page.locator("header")).to_contain_text("liaison_a")
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    # The provider's session ended too: the next unified sign-in asks for the password again.
    page.get_by_role("link", name="统一身份认证登录").click()
    expect(page.get_by_role("heading", name="统一身份认证平台")).to_be_visible()


def test_it_signs_in_by_cas(page, base, identity_provider, settings, liaison_a):  # noqa: F811
    identity_provider.cas_settings(settings)
    page.goto(base + "/accounts/login/?next=/plans/mine/")
    page.get_by_role("link", name="统一身份认证登录").click()
    page.locator("input[name=username]").fill("liaison_a")
    page.locator("input[name=password]").fill(IDP_PASSWORD)
    page.locator("form button[type=submit], form input[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/plans/mine/$"))
    expect(page.locator("header")).to_contain_text("liaison_a")


@pytest.mark.parametrize("app, user_agent", [("wecom", WECOM_UA), ("dingtalk", DINGTALK_UA)])
def test_it_signs_in_inside_the_app_on_a_phone(browser, base, identity_provider, settings, liaison_a,  # noqa: F811
                                                app, user_agent):
    getattr(identity_provider, f"{app}_settings")(settings)
    context = browser.new_context(viewport={"width": 390, "height": 844}, user_agent=user_agent, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", is_mobile=True, has_touch=True)
    context.set_default_timeout(TIMEOUT_MS)
    context.add_cookies([{"name": "stub_user", "value": "liaison_a", "url": identity_provider.url}])
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        tab.goto(base + "/plans/mine/")  # a link in the app's message, opened in the app
        expect(tab).to_have_url(re.compile(r"/plans/mine/(#wechat_redirect)?$"))  # WeCom keeps the fragment
        expect(tab.locator("header")).to_contain_text("liaison_a")
        assert tab.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()
    assert not errors
