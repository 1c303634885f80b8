"""Demo data: the seed plan imported, and a sign-in for the office, every leader and
every unit, each with a password generated now and shown once."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from duban.accounts.models import Role, User
from duban.lib.passwords import generate_password
from duban.org.models import Leader, Unit
from duban.plans.importing import build_preview, import_plan, parse_upload, sha256_of
from duban.plans.models import Plan

SEED = Path(settings.BASE_DIR) / "examples" / "daxing-2026-plan.txt"


@dataclass
class Credential:
    username: str
    password: str
    role: str
    who: str


def load_seed_plan(path: Path = SEED) -> Plan:
    data = path.read_bytes()
    parsed = parse_upload(path)
    preview = build_preview(parsed, sha256_of(data))
    return import_plan(preview, actor=None, source_name=path.name, source_bytes=data).plan


def _make(username: str, role: str, who: str, *, reset: bool = False, **fields) -> Credential | None:
    existing = User.objects.filter(username=username).first()
    password = generate_password()
    if existing is not None:
        if not reset:
            return None
        existing.set_password(password)
        existing.save(update_fields=["password"])
        return Credential(username, password, Role(role).label, who)
    user = User(username=username, role=role, full_name=who, **fields)
    user.set_password(password)
    user.full_clean()
    user.save()
    return Credential(username, password, Role(role).label, who)


@transaction.atomic
def create_demo_accounts(*, reset: bool = False) -> list[Credential]:
    """Accounts that do not exist yet (and, with reset, new passwords for those that
    do); returns the one-time credentials."""
    made: list[Credential | None] = [
        _make("office", Role.OFFICE, "督查室", reset=reset),
        _make("sysadmin", Role.SYSADMIN, "系统管理员", reset=reset),
        _make("secadmin", Role.SECADMIN, "安全管理员", reset=reset),
        _make("auditor", Role.AUDITOR, "审计员", reset=reset),
    ]
    for i, leader in enumerate(Leader.objects.order_by("id"), start=1):
        made.append(_make(f"leader{i:02d}", Role.LEADER, leader.name, reset=reset, leader=leader))
    units = Unit.objects.filter(is_collective=False).order_by("id")
    for i, unit in enumerate(units, start=1):
        made.append(_make(f"unit{i:02d}", Role.LIAISON, f"{unit.name}联络员", reset=reset, unit=unit))
        made.append(_make(f"unit{i:02d}h", Role.UNIT_HEAD, f"{unit.name}负责人", reset=reset, unit=unit))
    return [c for c in made if c is not None]
