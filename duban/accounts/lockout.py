"""Sign-in failure counting and locking (GB/T 22239 §8.1.4.1 b: 登录失败处理).

Failures are rows in the database, so every application server sees the same count.
N failures within the window lock the account (by user name, whether or not it exists,
so a lock tells nothing about which names are real) and, separately, the source address
when its failures span more than one account.
While a lock lasts even the correct password is refused. Failures are counted from the
later of: the start of the window, the start of the last lock, the last good sign-in
(for an account; a good sign-in never clears an address's count).

Concurrent attempts are counted exactly (issue 14 §6): a password is checked only after
`begin_attempt` has stored the attempt as a failure, in a transaction serialised per
account and address (PostgreSQL: advisory locks; SQLite: IMMEDIATE transactions), and
only while fewer than the threshold are stored (more wait their turn); a good password
removes its row again (`end_attempt`). Thirty wrong passwords sent at once check five,
not thirty; ten colleagues behind one address signing in at once all get in.
"""
from __future__ import annotations

import hashlib
import time
from datetime import timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from duban.audit import refusals
from duban.audit.log import record
from duban.audit.models import Refusal
from duban.security import throttle
from duban.security.models import SecurityPolicy

from .models import Lockout, SignInFailure, User


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def close_expired(username: str | None, address: str | None, now=None) -> None:
    """Record the end of locks that ran out (once each, whichever server sees it first)."""
    now = now or timezone.now()
    keys = Q(pk__in=[])
    if username:
        keys |= Q(kind=Lockout.Kind.ACCOUNT, key=username)
    if address:
        keys |= Q(kind=Lockout.Kind.ADDRESS, key=address)
    for lock in Lockout.objects.filter(keys, ended_at__isnull=True, until__lte=now):
        if Lockout.objects.filter(pk=lock.pk, ended_at__isnull=True).update(ended_at=lock.until) == 1:
            record("auth.unlock", obj=_user(lock.key) if lock.kind == Lockout.Kind.ACCOUNT else None,
                   summary=f"{lock.get_kind_display()} {lock.key} 锁定期满自动解除"
                           f"（{timezone.localtime(lock.until):%Y-%m-%d %H:%M}）")


def active_lock(username: str | None, address: str | None, now=None) -> Lockout | None:
    """The lock in force on this account or this address, if any."""
    now = now or timezone.now()
    close_expired(username, address, now)
    keys = Q(pk__in=[])
    if username:
        keys |= Q(kind=Lockout.Kind.ACCOUNT, key=username)
    if address:
        keys |= Q(kind=Lockout.Kind.ADDRESS, key=address)
    return Lockout.objects.filter(keys, ended_at__isnull=True, until__gt=now).order_by("-until").first()


def _counted(kind: str, key: str, window_start, extra=None):
    """The failures that count towards the next lock of this account or address: within
    the window, after the start of its last lock (the failures that made that lock
    belong to it), and from `extra` on (the last good sign-in)."""
    failures = SignInFailure.objects.filter(at__gte=window_start)
    failures = failures.filter(username=key) if kind == Lockout.Kind.ACCOUNT else failures.filter(address=key)
    last_lock = Lockout.objects.filter(kind=kind, key=key).order_by("-started_at").values_list(
        "started_at", flat=True).first()
    if last_lock is not None:
        failures = failures.filter(at__gt=last_lock)
    if extra is not None:
        failures = failures.filter(at__gte=extra)
    return failures


def _lock(kind: str, key: str, failures: int, policy: SecurityPolicy, now) -> Lockout:
    lock = Lockout.objects.create(kind=kind, key=key, started_at=now, failures=failures,
                                  until=now + timedelta(minutes=policy.lockout_duration_minutes))
    label = "账号" if kind == Lockout.Kind.ACCOUNT else "来源地址"
    record("auth.lock", obj=_user(key) if kind == Lockout.Kind.ACCOUNT else None, result="denied",
           summary=f"{label} {key} 在{policy.lockout_window_minutes}分钟内登录失败{failures}次，"
                   f"锁定{policy.lockout_duration_minutes}分钟",
           after={"kind": kind, "key": key, "until": lock.until.isoformat(), "failures": failures})
    return lock


def _serialise(username: str, address: str | None) -> None:
    """Inside a transaction: wait for any other attempt on this account or address to
    be stored first. SQLite's IMMEDIATE transactions hold the write lock already."""
    if connection.vendor != "postgresql":
        return
    keys = sorted({f"signin:account:{username}", *([f"signin:address:{address}"] if address else [])})
    with connection.cursor() as cur:
        for key in keys:  # always in the same order: no deadlock between two attempts
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_id(key)])


def _lock_id(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


class Refused(Exception):
    """The attempt is not checked: `lock` is the lock in force, or None when as many
    attempts as the threshold allows are being checked right now."""

    def __init__(self, lock: Lockout | None):
        super().__init__(lock_message(lock) if lock is not None else BUSY_MESSAGE)
        self.lock = lock


BUSY_MESSAGE = "登录尝试过多，正在核验之前的尝试，请稍后再试。"


BUSY_WAIT_SECONDS = 10.0
BUSY_POLL_SECONDS = 0.05


def begin_attempt(username: str, address: str | None) -> int:
    """Before a password is checked: refuse (Refused) while the account or address is
    locked; otherwise store this attempt as a failure and return its id, for
    `end_attempt`.

    While as many attempts as the threshold are being checked right now (stored, not
    yet concluded), this one waits for them rather than being refused: they end as
    good sign-ins (their rows removed, room again) or as failures (then the lock they
    made refuses this one). People behind one exit address signing in at the same
    moment are served a moment later, and a spray still checks no more passwords than
    the threshold. Refused as busy only after BUSY_WAIT_SECONDS."""
    deadline = time.monotonic() + BUSY_WAIT_SECONDS
    while True:
        try:
            return _try_begin(username, address)
        except Refused as refused:
            if refused.lock is not None or time.monotonic() >= deadline:
                raise
        time.sleep(BUSY_POLL_SECONDS)


@transaction.atomic
def _try_begin(username: str, address: str | None) -> int:
    now = timezone.now()
    username = username[:150]
    _serialise(username, address)
    lock = active_lock(username, address, now)
    if lock is not None:
        raise Refused(lock)
    policy = SecurityPolicy.current()
    window_start = now - timedelta(minutes=policy.lockout_window_minutes)
    user = _user(username)
    counted = _counted(Lockout.Kind.ACCOUNT, username, window_start, user.last_login if user else None)
    if counted.count() >= policy.lockout_threshold:
        raise Refused(None)
    if address and policy.lockout_address_threshold:
        recent = _counted(Lockout.Kind.ADDRESS, address, window_start)
        if recent.count() >= policy.lockout_address_threshold and recent.exclude(username=username).exists():
            raise Refused(None)
    return SignInFailure.objects.create(username=username, address=address, at=now).pk


@transaction.atomic
def end_attempt(attempt: int, *, ok: bool, now=None) -> Lockout | None:
    """After the check: a good password removes the stored attempt; a wrong one keeps it
    and locks the account and/or address when it reached the threshold."""
    row = SignInFailure.objects.filter(pk=attempt).first()
    if row is None:
        return None
    if ok:
        row.delete()
        return None
    return _count_and_lock(row.username, row.address, now or timezone.now())


@transaction.atomic
def note_failure(username: str, address: str | None, now=None) -> Lockout | None:
    """Store one failure; lock the account and/or the address when it reaches the
    threshold. Returns the lock now in force, if any."""
    now = now or timezone.now()
    _serialise(username[:150], address)  # before the row: the count below is then exact
    SignInFailure.objects.create(username=username[:150], address=address, at=now)
    return _count_and_lock(username[:150], address, now)


def _count_and_lock(username: str, address: str | None, now) -> Lockout | None:
    """Inside a transaction: lock what reached its threshold."""
    policy = SecurityPolicy.current()
    _serialise(username, address)
    window_start = now - timedelta(minutes=policy.lockout_window_minutes)
    account_lock = address_lock = None

    user = _user(username)
    n = _counted(Lockout.Kind.ACCOUNT, username, window_start, user.last_login if user else None).count()
    if n >= policy.lockout_threshold:
        account_lock = _lock(Lockout.Kind.ACCOUNT, username, n, policy, now)

    if address and policy.lockout_address_threshold:
        recent = _counted(Lockout.Kind.ADDRESS, address, window_start)
        n = recent.count()
        # Only failures on more than one account lock the address (password spraying);
        # one person mistyping their own password locks just their account.
        if n >= policy.lockout_address_threshold and recent.values("username").distinct().count() > 1:
            address_lock = _lock(Lockout.Kind.ADDRESS, address, n, policy, now)
    return account_lock or address_lock


def lock_message(lock: Lockout) -> str:
    until = timezone.localtime(lock.until)
    who = "该账号" if lock.kind == Lockout.Kind.ACCOUNT else "您所在的地址"
    return (f"{who}因连续登录失败已被锁定，请于 {until:%H:%M} 后再试，"
            f"或联系安全管理员解锁。锁定期间即使密码正确也无法登录。")


@transaction.atomic
def unlock(lock: Lockout, *, actor) -> bool:
    """End a lock early (security administrator). Audited."""
    now = timezone.now()
    if Lockout.objects.filter(pk=lock.pk, ended_at__isnull=True).update(ended_at=now, ended_by=actor) != 1:
        return False
    record("auth.unlock", actor=actor, obj=_user(lock.key) if lock.kind == Lockout.Kind.ACCOUNT else None,
           summary=f"安全管理员解除{lock.get_kind_display()} {lock.key} 的锁定",
           before={"until": lock.until.isoformat()}, after={"ended_at": now.isoformat()})
    return True


THROTTLED_MESSAGE = "登录请求过于频繁，请1分钟后再试。"


def sign_in_throttled(username: str, address: str | None, *, path: str = "") -> bool:
    """Counts one sign-in step (password or one-time code) per address and per account;
    True when either is over the policy's limit for this minute (then nothing is
    checked, and the refusal is counted in the audit log)."""
    policy = SecurityPolicy.current()
    ok = True
    if address:
        ok = throttle.hit(throttle.SIGN_IN_ADDRESS, address, policy.sign_in_per_minute_address)
    if username:
        ok = throttle.hit(throttle.SIGN_IN_ACCOUNT, username, policy.sign_in_per_minute_account) and ok
    if not ok:
        refusals.note(Refusal.Kind.THROTTLED, actor=_user(username), address=address or "", path=path,
                      reason=f"登录请求过于频繁（账号 {username[:50]}）")
    return not ok
