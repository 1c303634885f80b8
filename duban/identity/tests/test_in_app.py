"""Sign-in inside the WeCom and DingTalk apps through their OAuth (stubs on localhost
following the published interfaces), and the links of messages sent into them."""
from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest
import requests

from duban.accounts.tests.util import events
from duban.identity.models import ExternalIdentity
from duban.notifications.actions import notify
from duban.jobs.models import Message
from duban.notifications.models import Preference, UnitRobot

pytestmark = pytest.mark.django_db

WECOM_UA = "Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Mobile/15E148 wxwork/4.1.20 MicroMessenger/7.0.1 Language/zh"
DINGTALK_UA = "Mozilla/5.0 (Linux; Android 13) AppleWebKit/537.36 Mobile Safari/537.36 AliApp(DingTalk/7.6.0)"


@pytest.fixture
def apps(identity_provider, settings):
    identity_provider.wecom_settings(settings)
    identity_provider.dingtalk_settings(settings)
    settings.DUBAN_SITE_URL = "http://testserver"
    return identity_provider


def in_app(client, start: str, user_id: str):
    """Open `start` in Duban, let the app's OAuth page answer as the person `user_id`
    (the stub reads who is signed in to the app from a cookie), come back to Duban."""
    to_app = client.get(start)
    assert to_app.status_code == 302, to_app
    answer = requests.get(to_app["Location"].split("#")[0], cookies={"stub_user": user_id}, allow_redirects=False,
                          timeout=30)
    assert answer.status_code == 302, answer.text
    back = urlparse(answer.headers["Location"])
    assert back.netloc == "testserver"
    return client.get(back.path, {k: v[0] for k, v in parse_qs(back.query).items()})


def test_it_signs_in_inside_wecom(client, apps, liaison_a):
    to_app = client.get("/identity/wecom/?next=/plans/mine/")
    query = parse_qs(urlparse(to_app["Location"]).query)
    assert to_app["Location"].endswith("#wechat_redirect")
    assert (query["scope"], query["agentid"], query["redirect_uri"]) == (
        ["snsapi_base"], ["1000002"], ["http://testserver/identity/wecom/callback/"])
    response = in_app(client, "/identity/wecom/?next=/plans/mine/", "liaison_a")
    assert response["Location"] == "/plans/mine/"
    assert int(client.session["_auth_user_id"]) == liaison_a.pk
    assert ExternalIdentity.objects.get(provider="wecom").subject == "liaison_a"
    assert events("auth.login")[-1].summary == "登录成功（企业微信/政务微信）"


def test_it_signs_in_inside_dingtalk(client, apps, liaison_a):
    response = in_app(client, "/identity/dingtalk/?next=/plans/mine/", "liaison_a")
    assert response["Location"] == "/plans/mine/"
    assert int(client.session["_auth_user_id"]) == liaison_a.pk
    assert events("auth.login")[-1].summary == "登录成功（钉钉/浙政钉）"


@pytest.mark.parametrize("start", ["/identity/wecom/", "/identity/dingtalk/"])
def test_it_refuses_people_outside_the_organisation(client, apps, start):
    response = in_app(client, start, "outsider")
    assert response["Location"] == "/accounts/login/" and "_auth_user_id" not in client.session
    assert "不是本单位成员" in client.get("/accounts/login/").content.decode()


def test_it_refuses_a_callback_of_another_session(client, apps, liaison_a):
    client.get("/identity/wecom/")
    response = client.get("/identity/wecom/callback/", {"code": "x", "state": "forged"})
    assert response["Location"] == "/accounts/login/"
    assert "state" in events("auth.login_failed")[-1].summary


def test_it_refuses_a_wrong_app_secret_with_a_clear_message(client, apps, settings, sysadmin):
    settings.DUBAN_WECOM = {**settings.DUBAN_WECOM, "secret": "wrong"}
    response = in_app(client, "/identity/wecom/", "liaison_a")
    assert response["Location"] == "/accounts/login/"
    assert "取企业微信应用凭证失败：40001" in client.get("/accounts/login/").content.decode()
    client.force_login(sysadmin)
    msgs = lambda r: " ".join(str(m) for m in r.context["messages"])  # noqa: E731
    assert "请检查 DUBAN_WECOM_CORP_ID" in msgs(client.post("/identity/test/wecom/", follow=True))
    assert "钉钉应用凭证有效" in msgs(client.post("/identity/test/dingtalk/", follow=True))


@pytest.mark.parametrize("ua, app", [(WECOM_UA, "wecom"), (DINGTALK_UA, "dingtalk")])
def test_a_page_opened_in_the_app_goes_through_its_sign_in(client, apps, ua, app):
    response = client.get("/plans/mine/", follow=True, HTTP_USER_AGENT=ua)
    assert response.redirect_chain[-1][0] == f"/identity/{app}/?next=%2Fplans%2Fmine%2F" or \
        any(f"/identity/{app}/?next=" in url for url, _ in response.redirect_chain)
    plain = client.get("/accounts/login/?next=/plans/mine/")
    assert plain.status_code == 200  # an ordinary browser gets the sign-in page


def test_messages_into_the_apps_open_the_item_signed_in(apps, liaison_a, units):
    Preference.objects.create(user=liaison_a, wecom_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
                              email=True)
    liaison_a.email = "a@example.gov.cn"
    liaison_a.save()
    UnitRobot.objects.create(unit=units["甲局"], channel="dingtalk", url="https://oapi.dingtalk.com/robot/send?access_token=t")
    notify([liaison_a], kind="reminder", title="催办：任务1", url="/plans/tasks/1/", units=[units["甲局"]])
    texts = {m.channel: m.body for m in Message.objects.all()}
    assert "http://testserver/identity/wecom/?next=%2Fplans%2Ftasks%2F1%2F" in texts["wecom"]
    assert "http://testserver/identity/dingtalk/?next=%2Fplans%2Ftasks%2F1%2F" in texts["dingtalk"]
    assert texts["email"].endswith("http://testserver/plans/tasks/1/")


def test_an_app_token_is_kept_for_the_server_that_issued_it(settings, identity_provider):
    """Issue 16: a token cached from one WeCom/DingTalk server (another test run's stub,
    or 企业微信 before the switch to 政务微信) was sent to another server with the same
    corp id and secret, which refused it (40014) and the sign-in failed."""
    from duban.identity import inapp
    from duban.lib.tests.test_outbound import Listener

    issued = []

    def gettoken(handler):
        issued.append(handler.path)
        body = b'{"errcode": 0, "errmsg": "ok", "access_token": "other-server-token", "expires_in": 7200}'
        handler.send_response(200)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    other = Listener(gettoken)
    try:
        identity_provider.wecom_settings(settings)
        identity_provider.dingtalk_settings(settings)
        first, ding_first = inapp.wecom_token(), inapp.dingtalk_token()
        assert inapp.wecom_token() == first  # kept
        settings.DUBAN_WECOM = {**settings.DUBAN_WECOM, "api_url": other.url}
        settings.DUBAN_DINGTALK = {**settings.DUBAN_DINGTALK, "oapi_url": other.url}
        assert inapp.wecom_token() == "other-server-token" and inapp.dingtalk_token() == "other-server-token"
        assert [p.split("?")[0] for p in issued] == ["/cgi-bin/gettoken", "/gettoken"]
        identity_provider.wecom_settings(settings)
        identity_provider.dingtalk_settings(settings)
        assert (inapp.wecom_token(), inapp.dingtalk_token()) == (first, ding_first)  # each server its own
    finally:
        other.close()
