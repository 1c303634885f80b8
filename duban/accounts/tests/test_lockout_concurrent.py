"""Issue 14 §6: the lockout counts failures sent at once exactly. Thirty wrong
passwords posted in parallel check no more than five (the threshold); the rest are
refused before any password is checked. Real threads, each with its own database
connection, on SQLite and on PostgreSQL."""
from __future__ import annotations

import threading
import time

import pytest
from django.db import connections
from django.test import Client

from duban.accounts import forms as sign_in_forms
from duban.accounts.models import Lockout, Role, SignInFailure, User
from duban.conftest import PASSWORD

from .util import LOGIN, sign_in

pytestmark = pytest.mark.django_db(transaction=True)
N = 30


@pytest.fixture(autouse=True)
def _lockout_alone(db):
    """The request throttle (duban.security.throttle) set out of the way: the lockout alone."""
    from duban.security.models import SecurityPolicy

    SecurityPolicy.objects.update_or_create(pk=1, defaults={"sign_in_per_minute_account": 1000,
                                                            "sign_in_per_minute_address": 1000})


@pytest.fixture
def counted(monkeypatch):
    """Counts the password checks (each held a little, so the attempts overlap)."""
    checked: list[str] = []
    guard = threading.Lock()
    real = sign_in_forms.authenticate

    def counting(request, **credentials):
        with guard:
            checked.append(credentials["username"])
        time.sleep(0.05)
        return real(request, **credentials)

    monkeypatch.setattr(sign_in_forms, "authenticate", counting)
    return checked


def _at_once(posts: list[tuple[str, str, str]]) -> list[int]:
    """Each (username, password, address) posted by its own thread, all released together."""
    barrier = threading.Barrier(len(posts))
    statuses: list[int] = []

    def post(username, password, address):
        try:
            client = Client()
            barrier.wait(timeout=60)
            statuses.append(client.post(LOGIN, {"username": username, "password": password},
                                        REMOTE_ADDR=address).status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=p) for p in posts]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    return statuses


def test_30_wrong_passwords_at_once_check_no_more_than_5(office, counted):
    statuses = _at_once([("office", f"Wrong-pass-{i}", f"10.1.0.{i}") for i in range(N)])
    assert statuses == [200] * N  # every one answered with the form again, none signed in
    assert len(counted) == 5
    assert SignInFailure.objects.filter(username="office").count() == 5
    assert Lockout.objects.filter(kind="account", key="office", ended_at__isnull=True).count() == 1
    # and the right password is refused while the lock lasts
    response = sign_in(Client(), "office", PASSWORD, address="10.1.1.1")
    assert response.status_code == 200 and "已被锁定" in response.content.decode()


def test_30_accounts_sprayed_at_once_from_one_address_check_no_more_than_5(db, counted):
    for i in range(N):
        user = User(username=f"person{i}", role=Role.OFFICE)
        user.set_password(PASSWORD)
        user.save()
    statuses = _at_once([(f"person{i}", "Wrong-pass-1", "10.2.0.1") for i in range(N)])
    assert statuses == [200] * N
    assert len(counted) <= 5
    assert SignInFailure.objects.filter(address="10.2.0.1").count() == len(counted)
    assert Lockout.objects.filter(kind="address", key="10.2.0.1").exists()


def test_a_good_password_checked_beside_wrong_ones_leaves_no_failure_behind(office, counted):
    statuses = _at_once([("office", PASSWORD, "10.3.0.1"), ("office", "Wrong-pass-1", "10.3.0.2")])
    assert sorted(statuses) == [200, 302]
    assert len(counted) == 2
    assert SignInFailure.objects.filter(username="office").count() == 1  # the wrong one only


def test_colleagues_behind_one_address_signing_in_at_once_all_get_in(db, counted):
    """Ten people behind one exit address, each with the right password, at the same
    moment: those beyond the threshold wait for the checks in flight, none is refused."""
    for i in range(10):
        user = User(username=f"colleague{i}", role=Role.OFFICE)
        user.set_password(PASSWORD)
        user.save()
    statuses = _at_once([(f"colleague{i}", PASSWORD, "10.4.0.1") for i in range(10)])
    assert statuses == [302] * 10
    assert len(counted) == 10
    assert not SignInFailure.objects.filter(address="10.4.0.1").exists()
    assert not Lockout.objects.filter(key="10.4.0.1").exists()


def test_a_spray_mixed_with_colleagues_still_checks_no_more_than_5_wrong_passwords(db, counted):
    for i in range(N):
        user = User(username=f"mixed{i}", role=Role.OFFICE)
        user.set_password(PASSWORD)
        user.save()
    posts = [(f"mixed{i}", PASSWORD if i % 3 == 0 else "Wrong-pass-1", "10.5.0.1") for i in range(N)]
    _at_once(posts)
    assert SignInFailure.objects.filter(address="10.5.0.1").count() <= 5
    assert Lockout.objects.filter(kind="address", key="10.5.0.1").exists()
