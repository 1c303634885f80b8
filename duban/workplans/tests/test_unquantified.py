"""The office's list of tasks that still need a measurable milestone (量化细化)."""
from __future__ import annotations

import datetime as dt

from django.urls import reverse

from duban.plans.models import Task
from duban.workplans import actions
from duban.workplans.measures import tasks_needing_measurable

URL = reverse("workplans:unquantified")


def test_it_lists_tasks_without_targets_or_measurable_milestones(client, plan, office):
    client.force_login(office)
    response = client.get(URL)
    assert [t.number for t in response.context["tasks"]] == ["2", "3"]
    page = response.content.decode()
    assert "完成老旧小区改造" in page and "推进社区养老服务" in page and "市场主体" not in page
    assert dict(response.context["by_unit"]) == {"丙局": 1, "乙局": 1}
    assert response.context["total"] == 3


def test_it_drops_a_task_once_it_has_a_measurable_milestone(client, plan, office, units):
    t2 = Task.objects.get(number="2")
    actions.add_milestone(t2, actor=office, title="改造不少于300户", due=dt.date(2026, 8, 1), unit=units["丙局"],
                          is_measurable=True)
    assert [t.number for t in tasks_needing_measurable(Task.objects.all())] == ["3"]
    client.force_login(office)
    assert [t.number for t in client.get(URL).context["tasks"]] == ["3"]


def test_it_is_for_the_office_only(client, plan, leader, liaison_a, auditor):
    for user in (leader, liaison_a, auditor):
        client.force_login(user)
        assert client.get(URL).status_code == 403
