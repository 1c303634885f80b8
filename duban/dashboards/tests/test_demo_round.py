"""The demo's first dispatch round: a deterministic mix of reports, shown on the dashboard."""
from __future__ import annotations

import datetime as dt
from collections import Counter

from django.urls import reverse

from duban.rounds.models import Report, Round
from duban.web.demo import load_demo_round, load_seed_plan

from .conftest import AS_OF, get_page, local_date, rows


def test_it_makes_a_past_due_round_with_a_mix_of_reports(db, client):
    from duban.accounts.models import User

    load_seed_plan()
    rnd = load_demo_round()
    assert rnd.name == "2026年10月调度（演示数据）" and rnd.due_on == dt.date(2026, 11, 5) < AS_OF
    reports = list(Report.objects.filter(round=rnd))
    states = Counter(r.state(AS_OF) for r in reports)
    assert set(states) == {"accepted", "submitted", "late", "returned", "missing"}
    assert states["missing"] == sum(1 for i in range(len(reports)) if i % 20 >= 16)
    for r in reports:
        if r.first_submitted_at:
            assert "（演示数据）" in r.progress and r.versions.count() == 1
            assert local_date(r.first_submitted_at) <= AS_OF
    assert load_demo_round() is None and Round.objects.count() == 1  # once only

    office = User.objects.create(username="office", role="office")
    client.force_login(office)
    row = rows(get_page(client, reverse("dashboards:overview")), "//table[@id='trend-table']")[0]
    on_time = sum(1 for r in reports if r.first_submitted_at and local_date(r.first_submitted_at) <= rnd.due_on)
    assert row[:6] == [rnd.name, "2026-11-05", str(len(reports)), str(on_time),
                       str(states["late"] + sum(1 for r in reports if r.state(AS_OF) != "late" and r.first_submitted_at
                                                   and local_date(r.first_submitted_at) > rnd.due_on)),
                       str(states["missing"])]
