"""Notifications leaving Duban through the outbox (duban.jobs.outbox): email over real
SMTP, WeCom and DingTalk robot formats over HTTP, retries, and two senders never
sending one message twice."""
from __future__ import annotations

import threading
from email import message_from_bytes
from email.header import decode_header, make_header

import pytest
from django.core.management import call_command
from django.db import connection

from duban.jobs.channels import robot_payload
from duban.jobs.models import Message as Delivery
from duban.jobs.outbox import send_due as send_pending
from duban.notifications.actions import notify
from duban.notifications.models import Notification, Preference, UnitRobot


def test_it_uses_the_robot_text_format():
    assert robot_payload("你好") == {"msgtype": "text", "text": {"content": "你好"}}


@pytest.mark.django_db
def test_it_sends_email_through_a_real_smtp_server(smtp_server, liaison_a):
    liaison_a.email = "liaison@example.gov.cn"
    liaison_a.save()
    Preference.objects.create(user=liaison_a, email=True)
    notify([liaison_a], kind="test", title="催办提醒：第1项任务剩余 7 天", body="请抓紧推进", url="/supervision/tasks/1/")
    assert send_pending() == {"sent": 1, "failed": 0, "skipped": 0}
    [envelope] = smtp_server
    assert envelope.rcpt_tos == ["liaison@example.gov.cn"]
    msg = message_from_bytes(envelope.content)
    assert str(make_header(decode_header(msg["Subject"]))) == "【督办系统】催办提醒：第1项任务剩余 7 天"
    assert "请抓紧推进" in msg.get_payload(decode=True).decode("utf-8")
    assert Delivery.objects.get().status == "sent"
    assert send_pending()["sent"] == 0  # nothing left


@pytest.mark.django_db
def test_it_posts_to_personal_and_unit_robots(robot_server, liaison_a, units):
    Preference.objects.create(user=liaison_a, wecom_url=f"{robot_server.url}/wecom", dingtalk_url=f"{robot_server.url}/ding")
    UnitRobot.objects.create(unit=units["甲局"], channel="wecom", url=f"{robot_server.url}/unit")
    notify([liaison_a], kind="test", title="督办通知单", body="请回复", units=[units["甲局"]])
    assert send_pending()["sent"] == 3
    paths = sorted(p for p, _ in robot_server.posts)
    assert paths == ["/ding", "/unit", "/wecom"]
    for _, payload in robot_server.posts:
        assert payload["msgtype"] == "text" and payload["text"]["content"].startswith("【督办系统】督办通知单\n请回复")


@pytest.mark.django_db
def test_it_retries_a_refused_robot_and_keeps_the_error(robot_server, liaison_a):
    Preference.objects.create(user=liaison_a, dingtalk_url=f"{robot_server.url}/fail")
    notify([liaison_a], kind="test", title="x")
    assert send_pending()["failed"] == 1
    d = Delivery.objects.get()
    assert d.status == "queued" and d.attempts == 1 and "93000" in d.last_error and d.next_attempt_at > d.created_at
    assert send_pending()["failed"] == 0  # not before its next attempt time


@pytest.mark.django_db
def test_it_reports_an_unreachable_robot(liaison_a, allow_local_listeners):
    from .conftest import free_port

    Preference.objects.create(user=liaison_a, wecom_url=f"http://127.0.0.1:{free_port()}/x")
    notify([liaison_a], kind="test", title="x")
    assert send_pending()["failed"] == 1
    assert Delivery.objects.get().last_error == "无法连接接收方"


@pytest.mark.django_db
def test_it_never_sends_to_a_robot_url_the_allowlist_no_longer_allows(robot_server, liaison_a):
    from duban.security.models import OutboundHost

    Preference.objects.create(user=liaison_a, wecom_url=f"{robot_server.url}/wecom")
    OutboundHost.objects.filter(host="127.0.0.1").delete()  # the security administrator removed it
    notify([liaison_a], kind="test", title="x")
    assert send_pending()["failed"] == 1
    d = Delivery.objects.get()
    assert d.status == "failed" and "白名单" in d.last_error  # refused: no retry
    assert robot_server.posts == []


@pytest.mark.django_db(transaction=True)
def test_it_never_sends_one_delivery_twice_with_two_senders(robot_server, liaison_a):
    Preference.objects.create(user=liaison_a, wecom_url=f"{robot_server.url}/wecom")
    for i in range(20):
        notify([liaison_a], kind="test", title=f"消息{i}")
    barrier = threading.Barrier(2)
    errors = []

    def sender(name):
        try:
            barrier.wait()
            send_pending(worker=name)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sender, args=(f"w{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    contents = [p["text"]["content"] for _, p in robot_server.posts]
    assert len(contents) == 20 and len(set(contents)) == 20
    assert Delivery.objects.filter(status="sent").count() == 20


@pytest.mark.django_db
def test_it_runs_from_the_send_outbox_job(robot_server, liaison_a, capsys):
    Preference.objects.create(user=liaison_a, wecom_url=f"{robot_server.url}/wecom")
    notify([liaison_a], kind="test", title="x")
    call_command("run_job", "send_outbox")
    assert "发送 1 条，失败 0 条" in capsys.readouterr().out
    assert Notification.objects.filter(recipient=liaison_a).count() == 1
    assert Delivery.objects.get().status == "sent"
