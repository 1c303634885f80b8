"""三员分立 for accounts (issue 14 §2; docs/SEPARATION_OF_DUTIES.md): what the system
administrator (or a directory, or a first sign-in through unified identity) asks to
change about who may do what waits for the security administrator.

- ``create_account``: the account is saved inactive, with no usable password, and a
  CREATE change; approval activates it.
- ``request_access``: a role, unit or leader, or re-activation (ACCESS); approval
  applies it and ends the person's sessions. Deactivating needs no approval
  (``actions.set_active``): taking access away is never delayed.
- ``request_password_reset``: a PASSWORD change.

A new account and a reset carry a set-up code in two halves (``XXXX-XXXX`` each): the
first is shown once to the administrator who asked, the second once to the security
administrator who approved. The person, given both, sets a password of their own on
the set-up page (``complete_setup``); neither administrator alone holds anything that
signs in, and no administrator ever sees the password.

Every request, decision and use is audited; a decision is taken once (a conditional
UPDATE), whoever clicks first.
"""
from __future__ import annotations

import secrets
from datetime import timedelta

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from duban.audit.log import record
from duban.audit.models import Event
from duban.lib import crypto

from .models import AccountChange, User
from .sessions import end_other_sessions

CODE_DAYS = 7  # a set-up code is usable this long after its approval
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
CODE_PURPOSE = "setup-code"
ACCESS_KINDS = (AccountChange.Kind.CREATE, AccountChange.Kind.ACCESS)


class ApprovalError(Exception):
    """A decision that cannot be made (already decided); a Chinese message."""


class SetupError(Exception):
    """The set-up page's input is refused; a Chinese message."""


def _half() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def normal_half(text: str) -> str:
    """A half as typed (spaces, dashes, lower case) in its stored form."""
    raw = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    return f"{raw[:4]}-{raw[4:]}" if len(raw) == 8 else raw


def _digest(user: User, first: str, second: str) -> str:
    return crypto.mac(f"{user.pk}:{normal_half(first)}:{normal_half(second)}".encode(), CODE_PURPOSE)


def _with_code(user: User) -> tuple[str, dict]:
    first, second = _half(), _half()
    return first, {"code_digest": _digest(user, first, second), "code_second_half": second,
                   "code_expires_at": timezone.now() + timedelta(days=CODE_DAYS)}


def access_of(user: User) -> dict:
    return {"role": user.role, "unit": str(user.unit) if user.unit_id else None,
            "leader": str(user.leader) if user.leader_id else None, "is_active": user.is_active}


def pending(user: User):
    return AccountChange.objects.filter(user=user, status=AccountChange.Status.PENDING)


@transaction.atomic
def create_account(user: User, *, actor) -> tuple[AccountChange, str]:
    """A new account from the system administrator's form: saved inactive with no usable
    password; returns the change and the first half of its set-up code."""
    user.is_active = False
    user.must_change_password = False
    user.set_unusable_password()
    user.full_clean()
    user.save()
    first, code = _with_code(user)
    change = AccountChange.objects.create(user=user, kind=AccountChange.Kind.CREATE, role=user.role, unit=user.unit,
                                          leader=user.leader, activate=True, requested_by=actor, **code)
    record("account.create", actor=actor, obj=user,
           summary=f"申请新建账号 {user.username}（{change.describe().removeprefix('新建账号：')}），待安全管理员审批",
           after={**access_of(user), "username": user.username, "full_name": user.full_name})
    return change, first


@transaction.atomic
def request_access(user: User, *, role: str, unit=None, leader=None, activate: bool = False,
                   source: str = AccountChange.Source.SYSADMIN, actor=None, reason: str = "") -> AccountChange | None:
    """Ask for `user` to get this role, unit and leader (and to be activated). An
    identical request already waiting is kept (None is returned); a different one
    replaces it, keeping its activation and, for a new account, its set-up code."""
    waiting = list(pending(user).filter(kind__in=ACCESS_KINDS))
    target = (role, getattr(unit, "pk", None), getattr(leader, "pk", None))
    for change in waiting:
        if (change.role, change.unit_id, change.leader_id) == target and (change.activate or not activate):
            return None
    if not waiting and not activate and target == (user.role, user.unit_id, user.leader_id):
        return None  # nothing to change
    activate = activate or any(c.activate for c in waiting)
    created = next((c for c in waiting if c.kind == AccountChange.Kind.CREATE), None)
    code = {}
    if created is not None:
        code = {"code_digest": created.code_digest, "code_second_half": created.code_second_half,
                "code_expires_at": created.code_expires_at}
    pending(user).filter(pk__in=[c.pk for c in waiting]).update(status=AccountChange.Status.SUPERSEDED)
    change = AccountChange.objects.create(
        user=user, kind=AccountChange.Kind.CREATE if created else AccountChange.Kind.ACCESS, role=role, unit=unit,
        leader=leader, activate=activate, source=source, requested_by=actor if getattr(actor, "pk", None) else None,
        reason=reason[:300], **code)
    record("account.change_requested", actor=actor, obj=user,
           summary=f"{change.get_source_display()}申请：{user.username} {change.describe()}，待安全管理员审批",
           before=access_of(user),
           after={"role": role, "unit": str(unit) if unit else None, "leader": str(leader) if leader else None,
                  "activate": activate})
    return change


@transaction.atomic
def request_password_reset(user: User, *, actor) -> tuple[AccountChange, str]:
    """A password reset, to be approved; returns the change and the first half of its
    set-up code. The person's current password keeps working until they set a new one."""
    pending(user).filter(kind=AccountChange.Kind.PASSWORD).update(status=AccountChange.Status.SUPERSEDED)
    first, code = _with_code(user)
    change = AccountChange.objects.create(user=user, kind=AccountChange.Kind.PASSWORD, requested_by=actor, **code)
    record("account.reset_requested", actor=actor, obj=user,
           summary=f"申请重置 {user.username} 的密码，待安全管理员审批；本人凭两段开通码自行设置新密码")
    return change, first


def _claim(change: AccountChange, status: str, actor) -> AccountChange:
    if AccountChange.objects.filter(pk=change.pk, status=AccountChange.Status.PENDING).update(
            status=status, decided_by=actor, decided_at=timezone.now()) != 1:
        raise ApprovalError("该申请已被处理（批准、驳回或被新的申请取代），请刷新页面")
    return AccountChange.objects.select_related("unit", "leader").get(pk=change.pk)


@transaction.atomic
def approve(change: AccountChange, *, actor) -> str | None:
    """Apply the change; returns the second half of its set-up code (shown once), if any."""
    change = _claim(change, AccountChange.Status.APPROVED, actor)
    user = User.objects.select_related("unit", "leader").get(pk=change.user_id)
    if change.kind in ACCESS_KINDS:
        before = access_of(user)
        if change.role:
            user.role, user.unit, user.leader = change.role, change.unit, change.leader
        if change.activate:
            user.is_active = True
        user.full_clean(exclude=["password", "username"])
        user.save(update_fields=["role", "unit", "leader", "is_active"])
        end_other_sessions(user)  # what the person may see changed
        record("account.permission_change", actor=actor, obj=user,
               summary=f"安全管理员批准（{change.get_source_display()}提出）：{user.username} {change.describe()}",
               before=before, after=access_of(user))
    else:
        record("account.reset_approved", actor=actor, obj=user,
               summary=f"安全管理员批准重置 {user.username} 的密码（{change.requested_by or '系统管理员'}提出）")
    if not change.code_digest:
        return None
    second = change.code_second_half
    AccountChange.objects.filter(pk=change.pk).update(
        code_second_half="", code_expires_at=timezone.now() + timedelta(days=CODE_DAYS))
    return second


@transaction.atomic
def reject(change: AccountChange, *, actor) -> None:
    change = _claim(change, AccountChange.Status.REJECTED, actor)
    AccountChange.objects.filter(pk=change.pk).update(code_second_half="")
    record("account.change_rejected", actor=actor, obj=change.user, result=Event.Result.DENIED,
           summary=f"安全管理员驳回（{change.get_source_display()}提出）：{change.user.username} {change.describe()}")


def usable_change(user: User | None) -> AccountChange | None:
    """The approved, unused, unexpired set-up code of `user`, if any."""
    if user is None:
        return None
    return (AccountChange.objects.filter(user=user, status=AccountChange.Status.APPROVED, code_used_at__isnull=True,
                                         code_expires_at__gt=timezone.now()).exclude(code_digest="")
            .order_by("-decided_at", "-id").first())


@transaction.atomic
def complete_setup(username: str, first: str, second: str, password: str) -> User:
    """The person sets their own password with both halves of an approved set-up code.
    SetupError for a wrong name or code (one message for both: it tells nothing about
    which was wrong); ValidationError for a password the policy refuses."""
    user = User.objects.filter(username=username).first()
    change = usable_change(user)
    if change is None or not crypto.verify_mac(
            f"{user.pk}:{normal_half(first)}:{normal_half(second)}".encode(), change.code_digest, CODE_PURPOSE):
        raise SetupError("用户名或开通码不正确，或开通码尚未批准、已使用、已过期。")
    password_validation.validate_password(password, user)
    if AccountChange.objects.filter(pk=change.pk, code_used_at__isnull=True).update(code_used_at=timezone.now()) != 1:
        raise SetupError("该开通码已使用。")
    user.set_password(password)
    user.must_change_password = False
    user.save()
    end_other_sessions(user)
    record("account.password_set", actor=user, obj=user,
           summary=f"{user.username} 凭两段开通码自行设置密码（{change.get_kind_display()}）")
    return user


__all__ = ["ApprovalError", "SetupError", "ValidationError", "create_account", "request_access",
           "request_password_reset", "approve", "reject", "complete_setup", "usable_change", "normal_half"]
