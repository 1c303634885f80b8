"""A milestone due after its task's deadline in force is warned about where it is set
(the milestone list, the save message), told to the office (inbox), and listed on the
office's 督办 page; an approved extension moves the line."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from duban.notifications.models import Notification
from duban.plans.models import Task
from duban.supervision import actions as supervision
from duban.workplans import actions

NOW = timezone.make_aware(dt.datetime(2026, 3, 1, 10))
HX = {"HTTP_HX_REQUEST": "true"}
D = dt.date


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def t1(plan):
    return Task.objects.get(number="1")  # deadline 2026-12-31, lead 甲局


def add(client, task, unit, due, title="完成市场主体培育方案"):
    return client.post(reverse("workplans:add", args=[task.pk]),
                       {"add-title": title, "add-due": due, "add-unit": unit.pk, "add-owner": "张伟"}, **HX)


@pytest.mark.django_db
def test_it_warns_the_unit_that_sets_a_milestone_after_the_deadline(client, t1, liaison_a, units, office):
    client.force_login(liaison_a)
    page = add(client, t1, units["甲局"], "2027-02-28").content.decode()
    assert "注意：完成时间 2027-02-28 晚于任务完成时限 2026-12-31" in page and "已提示督查室" in page
    assert 'id="milestones-after-deadline"' in page and "晚于完成时限</span>" in page
    assert "请在到期前申请延期" in page
    note = Notification.objects.get(recipient=office, kind="milestone.after_deadline")
    assert "「完成市场主体培育方案」完成时间 2027-02-28 晚于第1项任务完成时限 2026-12-31" in note.title
    # the task page shows it to whoever opens it, the office included
    client.force_login(office)
    html = client.get(reverse("plans:task", args=[t1.pk])).content.decode()
    assert 'id="milestones-after-deadline"' in html and "请督促责任单位调整节点时间或申请延期" in html


@pytest.mark.django_db
def test_a_milestone_on_or_before_the_deadline_is_quiet(client, t1, liaison_a, units, office):
    client.force_login(liaison_a)
    page = add(client, t1, units["甲局"], "2026-12-31").content.decode()
    assert "晚于" not in page and 'id="milestones-after-deadline"' not in page
    assert not Notification.objects.filter(kind="milestone.after_deadline").exists()


@pytest.mark.django_db
def test_moving_a_milestone_past_the_deadline_tells_the_office_once(t1, liaison_a, units, office):
    m = actions.add_milestone(t1, actor=liaison_a, title="验收", due=D(2026, 11, 30), unit=units["甲局"])
    m = actions.update_milestone(m, actor=liaison_a, version=m.version, due=D(2027, 1, 15))
    m = actions.update_milestone(m, actor=liaison_a, version=m.version, title="组织验收")  # still late, no news
    assert Notification.objects.filter(kind="milestone.after_deadline").count() == 1


@pytest.mark.django_db
def test_the_office_sees_every_late_milestone_on_its_supervision_page(client, t1, liaison_a, units, office):
    late = actions.add_milestone(t1, actor=liaison_a, title="全面验收", due=D(2027, 1, 20), unit=units["甲局"])
    actions.add_milestone(t1, actor=liaison_a, title="中期评估", due=D(2026, 9, 30), unit=units["甲局"])
    done = actions.add_milestone(t1, actor=liaison_a, title="已办完的", due=D(2027, 1, 5), unit=units["甲局"])
    actions.complete_milestone(done, actor=liaison_a, version=done.version, done_on=D(2026, 3, 1), evidence="已完成")
    client.force_login(office)
    html = client.get(reverse("supervision:index")).content.decode()
    assert 'id="late-milestones"' in html and "全面验收" in html and "2027-01-20" in html
    assert "中期评估" not in html and "已办完的" not in html
    client.force_login(liaison_a)
    assert 'id="late-milestones"' not in client.get(reverse("supervision:index")).content.decode()

    # An approved extension past the milestone: no longer late anywhere.
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 12, 1, 10)), tick=False):
        req = supervision.request_extension(t1, actor=liaison_a, new_deadline=D(2027, 2, 28), reason="工期顺延")
        supervision.decide_extension(req, actor=office, approve=True)
        client.force_login(office)
        html = client.get(reverse("supervision:index")).content.decode()
        assert "全面验收" not in html
        page = client.get(reverse("plans:task", args=[t1.pk])).content.decode()
        assert 'id="milestones-after-deadline"' not in page
    assert not late.is_after(actions.deadline_in_force(t1, D(2026, 12, 1)))
