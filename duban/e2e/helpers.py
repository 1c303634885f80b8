"""Page helpers shared by the e2e tests. Selectors go by what a person sees
(roles, labels, text), so markup can change without breaking the tests."""
from __future__ import annotations

import re

from playwright.sync_api import Page, expect

SUBMIT = re.compile(r"^(筛选|查询|搜索|应用|确定)$")


def ledger_table(page: Page):
    return page.locator("main table").first


def apply_filters(page: Page, *, unit: str | None = None, keyword: str | None = None) -> None:
    """Fills the ledger's filter form and submits it (a submit button when there is
    one; otherwise the form is expected to update itself, htmx-style)."""
    form = page.locator("main form").filter(has=page.locator("select, input[type=search], input[type=text]")).first
    expect(form).to_be_visible()
    if unit is not None:
        form.get_by_label("责任单位", exact=True).select_option(label=unit)
    if keyword is not None:
        field = form.get_by_label(re.compile(r"关键[词字]|搜索|任务"))
        if field.count() == 0:
            field = form.get_by_role("searchbox")
        field.first.fill(keyword)
    button = form.get_by_role("button", name=SUBMIT)
    if button.count():
        button.first.click()
    elif keyword is not None:
        page.keyboard.press("Enter")
    page.wait_for_load_state("networkidle")


def open_task(page: Page, title_part: str) -> None:
    """From the ledger (or 'my tasks'), opens the task whose title contains title_part."""
    page.locator("main").get_by_role("link", name=re.compile(re.escape(title_part))).first.click()
    expect(page).to_have_url(re.compile(r"/plans/tasks/\d+/$"))


ADD = re.compile(r"^(添加|新增|添加节点|新增节点|保存|保存节点)$")
MARK_DONE = re.compile(r"^(完成|标记完成|办结|填报完成)$")
CONFIRM_DONE = re.compile(r"^(确认完成|保存|提交|确定|标记完成)$")


def milestones_region(page: Page):
    """The part of the task page that lists its milestones (工作节点)."""
    region = page.locator("main section, main div.card, main [id*=milestone]").filter(
        has=page.get_by_role("heading", name=re.compile(r"节点|工作方案"))
    )
    return region.first if region.count() else page.locator("main")


def timeline(page: Page):
    """The task's timeline (its event log)."""
    region = page.locator("main section, main div.card, main [id*=timeline]").filter(
        has=page.get_by_role("heading", name=re.compile(r"时间线|动态|记录|留痕|进展"))
    )
    return region.last


def wait_htmx_idle(page: Page) -> None:
    """Waits until htmx has no request in flight and has settled what it swapped in.
    A click on a freshly swapped link before htmx has processed it is a plain
    navigation, which reloads the page under the test's next step."""
    page.wait_for_function(
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"
    )


def add_milestone(page: Page, *, title: str, due: str, owner: str, unit: str | None = None) -> None:
    """Fills the add-milestone form on a task page and submits it."""
    form = page.locator("main form").filter(has=page.get_by_label("节点内容", exact=True)).first
    expect(form).to_be_visible()
    form.get_by_label("节点内容", exact=True).fill(title)
    form.get_by_label("完成时间", exact=True).fill(due)
    unit_field = form.get_by_label("责任单位", exact=True)
    if unit is not None:
        unit_field.select_option(label=unit)
    elif unit_field.count() and not unit_field.input_value():
        # Several units to choose from and none chosen: take the first (the lead unit).
        unit_field.select_option(index=1)
    form.get_by_label("责任人", exact=True).fill(owner)
    form.get_by_role("button", name=ADD).first.click()
    wait_htmx_idle(page)


def milestone_row(page: Page, title: str):
    """The row of the milestone `title` in the task page's milestone list."""
    return milestones_region(page).get_by_role("row").filter(has_text=title).last


def complete_milestone(page: Page, *, title: str, evidence: str) -> None:
    """Marks the milestone `title` done with an evidence note."""
    wait_htmx_idle(page)
    row = milestone_row(page, title)
    row.get_by_role("button", name=MARK_DONE).or_(row.get_by_role("link", name=MARK_DONE)).first.click()
    # Within the row: the task page has other notes of this kind (the task's own
    # completion claim), which the form loaded by htmx must not be confused with while
    # it is on its way.
    label = re.compile(r"完成情况|佐证|说明|证明")
    form = row.locator("form").filter(has=page.get_by_label(label))
    note = form.get_by_label(label).first
    expect(note).to_be_visible()
    wait_htmx_idle(page)
    note.fill(evidence)
    form.get_by_role("button", name=CONFIRM_DONE).first.click()
    wait_htmx_idle(page)
