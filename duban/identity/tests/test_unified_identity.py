"""统一身份认证登录 against a real OpenID Connect provider (django-oauth-toolkit) and a
real CAS server (django-cas-server), both run on localhost by the tests."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest
import requests
from django_otp.plugins.otp_totp.models import TOTPDevice

from duban.accounts.models import Lockout, User, UserSession
from duban.accounts.tests.util import events
from duban.identity.models import ExternalIdentity

from .provider.setup import PASSWORD as IDP_PASSWORD

pytestmark = pytest.mark.django_db


def provider_sign_in(url: str, username: str) -> str:
    """Follow Duban's redirect to the provider, sign in there as `username`, and return
    the address the provider sends the browser back to (Duban's callback)."""
    browser = requests.Session()
    page = browser.get(url, allow_redirects=True, timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    form = {"csrfmiddlewaretoken": token, "username": username, "password": IDP_PASSWORD}
    if "/cas/" in page.url:
        for name in ("lt", "service", "method", "warn"):
            m = re.search(rf'name="{name}"[^>]*value="([^"]*)"', page.text)
            if m:
                form[name] = m.group(1)
    else:
        form["next"] = parse_qs(urlparse(page.url).query)["next"][0]
    answer = browser.post(page.url, data=form, allow_redirects=False, timeout=30)
    while answer.status_code == 302 and not answer.headers["Location"].startswith("http://testserver/"):
        answer = browser.get(requests.compat.urljoin(answer.url, answer.headers["Location"]), allow_redirects=False,
                             timeout=30)
    assert answer.status_code == 302, answer.text[:500]
    return answer.headers["Location"]


def _moves_on_to(response) -> str:
    """Where the signing-out page sends the browser next (its meta refresh)."""
    import html

    match = re.search(r'<meta http-equiv="refresh" content="0;url=([^"]+)">', response.content.decode())
    return html.unescape(match.group(1))


def _callback(client, location: str):
    parts = urlparse(location)
    return client.get(parts.path, parse_qs(parts.query, keep_blank_values=True) and
                      {k: v[0] for k, v in parse_qs(parts.query).items()})


@pytest.fixture
def oidc(identity_provider, settings):
    identity_provider.oidc_settings(settings)
    return identity_provider


@pytest.fixture
def cas(identity_provider, settings):
    identity_provider.cas_settings(settings)
    return identity_provider


def _start(client, path: str, next_url: str = "/plans/mine/") -> str:
    response = client.get(path, {"next": next_url})
    assert response.status_code == 302
    return response["Location"]


def test_the_sign_in_page_offers_unified_identity(client, oidc):
    body = client.get("/accounts/login/?next=/plans/mine/").content.decode()
    assert "统一身份认证登录" in body and "/identity/oidc/login/?next=%2Fplans%2Fmine%2F" in body


def test_it_signs_an_existing_person_in_by_oidc(client, oidc, liaison_a):
    back = provider_sign_in(_start(client, "/identity/oidc/login/"), "liaison_a")
    response = _callback(client, back)
    assert response.status_code == 302 and response["Location"] == "/plans/mine/"
    assert int(client.session["_auth_user_id"]) == liaison_a.pk
    assert ExternalIdentity.objects.get(provider="oidc").user == liaison_a
    assert events("auth.login")[-1].summary == "登录成功（统一身份认证（OIDC））"
    assert client.get("/plans/mine/").status_code == 200

    # Signing out of Duban goes on to the provider's sign-out with the ID token.
    response = client.post("/accounts/logout/")
    logout = urlparse(_moves_on_to(response))
    assert logout.path == "/o/logout/" and parse_qs(logout.query)["id_token_hint"][0].count(".") == 2
    assert not UserSession.objects.filter(user=liaison_a).exists()
    assert "（同时退出统一身份认证）" in events("auth.logout")[-1].summary


def test_it_makes_an_unknown_person_wait_for_approval(client, oidc):
    back = provider_sign_in(_start(client, "/identity/oidc/login/"), "newperson")
    response = _callback(client, back)
    assert response["Location"] == "/accounts/login/"
    assert "_auth_user_id" not in client.session
    user = User.objects.get(username="newperson")
    assert (user.is_active, user.full_name, user.phone, user.has_usable_password()) == (False, "新同事", "13900000001", False)
    page = client.get("/accounts/login/")
    assert "待系统管理员分配单位和角色" in page.content.decode()
    client.force_login(User.objects.create(username="admin1", role="sysadmin"))
    body = client.get("/identity/").content.decode()
    assert "首次登录的新人员" in body and "新同事" in body and f"/accounts/users/{user.pk}/" in body


def test_it_matches_by_mobile_number(client, oidc, liaison_b):
    liaison_b.phone = "13900000002"
    liaison_b.save()
    back = provider_sign_in(_start(client, "/identity/oidc/login/"), "byphone")
    _callback(client, back)
    assert int(client.session["_auth_user_id"]) == liaison_b.pk


def test_it_keeps_the_lock_and_the_second_factor(client, oidc, liaison_a, office):
    Lockout.objects.create(kind="account", key="liaison_a", until="2999-01-01T00:00:00+08:00")
    _callback(client, provider_sign_in(_start(client, "/identity/oidc/login/"), "liaison_a"))
    assert "_auth_user_id" not in client.session
    assert "锁定" in client.get("/accounts/login/").content.decode()

    TOTPDevice.objects.create(user=office, name="t", confirmed=True)
    response = _callback(client, provider_sign_in(_start(client, "/identity/oidc/login/"), "office"))
    assert response["Location"] == "/accounts/login/code/" and "_auth_user_id" not in client.session
    assert events("auth.password_ok")[-1].summary == "统一身份认证（OIDC）验证通过，等待动态验证码"


def test_it_never_signs_an_administrator_in_by_oidc(client, oidc, sysadmin):
    _callback(client, provider_sign_in(_start(client, "/identity/oidc/login/"), "sysadmin"))
    assert "_auth_user_id" not in client.session
    assert ExternalIdentity.objects.filter(user=sysadmin).count() == 0


def test_it_refuses_a_forged_callback(client, oidc):
    client.get("/identity/oidc/login/")
    response = client.get("/identity/oidc/callback/", {"error": "access_denied", "error_description": "用户拒绝授权"})
    assert response["Location"] == "/accounts/login/"
    assert "用户拒绝授权" in client.get("/accounts/login/").content.decode()


@pytest.mark.parametrize("version", ["2", "3"])
def test_it_signs_in_by_cas(client, identity_provider, settings, liaison_a, version):
    identity_provider.cas_settings(settings, version)
    body = client.get("/accounts/login/").content.decode()
    assert "/identity/cas/login/" in body
    back = provider_sign_in(_start(client, "/identity/cas/login/"), "liaison_a")
    response = _callback(client, back)
    assert response["Location"] == "/plans/mine/"
    assert int(client.session["_auth_user_id"]) == liaison_a.pk
    assert events("auth.login")[-1].summary == "登录成功（统一身份认证（CAS））"
    response = client.post("/accounts/logout/")
    assert _moves_on_to(response).startswith(identity_provider.url + "/cas/logout?")


def test_a_cas_person_unknown_to_duban_waits_with_their_name(client, cas):
    _callback(client, provider_sign_in(_start(client, "/identity/cas/login/"), "newperson"))
    user = User.objects.get(username="newperson")
    assert (user.is_active, user.full_name) == (False, "新同事")


def test_a_used_cas_ticket_is_refused(client, cas, liaison_a):
    back = provider_sign_in(_start(client, "/identity/cas/login/"), "liaison_a")
    _callback(client, back)
    client.post("/accounts/logout/")
    response = _callback(client, back)
    assert response["Location"] == "/accounts/login/" and "_auth_user_id" not in client.session
    assert "票据无效" in events("auth.login_failed")[-1].summary


def test_the_cas_server_signs_the_person_out_of_duban(client, cas, liaison_a):
    back = provider_sign_in(_start(client, "/identity/cas/login/"), "liaison_a")
    _callback(client, back)
    ticket = parse_qs(urlparse(back).query)["ticket"][0]
    logout_request = (f'<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="x" Version="2.0" '
                      f'IssueInstant="2026-01-01T00:00:00Z"><saml:NameID xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">'
                      f'liaison_a</saml:NameID><samlp:SessionIndex>{ticket}</samlp:SessionIndex></samlp:LogoutRequest>')
    from django.test import Client

    assert Client().post("/identity/cas/callback/", {"logoutRequest": logout_request}).content == b"ok"
    response = client.get("/plans/mine/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_admin_page_tests_both_connections(client, sysadmin, oidc, cas, settings):
    client.force_login(sysadmin)
    body = client.get("/identity/").content.decode()
    assert "统一身份认证（OIDC）" in body and "统一身份认证（CAS）" in body
    msgs = lambda r: " ".join(str(m) for m in r.context["messages"])  # noqa: E731
    assert "客户端标识和密钥有效" in msgs(client.post("/identity/test/oidc/", follow=True))
    assert "按 CAS 3.0 协议答复" in msgs(client.post("/identity/test/cas/", follow=True))
    settings.OIDC_RP_CLIENT_SECRET = "wrong"
    assert "不认可客户端 duban-test" in msgs(client.post("/identity/test/oidc/", follow=True))
    settings.DUBAN_CAS = {"url": "http://127.0.0.1:9/cas/", "version": "3"}
    failed = msgs(client.post("/identity/test/cas/", follow=True))  # names the setting, not the address
    assert "无法访问统一身份认证平台（CAS）（无法连接接收方）：请检查 DUBAN_CAS_URL" in failed and "127.0.0.1" not in failed


class _NoHTTP:
    """Stands in for `requests` inside the OIDC and CAS libraries: any use fails."""

    def __getattr__(self, name):
        raise AssertionError(f"the library used requests.{name} instead of duban.lib.outbound")


def test_the_libraries_own_http_calls_are_never_used(client, oidc, cas, liaison_a, monkeypatch):
    import cas as python_cas
    import mozilla_django_oidc.auth

    monkeypatch.setattr(mozilla_django_oidc.auth, "requests", _NoHTTP())
    monkeypatch.setattr(python_cas, "requests", _NoHTTP())
    _callback(client, provider_sign_in(_start(client, "/identity/oidc/login/"), "liaison_a"))
    assert int(client.session["_auth_user_id"]) == liaison_a.pk
    client.post("/accounts/logout/")
    response = _callback(client, provider_sign_in(_start(client, "/identity/cas/login/"), "liaison_a"))
    assert response["Location"] == "/plans/mine/" and int(client.session["_auth_user_id"]) == liaison_a.pk


def test_an_oidc_provider_that_cannot_be_reached_is_refused_in_chinese(client, oidc, settings):
    back = provider_sign_in(_start(client, "/identity/oidc/login/"), "liaison_a")
    settings.OIDC_OP_TOKEN_ENDPOINT = "http://127.0.0.1:9/o/token/"  # the provider went away
    response = _callback(client, back)
    assert response["Location"] == "/accounts/login/" and "_auth_user_id" not in client.session
    page = client.get("/accounts/login/").content.decode()
    assert "无法向统一身份认证平台核验这次登录" in page and "127.0.0.1:9" not in page
    assert events("auth.login_failed")[-1].summary.endswith("核验失败：无法连接接收方")
