"""Every sign-in, failure, sign-out and password change is one audit row with time,
person, source address, action, object and result."""
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from duban.audit.models import Event
from duban.conftest import PASSWORD

from .util import sign_in

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_it_records_the_whole_sign_in_story(client, office):
    with time_machine.travel(T0, tick=False):
        sign_in(client, "office", "Wrong-pass-1", address="10.3.3.3")
        sign_in(client, "office", address="10.3.3.3")
        client.post("/accounts/password/", {"old_password": PASSWORD, "new_password1": "Nx8$kfWq2r",
                                            "new_password2": "Nx8$kfWq2r"}, REMOTE_ADDR="10.3.3.3")
        client.post("/accounts/logout/", REMOTE_ADDR="10.3.3.3")
    rows = list(Event.objects.filter(action__startswith="auth.").order_by("id"))
    assert [(e.action, e.result) for e in rows] == [
        ("auth.login_failed", "failed"), ("auth.login", "ok"), ("auth.password_change", "ok"), ("auth.logout", "ok")]
    for e in rows:
        assert e.at == T0
        assert e.address == "10.3.3.3"
        assert e.object_type == "user" and e.object_id == str(office.pk)
    assert rows[0].actor is None and "office" in rows[0].summary  # who tried, though not signed in
    assert all(e.actor == office and e.actor_name == "office" for e in rows[1:])


def test_it_takes_the_client_address_from_a_trusted_proxy_only(client, office, settings):
    settings.DUBAN_TRUSTED_PROXIES = ["10.0.0.254"]
    sign_in(client, "office", "Wrong-pass-1", address="10.0.0.99")
    client.post("/accounts/login/", {"username": "office", "password": "x"},
                REMOTE_ADDR="10.0.0.254", HTTP_X_FORWARDED_FOR="1.2.3.4, 10.8.8.8")
    client.post("/accounts/login/", {"username": "office", "password": "x"},
                REMOTE_ADDR="10.0.0.98", HTTP_X_FORWARDED_FOR="10.8.8.9")  # not a proxy: header ignored
    assert list(Event.objects.filter(action="auth.login_failed").order_by("id").values_list("address", flat=True)) == [
        "10.0.0.99", "10.8.8.8", "10.0.0.98"]
