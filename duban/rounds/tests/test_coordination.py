"""需协调事项: raised in reports, listed for the addressee and the office, answered, closed."""
from __future__ import annotations

import pytest
from django.urls import reverse

from duban.rounds import actions
from duban.rounds.models import CoordinationItem, Report


@pytest.fixture
def item(open_round, liaison_a, leader, units):
    rnd = open_round()
    report = Report.objects.get(round=rnd, task__number="1", unit__name="甲局")
    report = actions.save_report_draft(report, actor=liaison_a, version=report.version, data={
        "progress_status": "difficult", "progress": "受阻。",
        "coordination": [{"to": f"leader:{leader.leader_id}", "text": "请协调用地。"},
                         {"to": f"unit:{units['乙局'].pk}", "text": "请乙局提供数据。"}],
    })
    actions.submit_report(report, actor=liaison_a)
    return CoordinationItem.objects.get(addressed_to_leader=leader.leader)


@pytest.mark.django_db
def test_it_lists_items_for_the_leader_the_unit_and_the_office(client, item, leader, liaison_b, office):
    client.force_login(leader)
    page = client.get(reverse("rounds:coordination")).content.decode()
    assert "请协调用地。" in page and "请乙局提供数据。" not in page
    client.force_login(liaison_b)
    page = client.get(reverse("rounds:coordination")).content.decode()
    assert "请乙局提供数据。" in page and "请协调用地。" not in page
    client.force_login(office)
    page = client.get(reverse("rounds:coordination")).content.decode()
    assert "请协调用地。" in page and "请乙局提供数据。" in page


@pytest.mark.django_db
def test_it_lets_the_leader_respond_and_close(client, item, leader, liaison_b):
    client.force_login(liaison_b)
    assert client.post(reverse("rounds:coordination_respond", args=[item.pk]), {"response": "x"}).status_code == 404
    client.force_login(leader)
    client.post(reverse("rounds:coordination_respond", args=[item.pk]), {"response": "已协调自然资源部门。"})
    item.refresh_from_db()
    assert item.response == "已协调自然资源部门。" and item.responded_by == leader and item.is_open
    client.post(reverse("rounds:coordination_respond", args=[item.pk]), {"action": "close"})
    item.refresh_from_db()
    assert item.status == "closed" and item.closed_by == leader
    from duban.rounds.views import open_items_for_task

    assert item not in open_items_for_task(item.task)


@pytest.mark.django_db
def test_it_does_not_raise_an_item_twice_on_resubmission(item, office, liaison_a):
    report = item.report
    actions.return_report(report, actor=office, reason="补充")
    report.refresh_from_db()
    actions.submit_report(report, actor=liaison_a)
    assert CoordinationItem.objects.filter(report=report).count() == 2
