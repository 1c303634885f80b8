"""Round list, the open-round form, the round grid (and its htmx partial), 'my reports'."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from duban.rounds.models import Cadence, Report, Round
from duban.rounds.tests.conftest import at


@pytest.mark.django_db
def test_it_lets_the_office_open_a_round_for_some_tasks(client, plan, office):
    client.force_login(office)
    assert client.get(reverse("rounds:open")).status_code == 200
    t1 = plan.tasks.get(number="1")
    r = client.post(reverse("rounds:open"), {
        "name": "2026年11月调度", "plan": plan.pk, "period_start": "2026-11-01", "period_end": "2026-11-30",
        "opens_on": "2026-11-25", "due_on": "2026-11-30", "scope_kind": "tasks", "tasks": [t1.pk],
    })
    rnd = Round.objects.get()
    assert r.status_code == 302 and set(rnd.reports.values_list("unit__name", flat=True)) == {"甲局", "丙局"}


@pytest.mark.django_db
def test_it_explains_a_bad_open_form_in_chinese(client, plan, office):
    client.force_login(office)
    r = client.post(reverse("rounds:open"), {
        "name": "x", "plan": plan.pk, "period_start": "2026-11-30", "period_end": "2026-11-01",
        "opens_on": "2026-11-25", "due_on": "2026-11-20", "scope_kind": "sections",
    })
    page = r.content.decode()
    assert "调度期止不能早于调度期起" in page and "报送截止日期不能早于开始填报日期" in page and "请至少选择一个章节" in page
    assert not Round.objects.exists()


@pytest.mark.django_db
def test_it_refuses_the_open_form_to_units(client, plan, liaison_a):
    client.force_login(liaison_a)
    assert client.get(reverse("rounds:open")).status_code == 403


@pytest.mark.django_db
def test_it_shows_the_grid_and_its_htmx_partial(client, open_round, office, liaison_a):
    rnd = open_round()
    with time_machine.travel(at(dt.date(2026, 12, 1)), tick=False):
        client.force_login(office)
        page = client.get(reverse("rounds:detail", args=[rnd.pk])).content.decode()
        assert 'hx-trigger="every 10s"' in page and "缺报" in page
        partial = client.get(reverse("rounds:detail", args=[rnd.pk]), HTTP_HX_REQUEST="true").content.decode()
        assert "<html" not in partial and 'id="round-reports"' in partial and "各单位报送情况" in page
        client.force_login(liaison_a)
        mine = client.get(reverse("rounds:mine")).content.decode()
    assert "全年新增市场主体" in mine and "完成老旧小区改造" in mine and "推进社区养老服务" not in mine


@pytest.mark.django_db
def test_it_lets_the_office_set_a_cadence(client, plan, office):
    client.force_login(office)
    with time_machine.travel(at(dt.date(2026, 11, 27)), tick=False):
        client.force_login(office)
        client.post(reverse("rounds:cadence_create"), {
            "plan": plan.pk, "frequency": "monthly", "open_days_before_end": 5, "due_day_offset": 5,
            "starts_on": "2026-11-01",
        })
    assert Cadence.objects.get().created_by == office
    assert Round.objects.get().name == "2026年11月调度" and Report.objects.count() == 5
