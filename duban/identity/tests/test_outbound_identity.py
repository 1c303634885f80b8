"""Every request to an identity provider goes through duban.lib.outbound (issue 14 §1):
the providers' hosts of the deployment's configuration are allowed (intranet addresses
included) for identity requests only, every other host stays refused, a provider's
redirect is never followed, the connection tests' failures name no address, and the
security administrator's allowlist page shows the configured hosts read-only. Against
real listeners on this machine (duban.lib.tests.test_outbound.Listener)."""
from __future__ import annotations

import json
import socket

import pytest
from django.urls import reverse

from duban.identity import inapp, net
from duban.identity.tests.provider import constants as stubs
from duban.lib import outbound
from duban.lib.tests.test_outbound import Listener
from duban.notifications.models import Preference

pytestmark = pytest.mark.django_db


def _json_answer(data: dict, status: int = 200):
    def answer(handler):
        body = json.dumps(data).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
    return answer


def _redirect_to(url: str):
    def answer(handler):
        handler.send_response(302)
        handler.send_header("Location", url)
        handler.send_header("Content-Length", "0")
        handler.end_headers()
    return answer


@pytest.fixture
def wecom_api():
    one = Listener(_json_answer({"errcode": 0, "errmsg": "ok", "access_token": "tok", "expires_in": 7200}))
    yield one
    one.close()


@pytest.fixture
def elsewhere():
    """Another host (here: another port) nobody configured; records what reaches it."""
    one = Listener()
    yield one
    one.close()


def _wecom(settings, api_url: str) -> None:
    settings.DUBAN_WECOM = {"corp_id": stubs.CORP_ID, "agent_id": stubs.AGENT_ID, "secret": stubs.CORP_SECRET,
                            "api_url": api_url, "oauth_url": api_url + "/connect/oauth2/authorize"}


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_configured_provider_host_is_allowed_with_its_intranet_address(settings, wecom_api):
    # 127.0.0.1 is not on the security administrator's list, and is a loopback address
    with pytest.raises(outbound.Refused):
        outbound.check_url(wecom_api.url + "/cgi-bin/gettoken")
    _wecom(settings, wecom_api.url)
    assert inapp.wecom_token(fresh=True) == "tok"
    assert [r["path"].split("?")[0] for r in wecom_api.requests] == ["/cgi-bin/gettoken"]
    assert f"corpid={stubs.CORP_ID}" in wecom_api.requests[0]["path"]
    rule = outbound.current_policy().rule_for("127.0.0.1", outbound.IDENTITY)
    assert (rule.allow_private, rule.settings) == (True, ("DUBAN_WECOM_API_URL",))


def test_a_configured_host_serves_only_identity_requests(settings, wecom_api, liaison_a, client):
    """A robot or webhook address a person saves cannot reach the identity platform."""
    _wecom(settings, wecom_api.url)
    with pytest.raises(outbound.Refused, match="不在安全管理员允许的外发地址白名单中"):
        outbound.post_json(wecom_api.url + "/cgi-bin/gettoken", {})
    client.force_login(liaison_a)
    response = client.post(reverse("notifications:preferences"), {"wecom_url": wecom_api.url + "/robot"})
    assert response.status_code == 200 and "不在安全管理员允许的外发地址白名单中" in response.content.decode()
    assert not Preference.objects.filter(user=liaison_a).exclude(wecom_url="").exists()
    assert wecom_api.requests == []


def test_a_host_nobody_configured_stays_refused_for_identity_requests(settings, wecom_api, elsewhere):
    _wecom(settings, wecom_api.url)
    elsewhere_url = f"http://localhost:{elsewhere.port}/cgi-bin/gettoken"  # another host name, same machine
    with pytest.raises(outbound.Refused):
        net.call("GET", elsewhere_url)
    with pytest.raises(outbound.Refused):
        outbound.request("GET", elsewhere_url, purpose=outbound.IDENTITY)
    assert elsewhere.requests == []
    # the path switched off: its host is no longer allowed
    settings.DUBAN_WECOM = {**settings.DUBAN_WECOM, "corp_id": ""}
    with pytest.raises(outbound.Refused):
        net.call("GET", wecom_api.url + "/cgi-bin/gettoken")
    assert wecom_api.requests == []


def test_a_redirect_from_the_provider_is_not_followed(settings, elsewhere, client, sysadmin):
    bouncer = Listener(_redirect_to(elsewhere.url + "/stolen"))
    try:
        _wecom(settings, bouncer.url)
        with pytest.raises(inapp.AppError, match="不跟随跳转"):
            inapp.wecom_token(fresh=True)
        settings.DUBAN_CAS = {"url": bouncer.url + "/cas/", "version": "3"}
        client.force_login(sysadmin)
        response = client.post("/identity/test/cas/", follow=True)
        message = " ".join(str(m) for m in response.context["messages"])
        assert "不跟随跳转" in message and "DUBAN_CAS_URL" in message
        assert len(bouncer.requests) == 2
    finally:
        bouncer.close()
    assert elsewhere.requests == []


@pytest.mark.parametrize("path, setting", [("cas", "DUBAN_CAS_URL"), ("wecom", "DUBAN_WECOM_API_URL")])
def test_the_connection_test_button_fails_in_chinese_without_the_address(settings, client, sysadmin, path, setting):
    port = _closed_port()
    url = f"http://127.0.0.1:{port}"
    settings.DUBAN_CAS = {"url": url + "/cas/", "version": "3"}
    _wecom(settings, url)
    client.force_login(sysadmin)
    response = client.post(f"/identity/test/{path}/", follow=True)
    message = " ".join(str(m) for m in response.context["messages"])
    assert "无法连接接收方" in message and setting in message
    for detail in ("127.0.0.1", str(port), "Errno", "Connection", "refused", "http://"):
        assert detail not in message
    assert "连接成功" not in message


def test_the_allowlist_page_shows_the_configured_hosts_read_only(settings, client, secadmin):
    settings.DUBAN_CAS = {"url": "https://cas.intranet.example.gov.cn/cas/", "version": "3"}
    settings.DUBAN_DINGTALK = {**settings.DUBAN_DINGTALK, "client_id": "k", "client_secret": "s",
                               "api_url": "https://api.dingtalk.com", "oapi_url": "https://oapi.dingtalk.com"}
    client.force_login(secadmin)
    page = client.get(reverse("accounts:outbound_hosts")).content.decode()
    rows = [r for r in page.split("<tr") if "部署配置" in r and "<code>" in r]
    hosts = {r.split("<code>")[1].split("</code>")[0] for r in rows}
    assert hosts == {"cas.intranet.example.gov.cn", "api.dingtalk.com", "oapi.dingtalk.com"}
    cas_row = next(r for r in rows if "cas.intranet" in r)
    assert "DUBAN_CAS_URL" in cas_row and "允许" in cas_row and "删除" not in cas_row and "<form" not in cas_row
    # the administrator's own rows are still there, with their delete buttons
    assert page.count(">删除</button>") == 2
    # nothing configured: no deployment rows
    settings.DUBAN_CAS = {"url": "", "version": "3"}
    settings.DUBAN_DINGTALK = {**settings.DUBAN_DINGTALK, "client_id": ""}
    assert "cas.intranet" not in client.get(reverse("accounts:outbound_hosts")).content.decode()
