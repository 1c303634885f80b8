"""Rule tests the accounts and audit suites did not have (docs/SECURITY_TESTS.md lists
every rule with the test that checks it and the figure checked).

- the security policy's defaults are the figures of SECURITY.md;
- a source address that fails 5 times in 15 minutes (on more than one account) is
  locked for 30 minutes, the lock is audited with the address, and it ends on time;
- 4 failures from an address, or 5 spread over more than 15 minutes, lock nothing.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from duban.accounts.models import Lockout
from duban.accounts.tests.util import events, sign_in
from duban.security.models import SecurityPolicy

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 11, 30, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
SPRAYER = "10.6.6.6"

# SECURITY.md, "Duban's defaults".
DOCUMENTED = {
    "password_min_length": 8, "password_min_classes": 3, "password_max_age_days": 90, "password_history_count": 5,
    "lockout_threshold": 5, "lockout_address_threshold": 5, "lockout_window_minutes": 15,
    "lockout_duration_minutes": 30, "session_idle_minutes": 30, "session_absolute_hours": 12,
    "audit_retention_days": 180,
}


def test_the_policy_defaults_are_the_documented_figures(db):
    policy = SecurityPolicy.current()
    assert {k: getattr(policy, k) for k in DOCUMENTED} == DOCUMENTED


def _spray(client, n: int, clock=None, step=timedelta(0)):
    for i in range(n):
        sign_in(client, f"guess{i}", "Wrong-pass-1", address=SPRAYER)
        if clock:
            clock.shift(step)


def test_5_failures_in_15_minutes_lock_the_source_address_for_30_minutes_and_it_is_audited(client, office):
    with time_machine.travel(T0, tick=False) as clock:
        _spray(client, 4, clock, timedelta(minutes=3))  # 4 failures over 12 minutes
        assert not Lockout.objects.filter(kind="address").exists()
        clock.shift(timedelta(minutes=2))  # the 5th at minute 14
        _spray(client, 1)
        lock = Lockout.objects.get(kind="address", key=SPRAYER)
        assert lock.until == T0 + timedelta(minutes=14 + 30)
        event = [e for e in events("auth.lock") if e.after["kind"] == "address"][0]
        assert event.result == "denied" and event.address == SPRAYER
        assert event.summary == f"来源地址 {SPRAYER} 在15分钟内登录失败5次，锁定30分钟"

        clock.shift(timedelta(minutes=29, seconds=59))  # still locked: even the right password is refused
        body = sign_in(client, "office", address=SPRAYER).content.decode()
        assert "您所在的地址因连续登录失败已被锁定" in body and "_auth_user_id" not in client.session
        clock.shift(timedelta(seconds=2))  # 30 minutes passed
        assert sign_in(client, "office", address=SPRAYER).status_code == 302
        assert any("锁定期满自动解除" in e.summary and SPRAYER in e.summary for e in events("auth.unlock"))


def test_5_failures_spread_over_more_than_15_minutes_lock_no_address(client, db):
    with time_machine.travel(T0, tick=False) as clock:
        _spray(client, 5, clock, timedelta(minutes=4))  # at minutes 0, 4, 8, 12, 16
        assert not Lockout.objects.filter(kind="address").exists()
