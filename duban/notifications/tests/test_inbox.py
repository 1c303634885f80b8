"""The inbox: unread counts in the navigation, opening and reading, preferences."""
from __future__ import annotations

import pytest
from django.urls import reverse

from duban.notifications.actions import notify
from duban.notifications.models import Notification, Preference


@pytest.mark.django_db
def test_it_shows_the_unread_count_in_the_navigation(client, liaison_a, liaison_b):
    notify([liaison_a], kind="test", title="第一条", url=reverse("supervision:index"))
    notify([liaison_a, liaison_a], kind="test", title="第二条")  # once per person
    client.force_login(liaison_a)
    page = client.get(reverse("notifications:inbox")).content.decode()
    assert "收件箱 <span class=\"badge red\" aria-label=\"2 条未读\">2</span>" in page
    assert "第一条" in page and "第二条" in page
    first = Notification.objects.get(title="第一条")
    response = client.post(reverse("notifications:open", args=[first.pk]))
    assert response.status_code == 302 and response.url == reverse("supervision:index")
    assert Notification.objects.filter(recipient=liaison_a, read_at__isnull=True).count() == 1
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(recipient=liaison_a, read_at__isnull=True).exists()
    client.force_login(liaison_b)
    assert client.post(reverse("notifications:open", args=[first.pk])).status_code == 404


@pytest.mark.django_db
def test_it_saves_channel_preferences_with_clear_messages(client, liaison_a):
    client.force_login(liaison_a)
    response = client.post(reverse("notifications:preferences"), {"email": "on", "address": "", "wecom_url": "不是网址"})
    text = response.content.decode()
    assert "选择电子邮件通知时请填写邮箱地址" in text and "企业微信机器人地址应为" in text
    assert not Preference.objects.filter(user=liaison_a, email=True).exists()
    client.post(reverse("notifications:preferences"),
                {"email": "on", "address": "a@example.gov.cn", "wecom_url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"})
    pref = Preference.objects.get(user=liaison_a)
    liaison_a.refresh_from_db()
    assert pref.email and pref.wecom_url.startswith("https://qyapi") and liaison_a.email == "a@example.gov.cn"
