"""Sessions: 30 minutes idle and 12 hours absolute end a session; sign-out deletes it;
"sign out everywhere" deletes them all; cookies HttpOnly and SameSite."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.sessions.models import Session
from django.test import Client

from duban.accounts.models import UserSession
from duban.security.models import SecurityPolicy

from .util import events, sign_in

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_it_keeps_a_session_used_within_30_minutes(client, office):
    with time_machine.travel(T0, tick=False) as clock:
        sign_in(client, "office")
        for _ in range(4):
            clock.shift(timedelta(minutes=29))
            assert client.get("/plans/").status_code == 200


def test_it_ends_a_session_idle_for_30_minutes(client, office):
    with time_machine.travel(T0, tick=False) as clock:
        sign_in(client, "office")
        key = client.session.session_key
        clock.shift(timedelta(minutes=30, seconds=1))
        response = client.get("/plans/")
        assert response.status_code == 302 and response.url.startswith("/accounts/login/?next=/plans/")
        assert not Session.objects.filter(session_key=key).exists()
        assert "空闲超过30分钟" in events("auth.session_expired")[0].summary
        assert "会话已结束" in client.get(response.url).content.decode()


def test_it_takes_the_idle_limit_from_the_policy(client, office):
    SecurityPolicy(session_idle_minutes=10).save()
    with time_machine.travel(T0, tick=False) as clock:
        sign_in(client, "office")
        clock.shift(timedelta(minutes=10, seconds=1))
        assert client.get("/plans/").status_code == 302


def test_it_ends_a_session_after_12_hours_however_busy(client, office):
    with time_machine.travel(T0, tick=False) as clock:
        sign_in(client, "office")
        for _ in range(24):
            clock.shift(timedelta(minutes=29))
            assert client.get("/plans/").status_code == 200  # 11 h 36 min
        clock.shift(timedelta(minutes=25))  # 12 h 1 min
        assert client.get("/plans/").status_code == 302
        assert "登录已超过12小时" in events("auth.session_expired")[0].summary


def test_it_deletes_the_session_on_sign_out(client, office):
    sign_in(client, "office")
    key = client.session.session_key
    assert Session.objects.filter(session_key=key).exists()
    assert client.post("/accounts/logout/").status_code == 302
    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(session_key=key).exists()
    assert events("auth.logout")[0].actor == office


def test_it_refuses_sign_out_by_get(client, office):
    sign_in(client, "office")
    assert client.get("/accounts/logout/").status_code == 405


def test_it_signs_out_everywhere(office):
    browsers = [Client() for _ in range(3)]
    for n, b in enumerate(browsers):
        sign_in(b, "office", address=f"10.0.0.{n + 1}")
    keys = [b.session.session_key for b in browsers]
    assert Session.objects.filter(session_key__in=keys).count() == 3
    listing = browsers[0].get("/accounts/sessions/").content.decode()
    assert "10.0.0.2" in listing and "10.0.0.3" in listing
    assert browsers[0].post("/accounts/sessions/").status_code == 302
    assert Session.objects.filter(session_key__in=keys).count() == 0
    assert browsers[1].get("/plans/").status_code == 302
    assert "3个会话" in events("auth.logout_all")[0].summary


def test_it_ends_other_sessions_when_the_password_changes(office):
    here, there = Client(), Client()
    sign_in(here, "office")
    sign_in(there, "office")
    from duban.conftest import PASSWORD

    here.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "Nx8$kfWq2r",
                                      "new_password2": "Nx8$kfWq2r"})
    assert here.get("/plans/").status_code == 200
    assert there.get("/plans/").status_code == 302


def test_it_sets_httponly_samesite_session_cookies(client, office):
    response = sign_in(client, "office")
    cookie = response.cookies["sessionid"]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == ""  # ends with the browser

