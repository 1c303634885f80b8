"""Breaking a task down (分解): a unit's liaison, and the office, add a milestone to
a task, mark it done with an evidence note, and find both steps on the timeline."""
from __future__ import annotations

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from duban.plans.models import Task
from duban.workplans.models import Milestone

from .helpers import add_milestone, complete_milestone, milestone_row, open_task, timeline


def _break_down_and_complete(page, task, *, title, evidence):
    task_url = page.url
    # Dates from today: the browser's clock cannot be frozen with the server's.
    due = (timezone.localdate() + timedelta(days=14)).isoformat()
    add_milestone(page, title=title, due=due, owner="张伟")
    expect(milestone_row(page, title)).to_contain_text(due)
    expect(milestone_row(page, title)).to_contain_text("进行中")
    assert page.url == task_url, "添加节点应在原页面内完成（htmx），不跳转"

    complete_milestone(page, title=title, evidence=evidence)
    row = milestone_row(page, title)
    expect(row).to_contain_text(re.compile(r"已完成|完成于|已办结"))
    expect(row).to_contain_text(timezone.localdate().isoformat())  # done today, the form's default
    expect(row).to_contain_text(evidence)

    milestone = Milestone.objects.get(task=task, title=title)
    assert milestone.done_on is not None
    assert evidence in milestone.evidence

    page.reload()  # the timeline as anyone opening the page later sees it
    events = timeline(page)
    expect(events).to_contain_text(title)
    expect(events).to_contain_text(re.compile(r"完成"))
    return events


def test_it_lets_a_unit_liaison_add_and_complete_a_milestone(sign_in, liaison_a, plan):
    task = Task.objects.get(plan=plan, number="1")  # led by 甲局
    page = sign_in(liaison_a)
    my_tasks = page.get_by_role("navigation", name="主导航").get_by_role("link", name=re.compile("我的任务"))
    if my_tasks.count():
        my_tasks.click()
    else:
        page.goto("/plans/ledger/")
    expect(page.locator("main")).not_to_contain_text("推进社区养老服务")  # 乙局's task
    open_task(page, "全年新增市场主体不少于2000家")
    expect(page).to_have_url(re.compile(rf"/plans/tasks/{task.pk}/$"))

    events = _break_down_and_complete(
        page, task, title="完成市场主体培育方案", evidence="方案已经局务会审议通过，文号甲发〔2026〕3号"
    )
    expect(events).to_contain_text("liaison_a")


def test_it_lets_the_office_add_and_complete_a_milestone(sign_in, office, plan):
    task = Task.objects.get(plan=plan, number="3")
    page = sign_in(office)
    page.goto("/plans/ledger/")
    open_task(page, "推进社区养老服务")

    events = _break_down_and_complete(page, task, title="督查室实地检查养老驿站", evidence="检查报告已存档")
    expect(events).to_contain_text("office")


def test_it_does_not_let_unit_b_add_a_milestone_to_unit_as_task(sign_in, liaison_b, plan):
    task = Task.objects.get(plan=plan, number="1")
    page = sign_in(liaison_b)
    response = page.goto(f"/plans/tasks/{task.pk}/")
    assert response.status == 404
    assert not Milestone.objects.filter(task=task, source=Milestone.Source.WORKPLAN).exists()
