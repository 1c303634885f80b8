"""The review flow of a round: the round page filtered by state and unit with
clickable counts, paginated; after accepting or returning a report, 下一份待审."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from duban.conftest import _user
from duban.rounds import actions
from duban.rounds.models import Report
from duban.rounds.review import next_waiting, waiting_for
from duban.rounds.tests.conftest import at

DAY = dt.date(2026, 11, 27)


def _submit(report, actor):
    report = actions.save_report_draft(report, actor=actor, version=report.version, data={
        "progress_status": "in_progress", "percent": 50, "progress": f"{report.unit}的进展。", "problems": "",
        "next_steps": ""})
    return actions.submit_report(report, actor=actor, version=report.version)


@pytest.fixture
def world(open_round, office, liaison_a, liaison_b, units):
    """Lead reports of tasks 1 (甲局), 2 (丙局) and 3 (乙局) submitted; 丙局's part of
    task 1 left as a draft."""
    liaison_c = _user("liaison_c", "liaison", unit=units["丙局"])
    rnd = open_round()
    with time_machine.travel(at(DAY), tick=False):
        for number, person in (("1", liaison_a), ("2", liaison_c), ("3", liaison_b)):
            _submit(Report.objects.get(round=rnd, task__number=number, role="lead"), person)
    return rnd


def _get(client, rnd, **params):
    with time_machine.travel(at(DAY), tick=False):
        return client.get(reverse("rounds:detail", args=[rnd.pk]), params)


def _rows(response) -> list[str]:
    return [f"{r.task.number}{r.unit}" for r in response.context["reports"]]


@pytest.mark.django_db
def test_it_counts_each_state_and_links_each_count_to_its_filter(client, world, office):
    client.force_login(office)
    response = _get(client, world)
    assert [(k, n) for k, _, n in response.context["counts"]] == [
        ("review", 3), ("returned", 0), ("unsent", 2), ("accepted", 0)]
    page = response.content.decode()
    assert re.search(r'href="\?state=review"[^>]*><b>3</b>待审核', page)
    assert re.search(r'href="\?state=unsent"[^>]*><b>2</b>未报送', page)
    assert _rows(_get(client, world, state="review")) == ["1甲局", "2丙局", "3乙局"]
    assert _rows(_get(client, world, state="unsent")) == ["1丙局", "2甲局"]


@pytest.mark.django_db
def test_it_filters_by_unit_and_keeps_the_other_filter(client, world, office, units):
    client.force_login(office)
    response = _get(client, world, unit=units["丙局"].pk)
    assert _rows(response) == ["1丙局", "2丙局"]
    assert [(k, n) for k, _, n in response.context["counts"]] == [
        ("review", 1), ("returned", 0), ("unsent", 1), ("accepted", 0)]  # the counts of that unit
    assert f'href="?unit={units["丙局"].pk}&amp;state=review"' in response.content.decode()
    assert _rows(_get(client, world, unit=units["丙局"].pk, state="review")) == ["2丙局"]
    # a unit not in the round, or garbage, is ignored rather than an error
    assert len(_rows(_get(client, world, unit="999999", state="nonsense"))) == 5


@pytest.mark.django_db
def test_it_pages_a_long_round(client, world, office, monkeypatch):
    from duban.rounds import views

    monkeypatch.setattr(views, "ROUND_PAGE_SIZE", 2)
    client.force_login(office)
    first, last = _get(client, world), _get(client, world, page=3)
    assert _rows(first) == ["1甲局", "1丙局"] and _rows(last) == ["3乙局"]
    assert "第 1 / 3 页" in first.content.decode() and 'href="?page=2" rel="next"' in first.content.decode()


@pytest.mark.django_db
def test_after_accepting_it_offers_the_next_report_to_review(client, world, office):
    client.force_login(office)
    r1, r2, r3 = (Report.objects.get(round=world, task__number=n, role="lead") for n in "123")
    with time_machine.travel(at(DAY), tick=False):
        response = client.post(reverse("rounds:accept", args=[r1.pk]), follow=True)
        page = response.content.decode()
        assert "已采纳该报告" in page
        assert f'id="next-review" href="{reverse("rounds:report", args=[r2.pk])}"' in page
        assert "本次调度还有 2 份待" in page
        client.post(reverse("rounds:return", args=[r2.pk]), {"reason": "数据不全"})
        page = client.get(reverse("rounds:report", args=[r2.pk])).content.decode()
        assert f'id="next-review" href="{reverse("rounds:report", args=[r3.pk])}"' in page
        client.post(reverse("rounds:accept", args=[r3.pk]))
        page = client.get(reverse("rounds:report", args=[r3.pk])).content.decode()
    assert 'id="next-review"' not in page and "本次调度已没有其他待审报告" in page


@pytest.mark.django_db
def test_the_next_report_wraps_round_and_depends_on_who_reviews(world, office, liaison_a, head_a):
    r1, r2, r3 = (Report.objects.get(round=world, task__number=n, role="lead") for n in "123")
    assert next_waiting(office, r3) == r1 and next_waiting(office, r1) == r2
    assert set(waiting_for(office, world)) == {r1, r2, r3}
    # 甲局 leads task 1: 丙局's part of it waits for 甲局 once submitted
    part = Report.objects.get(round=world, task__number="1", unit__name="丙局")
    assert not waiting_for(liaison_a, world).exists()
    Report.objects.filter(pk=part.pk).update(status=Report.Status.SUBMITTED)
    assert list(waiting_for(liaison_a, world)) == [part]
    assert list(waiting_for(head_a, world)) == [part]


@pytest.mark.django_db
def test_the_round_list_tells_the_office_how_many_wait_in_each_round(client, world, office, liaison_a):
    client.force_login(office)
    with time_machine.travel(at(DAY), tick=False):
        page = client.get(reverse("rounds:list")).content.decode()
        assert f'href="{reverse("rounds:detail", args=[world.pk])}?state=review">待审核 3</a>' in page
        client.force_login(liaison_a)
        assert "待审核 3" not in client.get(reverse("rounds:list")).content.decode()
