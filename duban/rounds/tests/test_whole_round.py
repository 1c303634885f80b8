"""A whole round with a frozen clock: open, units submit (some late, one returned and
resubmitted, one co-unit part consolidated), the round closes, every state is right."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from duban.accounts.models import Role, User
from duban.rounds import actions
from duban.rounds.models import CoordinationItem, Report, ReportVersion
from duban.rounds.tests.conftest import at

CONTENT = {"progress_status": "in_progress", "percent": 60, "progress": "已完成年度目标的六成。",
           "problems": "", "next_steps": "继续推进。"}


def fill_and_submit(report, actor, **extra):
    report = actions.save_report_draft(report, actor=actor, data={**CONTENT, **extra}, version=report.version)
    return actions.submit_report(report, actor=actor)


@pytest.mark.django_db
def test_it_runs_a_whole_round_on_the_test_plan(open_round, office, leader, liaison_a, liaison_b, units):
    liaison_c = User.objects.create(username="liaison_c", role=Role.LIAISON, unit=units["丙局"])
    rnd = open_round()
    slots = {(r.task.number, r.unit.name): r for r in rnd.reports.select_related("task", "unit")}
    # task 1: 甲局 lead, 丙局 co; task 2: 丙局 lead, 甲局 co; task 3: 乙局 lead
    assert {k: r.role for k, r in slots.items()} == {
        ("1", "甲局"): "lead", ("1", "丙局"): "co", ("2", "丙局"): "lead", ("2", "甲局"): "co", ("3", "乙局"): "lead",
    }
    due = rnd.due_on

    with time_machine.travel(at(due - dt.timedelta(days=2)), tick=False):
        # the co-unit 丙局 files its part of task 1 to the lead unit 甲局 on time
        part = fill_and_submit(slots[("1", "丙局")], liaison_c, progress="丙局配合完成登记服务。")
        assert part.status == Report.Status.SUBMITTED and not part.is_late
        # 甲局 consolidates it and submits task 1, raising a coordination item for 李明
        lead = slots[("1", "甲局")]
        lead = actions.consolidate_report(lead, actor=liaison_a, version=lead.version)
        assert "【丙局】丙局配合完成登记服务。" in lead.progress
        lead = actions.save_report_draft(
            lead, actor=liaison_a, version=lead.version,
            data={**CONTENT, "progress": lead.progress,
                  "coordination": [{"to": f"leader:{leader.leader_id}", "text": "请协调解决用地指标。"}]},
        )
        lead = actions.submit_report(lead, actor=liaison_a)
        assert list(lead.consolidated_from.all()) == [part]
        # 乙局 submits task 3 on time
        t3 = fill_and_submit(slots[("3", "乙局")], liaison_b)

    with time_machine.travel(at(due - dt.timedelta(days=1)), tick=False):
        # the office returns 乙局's report; 乙局 revises and resubmits the next day (still on time)
        actions.return_report(t3, actor=office, reason="进展情况过于简单，请补充具体数据。")
        t3.refresh_from_db()
        assert t3.status == Report.Status.RETURNED and t3.return_reason

    with time_machine.travel(at(due), tick=False):
        t3 = fill_and_submit(t3, liaison_b, progress="已建成社区养老服务站12个。")
        assert not t3.is_late and t3.versions.count() == 2

    with time_machine.travel(at(due + dt.timedelta(days=2)), tick=False):
        # 甲局 files its co part of task 2 late; 丙局 never submits task 2
        late_part = fill_and_submit(slots[("2", "甲局")], liaison_a)
        assert late_part.is_late
        actions.accept_report(lead, actor=office)
        actions.accept_report(t3, actor=office)
        actions.close_round(rnd, actor=office)

    as_of = due + dt.timedelta(days=3)
    states = {k: Report.objects.get(pk=r.pk).state(as_of) for k, r in slots.items()}
    assert states == {
        ("1", "甲局"): "accepted", ("1", "丙局"): "accepted",  # accepted with the consolidated lead report
        ("2", "丙局"): "missing", ("2", "甲局"): "late", ("3", "乙局"): "accepted",
    }
    # every submission is kept, unchanged
    t3_versions = list(ReportVersion.objects.filter(report=t3).order_by("number"))
    assert [v.data["progress"] for v in t3_versions] == ["已完成年度目标的六成。", "已建成社区养老服务站12个。"]
    item = CoordinationItem.objects.get()
    assert item.addressed_to_leader_id == leader.leader_id and item.status == CoordinationItem.Status.OPEN
    with pytest.raises(PermissionDenied):  # a closed round takes no more writes
        actions.save_report_draft(slots[("2", "丙局")], actor=liaison_c, data=CONTENT, version=1)


@pytest.mark.django_db
def test_it_runs_a_whole_round_on_the_seed_plan(office):
    from duban.org.models import Unit
    from duban.web.demo import load_seed_plan

    plan = load_seed_plan()
    liaisons = {  # no password hashing: a hundred PBKDF2 hashes would take a minute
        u.pk: User.objects.create(username=f"l{u.pk}", role=Role.LIAISON, unit=u)
        for u in Unit.objects.filter(is_collective=False)
    }
    start, due = dt.date(2026, 11, 1), dt.date(2026, 11, 30)
    with time_machine.travel(at(dt.date(2026, 11, 25)), tick=False):
        rnd = actions.open_round(plan, actor=office, name="2026年11月调度", period_start=start,
                                 period_end=due, opens_on=dt.date(2026, 11, 25), due_on=due)
    reports = list(rnd.reports.select_related("task", "unit").order_by("task__order", "-role", "unit__name"))
    assert len(reports) >= 101
    assert rnd.reports.values("task").distinct().count() >= 90  # tasks without a real unit get no slot
    leads = [r for r in reports if r.role == Report.Role.LEAD]
    co = next(r for r in reports if r.role == Report.Role.CO)
    co_lead = Report.objects.get(round=rnd, task=co.task, role=Report.Role.LEAD, unit__in=[
        r.unit for r in reports if r.task_id == co.task_id and r.role == Report.Role.LEAD][:1])

    on_time, late = leads[:40], leads[40:60]
    with time_machine.travel(at(due - dt.timedelta(days=1)), tick=False):
        fill_and_submit(co, liaisons[co.unit_id])
        for r in on_time:
            if r.pk != co_lead.pk:
                fill_and_submit(r, liaisons[r.unit_id])
        co_lead.refresh_from_db()
        if co_lead.status == Report.Status.DRAFT:
            co_lead = actions.consolidate_report(co_lead, actor=liaisons[co_lead.unit_id], version=co_lead.version)
            co_lead = actions.save_report_draft(co_lead, actor=liaisons[co_lead.unit_id], version=co_lead.version,
                                                data={**CONTENT, "progress": co_lead.progress})
            co_lead = actions.submit_report(co_lead, actor=liaisons[co_lead.unit_id])
        assert co in co_lead.consolidated_from.all()
        returned = on_time[1] if on_time[0].pk == co_lead.pk else on_time[0]
        returned.refresh_from_db()
        actions.return_report(returned, actor=office, reason="请补充量化数据")
    with time_machine.travel(at(due + dt.timedelta(days=1)), tick=False):
        for r in late:
            r.refresh_from_db()
            if r.status == Report.Status.DRAFT:
                fill_and_submit(r, liaisons[r.unit_id])
        returned.refresh_from_db()
        fill_and_submit(returned, liaisons[returned.unit_id], progress="补充：完成投资12亿元。")
        actions.accept_report(co_lead, actor=office)
        actions.close_round(rnd, actor=office)
    as_of = due + dt.timedelta(days=2)
    states = {r.pk: Report.objects.get(pk=r.pk).state(as_of) for r in reports}
    co.refresh_from_db()
    assert states[co_lead.pk] == "accepted" and states[co.pk] == "accepted"
    assert states[returned.pk] == "submitted"  # resubmitted after the due date, but first filed on time
    late_ids = {r.pk for r in late} - {co_lead.pk}
    assert all(states[pk] == "late" for pk in late_ids)
    untouched = {r.pk for r in reports} - {r.pk for r in on_time} - late_ids - {co.pk, co_lead.pk}
    assert untouched and all(states[pk] == "missing" for pk in untouched)
    rnd.refresh_from_db()
    assert rnd.status == "closed"
