"""Sign-in failures: 5 failures in 15 minutes lock the account (and, separately, the
source address) for 30 minutes; the right password is refused while locked."""
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from duban.accounts.models import Lockout, SignInFailure
from duban.security.models import SecurityPolicy

from .util import events, sign_in

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def _fail(client, username="office", n=1, address="10.0.0.1"):
    for _ in range(n):
        response = sign_in(client, username, "Wrong-pass-1", address=address)
        assert response.status_code == 200
    return response


def test_it_locks_the_account_at_the_5th_failure_in_15_minutes(client, office):
    with time_machine.travel(T0, tick=False) as clock:
        _fail(client, n=4)
        assert not Lockout.objects.exists()
        clock.shift(timedelta(minutes=14))
        response = _fail(client)
        assert "该账号因连续登录失败已被锁定" in response.content.decode()
        lock = Lockout.objects.get(kind="account", key="office")
        assert lock.until == T0 + timedelta(minutes=14 + 30)


def test_it_refuses_the_correct_password_while_locked_with_a_clear_message(client, office):
    with time_machine.travel(T0, tick=False) as clock:
        _fail(client, n=5)
        clock.shift(timedelta(minutes=29))
        response = sign_in(client, "office")
        assert response.status_code == 200
        body = response.content.decode()
        assert "已被锁定" in body and "09:30 后再试" in body and "即使密码正确也无法登录" in body
        assert "_auth_user_id" not in client.session
        assert events("auth.login_denied")


def test_it_unlocks_after_30_minutes(client, office):
    with time_machine.travel(T0, tick=False) as clock:
        _fail(client, n=5)
        clock.shift(timedelta(minutes=30, seconds=1))
        assert sign_in(client, "office").status_code == 302
        assert [e.summary for e in events("auth.unlock")][0].endswith("锁定期满自动解除（2026-11-30 09:30）")


def test_it_counts_only_failures_within_the_15_minute_window(client, office):
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(6):
            _fail(client)
            clock.shift(timedelta(minutes=4))  # at most 4 failures in any 15 minutes
        assert not Lockout.objects.exists()
        assert SignInFailure.objects.filter(username="office").count() == 6


def test_it_starts_counting_again_after_a_good_sign_in(client, office):
    with time_machine.travel(T0, tick=False) as clock:
        _fail(client, n=4)
        clock.shift(timedelta(minutes=1))
        assert sign_in(client, "office").status_code == 302
        client.post("/accounts/logout/")
        clock.shift(timedelta(minutes=1))
        _fail(client, n=4)
        assert not Lockout.objects.filter(kind="account").exists()


def test_it_locks_unknown_user_names_the_same_way(client, db):
    with time_machine.travel(T0, tick=False):
        response = _fail(client, "nobody", n=5)
        assert "该账号因连续登录失败已被锁定" in response.content.decode()


def test_it_locks_a_source_address_that_fails_on_many_accounts(client, office, secadmin):
    with time_machine.travel(T0, tick=False):
        for name in ["a1", "a2", "a3", "a4", "a5"]:
            _fail(client, name, address="10.9.9.9")
        assert Lockout.objects.filter(kind="address", key="10.9.9.9").exists()
        body = sign_in(client, "office", address="10.9.9.9").content.decode()
        assert "您所在的地址因连续登录失败已被锁定" in body
        assert sign_in(client, "office", address="10.0.0.2").status_code == 302


def test_it_takes_the_figures_from_the_policy(client, office):
    SecurityPolicy(lockout_threshold=3, lockout_window_minutes=5, lockout_duration_minutes=10).save()
    with time_machine.travel(T0, tick=False) as clock:
        _fail(client, n=3)
        lock = Lockout.objects.get(kind="account")
        assert lock.until == T0 + timedelta(minutes=10)
        clock.shift(timedelta(minutes=10, seconds=1))
        assert sign_in(client, "office").status_code == 302


def test_it_audits_lock_and_unlock(client, office, secadmin):
    with time_machine.travel(T0, tick=False):
        _fail(client, n=5)
        lock_event = events("auth.lock")[0]
        assert lock_event.result == "denied" and lock_event.address == "10.0.0.1"
        assert lock_event.object_type == "user" and lock_event.object_id == str(office.pk)
        assert "15分钟内登录失败5次，锁定30分钟" in lock_event.summary
        assert len(events("auth.login_failed")) == 5

        admin = client.__class__()
        sign_in(admin, "secadmin", address="10.0.0.5")
        lock = Lockout.objects.get(kind="account")
        assert admin.post(f"/accounts/security/lockouts/{lock.pk}/unlock/").status_code == 302
        unlock_event = events("auth.unlock")[0]
        assert unlock_event.actor == secadmin and unlock_event.object_id == str(office.pk)
        assert sign_in(client, "office").status_code == 302


def test_it_lists_active_locks_for_the_security_administrator(client, office, secadmin):
    with time_machine.travel(T0, tick=False):
        _fail(client, n=5)
        sign_in(client, "secadmin", address="10.0.0.5")
        body = client.get("/accounts/security/lockouts/").content.decode()
        assert "office" in body and "解除锁定" in body
