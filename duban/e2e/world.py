"""The demo world of the e2e walks: the seed plan (101 tasks, real unit and leader
names, long titles), its demo dispatch round with a mix of reports, and one person
of every role, each with the test password. Realistic data is the point: a phone
layout that holds for 甲局 can still overflow with 北京经济技术开发区管委会."""
from __future__ import annotations

from dataclasses import dataclass

from duban.conftest import PASSWORD


@dataclass
class World:
    plan: object
    round: object
    office: object
    leader: object
    liaison: object
    head: object
    sysadmin: object
    secadmin: object
    auditor: object

    def people(self) -> dict[str, object]:
        return {role: getattr(self, role) for role in ROLES}


ROLES = ("office", "leader", "liaison", "head", "sysadmin", "secadmin", "auditor")


def _person(username: str, role: str, full_name: str, **fields):
    from duban.accounts.models import User

    user = User(username=username, role=role, full_name=full_name, **fields)
    user.set_password(PASSWORD)
    user.save()
    return user


def build_world() -> World:
    from duban.plans.models import Task
    from duban.rounds.models import Report
    from duban.web.demo import load_demo_round, load_seed_plan

    plan = load_seed_plan()
    rnd = load_demo_round()
    # The liaison's unit: the lead unit of the first task with a report still to write
    # in the demo round, so the walk has something to fill in.
    slot = (Report.objects.filter(round=rnd, role="lead", status=Report.Status.DRAFT, unit__is_collective=False)
            .select_related("unit", "task").order_by("task__order").first())
    unit = slot.unit
    task = Task.objects.filter(plan=plan, leaders__isnull=False).order_by("order").first()
    leader = task.leaders.order_by("id").first()
    return World(
        plan=plan, round=rnd,
        office=_person("office", "office", "督查室"),
        leader=_person("leader01", "leader", leader.name, leader=leader),
        liaison=_person("unit01", "liaison", f"{unit.name}联络员", unit=unit),
        head=_person("unit01h", "unit_head", f"{unit.name}负责人", unit=unit),
        sysadmin=_person("sysadmin", "sysadmin", "系统管理员"),
        secadmin=_person("secadmin", "secadmin", "安全管理员"),
        auditor=_person("auditor", "auditor", "审计员"),
    )
