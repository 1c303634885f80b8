"""Supervision pages: who sees what (404 for another unit), who may act (403), and
the forms going through to the actions."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from duban.supervision import actions
from duban.supervision.models import CompletionRequest, ExtensionRequest, Instruction, Notice, StatusRules

from .conftest import at

D = dt.date


@pytest.fixture
def notice(task1, office, units):
    with time_machine.travel(at(D(2026, 11, 28)), tick=False):
        return actions.issue_notice(task1, actor=office, level=Notice.Level.NOTICE, units=[units["甲局"]],
                                    facts="进展滞后。", requirement="请回复。", reply_by=D(2026, 12, 5))


def client_for(client, user):
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_it_hides_a_units_notice_from_another_unit(client, notice, liaison_b):
    c = client_for(client, liaison_b)
    for name in ("notice", "notice_docx", "notice_pdf"):
        assert c.get(reverse(f"supervision:{name}", args=[notice.pk])).status_code == 404
    assert c.post(reverse("supervision:notice_reply", args=[notice.pk]), {"text": "x"}).status_code == 404
    assert c.get(reverse("supervision:task", args=[notice.task_id])).status_code == 404
    assert notice.number not in c.get(reverse("supervision:index")).content.decode()


@pytest.mark.django_db
def test_it_lets_leaders_read_but_not_act(client, notice, leader):
    c = client_for(client, leader)
    assert c.get(reverse("supervision:notice", args=[notice.pk])).status_code == 200
    assert c.post(reverse("supervision:notice_close", args=[notice.pk])).status_code == 403
    assert c.post(reverse("supervision:notice_reply", args=[notice.pk]), {"text": "x"}).status_code == 403
    assert c.get(reverse("supervision:notice_new", args=[notice.task_id])).status_code == 403


@pytest.mark.django_db
def test_it_gives_admin_roles_nothing(client, notice, sysadmin):
    c = client_for(client, sysadmin)
    assert c.get(reverse("supervision:notice", args=[notice.pk])).status_code == 404
    assert c.get(reverse("supervision:index")).status_code == 403


@pytest.mark.django_db
def test_it_issues_replies_and_closes_through_the_pages(client, task1, office, liaison_a, units):
    c = client_for(client, office)
    page = c.get(reverse("supervision:notice_new", args=[task1.pk]))
    assert page.status_code == 200 and "签发督办单" in page.content.decode()
    response = c.post(reverse("supervision:notice_new", args=[task1.pk]), {
        "level": "notice", "units": [units["甲局"].pk], "facts": "事项", "requirement": "要求", "reply_by": "2099-12-05",
    })
    notice = Notice.objects.get()
    assert response.status_code == 302 and response.url == reverse("supervision:notice", args=[notice.pk])
    docx = c.get(reverse("supervision:notice_docx", args=[notice.pk]))
    assert docx.status_code == 200 and docx["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in docx["Content-Disposition"]
    c.logout()
    c = client_for(client, liaison_a)
    assert "回复督办单" in c.get(reverse("supervision:notice", args=[notice.pk])).content.decode()
    c.post(reverse("supervision:notice_reply", args=[notice.pk]), {"text": "已办理"})
    notice.refresh_from_db()
    assert notice.status == "replied" and notice.replies.get().text == "已办理"
    c.logout()
    c = client_for(client, office)
    c.post(reverse("supervision:notice_close", args=[notice.pk]), {"note": "办结"})
    notice.refresh_from_db()
    assert notice.status == "closed"


@pytest.mark.django_db
def test_it_rejects_a_bad_notice_form_with_chinese_messages(client, task1, office):
    c = client_for(client, office)
    response = c.post(reverse("supervision:notice_new", args=[task1.pk]), {"level": "notice", "reply_by": "明天"})
    text = response.content.decode()
    assert response.status_code == 200
    assert "请至少选择一个督办单位" in text and "回复期限应为日期" in text
    assert not Notice.objects.exists()


@pytest.mark.django_db
def test_it_handles_extension_and_completion_forms(client, task1, office, liaison_a, liaison_b):
    with time_machine.travel(at(D(2026, 12, 1)), tick=False):
        c = client_for(client, liaison_b)
        assert c.post(reverse("supervision:extension_new", args=[task1.pk]), {}).status_code == 404
        c = client_for(client, liaison_a)
        c.post(reverse("supervision:extension_new", args=[task1.pk]), {"new_deadline": "2026-11-01", "reason": "x"})
        assert not ExtensionRequest.objects.exists()  # earlier than the deadline: refused
        c.post(reverse("supervision:extension_new", args=[task1.pk]), {"new_deadline": "2027-02-01", "reason": "原因"})
        req = ExtensionRequest.objects.get()
        assert c.post(reverse("supervision:extension_decide", args=[req.pk]), {"decision": "approve"}).status_code == 403
        c.post(reverse("supervision:completion_new", args=[task1.pk]), {"evidence": "完成"})
        claim = CompletionRequest.objects.get()
        assert c.post(reverse("supervision:completion_verify", args=[claim.pk])).status_code == 403
        c = client_for(client, office)
        c.post(reverse("supervision:extension_decide", args=[req.pk]), {"decision": "refuse", "note": "理由不充分"})
        assert ExtensionRequest.objects.get().status == "refused"
        c.post(reverse("supervision:completion_verify", args=[claim.pk]))
        page = c.get(reverse("supervision:task", args=[task1.pk])).content.decode()
        assert "已销号" in page
        c.post(reverse("supervision:reopen", args=[task1.pk]), {"reason": "复查"})
        assert "重新启动：复查" in c.get(reverse("supervision:task", args=[task1.pk])).content.decode()


@pytest.mark.django_db
def test_it_needs_the_leader_when_the_rules_say_so(task1, office, leader, liaison_a):
    rules = StatusRules.current()
    rules.extension_needs_leader = True
    rules.save()
    with time_machine.travel(at(D(2026, 12, 1)), tick=False):
        req = actions.request_extension(task1, actor=liaison_a, new_deadline=D(2027, 1, 15), reason="原因")
        actions.decide_extension(req, actor=office, approve=True)
        req.refresh_from_db()
        assert req.status == "leader_pending"
        from duban.supervision.deadlines import effective_deadline

        assert effective_deadline(task1) == D(2026, 12, 31)
        actions.decide_extension(req, actor=leader, approve=True)
        assert effective_deadline(task1) == D(2027, 1, 15)


@pytest.mark.django_db
def test_it_lets_a_leader_instruct_and_units_acknowledge(client, task1, leader, liaison_a, liaison_c, liaison_b):
    c = client_for(client, leader)
    c.post(reverse("supervision:instruction_new", args=[task1.pk]), {"text": "要抓紧推进。"})
    instruction = Instruction.objects.get()
    assert sorted(a.unit.name for a in instruction.acks.all()) == ["丙局", "甲局"]
    c = client_for(client, liaison_b)
    assert c.post(reverse("supervision:instruction_ack", args=[instruction.pk])).status_code == 404
    c = client_for(client, liaison_a)
    assert "待签收的领导批示" in c.get(reverse("supervision:index")).content.decode()
    c.post(reverse("supervision:instruction_ack", args=[instruction.pk]))
    assert instruction.acks.get(unit=liaison_a.unit).acknowledged_by == liaison_a
    assert c.post(reverse("supervision:instruction_ack", args=[instruction.pk])).status_code == 403


@pytest.mark.django_db
def test_it_lets_the_office_change_the_rules(client, office, liaison_a):
    c = client_for(client, liaison_a)
    assert c.get(reverse("supervision:rules")).status_code == 403
    c = client_for(client, office)
    data = {"red_when_overdue": "on", "red_missed_rounds": 3, "yellow_days_before": 10, "yellow_milestone_overdue": "on",
            "yellow_report_returned": "on", "yellow_lag_points": 15, "reminder_days": "7，3,x",
            "fingerprint": c.get(reverse("supervision:rules")).context["form"]["fingerprint"].value()}
    response = c.post(reverse("supervision:rules"), data)
    assert "“x”不对" in response.content.decode()
    assert StatusRules.current().yellow_days_before == 7
    data["reminder_days"] = "1,14,3"
    c.post(reverse("supervision:rules"), data)
    rules = StatusRules.current()
    assert (rules.yellow_days_before, rules.reminder_days, rules.reminder_offsets()) == (10, "14,3,1", [14, 3, 1])


@pytest.mark.django_db
def test_it_renders_the_status_partial(task1):
    from django.template.loader import render_to_string

    from duban.status.facts import task_status

    html = render_to_string("supervision/_status.html", {"status": task_status(task1, D(2026, 12, 28))})
    assert 'class="badge yellow"' in html and "剩余 3 天" in html
