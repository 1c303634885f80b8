"""The dashboard (驾驶舱) in the browser: charts drawn by ECharts (served locally,
under the strict CSP) with their tables beside them."""
from __future__ import annotations

from playwright.sync_api import expect


def test_it_draws_the_charts_beside_their_tables(sign_in, office, plan):
    page = sign_in(office)
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="驾驶舱").click()

    expect(page.get_by_role("heading", name="驾驶舱", exact=True)).to_be_visible()
    status = page.locator("section[aria-labelledby='status-h']")
    expect(status.locator("[data-chart='status'][data-ready='1'] canvas")).to_have_count(1)
    box = status.locator("[data-chart='status'] canvas").bounding_box()
    assert box and box["width"] > 100 and box["height"] > 100
    table = status.get_by_role("table")
    expect(table).to_be_visible()
    expect(table.get_by_role("row").filter(has_text="合计")).to_contain_text("3")
    for hid in ("sections-h", "leaders-h", "units-h"):
        section = page.locator(f"section[aria-labelledby='{hid}']")
        expect(section.locator("canvas")).to_have_count(1)
        expect(section.get_by_role("table")).to_be_visible()
    expect(page.locator("section[aria-labelledby='leaders-h'] table")).to_contain_text("李明")
    assert not refused, refused


def test_the_meeting_room_screen_has_large_charts_and_no_navigation(sign_in, office, plan):
    page = sign_in(office)
    page.goto("/dashboards/?screen=1")
    expect(page.get_by_role("navigation", name="主导航")).to_have_count(0)
    expect(page.locator("[data-chart='status'][data-ready='1'] canvas")).to_have_count(1)
    expect(page.locator("#dash-stats")).to_contain_text("任务总数")
