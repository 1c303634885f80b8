"""A phone (390 × 844, the WeCom / DingTalk in-app browser): every main page of every
role fits the width (nothing scrolls sideways), the header is one line with a 菜单
button that opens the navigation, and tables read as cards.

The pages are the ones a person reaches: every link of the role's navigation and
account menu, and the pages one step further that the day's work goes through (a
task, a round, a report)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from duban.e2e.world import ROLES, build_world

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def phone(page: Page) -> Page:
    page.set_viewport_size(PHONE)
    return page


def overflow(page: Page) -> int:
    """How many pixels the page is wider than the screen (0 when it fits)."""
    return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")


def too_wide(page: Page) -> list[str]:
    """What sticks out past the right edge: tag, class and the start of its text."""
    return page.evaluate(
        """() => { const w = window.innerWidth; const out = [];
        for (const el of document.querySelectorAll('body *')) {
          const r = el.getBoundingClientRect();
          if (r.right > w + 1 && r.width > 0 && !el.closest('.table-wrap, .matrix-wrap')) {
            out.push(el.tagName.toLowerCase() + '.' + el.className + ' ' + Math.round(r.right) + ' ' + (el.textContent || '').trim().slice(0, 30));
          }
        }
        return out.slice(0, 8); }"""
    )


def menu_links(page: Page) -> list[str]:
    """Every page the header offers (navigation and account links), as paths."""
    hrefs = page.locator("#topmenu a[href]").evaluate_all("els => els.map(a => a.getAttribute('href'))")
    return [h for h in dict.fromkeys(hrefs) if h.startswith("/")]


def deeper_links(page: Page) -> list[str]:
    """From a list page, the first link to each kind of page one step further."""
    found = {}
    patterns = {
        "task": r"^/plans/tasks/\d+/$", "round": r"^/rounds/\d+/$", "report": r"^/rounds/reports/\d+/$",
        "notice": r"^/supervision/notices/\d+/$", "plan": r"^/plans/\d+/$", "supervision": r"^/supervision/tasks/\d+/$",
    }
    for href in page.locator("main a[href]").evaluate_all("els => els.map(a => a.getAttribute('href'))"):
        for kind, pattern in patterns.items():
            if kind not in found and re.match(pattern, href.split("?")[0]):
                found[kind] = href
    return list(found.values())


@pytest.mark.parametrize("role", ROLES)
def test_every_main_page_fits_a_phone(role, world, phone, sign_in):
    page = sign_in(world.people()[role])
    start = menu_links(page)
    assert start, "页眉没有任何链接"
    seen: list[str] = []
    failures: list[str] = []
    queue = ["/"] + start
    deeper_from = set(start)
    while queue:
        path = queue.pop(0)
        if path in seen or "logout" in path or path.startswith("/api/v1"):
            continue
        seen.append(path)
        response = page.goto(path)
        assert response is not None and response.status < 400, f"{path}：{response and response.status}"
        page.wait_for_load_state("networkidle")
        extra = overflow(page)
        if extra > 0:
            failures.append(f"{path} 宽出 {extra}px：{too_wide(page)}")
        if path in deeper_from:
            queue += [p for p in deeper_links(page) if p not in seen]
    assert len(seen) >= 4, seen
    assert not failures, "\n".join(failures)


def test_the_header_is_one_line_with_a_menu(world, phone, sign_in):
    page = sign_in(world.liaison)
    header = page.locator("header.top")
    toggle = header.get_by_role("button", name=re.compile("菜单"))
    nav = page.get_by_role("navigation", name="主导航")
    expect(toggle).to_be_visible()
    expect(nav).to_be_hidden()
    box = header.bounding_box()
    assert box and box["height"] <= 64, f"页眉高 {box}"
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(nav).to_be_visible()
    # Account links: each on one line, never a character per line.
    for name in ("账号安全", "修改密码"):
        link = header.get_by_role("link", name=name)
        expect(link).to_be_visible()
        lb = link.bounding_box()
        assert lb and lb["height"] < 40 and lb["width"] > lb["height"], f"{name} 被折行：{lb}"
    nav.get_by_role("link", name="任务台账").click()
    expect(page).to_have_url(re.compile(r"/plans/ledger/"))
    expect(page.get_by_role("navigation", name="主导航")).to_be_hidden()


def test_tables_read_as_cards(world, phone, sign_in):
    page = sign_in(world.office)
    page.goto("/plans/ledger/")
    row = page.locator("main table.grid tbody tr").first
    expect(row).to_be_visible()
    assert row.evaluate("tr => getComputedStyle(tr).display") == "block"
    cells = row.locator("td")
    labels = cells.evaluate_all("tds => tds.map(td => getComputedStyle(td, '::before').content)")
    assert any("工作任务" in label for label in labels), labels
    assert overflow(page) <= 0


def test_the_account_links_do_not_wrap_at_desktop_widths(world, page, sign_in):
    """Between phone and wide screen the header wraps between links, not inside them."""
    sign_in(world.office)
    for width in (760, 1024, 1280):
        page.set_viewport_size({"width": width, "height": 800})
        for name in ("账号安全", "修改密码", "接口令牌"):
            box = page.locator("header .who").get_by_role("link", name=name).bounding_box()
            assert box and box["width"] > box["height"], f"{width}px：{name} 被折行 {box}"
        assert overflow(page) <= 0, width


def test_the_dashboards_pages_fit_a_phone(world, phone, sign_in):
    """The pages one step from the overview, which the menu does not list: the matrix
    (its table scrolls inside its own frame, and nothing in it may widen the page),
    the league table and the meeting-room screen."""
    page = sign_in(world.office)
    failures = []
    for path in ("/dashboards/matrix/", "/dashboards/league/", "/dashboards/?screen=1"):
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        page.wait_for_load_state("networkidle")
        if overflow(page) > 0:
            failures.append(f"{path} 宽出 {overflow(page)}px：{too_wide(page)}")
    assert not failures, "\n".join(failures)


def test_the_dashboards_row_headings_stay_readable_on_a_phone(world, phone, sign_in):
    """A table with many columns (the trend's twelve) scrolls in its frame; its row
    headings (a round's, a chapter's, a unit's name) keep room for a few characters a
    line instead of being squeezed to one character a line."""
    page = sign_in(world.office)
    for path in ("/dashboards/", "/dashboards/?screen=1"):
        assert page.goto(path).status == 200, path
        page.wait_for_load_state("networkidle")
        widths = page.eval_on_selector_all(
            ".dash-table th[scope=row]",
            "cells => cells.map(c => [c.textContent.trim(), c.getBoundingClientRect().width,"
            " parseFloat(getComputedStyle(c).fontSize)])")
        assert widths, f"{path}：没有表格行标题"
        narrow = [f"{text}（{w:.0f}px）" for text, w, size in widths if len(text) > 4 and w < 4 * size]
        assert not narrow, f"{path} 的行标题被挤窄：{'、'.join(narrow)}"
