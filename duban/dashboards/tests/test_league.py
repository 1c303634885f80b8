"""The unit league table (考核): each unit's measures against counts made here from
the reports and task links, the score by the formula shown, and the office's weights
(set through the form, audited)."""
from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.urls import reverse

from duban.audit.models import Event
from duban.dashboards.models import LeagueWeights
from duban.org.models import Unit
from duban.plans.models import TaskUnit
from duban.rounds.models import Report, Round

from .conftest import AS_OF, closed, effective_deadlines, get_page, local_date, text

URL = reverse("dashboards:league")
WEIGHTS_URL = reverse("dashboards:league_weights")


def expected_league(as_of=AS_OF, weights=(60, 40, 2, 5), plan=None):
    """{unit name: [slots, on time, rate, returned, tasks, done, rate, overdue, score]}
    computed from the rows themselves."""
    w_on, w_done, w_ret, w_over = (Decimal(str(w)) for w in weights)
    done_ids, deadlines = closed(as_of), effective_deadlines(as_of)
    out = {}
    for unit in Unit.objects.filter(is_collective=False):
        links = TaskUnit.objects.filter(unit=unit, task__withdrawn=False)
        reports = Report.objects.filter(unit=unit).select_related("round")
        if plan is not None:
            links, reports = links.filter(task__plan=plan), reports.filter(round__plan=plan)
        if not links.exists():
            continue
        slots = on_time = returned = 0
        for r in reports:
            if r.round.due_on < as_of:
                slots += 1
                d = local_date(r.first_submitted_at)
                on_time += d is not None and d <= r.round.due_on
            if r.round.opens_on <= as_of and (r.status == "returned" or r.versions.filter(number__gte=2).exists()):
                returned += 1
        tasks = [link.task for link in links]
        done = sum(1 for t in tasks if t.pk in done_ids)
        overdue = sum(1 for t in tasks if t.pk not in done_ids and deadlines[t.pk] and deadlines[t.pk] < as_of)
        r_on = Decimal(on_time) / slots if slots else None
        r_done = Decimal(done) / len(tasks)
        r_on = r_done if r_on is None else r_on  # no report due: taken as the completion rate
        score = (w_on * r_on + w_done * r_done - w_ret * returned - w_over * overdue).quantize(Decimal("0.1"), ROUND_HALF_UP)
        rate = lambda a, b: f"{a * 100 / b:.1f}%" if b else "—*"  # noqa: E731
        out[unit.name] = [str(slots), str(on_time), rate(on_time, slots), str(returned), str(len(tasks)), str(done),
                          rate(done, len(tasks)), str(overdue), str(score)]
    return out


def _table(tree):
    out = {}
    for tr in tree.xpath("//table[@id='league']/tbody/tr"):
        cells = [" ".join(c.text_content().split()) for c in tr.xpath("./th|./td")]
        out[cells[1]] = [cells[0]] + cells[2:]
    return out


def test_it_measures_every_unit_and_scores_it_by_the_formula(client, seed):
    client.force_login(seed.office)
    tree = get_page(client, URL)
    expected = expected_league()
    table = _table(tree)
    assert set(table) == set(expected) and len(table) == 55
    for name, row in table.items():
        assert row[1:] == expected[name], name
    returned = {name for name, row in expected.items() if row[3] != "0"}
    assert "区发展改革委" in returned  # returned once, submitted again: still counts
    assert any(row[7] != "0" for row in expected.values())  # some unit has an overdue task
    # Ranks: by score, ties share a rank and the next rank skips.
    ranked = sorted(table.values(), key=lambda r: -Decimal(r[-1]))
    for i, row in enumerate(ranked):
        same = [j for j, other in enumerate(ranked) if other[-1] == row[-1]]
        assert row[0] == str(same[0] + 1)
    assert "得分 = 60×按时报送率 + 40×办结率 − 2×被退回报告数 − 5×逾期任务数" in text(tree.xpath("//*[@id='formula']")[0])


def test_it_scores_with_the_weights_the_office_sets(client, seed):
    client.force_login(seed.office)
    get_page(client, URL)  # cached with the default weights
    response = client.post(WEIGHTS_URL, {"on_time": "70", "completion": "30", "returned": "1.5", "overdue": "10"})
    assert response.status_code == 302
    tree = get_page(client, URL)
    assert "得分 = 70×按时报送率 + 30×办结率 − 1.5×被退回报告数 − 10×逾期任务数" in text(tree)
    expected = expected_league(weights=(70, 30, 1.5, 10))
    assert {name: row[1:] for name, row in _table(tree).items()} == expected
    event = Event.objects.get(action="dashboards.weights_change")
    assert event.actor == seed.office
    assert event.before == {"on_time": "60.0", "completion": "40.0", "returned": "2.0", "overdue": "5.0"}
    assert event.after == {"on_time": "70.0", "completion": "30.0", "returned": "1.5", "overdue": "10.0"}
    assert "按时报送率权重 60.0 → 70.0" in event.summary


def test_it_refuses_bad_weights_in_chinese_and_changes_nothing(client, seed):
    client.force_login(seed.office)
    for data, message in (
        ({"on_time": "-1", "completion": "40", "returned": "2", "overdue": "5"}, "按时报送率权重应为 0 到 1000 之间的数"),
        ({"on_time": "60", "completion": "abc", "returned": "2", "overdue": "5"}, "办结率权重应为 0 到 1000 之间的数"),
        ({"on_time": "60", "completion": "40", "returned": "2.25", "overdue": "5"}, "每份被退回报告扣分应为 0 到 1000 之间的数，最多一位小数"),
        ({"on_time": "0", "completion": "0", "returned": "2", "overdue": "5"}, "不能都为 0"),
    ):
        response = client.post(WEIGHTS_URL, data)
        assert response.status_code == 200
        assert message in response.content.decode()
    assert not LeagueWeights.objects.exists()
    assert not Event.objects.filter(action="dashboards.weights_change").exists()


def test_it_ranks_as_of_a_past_date(client, seed):
    client.force_login(seed.office)
    day = dt.date(2026, 11, 1)  # no round due yet: on-time rates have no data
    tree = get_page(client, URL, as_of=day.isoformat())
    table = _table(tree)
    assert {name: row[1:] for name, row in table.items()} == expected_league(day)
    assert all(row[3] == "—*" for row in table.values())


def test_a_round_of_another_plan_does_not_count_under_a_plan_filter(client, seed, plan):
    from duban.rounds.actions import open_round

    other = open_round(plan, actor=seed.office, name="测试方案调度", period_start=dt.date(2026, 10, 1),
                       period_end=dt.date(2026, 10, 31), opens_on=dt.date(2026, 10, 1), due_on=dt.date(2026, 10, 10))
    assert Report.objects.filter(round=other).exists()
    client.force_login(seed.office)
    table = _table(get_page(client, URL, plan=seed.plan.pk))
    assert {name: row[1:] for name, row in table.items()} == expected_league(plan=seed.plan)
    assert "甲局" not in table
    everything = _table(get_page(client, URL))
    assert everything["甲局"][1] == str(Report.objects.filter(round=other, unit__name="甲局").count())
    assert Round.objects.count() == 3
