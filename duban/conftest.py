"""Shared test people and data (healthchecks' alice/bob/charlie, Duban's cast).

- office: the supervision office (督查室)
- leader: a lead leader (区领导) who leads task 1
- liaison_a / head_a: people of unit A, which leads task 1 and co-works on task 2
- liaison_b: a liaison of unit B, which carries only task 3 and must get 404 on A's things
- sysadmin / secadmin / auditor: the three separated administrative roles
"""
from __future__ import annotations

import os
from datetime import date

import pytest

from planparser.model import Milestone as PMilestone
from planparser.model import Plan as PPlan
from planparser.model import Section as PSection
from planparser.model import Target as PTarget
from planparser.model import Task as PTask

PASSWORD = "Test-pass-2026"

# The master key of duban.lib.crypto (audit chain, seals, backups) for every test and
# every server process a test starts; never a key of a real installation.
os.environ.setdefault("DUBAN_MASTER_KEY", "5e" * 32)


@pytest.fixture(autouse=True)
def _private_files(settings, tmp_path):
    """Uploaded and generated files of each test go to its own temporary folder."""
    storages = dict(settings.STORAGES)
    storages["default"] = {**storages["default"],
                           "OPTIONS": {**storages["default"]["OPTIONS"], "location": str(tmp_path / "files")}}
    settings.STORAGES = storages


def make_parsed_plan(**overrides) -> PPlan:
    """A small plan as the parser would return it: three tasks, two sections."""
    s1, s2 = "一、稳增长", "二、惠民生"
    tasks = [
        PTask(number="1", section=s1, subsection=None, title="全年新增市场主体不少于2000家。",
              leaders=["李明"], lead_units=["甲局"], co_units=["丙局"],
              deadline=date(2026, 12, 31), deadline_text="2026年12月31日",
              targets=[PTarget(2000, "家", ">=", "不少于2000家")], line=10),
        PTask(number="2", section=s1, subsection=None, title="完成老旧小区改造。",
              leaders=["王芳"], lead_units=["丙局"], co_units=["甲局"],
              deadline=date(2026, 9, 30), deadline_text="6月底前完成设计；9月底前完工",
              milestones=[PMilestone(date(2026, 6, 30), "完成设计"), PMilestone(date(2026, 9, 30), "完工")], line=14),
        PTask(number="3", section=s2, subsection=None, title="推进社区养老服务。",
              leaders=["王芳"], lead_units=["乙局"], co_units=[], deadline=None, deadline_text="持续推进", line=18),
    ]
    plan = PPlan(title="2026年测试区重点工作分工方案", issuer="测试区人民政府办公室", issued=date(2026, 2, 1),
                 plan_year=2026, default_deadline=None, sections=[PSection(s1), PSection(s2)], tasks=tasks)
    for k, v in overrides.items():
        setattr(plan, k, v)
    return plan


@pytest.fixture
def plan(db):
    from duban.imports.actions import import_plan
    from duban.imports.preview import build_preview

    parsed = make_parsed_plan()
    return import_plan(build_preview(parsed, "0" * 64), actor=None, source_name="plan.txt", source_bytes=b"x").plan


def _user(username, role, **fields):
    from duban.accounts.models import User

    user = User(username=username, role=role, full_name=username, **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.fixture
def units(plan):
    from duban.org.models import Unit

    return {name: Unit.objects.get(name=name) for name in ("甲局", "乙局", "丙局")}


@pytest.fixture
def office(db):
    return _user("office", "office")


@pytest.fixture
def leader(plan):
    from duban.org.models import Leader

    return _user("leader", "leader", leader=Leader.objects.get(name="李明"))


@pytest.fixture
def liaison_a(units):
    return _user("liaison_a", "liaison", unit=units["甲局"])


@pytest.fixture
def head_a(units):
    return _user("head_a", "unit_head", unit=units["甲局"])


@pytest.fixture
def liaison_b(units):
    return _user("liaison_b", "liaison", unit=units["乙局"])


@pytest.fixture
def sysadmin(db):
    return _user("sysadmin", "sysadmin")


@pytest.fixture
def secadmin(db):
    return _user("secadmin", "secadmin")


@pytest.fixture
def auditor(db):
    return _user("auditor", "auditor")


@pytest.fixture
def allow_local_listeners(db):
    """Puts 127.0.0.1 on the allowlist of outgoing requests, internal addresses allowed,
    as a security administrator would for an intranet system: tests that deliver to a
    listener on this machine say so explicitly (duban.lib.outbound refuses it otherwise)."""
    from duban.security.models import OutboundHost

    OutboundHost.objects.get_or_create(host="127.0.0.1", defaults={"allow_private": True, "note": "测试用本机接收方"})


# --- Accounts and audit (issue 7) -------------------------------------------------

@pytest.fixture(autouse=True)
def _pdf_engine(request, settings):
    """PDFs are laid out by reportlab in tests (a LibreOffice start costs seconds),
    except in tests marked ``libreoffice``, which convert with LibreOffice as
    production does where it is installed (duban.documents.pdf)."""
    if request.node.get_closest_marker("libreoffice") is None:
        settings.DUBAN_PDF_ENGINE = "reportlab"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is deliberately slow; tests make many accounts, so they hash with MD5.
    duban/accounts/tests/test_passwords.py checks the real list puts Argon2 first."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _audit_guard_open_for_flush(django_db_setup, django_db_blocker):
    """The audit table's triggers refuse DELETE and TRUNCATE, which is how the test
    runner empties the database after a transactional (e2e) test. The test database
    gets an unbounded deletion permit; duban/audit/tests/test_guard.py takes it away
    inside its own transaction to test the guard."""
    from django.db import connection

    from duban.audit.guard import open_for_tests

    # No test of this run uses the database (e.g. only the crash test, which runs its
    # own server on its own database): none was created, so touch none.
    name, test_name = connection.settings_dict["NAME"], (connection.settings_dict.get("TEST") or {}).get("NAME")
    if name != test_name and not str(name).startswith("test_"):
        return
    with django_db_blocker.unblock():
        open_for_tests()


@pytest.fixture(autouse=True)
def _postgres_constraints_immediate(request):
    """On PostgreSQL deferred constraints (foreign keys, the audit chain's triggers)
    are checked at commit. An ordinary test runs inside a transaction that is rolled
    back, never committed, so it makes them checked at once instead."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None and "db" not in request.fixturenames:
        return
    if (marker and marker.kwargs.get("transaction")) or "transactional_db" in request.fixturenames \
            or "live_server" in request.fixturenames:
        return
    request.getfixturevalue("db")
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
