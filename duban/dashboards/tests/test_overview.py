"""The overview (驾驶舱): every figure on the page against counts computed here with
plain ORM queries over the seed plan in a known state (see conftest). The lights
themselves come from duban.status (tested there); what is checked here
is everything the dashboard does with them and with the reports."""
from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from duban.dashboards.metrics import COLORS, LIST_LIMIT
from duban.dashboards.models import RoundSnapshot
from duban.org.models import Unit
from duban.plans.models import Section, Task, TaskLeader, TaskUnit
from duban.plans.signals import facts_changed
from duban.rounds.models import Report
from duban.supervision.models import TaskClosure
from duban.status.facts import status_for_tasks

from .conftest import AS_OF, chart_data, closed, effective_deadlines, get_page, local_date, rows, stat, text

URL = reverse("dashboards:overview")
LABEL = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "done": "已销号"}


def lights(as_of=AS_OF, tasks=None):
    return status_for_tasks(tasks if tasks is not None else Task.objects.active(), as_of)


def pct(part, whole) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


def test_it_counts_the_tasks_by_light(client, seed):
    client.force_login(seed.office)
    tree = get_page(client, URL)
    expected = lights()
    counts = Counter(s.color for s in expected.values())
    total = Task.objects.filter(withdrawn=False).count()
    assert total == 100 and len(expected) == total  # task 7 withdrawn
    assert stat(tree, "total") == str(total)
    for c in COLORS:
        assert stat(tree, c) == str(counts[c]), c
    assert counts["done"] == 1 and expected[Task.objects.get(number="2").pk].color == "done"
    assert stat(tree, "completion") == pct(counts["done"], total)

    deadlines, done = effective_deadlines(), closed()
    overdue = [pk for pk, d in deadlines.items() if pk not in done and d and d < AS_OF]
    assert len(overdue) == 2  # tasks 12 and 66; 65 was extended
    assert stat(tree, "overdue") == str(len(overdue))

    table = rows(tree, "//table[@id='status-table']")
    assert table[:4] == [[LABEL[c], str(counts[c]), pct(counts[c], total)] for c in COLORS]
    assert table[4] == ["合计", str(total), "100%"]
    assert {s["key"]: s["value"] for s in chart_data(tree)["status"]} == {c: counts[c] for c in COLORS}


def _groups(expected, pairs, names) -> dict[str, list[str]]:
    """Expected table rows by label: counts by light, total, completion rate."""
    by: dict = {}
    for task_id, key in pairs:
        if task_id in expected:
            by.setdefault(key, Counter())[expected[task_id].color] += 1
    out = {}
    for key, c in by.items():
        total = sum(c.values())
        out[names[key]] = [str(c[k]) for k in COLORS] + [str(total), pct(c["done"], total)]
    return out


def test_it_groups_the_tasks_by_chapter_leader_and_lead_unit(client, seed):
    client.force_login(seed.office)
    tree = get_page(client, URL)
    expected = lights()
    active = Task.objects.active()

    sections = _groups(expected, active.values_list("pk", "section_id"),
                       {s.pk: s.title for s in Section.objects.all()})
    table = rows(tree, "//section[@aria-labelledby='sections-h']")
    assert [r[0] for r in table] == list(Section.objects.filter(plan=seed.plan).order_by("order").values_list("title", flat=True))
    assert {r[0]: r[1:] for r in table} == sections

    leaders = _groups(expected, TaskLeader.objects.filter(task__in=active).values_list("task_id", "leader_id"),
                      dict(seed.leader.leader.__class__.objects.values_list("pk", "name")))
    table = rows(tree, "//section[@aria-labelledby='leaders-h']")
    assert {r[0]: r[1:] for r in table} == leaders
    assert len(table) == 13

    # A collective assignee (各部门) is every unit's shared task, not a lead unit.
    units = _groups(expected, TaskUnit.objects.filter(task__in=active, role="lead", unit__is_collective=False)
                    .values_list("task_id", "unit_id"), dict(Unit.objects.values_list("pk", "name")))
    table = rows(tree, "//section[@aria-labelledby='units-h']")
    assert {r[0]: r[1:] for r in table} == units
    # Most trouble first: red, then yellow, descending.
    trouble = [(-int(r[1]), -int(r[2])) for r in table]
    assert trouble == sorted(trouble)

    data = chart_data(tree)
    for key, table_id in (("sections", "sections-h"), ("leaders", "leaders-h"), ("units", "units-h")):
        table = rows(tree, f"//section[@aria-labelledby='{table_id}']")
        assert data[key]["labels"] == [r[0] for r in table]
        for i, c in enumerate(COLORS):
            assert data[key]["series"][c] == [int(r[1 + i]) for r in table]


def _listed(tree, hid: str) -> list[str]:
    return tree.xpath(f"//section[@aria-labelledby='{hid}']//tbody/tr/@data-task")


def test_it_lists_the_red_and_yellow_tasks_with_their_reasons(client, seed):
    client.force_login(seed.office)
    tree = get_page(client, URL)
    expected = lights()
    order = dict(Task.objects.values_list("pk", "order"))
    for color, hid in (("red", "red-h"), ("yellow", "yellow-h")):
        ids = sorted((pk for pk, s in expected.items() if s.color == color), key=order.get)
        assert ids, color
        assert _listed(tree, hid) == [str(pk) for pk in ids[:LIST_LIMIT]]
        heading = text(tree.xpath(f"//h2[@id='{hid}']")[0])
        assert heading.endswith(f"（{len(ids)}）")
        for tr in tree.xpath(f"//section[@aria-labelledby='{hid}']//tbody/tr"):
            status = expected[int(tr.get("data-task"))]
            assert text(tr.xpath("./td")[-1]) == f"{status.label} {status.text}"
        if len(ids) > LIST_LIMIT:
            more = tree.xpath(f"//section[@aria-labelledby='{hid}']//a[contains(., '在任务台账中查看全部')]")[0]
            assert more.get("href") == f"/plans/ledger/?year=2026&status={color}" and str(len(ids)) in text(more)
    red_numbers = {Task.objects.get(pk=pk).number for pk in _listed(tree, "red-h")}
    assert red_numbers == {"12", "66"}  # overdue; 65 was extended, 2 is closed


def test_it_lists_the_deadlines_of_the_next_30_days(client, seed):
    client.force_login(seed.office)
    tree = get_page(client, URL)
    deadlines, done = effective_deadlines(), closed()
    soon = sorted((pk for pk, d in deadlines.items() if pk not in done and d and AS_OF <= d <= AS_OF + dt.timedelta(days=30)),
                  key=lambda pk: (deadlines[pk], Task.objects.get(pk=pk).order))
    assert [Task.objects.get(pk=pk).number for pk in soon] == ["97", "65"]  # 97: 2026-11-30; 65: extended to 12-20
    assert _listed(tree, "due-h") == [str(pk) for pk in soon]
    assert stat(tree, "due_soon") == str(len(soon))
    first = tree.xpath("//section[@aria-labelledby='due-h']//tbody/tr")[0]
    assert "2026-11-30" in text(first) and "剩 2 天" in text(first)


def expected_trend(rounds, as_of, reports=None, scope=None):
    """Per round, from the reports themselves: slots, on time, late, missing, pending,
    rate; and tasks by light on the due date (on `as_of` for a round not yet due)."""
    out = []
    for rnd in rounds:
        slots = list((reports if reports is not None else Report.objects).filter(round=rnd))
        on_time = late = missing = pending = 0
        for r in slots:
            d = local_date(r.first_submitted_at)
            if d is not None and d > as_of:
                d = None  # not yet submitted on that date
            if d is not None and d <= rnd.due_on:
                on_time += 1
            elif d is not None:
                late += 1
            elif as_of > rnd.due_on:
                missing += 1
            else:
                pending += 1
        on = rnd.due_on if as_of > rnd.due_on else as_of
        tasks = Task.objects.active() if scope is None else scope
        colors = Counter(s.color for s in lights(on, tasks.filter(plan=rnd.plan)).values())
        out.append([rnd.name, rnd.due_on.isoformat(), str(len(slots)), str(on_time), str(late), str(missing),
                    str(pending), pct(on_time, len(slots))] + [str(colors[c]) for c in COLORS])
    return out


def test_it_shows_the_trend_across_rounds(client, seed):
    client.force_login(seed.office)
    tree = get_page(client, URL)
    expected = expected_trend([seed.r1, seed.r2], AS_OF)
    assert rows(tree, "//table[@id='trend-table']") == expected
    r1 = expected[0]
    assert int(r1[3]) > 0 and int(r1[4]) > 0 and int(r1[5]) > 0 and r1[6] == "0"
    # The lights on R1's due date differ from today's: task 2 was closed after it.
    assert r1[-1] == "0" and stat(tree, "done") == "1"
    data = chart_data(tree)["trend"]
    assert data["labels"] == ["2026年10月调度", "2026年11月调度"]
    assert data["on_time_rate"] == [float(r[7].rstrip("%")) for r in expected]


def test_it_counts_a_report_by_its_local_date(client, seed):
    """23:30 on the due date is on time, 00:10 the day after is late (Asia/Shanghai)."""
    client.force_login(seed.office)
    tree = get_page(client, URL)
    edge = Report.objects.filter(round=seed.r1, first_submitted_at__date__in=[dt.date(2026, 11, 5), dt.date(2026, 11, 6)])
    assert edge.count() == 2  # stored in UTC: both fall on 2026-11-05 or later in UTC
    table = rows(tree, "//table[@id='trend-table']")[0]
    reports = list(Report.objects.filter(round=seed.r1))
    submitted = [r for r in reports if r.first_submitted_at]
    by_utc_date = sum(1 for r in submitted if r.first_submitted_at.date() <= seed.r1.due_on)
    by_local_date = sum(1 for r in submitted if local_date(r.first_submitted_at) <= seed.r1.due_on)
    assert by_utc_date != by_local_date  # the edge cases tell the two apart
    assert table[3] == str(by_local_date)


def test_it_keeps_the_lights_of_a_past_due_date(client, seed):
    """A round's lights on its due date are stored once and not rewritten by later
    changes; today's figures change at once."""
    client.force_login(seed.office)
    before = rows(get_page(client, URL), "//table[@id='trend-table']")
    assert RoundSnapshot.objects.filter(round=seed.r1, as_of=seed.r1.due_on).exists()
    assert not RoundSnapshot.objects.filter(round=seed.r2).exists()  # not due yet
    closed_task = Task.objects.get(number="3")
    TaskClosure.objects.create(task=closed_task, closed_on=dt.date(2026, 11, 1))  # backdated
    facts_changed(TaskClosure, [closed_task.pk])  # as the closing action does
    tree = get_page(client, URL)
    after = rows(tree, "//table[@id='trend-table']")
    assert after[0] == before[0]
    assert stat(tree, "done") == "2" and after[1][-1] == "2"
    call_command("dashboard_snapshots")  # nothing left to take
    assert RoundSnapshot.objects.count() == 1


def test_the_snapshot_command_takes_what_is_due(seed, capsys):
    call_command("dashboard_snapshots")
    assert "2026年10月调度" in capsys.readouterr().out
    snap = RoundSnapshot.objects.get(round=seed.r1)
    expected = lights(seed.r1.due_on, Task.objects.filter(plan=seed.plan).active())
    assert {c: sorted(ids) for c, ids in snap.tasks.items()} == {
        c: sorted(pk for pk, s in expected.items() if s.color == c) for c in COLORS}
    call_command("dashboard_snapshots")
    assert "没有需要生成快照的调度" in capsys.readouterr().out


def test_it_shows_any_past_date(client, seed):
    client.force_login(seed.office)
    day = dt.date(2026, 11, 1)
    tree = get_page(client, URL, as_of="2026-11-01")
    expected = lights(day)
    counts = Counter(s.color for s in expected.values())
    for c in COLORS:
        assert stat(tree, c) == str(counts[c]), c
    assert counts["done"] == 0  # task 2 was closed on 2026-11-20
    assert "统计日期 2026-11-01（非今日）" in text(tree.xpath("//p[@class='counts']")[0])
    # R1 opened on 10-25 and is not due yet on 11-01; R2 had not opened.
    assert rows(tree, "//table[@id='trend-table']") == expected_trend([seed.r1], day)
    assert not tree.xpath("//a[contains(., '在任务台账中查看全部')]")  # the ledger's lights are today's


@pytest.mark.parametrize("bad", ["2026-02-30", "明天", "1900-01-01"])
def test_it_explains_a_bad_date_in_chinese_and_shows_today(client, seed, bad):
    client.force_login(seed.office)
    today = get_page(client, URL)
    tree = get_page(client, URL, as_of=bad)
    error = text(tree.xpath("//*[@id='id_as_of-error']")[0])
    assert f"统计日期“{bad}”" in error and "2026-11-28" in error
    for name in ("total", *COLORS, "overdue"):
        assert stat(tree, name) == stat(today, name)


def test_it_filters_by_plan(client, seed, plan):
    client.force_login(seed.office)
    assert stat(get_page(client, URL), "total") == "103"
    assert stat(get_page(client, URL, plan=seed.plan.pk), "total") == "100"
    small = get_page(client, URL, plan=plan.pk)
    assert stat(small, "total") == "3"
    assert [r[0] for r in rows(small, "//section[@aria-labelledby='sections-h']")] == ["一、稳增长", "二、惠民生"]
    assert not small.xpath("//table[@id='trend-table']")  # no round of that plan
    error = get_page(client, URL, plan="999999")
    assert "所选分工方案不存在" in text(error.xpath("//*[@id='id_plan-error']")[0])
    assert stat(error, "total") == "103"


def test_a_unit_sees_its_own_view(client, seed):
    client.force_login(seed.liaison)
    tree = get_page(client, URL)
    mine = Task.objects.visible_to(seed.liaison).active()
    expected = lights(AS_OF, mine)
    assert stat(tree, "total") == str(mine.count()) == str(len(expected))
    for c in COLORS:
        assert stat(tree, c) == str(Counter(s.color for s in expected.values())[c])
    # Only its own unit's report slots in the trend; lights of its own tasks.
    own = Report.objects.filter(unit=seed.unit)
    assert rows(tree, "//table[@id='trend-table']") == expected_trend([seed.r1, seed.r2], AS_OF, own, mine)
    page = text(tree)
    assert "区发展改革委" in page and "单位×任务矩阵" not in page and "单位考核排名" not in page
    other = Task.objects.exclude(pk__in=mine.values("pk")).filter(plan=seed.plan).active()
    assert not set(_listed(tree, "red-h") + _listed(tree, "yellow-h")) & {str(pk) for pk in other.values_list("pk", flat=True)}


def test_the_meeting_room_screen_refreshes_itself(client, seed):
    client.force_login(seed.leader)
    response = client.get(URL, {"screen": "1"})
    page = response.content.decode()
    assert 'aria-label="主导航"' not in page  # no navigation
    assert 'hx-trigger="every 60s"' in page and 'data-chart="status"' in page
    tree = get_page(client, URL, screen="1")
    assert stat(tree, "total") == "100"
    part = client.get(URL, {"screen": "1"}, HTTP_HX_REQUEST="true").content.decode()
    assert part.startswith('<div id="dash-live"') and "<html" not in part and 'id="dash-data"' in part


def test_todays_pages_read_the_stored_lights_and_show_an_action_at_once(client, seed, monkeypatch):
    """Today's pages compute no light: they read the rows duban.status stores (the
    status facts are never loaded for them), and what an action changes shows on the
    very next page, the office's and the unit's."""
    from duban.status import facts as status_facts, store

    call_command("dashboard_snapshots")  # the past round's lights, taken beforehand as in production
    store.ensure_current()
    sizes = []
    real = status_facts.load_facts

    def counting(tasks, as_of):
        got = real(tasks, as_of)
        sizes.append(len(got))
        return got

    monkeypatch.setattr(status_facts, "load_facts", counting)
    monkeypatch.setattr(store, "load_facts", counting)
    client.force_login(seed.office)
    first = get_page(client, URL)
    with CaptureQueriesContext(connection) as queries:
        get_page(client, URL)
    assert sizes == [] and len(queries.captured_queries) < 40
    client.force_login(seed.liaison)
    before = int(stat(get_page(client, URL), "done"))
    task = Task.objects.visible_to(seed.liaison).active().exclude(pk__in=closed()).order_by("order").first()
    TaskClosure.objects.create(task=task, closed_on=AS_OF)
    facts_changed(TaskClosure, [task.pk])  # as the closing action does: this task's row, now
    assert sizes == [1]
    assert int(stat(get_page(client, URL), "done")) == before + 1
    client.force_login(seed.office)
    assert int(stat(get_page(client, URL), "done")) == int(stat(first, "done")) + 1
    assert sizes == [1]  # the pages computed nothing
