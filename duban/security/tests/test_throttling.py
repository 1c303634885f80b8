"""Issue 14 §6: request throttling for sign-in, token authentication and the API, per
address and per account, with the limits the security administrator sets; a request
over the limit is refused before any password or token is checked, answered 429 with
Retry-After, and counted in the audit log."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from duban.accounts import forms as sign_in_forms
from duban.api.tests.conftest import api, token_for  # noqa: F401  (fixtures)
from duban.audit.models import Event, Refusal
from duban.conftest import PASSWORD
from duban.security.models import SecurityPolicy

pytestmark = pytest.mark.django_db
T0 = timezone.make_aware(dt.datetime(2026, 11, 30, 9, 0, 5))
LOGIN = "/accounts/login/"


@pytest.fixture
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def policy(**values) -> None:
    SecurityPolicy.objects.update_or_create(pk=1, defaults=values)


@pytest.fixture
def checks(monkeypatch):
    """The passwords actually checked."""
    seen = []
    real = sign_in_forms.authenticate

    def counting(request, **credentials):
        seen.append(credentials["username"])
        return real(request, **credentials)

    monkeypatch.setattr(sign_in_forms, "authenticate", counting)
    return seen


def post(username, password=PASSWORD, address="10.5.0.1"):
    return Client().post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def test_the_defaults_are_the_documented_figures():
    p = SecurityPolicy()
    assert (p.sign_in_per_minute_address, p.sign_in_per_minute_account, p.api_per_minute,
            p.token_failures_per_minute) == (120, 20, 1200, 10)


def test_sign_ins_per_address_are_throttled_without_checking_the_password(clock, checks, office, leader, liaison_a):
    policy(sign_in_per_minute_address=5, lockout_address_threshold=0)  # the throttle alone
    names = ["office", "leader", "liaison_a", "nobody1", "nobody2"]
    for name in names:
        assert post(name, "Wrong-pass-1").status_code == 200
    response = post("office")  # the right password, the 6th sign-in from this address this minute
    assert response.status_code == 429 and int(response["Retry-After"]) == 55
    assert "登录请求过于频繁" in response.content.decode()
    assert checks == names  # the 6th password was never checked
    assert post("office", address="10.5.0.2").status_code == 302  # another address is not slowed down
    (event,) = Event.objects.filter(action="access.throttled")
    assert event.address == "10.5.0.1" and event.result == "denied"
    clock.shift(dt.timedelta(minutes=1))
    assert post("office").status_code == 302  # the next minute


def test_sign_ins_per_account_are_throttled_from_any_address(clock, checks, office):
    policy(sign_in_per_minute_account=3, lockout_threshold=10)
    for i in range(3):
        assert post("office", "Wrong-pass-1", address=f"10.6.0.{i}").status_code == 200
    assert post("office", address="10.6.0.9").status_code == 429
    assert len(checks) == 3
    assert Refusal.objects.get(kind="throttled").actor == office


def test_one_time_codes_are_throttled_per_account(clock, office):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    TOTPDevice.objects.create(user=office, name="动态验证码", confirmed=True)
    policy(sign_in_per_minute_account=3)
    client = Client()
    assert client.post(LOGIN, {"username": "office", "password": PASSWORD}, REMOTE_ADDR="10.7.0.1").status_code == 302
    codes = [client.post("/accounts/login/code/", {"token": "000000"}, REMOTE_ADDR="10.7.0.1").status_code
             for _ in range(3)]
    assert codes == [200, 200, 429]


def test_api_requests_per_account_are_throttled(clock, api, liaison_a, liaison_b):
    policy(api_per_minute=10)
    a, b = api(liaison_a), api(liaison_b)
    assert [a.get("/api/v1/tasks/", REMOTE_ADDR=f"10.8.0.{i}").status_code for i in range(11)] == [200] * 10 + [429]
    refused = a.get("/api/v1/tasks/", REMOTE_ADDR="10.8.1.1")
    assert refused.status_code == 429 and "请求过于频繁" in refused.json()["detail"] and refused["Retry-After"]
    assert b.get("/api/v1/tasks/", REMOTE_ADDR="10.8.2.1").status_code == 200
    clock.shift(dt.timedelta(minutes=1))
    assert a.get("/api/v1/tasks/", REMOTE_ADDR="10.8.0.1").status_code == 200


def test_api_requests_per_address_are_throttled_across_accounts(clock, api, liaison_a, liaison_b):
    policy(api_per_minute=10)
    a, b = api(liaison_a), api(liaison_b)
    for _ in range(5):
        assert a.get("/api/v1/tasks/", REMOTE_ADDR="10.9.0.1").status_code == 200
        assert b.get("/api/v1/tasks/", REMOTE_ADDR="10.9.0.1").status_code == 200
    assert b.get("/api/v1/tasks/", REMOTE_ADDR="10.9.0.1").status_code == 429


def test_made_up_tokens_are_throttled_per_address_before_any_lookup(clock, token_for, liaison_a):
    policy(token_failures_per_minute=3)
    stranger = Client()
    bad = {"HTTP_AUTHORIZATION": "Bearer dbn_" + "x" * 43, "REMOTE_ADDR": "10.10.0.1"}
    assert [stranger.get("/api/v1/tasks/", **bad).status_code for _ in range(3)] == [401] * 3
    good = {"HTTP_AUTHORIZATION": f"Bearer {token_for(liaison_a)}", "REMOTE_ADDR": "10.10.0.1"}
    assert stranger.get("/api/v1/tasks/", **good).status_code == 429  # even a good token, from there, this minute
    assert stranger.get("/api/v1/tasks/", **{**good, "REMOTE_ADDR": "10.10.0.2"}).status_code == 200
    clock.shift(dt.timedelta(minutes=1))
    assert stranger.get("/api/v1/tasks/", **good).status_code == 200


def test_the_security_administrator_sets_the_limits_on_the_policy_page(clock, client, secadmin):
    client.force_login(secadmin)
    body = client.get("/accounts/security/").content.decode()
    for label in ("登录限速：同一地址每分钟次数", "登录限速：同一账号每分钟次数", "接口限速：每分钟请求数",
                  "接口令牌错误：同一地址每分钟次数"):
        assert label in body


def test_the_api_schema_documents_the_429_every_operation_may_answer(clock, api, office, liaison_a):
    schema = api(office).get("/api/v1/schema/?format=json").json()
    operations = [(path, method, op) for path, item in schema["paths"].items()
                  for method, op in item.items() if method in ("get", "post", "put", "patch", "delete")]
    assert len(operations) > 10
    undocumented = [f"{m.upper()} {p}" for p, m, op in operations if "429" not in op["responses"]]
    assert not undocumented, undocumented
    documented = schema["paths"]["/api/v1/tasks/"]["get"]["responses"]["429"]
    assert "Retry-After" in documented["headers"]
    # and the real answer is the documented one: a JSON body with "detail", and Retry-After
    policy(api_per_minute=1)
    a = api(liaison_a)
    a.get("/api/v1/tasks/", REMOTE_ADDR="10.7.0.1")
    refused = a.get("/api/v1/tasks/", REMOTE_ADDR="10.7.0.1")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert set(documented["content"]["application/json"]["schema"]["required"]) <= set(refused.json())
