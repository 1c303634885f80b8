"""Signing in through the browser."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from duban.conftest import PASSWORD


def test_it_shows_a_chinese_error_for_a_wrong_password(page, office):
    page.goto("/accounts/login/")
    page.get_by_label("用户名", exact=True).fill("office")
    page.get_by_label("密码", exact=True).fill("Wrong-pass-2026")
    page.get_by_role("button", name="登录").click()

    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    error = page.locator(".errorlist")
    expect(error).to_be_visible()
    expect(error).to_contain_text(re.compile(r"[\u4e00-\u9fff]"))  # a Chinese message
    expect(error).to_contain_text("密码")
    expect(page.get_by_label("用户名", exact=True)).to_have_value("office")
    expect(page.get_by_role("navigation", name="主导航")).to_have_count(0)


def test_it_lands_on_the_home_page_with_the_right_password(page, office):
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))  # home needs a sign-in
    page.get_by_label("用户名", exact=True).fill("office")
    page.get_by_label("密码", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="登录").click()

    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    expect(page.get_by_role("navigation", name="主导航")).to_be_visible()
    expect(page.locator("header")).to_contain_text("督查室")
    expect(page.get_by_role("navigation", name="主导航").get_by_role("link", name="任务台账")).to_be_visible()
    expect(page.get_by_role("button", name="退出")).to_be_visible()


def test_it_signs_out(sign_in, office):
    page = sign_in(office)
    page.get_by_role("button", name="退出").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
    page.goto("/plans/ledger/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/plans/ledger/"))
