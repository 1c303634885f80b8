"""Leaders in the loop: where the rules ask for the lead leader's consent to an
extension (延期须牵头领导同意), the leader is notified, decides on the leader page,
and the office sees the decision; a leader sees every pending decision in one list."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from duban.conftest import _user
from duban.notifications.models import Notification
from duban.org.models import Leader
from duban.rounds.models import CoordinationItem, Report
from duban.supervision import actions
from duban.supervision.decisions import pending_decisions
from duban.supervision.models import ExtensionRequest, RequestStatus, StatusRules
from duban.supervision.tests.conftest import at

DAY = dt.date(2026, 11, 20)


@pytest.fixture
def sent_to_leader(plan, office, leader, liaison_a):
    """Task 1's extension request, approved by the office with a note and sent on to 李明."""
    StatusRules.objects.update_or_create(pk=1, defaults={"extension_needs_leader": True})
    task = plan.tasks.get(number="1")
    with time_machine.travel(at(DAY), tick=False):
        req = actions.request_extension(task, actor=liaison_a, new_deadline=dt.date(2027, 3, 31), reason="受审批影响")
        actions.decide_extension(req, actor=office, approve=True, note="理由属实")
    req.refresh_from_db()
    assert req.status == RequestStatus.LEADER_PENDING
    return req


@pytest.mark.django_db
def test_the_leader_is_notified_and_approves_on_the_leader_page(client, sent_to_leader, office, leader):
    req = sent_to_leader
    note = Notification.objects.get(recipient=leader, kind="extension.leader")
    assert "延期至 2027-03-31" in note.title
    page_url = reverse("plans:leader", args=[leader.leader_id])
    client.force_login(leader)
    with time_machine.travel(at(DAY + dt.timedelta(days=1)), tick=False):
        page = client.get(page_url).content.decode()
        assert "待我决定的事项（1）" in page and f'action="{reverse("supervision:extension_decide", args=[req.pk])}"' in page
        response = client.post(reverse("supervision:extension_decide", args=[req.pk]),
                               {"decision": "approve", "note": "同意，务必按期完成", "next": page_url}, follow=True)
    assert response.redirect_chain[-1][0] == page_url and "已同意延期申请" in response.content.decode()
    assert "待我决定的事项（0）" in response.content.decode()
    req.refresh_from_db()
    assert req.status == RequestStatus.APPROVED and req.leader_by == leader and req.reply_number
    assert req.note == "理由属实\n李明：同意，务必按期完成"  # the office's opinion is kept
    # the office hears it, and sees it on the supervision page and the task's page
    told = Notification.objects.get(recipient=office, kind="extension.leader_approved")
    assert told.title.startswith("李明同意") and told.body == "同意，务必按期完成"
    client.force_login(office)
    with time_machine.travel(at(DAY + dt.timedelta(days=1)), tick=False):
        index = client.get(reverse("supervision:index")).content.decode()
        task_page = client.get(reverse("supervision:task", args=[req.task_id])).content.decode()
    section = index[index.index('id="leader-decided"'):]
    assert "李明" in section and "已同意" in section and "同意，务必按期完成" in section
    assert "牵头领导审批：leader" in task_page


@pytest.mark.django_db
def test_a_refusal_needs_a_reason_and_changes_nothing_without_one(client, sent_to_leader, office, leader):
    req = sent_to_leader
    client.force_login(leader)
    page_url = reverse("plans:leader", args=[leader.leader_id])
    with time_machine.travel(at(DAY + dt.timedelta(days=1)), tick=False):
        response = client.post(reverse("supervision:extension_decide", args=[req.pk]),
                               {"decision": "refuse", "note": " ", "next": page_url}, follow=True)
        assert "不同意时请填写理由" in response.content.decode()
        req.refresh_from_db()
        assert req.status == RequestStatus.LEADER_PENDING
        client.post(reverse("supervision:extension_decide", args=[req.pk]),
                    {"decision": "refuse", "note": "不符合延期条件", "next": page_url})
    req.refresh_from_db()
    assert req.status == RequestStatus.REFUSED
    assert Notification.objects.get(recipient=office, kind="extension.leader_refused").title.startswith("李明不同意")


@pytest.mark.django_db
def test_it_never_redirects_off_the_site(client, sent_to_leader, leader):
    client.force_login(leader)
    with time_machine.travel(at(DAY + dt.timedelta(days=1)), tick=False):
        response = client.post(reverse("supervision:extension_decide", args=[sent_to_leader.pk]),
                               {"decision": "approve", "next": "https://evil.example/"})
    assert response["Location"] == reverse("supervision:task", args=[sent_to_leader.task_id])


@pytest.mark.django_db
def test_a_leader_sees_every_pending_decision_in_one_list(client, sent_to_leader, plan, office, leader, units):
    from duban.rounds.actions import open_round

    task = plan.tasks.get(number="1")
    with time_machine.travel(at(DAY + dt.timedelta(days=1)), tick=False):
        rnd = open_round(plan, actor=office, name="11月调度", period_start=dt.date(2026, 11, 1),
                         period_end=dt.date(2026, 11, 30), opens_on=dt.date(2026, 11, 1), due_on=dt.date(2026, 11, 30))
        CoordinationItem.objects.create(report=Report.objects.get(round=rnd, task=task, unit=units["甲局"]), task=task,
                                        text="请协调用地指标", raised_by_unit=units["甲局"],
                                        addressed_to_leader=leader.leader)
    with time_machine.travel(at(DAY + dt.timedelta(days=2)), tick=False):
        interview = actions.issue_notice(task, actor=office, level="interview", units=[units["甲局"]],
                                         facts="进度滞后", requirement="请约谈", reply_by=dt.date(2026, 11, 30))
    decisions = pending_decisions(leader.leader)
    assert [d.kind for d in decisions] == ["extension", "coordination", "interview"]  # oldest first
    other = _user("wangfang", "leader", leader=Leader.objects.get(name="王芳"))
    assert pending_decisions(other.leader) == []
    client.force_login(leader)
    with time_machine.travel(at(DAY + dt.timedelta(days=2)), tick=False):
        page = client.get(reverse("plans:leader", args=[leader.leader_id])).content.decode()
        assert "待我决定的事项（3）" in page and "请协调用地指标" in page and interview.number in page
        assert f'action="{reverse("rounds:coordination_respond", args=[decisions[1].obj.pk])}"' in page
        # the office looking at the leader's page sees the list, without the leader's forms
        client.force_login(office)
        page = client.get(reverse("plans:leader", args=[leader.leader_id])).content.decode()
    assert "待李明决定的事项（3）" in page and "extension_decide" not in page and "/decide/" not in page
    assert ExtensionRequest.objects.get().status == RequestStatus.LEADER_PENDING
