"""The office uploads a revision that would withdraw half the plan: the preview calls
it suspicious, a second step names what hangs on the withdrawn tasks and wants an
explicit tick, and the plan page undoes the import in one step. On a desktop and on
a 390 px phone."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from duban.imports.actions import import_plan
from duban.imports.preview import build_preview, parse_upload
from duban.plans.models import Plan, Task
from duban.workplans.models import Milestone

from .test_import import PLAN_TEXT, TITLE

# The same plan without tasks 2 and 3: two of four withdrawn.
REVISED = re.sub(r"2\.推进重点项目建设.*?(?=二、)", "", PLAN_TEXT, flags=re.S)
REVISED = re.sub(r"3\.持续推进社区养老服务.*?(?=4\.)", "", REVISED, flags=re.S)


def no_sideways_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1"), "页面在手机上需要横向滚动"


@pytest.fixture
def plan(tmp_path):
    path = tmp_path / "v1.txt"
    path.write_text(PLAN_TEXT, encoding="utf-8")
    plan = import_plan(build_preview(parse_upload(path), "a" * 64), actor=None, source_name="v1.txt",
                       source_bytes=path.read_bytes()).plan
    task = plan.tasks.get(title__startswith="推进重点项目建设")
    Milestone.objects.create(task=task, title="完成项目前期手续", due=dt.date(2026, 5, 31))
    return plan


@pytest.mark.parametrize("width", [1280, 390])
def test_it_asks_twice_for_a_suspicious_revision_and_undoes_it(sign_in, office, plan, width):
    page = sign_in(office)
    page.set_viewport_size({"width": width, "height": 900})
    assert "推进重点项目建设" not in REVISED and "持续推进社区养老服务" not in REVISED
    if width < 600:
        page.goto("/plans/import/")
    else:
        page.get_by_role("navigation", name="主导航").get_by_role("link", name="导入方案").click()
    page.get_by_label("方案文件").set_input_files(
        {"name": "修订版.txt", "mimeType": "text/plain", "buffer": REVISED.encode("utf-8")})
    page.get_by_role("button", name="上传并预览").click()
    expect(page).to_have_url(re.compile(r"/plans/import/\d+/$"))

    # The preview: right counts, and the warning.
    expect(page.locator("#counts")).to_contain_text("新增 0 项、修改 0 项、撤销 2 项、不变 2 项")
    expect(page.locator("#suspicious")).to_contain_text("将撤销 2 项任务，超过现有 4 项任务的 10%")
    expect(page.locator("#changes")).to_contain_text("推进重点项目建设")
    no_sideways_scroll(page)

    # First confirmation: the second step, naming the tasks and their records.
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("再次确认：将撤销 2 项任务")
    rows = page.locator("#withdrawals tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="推进重点项目建设")).to_contain_text("工作节点 1 条")
    expect(page.locator("#record-total")).to_have_text("1")
    no_sideways_scroll(page)
    # Not ticked: the browser keeps the form.
    page.get_by_role("button", name="确认撤销并导入").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("再次确认：将撤销 2 项任务")
    assert Plan.objects.get().revision == 1
    page.get_by_label("我已逐项核对，确认撤销以上 2 项任务").check()
    page.get_by_role("button", name="确认撤销并导入").click()

    expect(page).to_have_url(re.compile(rf"/plans/{plan.pk}/$"))
    expect(page.get_by_role("status")).to_contain_text("已应用修订版：新增 0 项、修改 0 项、撤销 2 项")
    assert Task.objects.filter(plan=plan, withdrawn=True).count() == 2
    expect(page.locator("#withdrawn-tasks")).to_contain_text("推进重点项目建设")
    # The imports panel, loaded into the plan page.
    panel = page.locator("#imports-panel")
    expect(panel).to_contain_text("最近一次导入：第2版")
    no_sideways_scroll(page)

    panel.get_by_role("link", name="撤销这次导入").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("撤销第2版导入")
    # The two withdrawn tasks, and task 4, which the revision moved up.
    expect(page.locator("#undo-restored")).to_have_text("3")
    no_sideways_scroll(page)
    page.get_by_role("button", name="确认撤销这次导入").click()

    expect(page).to_have_url(re.compile(rf"/plans/{plan.pk}/$"))
    expect(page.get_by_role("status")).to_contain_text("已撤销第2版导入：恢复任务 3 项")
    expect(page.locator("#withdrawn-tasks")).to_have_count(0)
    expect(page.locator("#imports-panel")).to_contain_text("最近一次导入：第1版")
    plan.refresh_from_db()
    assert plan.revision == 1 and plan.tasks.active().count() == 4 and plan.title == TITLE
    assert Milestone.objects.filter(task__plan=plan, title="完成项目前期手续", task__withdrawn=False).exists()
