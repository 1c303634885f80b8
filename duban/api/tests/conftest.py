"""API test helpers: a token for any of the shared test people, and a client that
sends it."""
from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from duban.api.tokens import create_token


@pytest.fixture
def token_for(db):
    """token_for(user) → a fresh token string for `user`."""

    def make(user, **kwargs):
        kwargs.setdefault("expires_at", None)
        return create_token(user, name="测试", **kwargs)[1]

    return make


@pytest.fixture
def api(token_for):
    """api(user) → an APIClient that authenticates as `user` with a bearer token;
    api(None) → one with no credentials."""

    def make(user=None):
        client = APIClient()
        if user is not None:
            client.credentials(HTTP_AUTHORIZATION=f"Bearer {token_for(user)}")
        return client

    return make


@pytest.fixture
def objects(plan, office, liaison_a, units):
    """Unit A's things, one of each kind the API serves: task 1, a milestone, a round
    about task 1 only (unit B has no slot in it), unit A's report, a notice to unit A."""
    import datetime as dt
    from types import SimpleNamespace

    from django.utils import timezone

    from duban.plans.models import Task
    from duban.rounds.actions import open_round
    from duban.rounds.models import Report
    from duban.supervision.actions import issue_notice
    from duban.workplans.models import Milestone

    today = timezone.localdate()
    task = Task.objects.get(plan=plan, number="1")
    milestone = Milestone.objects.create(task=task, title="甲局节点", due=today + dt.timedelta(days=30),
                                         unit=units["甲局"])
    rnd = open_round(plan, actor=office, name="本月调度", period_start=today.replace(day=1), period_end=today,
                     opens_on=today, due_on=today + dt.timedelta(days=5), scope_kind="tasks", tasks=[task])
    report = Report.objects.get(round=rnd, task=task, unit=units["甲局"])
    notice = issue_notice(task, actor=office, level="notice", units=[units["甲局"]], facts="进度滞后",
                          requirement="按期报送", reply_by=today + dt.timedelta(days=10))
    return SimpleNamespace(task=task, milestone=milestone, round=rnd, report=report, notice=notice,
                           target=task.targets.get(), plan=plan)
