"""A unit's group robots: set up by the unit's own people, used for messages to the unit."""
from __future__ import annotations

import pytest
from django.urls import reverse

from duban.audit.models import Event
from duban.notifications.actions import notify
from duban.jobs.models import Message
from duban.notifications.models import UnitRobot

URL = "/inbox/unit-robots/"
HOOK = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc"


@pytest.mark.django_db
def test_a_liaison_adds_a_robot_for_their_unit_and_messages_to_the_unit_go_to_it(client, liaison_a, units):
    client.force_login(liaison_a)
    assert URL == reverse("notifications:unit_robots")
    response = client.post(URL, {"channel": "wecom", "url": HOOK})
    assert response.status_code == 302
    robot = UnitRobot.objects.get()
    assert (robot.unit, robot.channel, robot.url, robot.active) == (units["甲局"], "wecom", HOOK, True)
    assert Event.objects.filter(action="notification.robot_add", actor=liaison_a).exists()
    page = client.get(URL).content.decode()
    assert "企业微信" in page and "key=abc" in page
    notify([], kind="test", title="催办提醒", units=[units["甲局"]])
    notify([], kind="test", title="别的单位", units=[units["乙局"]])
    assert list(Message.objects.values_list("channel", "target", "subject")) == [("wecom", HOOK, "催办提醒")]


@pytest.mark.django_db
@pytest.mark.parametrize("data, message", [
    ({"channel": "wecom", "url": ""}, "请填写机器人地址"),
    ({"channel": "wecom", "url": "ftp://x.example/h"}, "必须以 http:// 或 https:// 开头"),
    ({"channel": "wecom", "url": "http://127.0.0.1:5432/"}, "不在安全管理员允许的外发地址白名单中"),
    ({"channel": "wecom", "url": "http://169.254.169.254/latest/meta-data/"}, "不在安全管理员允许的外发地址白名单中"),
    ({"channel": "dingtalk", "url": "https://robot.example.com/send"}, "不在安全管理员允许的外发地址白名单中"),
    ({"channel": "dingtalk", "url": "https://user:pw@oapi.dingtalk.com/robot/send"}, "不能包含用户名或密码"),
    ({"channel": "qq", "url": HOOK}, "渠道只能是企业微信或钉钉"),
])
def test_bad_input_is_refused_in_chinese_and_nothing_is_stored(client, liaison_a, data, message):
    client.force_login(liaison_a)
    response = client.post(URL, data)
    assert response.status_code == 200 and message in response.content.decode()
    assert not UnitRobot.objects.exists()


@pytest.mark.django_db
def test_the_same_address_twice_is_refused(client, liaison_a, units):
    UnitRobot.objects.create(unit=units["甲局"], channel="wecom", url=HOOK)
    client.force_login(liaison_a)
    response = client.post(URL, {"channel": "wecom", "url": HOOK})
    assert "本单位已添加过这个机器人地址" in response.content.decode()
    assert UnitRobot.objects.count() == 1


@pytest.mark.django_db
def test_toggle_and_delete_are_for_the_units_own_people(client, liaison_a, head_a, liaison_b, units):
    robot = UnitRobot.objects.create(unit=units["甲局"], channel="dingtalk", url=HOOK)
    client.force_login(liaison_b)
    assert client.post(reverse("notifications:unit_robot_toggle", args=[robot.pk]), {"active": "0"}).status_code == 404
    assert client.post(reverse("notifications:unit_robot_delete", args=[robot.pk])).status_code == 404
    robot.refresh_from_db()
    assert robot.active
    client.force_login(head_a)
    client.post(reverse("notifications:unit_robot_toggle", args=[robot.pk]), {"active": "0"})
    robot.refresh_from_db()
    assert not robot.active
    notify([], kind="test", title="停用后", units=[units["甲局"]])
    assert not Message.objects.exists()
    client.post(reverse("notifications:unit_robot_delete", args=[robot.pk]))
    assert not UnitRobot.objects.exists()
    assert Event.objects.filter(action="notification.robot_delete", actor=head_a).exists()
