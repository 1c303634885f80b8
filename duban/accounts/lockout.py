"""Sign-in failure counting and locking (GB/T 22239 §8.1.4.1 b: 登录失败处理).

Failures are rows in the database, so every application server sees the same count.
N failures within the window lock the account (by user name, whether or not it exists,
so a lock tells nothing about which names are real) and, separately, the source address
when its failures span more than one account.
While a lock lasts even the correct password is refused. Failures are counted from the
later of: the start of the window, the start of the last lock, the last good sign-in
(for an account; a good sign-in never clears an address's count).
"""
from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from duban.audit.log import record
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


def _since(kind: str, key: str, window_start, extra=None):
    last_lock = Lockout.objects.filter(kind=kind, key=key).order_by("-started_at").values_list(
        "started_at", flat=True).first()
    return max(t for t in (window_start, last_lock, extra) if t is not None)


def _lock(kind: str, key: str, failures: int, policy: SecurityPolicy, now) -> Lockout:
    lock = Lockout.objects.create(kind=kind, key=key, started_at=now, failures=failures,
                                  until=now + timedelta(minutes=policy.lockout_duration_minutes))
    label = "账号" if kind == Lockout.Kind.ACCOUNT else "来源地址"
    record("auth.lock", obj=_user(key) if kind == Lockout.Kind.ACCOUNT else None, result="denied",
           summary=f"{label} {key} 在{policy.lockout_window_minutes}分钟内登录失败{failures}次，"
                   f"锁定{policy.lockout_duration_minutes}分钟",
           after={"kind": kind, "key": key, "until": lock.until.isoformat(), "failures": failures})
    return lock


@transaction.atomic
def note_failure(username: str, address: str | None, now=None) -> Lockout | None:
    """Store one failure; lock the account and/or the address when it reaches the
    threshold. Returns the lock now in force, if any."""
    now = now or timezone.now()
    policy = SecurityPolicy.current()
    SignInFailure.objects.create(username=username[:150], address=address, at=now)
    window_start = now - timedelta(minutes=policy.lockout_window_minutes)
    account_lock = address_lock = None

    user = _user(username)
    since = _since(Lockout.Kind.ACCOUNT, username, window_start, user.last_login if user else None)
    n = SignInFailure.objects.filter(username=username, at__gte=since).count()
    if n >= policy.lockout_threshold:
        account_lock = _lock(Lockout.Kind.ACCOUNT, username, n, policy, now)

    if address and policy.lockout_address_threshold:
        since = _since(Lockout.Kind.ADDRESS, address, window_start)
        recent = SignInFailure.objects.filter(address=address, at__gte=since)
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
