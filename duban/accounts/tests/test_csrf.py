import pytest
from django.test import Client

from duban.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_it_enforces_csrf_on_sign_in(office):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "office", "password": PASSWORD})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_it_signs_in_with_the_csrf_token_of_the_form(office):
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    token = client.cookies["csrftoken"].value
    response = client.post("/accounts/login/", {"username": "office", "password": PASSWORD,
                                                "csrfmiddlewaretoken": token})
    assert response.status_code == 302


def test_it_escapes_the_user_name_echoed_on_a_failed_sign_in(client, db):
    response = client.post("/accounts/login/", {"username": '"><script>x()</script>', "password": "x"})
    body = response.content.decode()
    assert "<script>x()</script>" not in body
    assert "&lt;script&gt;x()&lt;/script&gt;" in body
