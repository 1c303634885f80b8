"""Password rules: ≥ 8 characters, 3 of 4 classes, not the user name, not common,
not one of the last 5; change after 90 days and at first sign-in."""
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from duban.accounts.models import PasswordHistory, User
from duban.conftest import PASSWORD
from duban.security.models import SecurityPolicy

from .util import sign_in

pytestmark = pytest.mark.django_db


def _errors(password, user=None):
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return [e.code for e in exc.error_list]
    return []


def test_it_refuses_passwords_under_8_characters():
    assert "password_too_short" in _errors("Ab3$xyz")  # 7
    assert "password_too_short" not in _errors("Ab3$xyzq")  # 8


def test_it_requires_3_of_4_character_classes():
    assert "password_too_simple" in _errors("abcdefgh12")  # 2 classes
    assert "password_too_simple" not in _errors("abcdefgH12")  # 3 classes


def test_it_refuses_the_user_name_inside_the_password():
    user = User(username="zhangwei", role="office")
    assert "password_contains_username" in _errors("Zhangwei#2026", user)
    assert "password_contains_username" in _errors("1Q!iewgnahz", user)  # backwards


def test_it_refuses_common_passwords_including_chinese_lists():
    assert "password_too_common" in _errors("P@ssw0rd")
    assert "password_too_common" in _errors("Admin@123")
    assert "password_too_common" in _errors("1qaz@WSX")
    assert _errors("Gx7!mTq2wz") == []


def test_it_refuses_any_of_the_last_5_passwords(office):
    passwords = [PASSWORD] + [f"Kq{n}#mvZt8x" for n in range(1, 6)]
    for pw in passwords[1:]:
        office.set_password(pw)
        office.save()
    # Current password and the four before it: refused. The sixth-last: allowed again.
    for pw in passwords[1:]:
        assert "password_reused" in _errors(pw, office), pw
    assert "password_reused" not in _errors(passwords[0], office)
    assert PasswordHistory.objects.filter(user=office).count() == 6


def test_it_takes_the_history_count_from_the_policy(office):
    SecurityPolicy(password_history_count=1).save()
    office.set_password("Kq1#mvZt8x")
    office.save()
    assert "password_reused" not in _errors(PASSWORD, office)
    assert "password_reused" in _errors("Kq1#mvZt8x", office)


def test_it_takes_the_minimum_length_from_the_policy():
    SecurityPolicy(password_min_length=12).save()
    assert "password_too_short" in _errors("Gx7!mTq2wzA")  # 11
    assert "password_too_short" not in _errors("Gx7!mTq2wzAb")  # 12


def test_it_hashes_new_passwords_with_argon2_and_still_accepts_pbkdf2(settings):
    from django.contrib.auth.hashers import check_password, make_password

    import duban.settings as real

    settings.PASSWORD_HASHERS = real.PASSWORD_HASHERS
    assert make_password("Gx7!mTq2wz").startswith("argon2$")
    old = make_password("Gx7!mTq2wz", hasher="pbkdf2_sha256")
    assert check_password("Gx7!mTq2wz", old)


def test_it_sends_a_person_with_an_issued_password_to_the_change_page_from_every_page(client, office):
    office.must_change_password = True
    office.save()
    sign_in(client, "office")
    for url in ["/", "/plans/", "/plans/ledger/", "/accounts/sessions/"]:
        response = client.get(url)
        assert response.status_code == 302 and response.url == "/accounts/password/", url
    assert client.get("/accounts/password/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302


def test_it_lets_the_person_in_after_changing_the_issued_password(client, office):
    office.must_change_password = True
    office.save()
    sign_in(client, "office")
    response = client.post("/accounts/password/", {
        "old_password": PASSWORD, "new_password1": "Nx8$kfWq2r", "new_password2": "Nx8$kfWq2r"})
    assert response.status_code == 302
    office.refresh_from_db()
    assert not office.must_change_password
    assert office.check_password("Nx8$kfWq2r")
    assert client.get("/plans/").status_code == 200


def test_it_refuses_reusing_the_current_password_on_the_change_page(client, office):
    sign_in(client, "office")
    response = client.post("/accounts/password/", {
        "old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD})
    assert response.status_code == 200
    assert "不能与最近5次使用过的密码相同" in response.content.decode()


def test_it_requires_a_change_after_90_days(client, office):
    changed = office.password_changed_at
    with time_machine.travel(changed + timedelta(days=89, hours=23), tick=False):
        sign_in(client, "office")
        assert client.get("/plans/").status_code == 200
    with time_machine.travel(changed + timedelta(days=90, minutes=1), tick=False):
        client.logout()
        sign_in(client, "office")
        response = client.get("/plans/")
        assert response.status_code == 302 and response.url == "/accounts/password/"
        assert "已使用超过90天" in client.get("/accounts/password/").content.decode()


def test_it_takes_the_maximum_age_from_the_policy(client, office):
    SecurityPolicy(password_max_age_days=30).save()
    with time_machine.travel(timezone.now() + timedelta(days=31), tick=False):
        sign_in(client, "office")
        assert client.get("/plans/").url == "/accounts/password/"


def test_it_does_not_reset_the_password_age_when_a_hash_is_upgraded(office, settings):
    import duban.settings as real

    before = office.password_changed_at
    # The MD5 test hash is now an old one, upgraded to Argon2 on the next check.
    settings.PASSWORD_HASHERS = [*real.PASSWORD_HASHERS, "django.contrib.auth.hashers.MD5PasswordHasher"]
    with time_machine.travel(timezone.now() + timedelta(days=10)):
        assert office.check_password(PASSWORD)
    office.refresh_from_db()
    assert office.password.startswith("argon2$")
    assert office.password_changed_at == before
