"""The dashboards by kind of 督办事项 and by year, read through the pages: the seed plan
(2026) plus items of other kinds in 2026, an item of 2025 and its 结转 into 2026.
Every figure is compared with counts made here from the database and the lights."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.urls import reverse

from duban.dashboards.metrics import COLORS
from duban.org.models import Leader, Unit
from duban.plans.models import Category, Task
from duban.status.facts import status_for_tasks
from duban.supervision.models import TaskClosure

from .conftest import chart_data, get_page, rows, stat, text

URL = reverse("dashboards:overview")


@pytest.fixture
def kinds(seed):
    from duban.items import actions

    office = seed.office
    unit = Unit.objects.get(name="区发展改革委")
    other = Unit.objects.get(name="区财政局")
    leader = Leader.objects.get(name="郭文杰")
    made = {}
    made["i1"], _ = actions.create_instruction(
        actor=office, leader=leader, document_title="关于冬季供暖的报告", instruction="请抓紧研究落实",
        instructed_on=dt.date(2026, 9, 1), received_on=dt.date(2026, 9, 2), lead_units=[unit],
        deadline=dt.date(2026, 10, 15))  # overdue on 2026-11-28
    made["i2"], _ = actions.create_instruction(
        actor=office, leader=leader, document_title="关于老旧小区改造的报告", instruction="请财政局配合",
        instructed_on=dt.date(2026, 11, 1), received_on=dt.date(2026, 11, 2), lead_units=[other],
        deadline=dt.date(2026, 12, 20))
    TaskClosure.objects.create(task=made["i2"].task, closed_on=dt.date(2026, 11, 25))
    made["a26"] = actions.create_assigned(
        actor=office, source="assigned", issuer="市政府督查室", doc_number="京政督办〔2026〕12号",
        received_on=dt.date(2026, 10, 9), title="整改道路扬尘问题", lead_units=[other],
        deadline=dt.date(2026, 12, 10))
    made["a25"] = actions.create_assigned(
        actor=office, source="assigned", issuer="市政府督查室", doc_number="京政督办〔2025〕3号",
        received_on=dt.date(2025, 5, 9), title="整改河道垃圾问题", lead_units=[unit],
        deadline=dt.date(2025, 9, 30))
    made["c26"] = actions.carry_over([made["a25"].task], actor=office, year=2026, deadline=dt.date(2026, 12, 31))[0]
    from duban.plans.signals import facts_changed

    facts_changed(Task, list(Task.objects.values_list("pk", flat=True)))
    return made


def expected(category=None, year=None):
    tasks = Task.objects.active()
    if category:
        tasks = tasks.filter(plan__category=category)
    if year:
        tasks = tasks.filter(plan__year=year)
    return status_for_tasks(tasks, dt.date(2026, 11, 28))


def check_figures(tree, exp):
    counts = Counter(s.color for s in exp.values())
    assert stat(tree, "total") == str(len(exp))
    for c in COLORS:
        assert stat(tree, c) == str(counts[c]), c
    assert {s["key"]: s["value"] for s in chart_data(tree)["status"]} == {c: counts[c] for c in COLORS}


def listed(tree, hid) -> set[int]:
    return {int(tr.get("data-task")) for tr in tree.xpath(f"//section[@aria-labelledby='{hid}']//tr[@data-task]")}


def test_the_default_is_every_kind_of_the_current_year(client, seed, kinds):
    client.force_login(seed.office)
    tree = get_page(client, URL)
    exp = expected(year=2026)
    assert len(exp) == 100 + 4  # the plan's 100 active tasks, 2 instructions, 1 assigned, 1 carried over
    check_figures(tree, exp)
    assert kinds["a25"].task.pk not in exp
    assert "2026年·全部类别" in text(tree.xpath("//span[@data-scope]")[0])
    # The kind selector offers every kind, the year selector every year.
    options = tree.xpath("//select[@name='category']/option")
    assert [o.get("value") for o in options] == [""] + list(Category.values)
    assert [o.text for o in tree.xpath("//select[@name='year']/option")] == ["全部年度", "2026年", "2025年"]
    assert tree.xpath("//select[@name='year']/option[@selected]")[0].get("value") == "2026"
    # By kind: a row per kind present, as counted here.
    by_kind = {r[0]: r[1:] for r in rows(tree, "//section[@aria-labelledby='kinds-h']")}
    want = {}
    for label, cat in (("分工方案任务", "plan"), ("领导批示件", "instruction"), ("上级交办和督查反馈事项", "assigned"),
                       ("上年结转事项", "carryover")):
        c = Counter(s.color for s in expected(cat, 2026).values())
        want[label] = [str(c[k]) for k in COLORS] + [str(sum(c.values()))]
    assert {k: v[:5] for k, v in by_kind.items()} == want
    kind_chart = chart_data(tree)["kinds"]
    assert kind_chart["labels"] == list(want)
    assert [kind_chart["series"]["done"][i] for i in range(4)] == [int(want[k][3]) for k in want]
    # Items without a section are counted under their kind in 按章节.
    chapters = [r[0] for r in rows(tree, "//section[@aria-labelledby='sections-h']")]
    assert "（领导批示件）" in chapters and "（上级交办和督查反馈事项）" in chapters


def test_the_kind_selector_narrows_every_figure(client, seed, kinds):
    client.force_login(seed.office)
    tree = get_page(client, URL, category="instruction")
    exp = expected("instruction", 2026)
    assert set(exp) == {kinds["i1"].task.pk, kinds["i2"].task.pk}
    check_figures(tree, exp)
    assert stat(tree, "done") == "1" and stat(tree, "overdue") == "1"
    assert stat(tree, "completion") == "50.0%"
    assert listed(tree, "red-h") | listed(tree, "yellow-h") <= set(exp)
    assert kinds["i1"].task.pk in listed(tree, "red-h")
    # Only the instructions' lead units and leaders.
    units = [r[0] for r in rows(tree, "//section[@aria-labelledby='units-h']")]
    assert sorted(units) == sorted(["区发展改革委", "区财政局"])
    assert not tree.xpath("//section[@aria-labelledby='kinds-h']")  # one kind: no by-kind table
    assert "2026年·领导批示件" in text(tree.xpath("//span[@data-scope]")[0])
    # The link to the ledger's red tasks keeps the kind and the year.
    more = tree.xpath("//a[contains(@href, 'status=')]")
    for a in more:
        assert "category=instruction" in a.get("href") and "year=2026" in a.get("href")
    # No round covers instructions: no trend.
    assert chart_data(tree)["trend"]["labels"] == []
    # The plan's own rounds come back with the plan's kind.
    tree = get_page(client, URL, category="plan")
    assert chart_data(tree)["trend"]["labels"] == ["2026年10月调度", "2026年11月调度"]
    check_figures(tree, expected("plan", 2026))


def test_the_year_selector(client, seed, kinds):
    client.force_login(seed.office)
    tree = get_page(client, URL, year="2025")
    exp = expected(year=2025)
    assert set(exp) == {kinds["a25"].task.pk}
    check_figures(tree, exp)
    assert stat(tree, "overdue") == "1"  # due 2025-09-30, carried over but never struck off
    # 全部年度: every year.
    tree = get_page(client, URL, year="")
    check_figures(tree, expected())
    assert stat(tree, "total") == "105"
    # 结转 items of 2026 only.
    tree = get_page(client, URL, category="carryover", year="2026")
    check_figures(tree, expected("carryover", 2026))
    assert stat(tree, "total") == "1"


def test_a_bad_kind_or_year_is_said_and_left_out(client, seed, kinds):
    client.force_login(seed.office)
    tree = get_page(client, URL, category="nonsense", year="1999")
    errors = " ".join(text(e) for e in tree.xpath("//*[contains(@class, 'errorlist')]"))
    assert "所选事项类别不存在" in errors and "所选年度没有督办事项" in errors
    check_figures(tree, expected())


def test_the_unit_sees_its_own_items_of_the_kind(client, seed, kinds):
    client.force_login(seed.liaison)  # 区发展改革委
    tree = get_page(client, URL, category="instruction")
    assert stat(tree, "total") == "1"  # i1 only; i2 is 区财政局's


def test_league_and_matrix_follow_the_kind(client, seed, kinds):
    client.force_login(seed.office)
    tree = get_page(client, reverse("dashboards:league"), category="assigned", year="")
    names = sorted(text(tr.xpath("./th|./td")[1]) for tr in tree.xpath("//table[@id='league']//tbody/tr[@data-unit]"))
    assert names == sorted(["区财政局", "区发展改革委"])  # the lead units of a25 and a26, nobody else
    assert "全部年度·上级交办和督查反馈事项" in text(tree.xpath("//span[@data-scope]")[0])
    tree = get_page(client, reverse("dashboards:matrix"), category="instruction")
    columns = {int(th.get("data-task")) for th in tree.xpath("//th[@data-task]")}
    assert columns == {kinds["i1"].task.pk, kinds["i2"].task.pk}
