"""Restoring a backup never brings back a credential that was revoked or changed after
the backup was made.

Before the database is replaced, `capture` reads the live credentials: every account's
password hash, state and password history, every API token, every second-factor
device (every django-otp device model and the rows that hang off it, such as static
recovery tokens), every outgoing webhook's secret. After the restore, `reapply` puts
the restored rows in line with them and returns a Chinese line for each thing it kept:

- an account deactivated or deleted since the backup stays deactivated;
- a password changed or reset since the backup: the newer hash (and its history)
  stays, the old password does not sign in again;
- an API token revoked or deleted since the backup stays revoked;
- second-factor devices are those of the live system (a device removed since stays
  removed, one enrolled since stays);
- a webhook whose secret was changed keeps the new secret; one deleted since is
  switched off;
- a set-up code (duban.accounts.approvals) used, rejected or replaced since the
  backup stays unusable; recovery codes and enrolment codes are the live system's;
- every session ends (sessions of the backup would sign people back in).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.management.color import no_style
from django.db import connection
from django.utils import timezone
from django_otp.models import Device

from duban.accounts.models import AccountChange, EnrolmentCode, PasswordHistory, RecoveryCode, User, UserSession
from duban.api.models import ApiToken, Webhook

ONE_TIME_CODES = [RecoveryCode, EnrolmentCode]
USER_FIELDS = ["username", "password", "is_active", "must_change_password", "password_changed_at"]


@dataclass
class Live:
    """The credentials of the live system, read before a restore."""

    users: dict[int, dict] = field(default_factory=dict)
    history: dict[int, list[dict]] = field(default_factory=dict)
    tokens: dict[int, dict] = field(default_factory=dict)
    devices: dict[str, list[dict]] = field(default_factory=dict)  # model label → rows, parents before children
    webhooks: dict[int, dict] = field(default_factory=dict)
    codes: dict[int, dict] = field(default_factory=dict)  # set-up codes of account changes
    one_time: dict[str, list[dict]] = field(default_factory=dict)  # recovery and enrolment codes


def _device_models() -> list[tuple[type, str | None]]:
    """Every second-factor model with the column that ties its rows to a device: the
    django-otp device models (None: tied to a user) and the models whose rows belong to
    a device, such as static recovery tokens (their foreign key). Devices first."""
    devices = [m for m in apps.get_models() if issubclass(m, Device)]
    children = []
    for model in apps.get_models():
        for f in model._meta.concrete_fields:
            if f.is_relation and f.related_model in devices and model not in devices:
                children.append((model, f.attname))
    return [(m, None) for m in devices] + children


def _rows(model) -> list[dict]:
    return list(model._base_manager.order_by("pk").values(*[f.attname for f in model._meta.concrete_fields]))


def capture() -> Live:
    live = Live()
    for row in User.objects.values("pk", *USER_FIELDS):
        live.users[row.pop("pk")] = row
    for row in PasswordHistory.objects.order_by("pk").values("user_id", "password", "created_at"):
        live.history.setdefault(row["user_id"], []).append(row)
    for row in ApiToken.objects.values("pk", "name", "prefix", "revoked_at", "user__username"):
        live.tokens[row.pop("pk")] = row
    for model, _ in _device_models():
        live.devices[model._meta.label] = _rows(model)
    for row in Webhook.objects.values("pk", "name", "secret", "active"):
        live.webhooks[row.pop("pk")] = row
    for row in AccountChange.objects.exclude(code_digest="").values("pk", "status", "code_digest", "code_used_at"):
        live.codes[row.pop("pk")] = row
    for model in ONE_TIME_CODES:
        live.one_time[model._meta.label] = _rows(model)
    return live


def _person(user: User) -> str:
    return f"{user.full_name or user.username}（{user.username}）"


def _users(live: Live, kept: list[str]) -> None:
    for user in User.objects.order_by("pk"):
        now = live.users.get(user.pk)
        if now is None or now["username"] != user.username:
            if user.is_active:
                User.objects.filter(pk=user.pk).update(is_active=False)
                kept.append(f"账号 {_person(user)}：备份之后已删除，恢复后保持停用")
            continue
        if user.is_active and not now["is_active"]:
            User.objects.filter(pk=user.pk).update(is_active=False)
            kept.append(f"账号 {_person(user)}：备份之后已停用，恢复后保持停用")
        if user.password != now["password"]:
            User.objects.filter(pk=user.pk).update(
                password=now["password"], must_change_password=now["must_change_password"],
                password_changed_at=now["password_changed_at"])
            PasswordHistory.objects.filter(user_id=user.pk).delete()
            PasswordHistory.objects.bulk_create(PasswordHistory(**row) for row in live.history.get(user.pk, []))
            kept.append(f"账号 {_person(user)}：备份之后修改或重置过密码，恢复后沿用新密码（备份时的旧密码不能再登录）")


def _tokens(live: Live, kept: list[str], now) -> None:
    for token in ApiToken.objects.filter(revoked_at__isnull=True).select_related("user").order_by("pk"):
        current = live.tokens.get(token.pk)
        if current is not None and current["revoked_at"] is None:
            continue
        when = current["revoked_at"] if current is not None else now
        ApiToken.objects.filter(pk=token.pk).update(revoked_at=when)
        how = "已撤销" if current is not None else "已删除"
        kept.append(f"接口令牌 {token}（{_person(token.user)}）：备份之后{how}，恢复后保持撤销")


def _devices(live: Live, kept: list[str]) -> None:
    """The second-factor tables become what the live system had (for the accounts the
    restored data has)."""
    users = set(User.objects.values_list("pk", flat=True))
    models = _device_models()
    restored = {(m._meta.label, pk) for m, parent in models if parent is None
                for pk in m._base_manager.values_list("pk", flat=True)}
    for model, _ in reversed(models):  # the rows hanging off devices first
        model._base_manager.all().delete()
    devices: set[tuple[str, int]] = set()
    for model, parent in models:
        rows = live.devices.get(model._meta.label, [])
        if parent is None:
            rows = [r for r in rows if r["user_id"] in users]
            devices.update((model._meta.label, r["id"]) for r in rows)
        else:
            owner = model._meta.get_field(parent.removesuffix("_id")).related_model._meta.label
            rows = [r for r in rows if (owner, r[parent]) in devices]
        model._base_manager.bulk_create(model(**r) for r in rows)
    gone = restored - devices
    if gone:
        kept.append(f"双因素认证设备 {len(gone)} 个：备份之后已移除或重置，恢复后不再有效")
    with connection.cursor() as cur:
        for statement in connection.ops.sequence_reset_sql(no_style(), [m for m, _ in models]):
            cur.execute(statement)


def _webhooks(live: Live, kept: list[str]) -> None:
    for hook in Webhook.objects.order_by("pk"):
        current = live.webhooks.get(hook.pk)
        if current is None:
            if hook.active:
                Webhook.objects.filter(pk=hook.pk).update(active=False)
                kept.append(f"状态变化推送“{hook.name}”：备份之后已删除，恢复后停用")
        elif current["secret"] != hook.secret:
            Webhook.objects.filter(pk=hook.pk).update(secret=current["secret"])
            kept.append(f"状态变化推送“{hook.name}”：备份之后更换过签名密钥，恢复后沿用新密钥")


def _setup_codes(live: Live, kept: list[str], now) -> None:
    """A set-up code usable in the restored data but not in the live system (used,
    rejected, replaced or gone since the backup) is made unusable."""
    usable = (AccountChange.Status.PENDING, AccountChange.Status.APPROVED)
    stale = []
    for change in AccountChange.objects.exclude(code_digest="").filter(code_used_at__isnull=True, status__in=usable):
        current = live.codes.get(change.pk)
        if (current is None or current["code_digest"] != change.code_digest or current["code_used_at"] is not None
                or current["status"] not in usable):
            stale.append(change.pk)
    if stale:
        AccountChange.objects.filter(pk__in=stale, status=AccountChange.Status.PENDING).update(
            status=AccountChange.Status.SUPERSEDED)
        AccountChange.objects.filter(pk__in=stale).update(code_used_at=now, code_second_half="")
        kept.append(f"开通码 {len(stale)} 个：备份之后已使用、驳回或作废，恢复后不再有效")


def _one_time_codes(live: Live, kept: list[str]) -> None:
    """Recovery and enrolment codes become the live system's: one used or replaced since
    the backup does not work again."""
    users = set(User.objects.values_list("pk", flat=True))
    changed = 0
    for model in ONE_TIME_CODES:
        rows = [r for r in live.one_time.get(model._meta.label, []) if r["user_id"] in users]
        before = set(model._base_manager.values_list("pk", "used_at"))
        if before != {(r["id"], r["used_at"]) for r in rows}:
            changed += 1
        model._base_manager.all().delete()
        model._base_manager.bulk_create(model(**r) for r in rows)
    with connection.cursor() as cur:
        for statement in connection.ops.sequence_reset_sql(no_style(), ONE_TIME_CODES):
            cur.execute(statement)
    if changed:
        kept.append("恢复码和双因素绑定码：按当前系统保留，备份之后已使用或作废的不再有效")


def reapply(live: Live | None) -> list[str]:
    """Run inside the restore's transaction, after the restored database is in place.
    `live` is None when the database replaced did not carry on from the backup (a new
    installation): then the backup's credentials stand as they are, and only the
    sessions end."""
    kept: list[str] = []
    if live is None:
        kept.append("当前数据库不是该备份之后的数据（新安装或另一套系统），账号、密码、令牌和双因素设备按备份恢复")
    else:
        now = timezone.now()
        _users(live, kept)
        _tokens(live, kept, now)
        _devices(live, kept)
        _webhooks(live, kept)
        _setup_codes(live, kept, now)
        _one_time_codes(live, kept)
    sessions = Session.objects.count()
    Session.objects.all().delete()
    UserSession.objects.all().delete()
    if sessions:
        kept.append(f"登录会话 {sessions} 个：全部结束，所有人需重新登录")
    return kept
