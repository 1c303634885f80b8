"""Sessions are database rows read by Django's engine and the person behind one by the
sign-in backend (accounts.backends, Django's ModelBackend): a session row that expired
or was deleted, or a person made inactive, signs the browser out on the next request."""
from __future__ import annotations

import datetime as dt

from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from duban.accounts.backends import UserBackend

URL = "/plans/ledger/"


def test_a_signed_in_session_is_read_back(client, plan, office):
    client.force_login(office)
    assert client.get(URL).status_code == 200
    key = client.cookies["sessionid"].value
    store = SessionStore(session_key=key)
    assert store["_auth_user_id"] == str(office.pk)


def test_an_expired_session_row_is_not_read(client, plan, office):
    client.force_login(office)
    key = client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert SessionStore(session_key=key).load() == {}
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_deleted_session_row_signs_the_browser_out(client, plan, office):
    client.force_login(office)
    Session.objects.all().delete()  # e.g. "sign out everywhere" on another server
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_backend_reads_the_same_person_as_the_orm(office):
    user = UserBackend().get_user(office.pk)
    fresh = type(office).objects.get(pk=office.pk)
    for f in type(office)._meta.concrete_fields:
        assert getattr(user, f.attname) == getattr(fresh, f.attname), f.name


def test_the_backend_refuses_an_inactive_or_missing_person(office):
    type(office).objects.filter(pk=office.pk).update(is_active=False)
    assert UserBackend().get_user(office.pk) is None
    assert UserBackend().get_user(987654) is None
    assert UserBackend().get_user("not-a-number") is None


def test_a_deactivated_person_is_signed_out_on_the_next_request(client, plan, office):
    client.force_login(office)
    assert client.get(URL).status_code == 200
    type(office).objects.filter(pk=office.pk).update(is_active=False)
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
