"""Each role's day, walked in the browser at desktop width (1280 × 800) and at phone
width (390 × 844, the WeCom / DingTalk in-app browser), on the seed plan's demo world.

The walks follow the steps of the user manual (duban/manual/content/<role>.md) and
take its screenshots (duban/e2e/manual.py): a screen that changes so that a step no
longer works fails here, and every passing run refreshes the manual's pictures.
At phone width every screen of the walk must also fit the width (no sideways
scrolling) and be worked by touch (taps, not clicks)."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from duban.e2e import helpers
from duban.e2e.manual import Shots
from duban.e2e.world import build_world

WIDTHS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}
# The smallest valid PNG: a photo as the phone's camera would hand it to the page.
PHOTO = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d4944415478da63f8cfc0f01f0005000201a5dd0c6b0000000049454e44ae426082"
)


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture(params=list(WIDTHS))
def width(request, page: Page) -> str:
    page.set_viewport_size(WIDTHS[request.param])
    return request.param


class Walk:
    """The browser at one width: `go` follows a link of the header (opening the phone
    menu first), `press` taps on a phone and clicks on a desktop, `fits` checks the
    screen is no wider than the phone."""

    def __init__(self, page: Page, width: str):
        self.page = page
        self.width = width
        self.phone = width == "phone"

    def fits(self) -> None:
        if self.phone:
            self.page.wait_for_load_state("networkidle")
            extra = self.page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")
            assert extra <= 0, f"{self.page.url} 在手机上宽出 {extra}px"

    def press(self, locator) -> None:
        locator.scroll_into_view_if_needed()
        locator.tap() if self.phone else locator.click()

    def menu(self, name: str) -> None:
        """Follows the header link `name` (navigation or account links)."""
        if self.phone:
            toggle = self.page.locator("header.top .menu-toggle")
            if toggle.get_attribute("aria-expanded") != "true":
                toggle.tap()
        # The name may carry a count after it (收件箱 3).
        link = self.page.locator("#topmenu").get_by_role("link", name=re.compile(rf"^{re.escape(name)}(\s|$)")).first
        with self.page.expect_navigation():
            self.press(link)
        self.page.wait_for_load_state("networkidle")
        self.fits()


@pytest.fixture
def walk(page: Page, width: str, browser) -> Walk:
    return Walk(page, width)


@pytest.fixture
def page(browser, live_server, request, tmp_path):
    """Like the e2e conftest's page, in a context that has touch (tap works) and the
    phone's pixel ratio of 1, so screenshots stay small."""
    context = browser.new_context(base_url=live_server.url, locale="zh-CN", timezone_id="Asia/Shanghai",
                                  has_touch=True, device_scale_factor=1)
    context.set_default_timeout(10_000)
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda exc: errors.append(str(exc)))
    tab.on("dialog", lambda dialog: dialog.accept())
    yield tab
    report = getattr(request.node, "_e2e_report_call", None)
    if report is not None and report.failed:
        try:
            tab.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
            print(f"screenshot: {tmp_path / 'failure.png'}")
        except Exception:
            pass
    context.close()
    assert not errors, f"页面脚本出错：{errors}"


def test_the_liaisons_day(world, walk, width, sign_in, tmp_path):
    from duban.rounds.models import Report
    from duban.supervision.actions import issue_notice
    from duban.supervision.models import Notice

    page = walk.page
    shot = Shots(page, "liaison", width)
    slot = (Report.objects.filter(round=world.round, unit=world.liaison.unit, role="lead", status="draft")
            .select_related("task").order_by("task__order").first())
    task = slot.task
    notice = issue_notice(task, actor=world.office, level=Notice.Level.NOTICE,
                          units=[world.liaison.unit], facts="该任务本期进展滞后，请说明原因。", requirement="三个工作日内书面回复。",
                          reply_by=timezone.localdate() + dt.timedelta(days=3))

    # 1. Sign in: my tasks.
    sign_in(world.liaison)
    expect(page.get_by_role("heading", level=1)).to_contain_text("任务")
    walk.fits()
    shot("liaison-home")

    # 2. A task: its page, and a milestone of the work plan.
    walk.press(page.locator("main").get_by_role("link", name=re.compile(re.escape(task.title[:12]))).first)
    expect(page).to_have_url(re.compile(rf"/plans/tasks/{task.pk}/$"))
    walk.fits()
    helpers.add_milestone(page, title="完成项目方案编制", due=(timezone.localdate() + dt.timedelta(days=30)).isoformat(),
                          owner="张三")
    expect(helpers.milestone_row(page, "完成项目方案编制")).to_be_visible()
    walk.fits()
    shot("liaison-milestone", only="desktop", locator=helpers.milestones_region(page))

    # 3. This round's report: fill it in, a photo from the camera as evidence, submit.
    walk.menu("调度")
    row = page.locator("main tr").filter(has_text=task.title[:12]).first
    walk.press(row.get_by_role("link").first)
    expect(page).to_have_url(re.compile(rf"/rounds/reports/{slot.pk}/$"))
    walk.fits()
    form = page.locator("#report-form")
    form.get_by_label("推进状态").select_option(label="推进中")
    form.get_by_label("完成进度（%）").fill("40")
    form.get_by_label("进展情况").fill("已完成项目方案初稿，正在征求相关部门意见。")
    form.get_by_label("下一步计划").fill("月底前完成方案审定。")
    camera = page.locator("#attachments input[type=file][capture]")
    expect(camera).to_have_attribute("accept", re.compile("image/"))
    photo = tmp_path / "现场照片.png"
    photo.write_bytes(PHOTO)
    camera.set_input_files(str(photo))
    walk.press(page.locator("#attachments").get_by_role("button", name="上传附件"))
    expect(page.locator("#attachments").get_by_role("link", name="现场照片.png")).to_be_visible()
    # The text typed before the upload is still there.
    expect(form.get_by_label("进展情况")).to_have_value("已完成项目方案初稿，正在征求相关部门意见。")
    shot("liaison-report", full_page=walk.phone is False)
    walk.press(form.get_by_role("button", name=re.compile("^报送")))
    expect(page.locator("#report-state")).to_contain_text("已报送")
    walk.fits()

    # 4. The office's 督办单: read it from the inbox and reply.
    walk.menu("收件箱")
    walk.press(page.locator("main tr").filter(has_text=notice.number).get_by_role("button", name="查看"))
    expect(page).to_have_url(re.compile(rf"/supervision/notices/{notice.pk}/$"))
    walk.fits()
    page.get_by_label("回复内容").fill("已召开专题会研究，本月底前追上进度。")
    shot("liaison-notice", only="phone")
    walk.press(page.get_by_role("button", name="提交回复"))
    expect(page.locator("main")).to_contain_text("已召开专题会研究")
    walk.fits()

    # 5. The task is done: claim completion with its evidence.
    walk.menu("我的任务")
    walk.press(page.locator("main").get_by_role("link", name=re.compile(re.escape(task.title[:12]))).first)
    walk.press(page.get_by_role("link", name=re.compile("^督办详情")))
    expect(page).to_have_url(re.compile(rf"/supervision/tasks/{task.pk}/$"))
    walk.fits()
    claim = page.locator("form").filter(has=page.get_by_role("button", name="申请办结"))
    claim.locator("textarea").first.fill("项目已全部完成并通过验收，验收报告见附件。")
    shot("liaison-completion", only="phone", locator=claim)
    walk.press(claim.get_by_role("button", name="申请办结"))
    expect(page.locator("main")).to_contain_text("项目已全部完成并通过验收")
    walk.fits()
    shot.check()


def test_the_offices_day(world, walk, width, sign_in):
    from duban.rounds.models import Report

    page = walk.page
    shot = Shots(page, "office", width)

    # 1. Sign in: the office's first page is its work queue (待办), then the ledger.
    sign_in(world.office)
    walk.fits()
    expect(page.get_by_role("heading", level=1)).to_contain_text("待办")
    expect(page.locator("nav.queue-counts")).to_be_visible()
    shot("office-queue", only="desktop")
    walk.menu("任务台账")
    expect(helpers.ledger_table(page)).to_be_visible()
    shot("office-home", only="desktop")

    # 2. The round: every unit's reports.
    walk.menu("调度")
    walk.press(page.locator("main").get_by_role("link", name=world.round.name))
    expect(page).to_have_url(re.compile(rf"/rounds/{world.round.pk}/"))
    walk.fits()
    shot("office-round", only="desktop")

    # 3. A submitted report: read it and accept it.
    report = (Report.objects.filter(round=world.round, status=Report.Status.SUBMITTED)
              .select_related("task").order_by("task__order").first())
    link = page.locator(f"main a[href='/rounds/reports/{report.pk}/']")
    if link.count():
        walk.press(link.first)
    else:  # the round page shows one page of reports at a time
        page.goto(f"/rounds/reports/{report.pk}/")
    expect(page).to_have_url(re.compile(rf"/rounds/reports/{report.pk}/$"))
    walk.fits()
    shot("office-report", only="desktop", full_page=True)
    walk.press(page.get_by_role("button", name="采纳"))
    expect(page.locator("#report-state")).to_contain_text("已采纳")
    walk.fits()

    # 4. A red task: issue a 督办单.
    walk.menu("任务台账")
    red = helpers.ledger_table(page).locator("tbody tr").filter(has_text="红灯").first
    walk.press(red.locator("a[href^='/plans/tasks/']").first)
    walk.press(page.get_by_role("link", name=re.compile("^督办详情")))
    expect(page).to_have_url(re.compile(r"/supervision/tasks/\d+/$"))
    walk.fits()
    walk.press(page.get_by_role("link", name="签发督办单"))
    page.get_by_label("督办层级").select_option(label="督办")
    page.locator("input[name=units]").first.check()
    page.get_by_label("督办事项").fill("该任务已逾期，进展明显滞后。")
    page.get_by_label("办理要求").fill("请于回复期限前书面说明原因和整改措施。")
    page.get_by_label("回复期限").fill((timezone.localdate() + dt.timedelta(days=5)).isoformat())
    walk.fits()
    shot("office-notice", only="desktop", full_page=True)
    walk.press(page.get_by_role("button", name="签发"))
    expect(page).to_have_url(re.compile(r"/supervision/notices/\d+/$"))
    expect(page.locator("main")).to_contain_text("该任务已逾期，进展明显滞后。")
    walk.fits()

    # 5. The dashboard.
    walk.menu("驾驶舱")
    expect(page.locator("[data-chart='status'][data-ready='1'] canvas")).to_have_count(1)
    walk.fits()
    shot("office-dashboard", only="desktop")
    shot.check()


def test_the_leaders_day(world, walk, width, sign_in):
    page = walk.page
    shot = Shots(page, "leader", width)

    # 1. Sign in: my tasks as lead leader.
    sign_in(world.leader)
    expect(page).to_have_url(re.compile(rf"/plans/leaders/{world.leader.leader_id}/$"))
    walk.fits()
    shot("leader-home", only="phone")

    # 2. The dashboard: every chart drawn, none wider than the screen.
    walk.menu("驾驶舱")
    charts = page.locator("[data-chart][data-ready='1'] canvas")
    expect(charts.first).to_be_visible()
    screen = page.viewport_size["width"]
    for box in charts.evaluate_all("cs => cs.map(c => c.getBoundingClientRect().toJSON())"):
        assert box["left"] >= 0 and box["right"] <= screen, f"图表超出屏幕：{box}"
    walk.fits()
    if walk.phone:  # the picture shows the first chart, as a leader scrolls to it
        page.locator("section[aria-labelledby='status-h']").scroll_into_view_if_needed()
    shot("leader-dashboard")

    # 3. One of the leader's tasks: an instruction (批示).
    walk.menu("我牵头的任务")
    task = world.leader.leader.tasks.order_by("order").first()
    walk.press(page.locator("main").get_by_role("link", name=re.compile(re.escape(task.title[:12]))).first)
    walk.press(page.get_by_role("link", name=re.compile("^督办详情")))
    expect(page).to_have_url(re.compile(rf"/supervision/tasks/{task.pk}/$"))
    form = page.locator("form").filter(has=page.get_by_role("button", name="作出批示"))
    form.locator("textarea").first.fill("请加快推进，月底前向区政府专题汇报。")
    walk.fits()
    shot("leader-instruction", only="phone", locator=form)
    walk.press(form.get_by_role("button", name="作出批示"))
    expect(page.locator("main")).to_contain_text("请加快推进，月底前向区政府专题汇报。")
    walk.fits()
    shot.check()


def test_the_unit_heads_day(world, walk, width, sign_in):
    from duban.rounds.actions import save_report_draft, submit_report
    from duban.rounds.models import Report

    page = walk.page
    shot = Shots(page, "head", width)
    # The office asked for the head's approval; the liaison has filled in and submitted.
    type(world.round).objects.filter(pk=world.round.pk).update(requires_head_approval=True)
    slot = (Report.objects.filter(round=world.round, unit=world.liaison.unit, role="lead", status="draft")
            .select_related("task").order_by("task__order").first())
    slot = save_report_draft(slot, actor=world.liaison, version=slot.version,
                             data={"progress_status": "in_progress", "percent": 50,
                                   "progress": "主体工程完工，正在进行设备安装调试。", "problems": "", "next_steps": "下月完成验收。"})
    slot = submit_report(Report.objects.get(pk=slot.pk), actor=world.liaison)
    assert slot.status == Report.Status.PENDING_APPROVAL

    sign_in(world.head)
    walk.fits()
    walk.menu("调度")
    row = page.locator("main tr").filter(has_text=slot.task.title[:12]).first
    expect(row).to_contain_text(re.compile("待(负责人)?审核"))
    walk.press(row.get_by_role("link").first)
    expect(page).to_have_url(re.compile(rf"/rounds/reports/{slot.pk}/$"))
    expect(page.locator("main")).to_contain_text("主体工程完工")
    walk.fits()
    approve = page.get_by_role("button", name="审核通过并报送")
    approve.scroll_into_view_if_needed()
    shot("head-report", full_page=not walk.phone)
    walk.press(approve)
    expect(page.locator("#report-state")).to_contain_text("已报送")
    walk.fits()
    shot.check()


def test_the_system_administrators_day(world, walk, width, sign_in):
    page = walk.page
    shot = Shots(page, "sysadmin", width)
    sign_in(world.sysadmin)
    walk.fits()
    walk.menu("账号管理")
    expect(page.get_by_role("heading", name="账号管理")).to_be_visible()
    shot("sysadmin-users", only="desktop")
    walk.press(page.get_by_role("link", name="新建账号"))
    page.get_by_label("用户名").fill("unit99")
    page.get_by_label("姓名").fill("王小明")
    page.get_by_label("角色").select_option(label="单位联络员")
    page.get_by_label("单位").select_option(label=world.liaison.unit.name)
    walk.fits()
    shot("sysadmin-new-user", only="desktop", full_page=True)
    walk.press(page.get_by_role("button", name="保存"))
    expect(page.get_by_role("heading", name="已申请新建账号")).to_be_visible()  # waits for the security administrator
    walk.fits()
    walk.menu("后台任务")
    walk.fits()
    shot.check()


def test_the_security_administrators_day(world, walk, width, sign_in):
    page = walk.page
    shot = Shots(page, "secadmin", width)
    sign_in(world.secadmin)
    walk.fits()
    walk.menu("安全策略")
    walk.fits()
    shot("secadmin-policy", only="desktop", full_page=True)
    for name in ("账号审批", "账号锁定", "双因素认证", "外发白名单"):
        walk.menu(name)
    shot.check()


def test_the_auditors_day(world, walk, width, sign_in):
    page = walk.page
    shot = Shots(page, "auditor", width)
    sign_in(world.auditor)
    walk.fits()
    walk.menu("审计记录")
    walk.press(page.get_by_role("button", name="查询"))
    expect(page.locator("main table.grid tbody tr").first).to_be_visible()
    walk.fits()
    shot("auditor-log", only="desktop")
    shot.check()
