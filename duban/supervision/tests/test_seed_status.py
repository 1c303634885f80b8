"""The seed plan as of 2026-11-28 with no progress recorded: 12, 65, 66 red; 97 yellow."""
from __future__ import annotations

import datetime as dt

import pytest

from duban.status.facts import status_for_tasks


@pytest.mark.django_db
def test_it_lights_the_seed_plan_as_the_issue_says():
    from duban.web.demo import load_seed_plan

    plan = load_seed_plan()
    tasks = {t.number: t.pk for t in plan.tasks.all()}
    statuses = status_for_tasks(plan.tasks.all(), dt.date(2026, 11, 28))
    color = {n: statuses[pk].color for n, pk in tasks.items()}
    assert {n for n, c in color.items() if c == "red"} == {"12", "65", "66"}
    assert {n for n, c in color.items() if c == "yellow"} == {"97"}
    assert color["1"] == "green"
    assert statuses[tasks["97"]].text == "完成时限 2026-11-30，剩余 2 天"
    assert statuses[tasks["12"]].text == "完成时限 2026-10-01，已逾期 58 天"
