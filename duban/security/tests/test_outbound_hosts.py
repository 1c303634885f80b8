"""The security administrator's allowlist of outgoing requests (外发地址白名单): the
defaults, adding and removing hosts (audited), Chinese refusals, and what the list
decides for the URLs people save."""
from __future__ import annotations

import pytest
from django.urls import reverse

from duban.audit.models import Event
from duban.lib import outbound
from duban.notifications.models import Preference
from duban.security.models import OutboundHost

URL = "/accounts/security/outbound/"


@pytest.mark.django_db
def test_it_starts_with_the_official_wecom_and_dingtalk_hosts(client, secadmin):
    assert URL == reverse("accounts:outbound_hosts")
    assert set(OutboundHost.objects.values_list("host", "allow_private")) == {
        ("qyapi.weixin.qq.com", False), ("oapi.dingtalk.com", False)}
    client.force_login(secadmin)
    page = client.get(URL).content.decode()
    assert "外发地址白名单" in page and "qyapi.weixin.qq.com" in page and "系统默认" in page


@pytest.mark.django_db
def test_the_security_administrator_adds_and_removes_a_host_and_it_is_audited(client, secadmin, liaison_a):
    client.force_login(secadmin)
    response = client.post(URL, {"host": "OA.Example.gov.cn", "allow_private": "on", "note": "区OA"})
    assert response.status_code == 302
    entry = OutboundHost.objects.get(host="oa.example.gov.cn")
    assert entry.allow_private and entry.created_by == secadmin
    assert Event.objects.filter(action="security.outbound_add", actor=secadmin).exists()
    assert outbound.check_url("http://oa.example.gov.cn:8080/hook").rule.allow_private
    # a liaison may now save a personal robot there
    client.force_login(liaison_a)
    saved = client.post(reverse("notifications:preferences"), {"wecom_url": "http://oa.example.gov.cn/robot"})
    assert saved.status_code == 302
    assert Preference.objects.get(user=liaison_a).wecom_url == "http://oa.example.gov.cn/robot"
    client.force_login(secadmin)
    assert client.post(reverse("accounts:outbound_host_delete", args=[entry.pk])).status_code == 302
    assert not OutboundHost.objects.filter(host="oa.example.gov.cn").exists()
    assert Event.objects.filter(action="security.outbound_remove", actor=secadmin).exists()
    with pytest.raises(outbound.Refused):
        outbound.check_url("http://oa.example.gov.cn/hook")


@pytest.mark.django_db
@pytest.mark.parametrize("host, message", [
    ("http://oa.example.gov.cn/x", "只填写主机名"),
    ("qyapi.weixin.qq.com", "该主机已在白名单中"),
    ("*.cn", "通配符至少要限定到二级域名"),
    ("", "请填写主机名"),
])
def test_it_refuses_a_bad_entry_in_chinese_and_stores_nothing(client, secadmin, host, message):
    client.force_login(secadmin)
    response = client.post(URL, {"host": host})
    assert response.status_code == 200 and message in response.content.decode()
    assert OutboundHost.objects.count() == 2


@pytest.mark.django_db
def test_only_the_security_administrator_keeps_the_list(client, office, sysadmin, liaison_a):
    for user in (office, sysadmin, liaison_a):
        client.force_login(user)
        assert client.get(URL).status_code == 403
        assert client.post(URL, {"host": "evil.example"}).status_code == 403
    assert not OutboundHost.objects.filter(host="evil.example").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["http://127.0.0.1:5432/", "http://169.254.169.254/latest/meta-data/",
                                 "http://192.168.1.1/", "http://evil.example/hook"])
def test_a_person_cannot_save_a_personal_robot_pointing_inside(client, liaison_a, url):
    client.force_login(liaison_a)
    response = client.post(reverse("notifications:preferences"), {"dingtalk_url": url})
    assert response.status_code == 200
    assert "钉钉机器人地址不能使用" in response.content.decode()
    assert not Preference.objects.filter(user=liaison_a).exclude(dingtalk_url="").exists()
