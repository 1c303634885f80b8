"""Synchronising people and units from the directory (real slapd): by the button, by
`duban sync_directory`; rules by OU and by group; changes of role or unit wait for the
security administrator; people who left are deactivated."""
from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from duban.accounts.models import User
from duban.accounts.tests.util import events
from duban.identity import directory as d
from duban.accounts import approvals
from duban.accounts.models import AccountChange
from duban.identity.models import DirectoryRule, SyncRun
from duban.org.models import Unit

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(directory, units):
    """ou=units holds one OU per unit (units by OU name, liaisons); the group
    duban-heads makes unit heads; ou=督查室 is the office."""
    units_ou = directory.add_ou("units")
    jia = directory.add_ou("甲局", units_ou)
    new = directory.add_ou("新设局", units_ou)
    office = directory.add_ou("督查室")
    a = directory.add_person("zhang", "张 三", jia, phone="111")
    b = directory.add_person("li", "李四", jia)
    c = directory.add_person("wang", "王五", new)
    directory.add_person("zhao", "赵六", office)
    directory.add_person("qian", "钱七")  # no rule: no account
    heads = directory.add_group("duban-heads", [b])
    DirectoryRule.objects.create(position=1, kind="group", dn=heads, role="unit_head")
    DirectoryRule.objects.create(position=2, kind="ou", dn=units_ou, unit_mode="ou_name", role="liaison")
    DirectoryRule.objects.create(position=3, kind="ou", dn=office.upper().replace("OU=", "ou="), role="office")
    return {"units": units_ou, "jia": jia, "new": new, "a": a, "b": b, "c": c}


def _sync():
    return d.sync_directory(trigger=SyncRun.Trigger.SCHEDULE)


def test_it_creates_people_and_units_waiting_for_approval(tree, units, secadmin):
    run = _sync()
    assert run.ok, run.message
    assert run.counts["seen"] == 5 and run.counts["created"] == 4 and run.counts["skipped"] == 1
    people = {u.username: u for u in User.objects.filter(identities__provider="ldap")}
    assert set(people) == {"zhang", "li", "wang", "zhao"}
    assert not any(u.is_active for u in people.values())
    assert (people["zhang"].role, people["zhang"].unit, people["zhang"].full_name) == ("liaison", units["甲局"], "张 三")
    assert (people["li"].role, people["li"].unit) == ("unit_head", units["甲局"])
    assert people["wang"].unit == Unit.objects.get(name="新设局")  # a unit made from its OU
    assert (people["zhao"].role, people["zhao"].unit) == ("office", None)
    assert AccountChange.objects.filter(status="pending", activate=True).count() == 4
    assert "新增4人" in run.message and events("identity.sync")[-1].summary.startswith("目录同步（定时同步）")

    for grant in AccountChange.objects.filter(status="pending"):
        approvals.approve(grant, actor=secadmin)
    assert User.objects.filter(identities__provider="ldap", is_active=True).count() == 4
    assert _sync().message == "读取5人，无对应规则未建账号1人"  # nothing else changes: idempotent


def test_it_updates_details_and_proposes_unit_changes(tree, directory, units, secadmin):
    _sync()
    for grant in AccountChange.objects.filter(status="pending"):
        approvals.approve(grant, actor=secadmin)
    directory.modify(tree["a"], telephoneNumber="222", cn="张三")
    directory.move(tree["a"], tree["new"])
    run = _sync()
    zhang = User.objects.get(username="zhang")
    assert (zhang.phone, zhang.full_name) == ("222", "张三")
    assert zhang.unit == units["甲局"]  # not yet: the move waits for approval
    grant = AccountChange.objects.get(user=zhang, status="pending")
    assert (grant.unit.name, grant.activate) == ("新设局", False)
    assert run.counts["grants"] == 1 and run.counts["updated"] == 1
    _sync()
    assert AccountChange.objects.filter(user=zhang, status="pending").count() == 1  # asked once
    approvals.approve(grant, actor=secadmin)
    zhang.refresh_from_db()
    assert zhang.unit.name == "新设局" and zhang.is_active
    assert events("account.permission_change")[-1].actor_id == secadmin.pk


def test_it_deactivates_people_who_left_but_not_on_an_empty_answer(tree, directory, settings, secadmin):
    _sync()
    for grant in AccountChange.objects.filter(status="pending"):
        approvals.approve(grant, actor=secadmin)
    directory.delete(tree["c"])
    run = _sync()
    assert run.counts["deactivated"] == 1
    assert not User.objects.get(username="wang").is_active

    settings.DUBAN_LDAP = {**settings.DUBAN_LDAP, "user_filter": "(uid=nobody-%(user)s)"}
    run = _sync()
    assert run.ok and "为防误停用" in run.problems[0]
    assert User.objects.filter(username="zhang", is_active=True).exists()


def test_it_reads_the_directory_page_by_page(directory, units, monkeypatch):
    monkeypatch.setattr(d, "PAGE_SIZE", 4)
    for i in range(11):
        directory.add_person(f"p{i:02d}", f"人员{i}")
    cfg = d.config()
    conn = d.connect(cfg)
    assert sorted(e.login for e in d.search_people(conn, cfg)) == [f"p{i:02d}" for i in range(11)]


def test_it_runs_as_a_command_and_fails_loudly(tree, settings, capsys):
    call_command("sync_directory")
    assert "目录同步完成" in capsys.readouterr().out
    settings.DUBAN_LDAP = {**settings.DUBAN_LDAP, "bind_password": "wrong"}
    with pytest.raises(CommandError, match="密码不正确"):
        call_command("sync_directory")
    assert SyncRun.objects.filter(ok=False).count() == 1


def test_it_does_nothing_to_administrators_of_the_same_name(directory, sysadmin):
    ou = directory.add_ou("x")
    DirectoryRule.objects.create(kind="ou", dn=ou, role="office")
    directory.add_person("sysadmin", "冒名", ou)
    run = _sync()
    sysadmin.refresh_from_db()
    assert sysadmin.role == "sysadmin" and sysadmin.has_usable_password()
    assert "管理员" in run.problems[0]
