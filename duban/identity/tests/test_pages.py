"""The system administrator's page of sign-in paths (status, connection tests, directory
rules, the sync button) and the security administrator's approvals of what they ask (accounts:approvals)."""
from __future__ import annotations

import pytest

from duban.accounts.models import AccountChange, User
from duban.accounts.tests.util import events
from duban.identity.models import DirectoryRule, SyncRun

pytestmark = pytest.mark.django_db


def _messages(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


def test_it_is_for_the_system_administrator_only(client, office, secadmin, sysadmin):
    for person, status in ((office, 403), (secadmin, 403), (sysadmin, 200)):
        client.force_login(person)
        assert client.get("/identity/").status_code == status
    assert client.post("/identity/sync/").status_code == 302
    client.force_login(sysadmin)
    assert client.get("/accounts/security/approvals/").status_code == 403


def test_it_shows_which_paths_are_on(client, sysadmin, settings):
    settings.DUBAN_LDAP = {**settings.DUBAN_LDAP, "url": ""}
    client.force_login(sysadmin)
    body = client.get("/identity/").content.decode()
    assert "目录账号（LDAP/AD）" in body and "未开启" in body and "测试目录账号" not in body


def test_it_tests_the_directory_connection_in_chinese(client, sysadmin, directory, settings):
    directory.add_person("someone", "某人")
    client.force_login(sysadmin)
    response = client.post("/identity/test/ldap/", follow=True)
    assert "连接成功" in _messages(response)
    settings.DUBAN_LDAP = {**settings.DUBAN_LDAP, "bind_password": "wrong"}
    assert "cn=reader,dc=duban,dc=test 的密码不正确" in _messages(client.post("/identity/test/ldap/", follow=True))
    settings.DUBAN_LDAP = {**settings.DUBAN_LDAP, "url": "ldap://127.0.0.1:9"}
    assert "无法连接目录服务器 ldap://127.0.0.1:9" in _messages(client.post("/identity/test/ldap/", follow=True))
    settings.DUBAN_LDAP = {**directory.settings(), "user_base": "ou=missing,dc=duban,dc=test"}
    assert "没有人员查找位置 ou=missing" in _messages(client.post("/identity/test/ldap/", follow=True))
    assert [e.result for e in events("identity.test")] == ["ok", "failed", "failed", "failed"]


def test_it_synchronises_from_the_button(client, sysadmin, directory, units):
    ou = directory.add_ou("甲局")
    DirectoryRule.objects.create(kind="ou", dn=ou, unit_mode="fixed", unit=units["甲局"], role="liaison")
    directory.add_person("zhangsan", "张三", ou)
    client.force_login(sysadmin)
    response = client.post("/identity/sync/", follow=True)
    assert "目录同步完成：读取1人，新增1人" in _messages(response)
    run = SyncRun.objects.get()
    assert (run.trigger, run.actor) == ("button", sysadmin)
    assert "手动同步" in response.content.decode()


def test_it_saves_a_rule_and_refuses_a_bad_one(client, sysadmin, units):
    client.force_login(sysadmin)
    response = client.post("/identity/rules/new/", {"position": 1, "kind": "ou", "dn": "甲局", "unit_mode": "fixed",
                                                    "unit": "", "role": "liaison"})
    body = response.content.decode()
    assert "目录位置（DN）格式不正确" in body and "必须选一个单位" in body
    assert not DirectoryRule.objects.exists()
    response = client.post("/identity/rules/new/", {"position": 1, "kind": "group", "dn": "cn=g,dc=x",
                                                    "unit_mode": "none", "role": ""})
    assert "没有作用" in response.content.decode()
    client.post("/identity/rules/new/", {"position": 1, "kind": "ou", "dn": "ou=甲局,dc=x", "unit_mode": "fixed",
                                         "unit": units["甲局"].pk, "role": "liaison"})
    rule = DirectoryRule.objects.get()
    assert events("identity.rule_change")[-1].summary == "新增目录映射规则：组织单位（OU） ou=甲局,dc=x → 单位：甲局；角色：单位联络员"
    client.post(f"/identity/rules/{rule.pk}/delete/")
    assert not DirectoryRule.objects.exists()


def test_the_security_administrator_approves_or_rejects_on_the_one_approvals_page(client, secadmin, units, liaison_a):
    waiting = User.objects.create(username="new1", role="liaison", unit=units["乙局"], is_active=False)
    grant = AccountChange.objects.create(user=waiting, role="liaison", unit=units["乙局"], activate=True, source="ldap")
    other = AccountChange.objects.create(user=liaison_a, role="unit_head", unit=units["甲局"], source="ldap")
    client.force_login(secadmin)
    body = client.get("/accounts/security/approvals/").content.decode()
    assert "单位联络员·乙局，并启用账号" in body and "单位负责人·甲局" in body and "目录账号" in body
    client.post(f"/accounts/security/approvals/{grant.pk}/approve/")
    client.post(f"/accounts/security/approvals/{other.pk}/reject/")
    waiting.refresh_from_db()
    liaison_a.refresh_from_db()
    assert waiting.is_active and liaison_a.role == "liaison"
    response = client.post(f"/accounts/security/approvals/{grant.pk}/reject/", follow=True)
    assert "该申请已被处理" in _messages(response)
    assert client.post(f"/accounts/security/approvals/{grant.pk}/drop/").status_code == 404
