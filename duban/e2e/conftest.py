"""End-to-end fixtures: Debian's Chromium driven by Playwright against pytest-django's
live server.

Every test here gets a fresh browser context (no cookies) on the live server and a
`sign_in` helper that goes through the real sign-in page. Pages must not raise
JavaScript errors; a failing test leaves a screenshot under the test's tmp_path.

Chromium comes from Debian (`scripts/install.sh --test` installs it); Playwright's
own browser download is never used.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from duban.conftest import PASSWORD

CHROMIUM = os.environ.get("DUBAN_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(config, items):
    """Everything in this folder is an e2e test on a transactional database (the live
    server runs in another thread and must see committed data)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.path).parents:
            item.add_marker(pytest.mark.e2e)
            if item.get_closest_marker("django_db") is None:
                item.add_marker(pytest.mark.django_db(transaction=True))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"_e2e_report_{report.when}", report)
    return report


class _Chromium:
    """One Playwright and one Chromium for the whole process, shared by every
    `browser` fixture that is open (other packages may reuse this conftest's
    fixtures: two sync Playwrights cannot run at once), closed when the last closes.

    While it runs, Playwright's sync API keeps an event loop running in the main
    thread, and Django's ORM would refuse to run there (SynchronousOnlyOperation) in
    fixtures and tests; that check is lifted for exactly that time."""

    def __init__(self) -> None:
        self.users = 0
        self.playwright = None
        self.browser = None
        self._async_unsafe_before: str | None = None

    def acquire(self):
        if self.users == 0:
            from playwright.sync_api import sync_playwright

            self._async_unsafe_before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            self.playwright = sync_playwright().start()
            self.browser = self.playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        self.users += 1
        return self.browser

    def release(self) -> None:
        self.users -= 1
        if self.users:
            return
        try:
            self.browser.close()
        finally:
            self.playwright.stop()
            self.browser = self.playwright = None
            if self._async_unsafe_before is None:
                os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
            else:
                os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = self._async_unsafe_before


_CHROMIUM = _Chromium()


@pytest.fixture(scope="package")
def browser():
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        message = f"找不到 Chromium（{CHROMIUM}）：请运行 bash scripts/install.sh --test 或 apt-get install -y chromium"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    yield _CHROMIUM.acquire()
    _CHROMIUM.release()


@pytest.fixture(scope="session", autouse=True)
def _views_loaded():
    """The URLconf and every view module imported before the first test, as a gunicorn
    worker does when it starts (duban/wsgi.py): otherwise the live server's first request
    imports them, which can take longer than a step's timeout on a busy machine."""
    from django.urls import get_resolver

    get_resolver().url_patterns


@pytest.fixture
def page(browser, live_server, request, tmp_path):
    """A fresh tab with no cookies, on the live server. Confirmation dialogs
    (data-confirm) are accepted; JavaScript errors fail the test."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai")
    context.set_default_timeout(TIMEOUT_MS)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("dialog", lambda dialog: dialog.accept())
    yield tab
    report = getattr(request.node, "_e2e_report_call", None)
    if report is not None and report.failed:
        shot = tmp_path / "failure.png"
        try:
            tab.screenshot(path=str(shot), full_page=True)
            keep = os.environ.get("DUBAN_E2E_ARTIFACTS")
            if keep:
                Path(keep).mkdir(parents=True, exist_ok=True)
                shutil.copy(shot, Path(keep) / f"{request.node.name}.png")
            print(f"screenshot: {shot}")
        except Exception:  # a dead page must not hide the real failure
            pass
    context.close()
    assert not errors, f"页面脚本出错：{errors}"


@pytest.fixture
def sign_in(page):
    """sign_in(user) signs `user` in through the sign-in page and waits until the
    browser has left it."""

    def _sign_in(user, password: str = PASSWORD):
        page.goto("/accounts/login/")
        page.get_by_label("用户名", exact=True).fill(user.username)
        page.get_by_label("密码", exact=True).fill(password)
        page.get_by_role("button", name="登录").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return _sign_in
