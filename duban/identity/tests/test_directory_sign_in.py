"""Signing in with the directory password (real slapd): the account is made or linked
from the directory, role grants wait for the security administrator, and the local
path's rules (lockout, second factor, audit naming the path) hold."""
from __future__ import annotations

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from duban.accounts.models import Lockout, User
from duban.accounts.tests.util import events, sign_in
from duban.conftest import PASSWORD as LOCAL_PASSWORD
from duban.accounts import approvals
from duban.accounts.models import AccountChange
from duban.identity.models import DirectoryRule, ExternalIdentity
from duban.security.models import SecurityPolicy

from .slapd import PASSWORD, PEOPLE

pytestmark = pytest.mark.django_db


@pytest.fixture
def jia_people(directory, units):
    """ou=甲局 maps to unit 甲局 as liaisons; zhangsan works there."""
    ou = directory.add_ou("甲局")
    DirectoryRule.objects.create(position=1, kind="ou", dn=ou, unit_mode="fixed", unit=units["甲局"], role="liaison")
    directory.add_person("zhangsan", "张三", ou, phone="010-1234")
    return ou


def _approve_all(secadmin):
    for grant in AccountChange.objects.filter(status="pending"):
        approvals.approve(grant, actor=secadmin)


def test_it_makes_an_account_waiting_for_approval_at_first_sign_in(client, jia_people, units, secadmin):
    response = sign_in(client, "zhangsan", PASSWORD)
    assert "待安全管理员审批" in response.content.decode()
    user = User.objects.get(username="zhangsan")
    assert (user.is_active, user.role, user.unit, user.full_name, user.phone) == (False, "liaison", units["甲局"], "张三", "010-1234")
    assert not user.has_usable_password()
    assert ExternalIdentity.objects.get(user=user).dn == f"uid=zhangsan,{jia_people}"
    grant = AccountChange.objects.get(user=user)
    assert (grant.status, grant.activate, grant.source) == ("pending", True, "ldap")

    approvals.approve(grant, actor=secadmin)
    response = sign_in(client, "zhangsan", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/plans/mine/").status_code == 200
    login = events("auth.login")[-1]
    assert login.summary == "登录成功（目录账号）" and login.actor_id == user.pk


def test_it_refuses_a_wrong_directory_password_and_locks_the_account(client, jia_people, secadmin):
    sign_in(client, "zhangsan", PASSWORD)
    _approve_all(secadmin)
    policy = SecurityPolicy.current()
    for _ in range(policy.lockout_threshold):
        response = sign_in(client, "zhangsan", "Wrong-pass-1")
    assert Lockout.objects.filter(kind="account", key="zhangsan").exists()
    response = sign_in(client, "zhangsan", PASSWORD)
    assert "锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_never_signs_an_administrator_in_through_the_directory(client, directory, sysadmin):
    directory.add_person("sysadmin", "冒名", PEOPLE, password="Dir-admin-2026")
    assert "_auth_user_id" not in sign_in(client, "sysadmin", "Dir-admin-2026").wsgi_request.session
    assert not ExternalIdentity.objects.exists()
    sign_in(client, "sysadmin", LOCAL_PASSWORD)
    assert int(client.session["_auth_user_id"]) == sysadmin.pk


def test_it_links_a_local_account_of_the_same_name(client, jia_people, liaison_a, secadmin, directory):
    directory.add_person("liaison_a", "联络员甲", jia_people)
    sign_in(client, "liaison_a", PASSWORD)
    liaison_a.refresh_from_db()
    assert ExternalIdentity.objects.filter(user=liaison_a, provider="ldap").exists()
    assert not liaison_a.has_usable_password()  # the directory password from now on
    assert int(client.session["_auth_user_id"]) == liaison_a.pk  # same unit and role: nothing to approve
    assert not AccountChange.objects.filter(user=liaison_a).exists()


def test_it_asks_for_the_second_factor_a_directory_password_is_not_one(client, directory, secadmin):
    ou = directory.add_ou("督查室")
    DirectoryRule.objects.create(kind="ou", dn=ou, role="office")
    directory.add_person("dcs", "督查员", ou)
    sign_in(client, "dcs", PASSWORD)
    _approve_all(secadmin)
    policy = SecurityPolicy.current()
    policy.require_2fa_for_staff = True
    policy.save()
    response = sign_in(client, "dcs", PASSWORD)
    assert response["Location"] == "/accounts/two-factor/enrol/"
    assert "_auth_user_id" not in client.session
    assert events("auth.password_ok")[-1].summary == "目录账号验证通过，等待动态验证码"

    user = User.objects.get(username="dcs")
    TOTPDevice.objects.create(user=user, name="t", confirmed=True)
    response = sign_in(client, "dcs", PASSWORD)
    assert response["Location"] == "/accounts/login/code/"


def test_it_refuses_people_no_rule_maps(client, directory):
    directory.add_person("stranger", "外人")
    response = sign_in(client, "stranger", PASSWORD)
    assert "用户名或密码不正确" in response.content.decode()
    assert not User.objects.filter(username="stranger").exists()


def test_it_falls_back_to_a_refusal_when_the_directory_is_down(client, jia_people, settings, secadmin):
    sign_in(client, "zhangsan", PASSWORD)
    _approve_all(secadmin)
    settings.DUBAN_LDAP = {**settings.DUBAN_LDAP, "url": "ldap://127.0.0.1:9"}
    response = sign_in(client, "zhangsan", PASSWORD)
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert events("auth.directory_error")
