"""The extension form is offered only where a request can be accepted: past the
deadline in force (or with a request already waiting, or no deadline at all) the task
page says why and what to do instead, and the action refuses with the same words."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from duban.supervision import actions
from duban.supervision.models import ExtensionRequest

from .conftest import at

D = dt.date


def page(client, user, task):
    client.force_login(user)
    r = client.get(reverse("supervision:task", args=[task.pk]))
    assert r.status_code == 200
    return r.content.decode()


@pytest.mark.django_db
def test_it_offers_the_form_before_the_deadline(client, task1, liaison_a):
    with time_machine.travel(at(D(2026, 12, 31)), tick=False):  # the last day still counts
        html = page(client, liaison_a, task1)
    assert reverse("supervision:extension_new", args=[task1.pk]) in html and 'id="extension-blocked"' not in html


@pytest.mark.django_db
def test_it_says_why_and_what_to_do_instead_once_overdue(client, task1, liaison_a):
    with time_machine.travel(at(D(2027, 1, 1)), tick=False):
        html = page(client, liaison_a, task1)
        assert reverse("supervision:extension_new", args=[task1.pk]) not in html
        assert 'id="extension-blocked"' in html
        assert "完成时限 2026-12-31 已过" in html and "申请延期须在到期前提出" in html and "与督查室联系" in html
        with pytest.raises(actions.ActionError, match="申请延期须在到期前提出"):
            actions.request_extension(task1, actor=liaison_a, new_deadline=D(2027, 3, 1), reason="原因")
        # a post from a stale page is refused with the same words and changes nothing
        client.post(reverse("supervision:extension_new", args=[task1.pk]),
                    {"new_deadline": "2027-03-01", "reason": "原因"})
        html = client.get(reverse("supervision:task", args=[task1.pk])).content.decode()
    assert "延期申请未提交：完成时限 2026-12-31 已过" in html and not ExtensionRequest.objects.exists()


@pytest.mark.django_db
def test_an_approved_extension_moves_the_cut_off(client, task1, liaison_a, office):
    with time_machine.travel(at(D(2026, 12, 20)), tick=False):
        req = actions.request_extension(task1, actor=liaison_a, new_deadline=D(2027, 1, 31), reason="原因")
        actions.decide_extension(req, actor=office, approve=True)
    with time_machine.travel(at(D(2027, 1, 10)), tick=False):
        html = page(client, liaison_a, task1)
    assert reverse("supervision:extension_new", args=[task1.pk]) in html


@pytest.mark.django_db
def test_it_does_not_offer_a_second_request_while_one_waits(client, task1, liaison_a, liaison_c):
    with time_machine.travel(at(D(2026, 12, 1)), tick=False):
        actions.request_extension(task1, actor=liaison_a, new_deadline=D(2027, 1, 31), reason="原因")
        html = page(client, liaison_c, task1)
    assert reverse("supervision:extension_new", args=[task1.pk]) not in html
    assert "已有待审核的延期申请（甲局，申请延至 2027-01-31）" in html


@pytest.mark.django_db
def test_a_task_without_deadline_needs_no_extension(client, plan, liaison_b):
    task3 = plan.tasks.get(number="3")  # 持续推进
    html = page(client, liaison_b, task3)
    assert reverse("supervision:extension_new", args=[task3.pk]) not in html and "无需申请延期" in html
