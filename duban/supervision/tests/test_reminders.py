"""Scheduled reminders: 7/3/1 days before, once when overdue, never twice, even with
two schedulers at once."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.db import connection

from duban.notifications.models import Notification
from duban.supervision.models import ReminderClaim, StatusRules
from duban.supervision.reminders import offset_for, run_reminders
from duban.workplans.models import Milestone

D = dt.date


def test_it_picks_the_nearest_reminder_still_due():
    offsets = [7, 3, 1]
    assert offset_for(8, offsets) is None
    assert offset_for(7, offsets) == 7
    assert offset_for(5, offsets) == 7
    assert offset_for(2, offsets) == 3
    assert offset_for(0, offsets) == 1
    assert offset_for(-1, offsets) == -1


@pytest.mark.django_db
def test_it_sends_overdue_reminders_to_units_and_office_once(plan, office, liaison_a):
    # Task 2 (lead 丙局, co 甲局) is due 2026-09-30.
    task2 = plan.tasks.get(number="2")
    sent = run_reminders(D(2026, 10, 2))
    assert ("task", task2.pk, -1) in {(s.kind, s.object_id, s.offset) for s in sent}
    titles = list(Notification.objects.filter(recipient=office, kind="remind.task.overdue").values_list("title", flat=True))
    assert titles == ["逾期提醒：第2项任务完成时限已于 2026-09-30 到期，逾期 2 天"]
    assert Notification.objects.filter(recipient=liaison_a, kind="remind.task.overdue").count() == 1
    assert run_reminders(D(2026, 10, 3)) == []


@pytest.mark.django_db
def test_it_reminds_before_milestones_with_the_office_offsets(plan, liaison_a, units):
    task1 = plan.tasks.get(number="1")
    m = Milestone.objects.create(task=task1, title="完成招商签约", due=D(2026, 6, 10), unit=units["甲局"])
    rules = StatusRules.current()
    rules.reminder_days = "10,2"
    rules.save()
    assert [(s.kind, s.offset) for s in run_reminders(D(2026, 5, 31)) if s.kind == "milestone"] == [("milestone", 10)]
    assert [s for s in run_reminders(D(2026, 6, 5)) if s.kind == "milestone"] == []
    assert [(s.object_id, s.offset) for s in run_reminders(D(2026, 6, 8)) if s.kind == "milestone"] == [(m.pk, 2)]
    notes = Notification.objects.filter(recipient=liaison_a, kind="remind.milestone").order_by("id")
    assert [n.title for n in notes][-1] == "节点提醒：第1项任务节点“完成招商签约”将于 2026-06-10 到期，剩余 2 天"


@pytest.mark.django_db
def test_it_reminds_units_of_reports_not_yet_submitted(plan, office, liaison_a):
    from duban.rounds.actions import open_round

    open_round(plan, actor=office, name="2026年11月调度", period_start=D(2026, 11, 1), period_end=D(2026, 11, 30),
               opens_on=D(2026, 11, 25), due_on=D(2026, 11, 30))
    sent = run_reminders(D(2026, 11, 27))
    assert {s.offset for s in sent if s.kind == "report"} == {3}
    assert Notification.objects.filter(recipient=liaison_a, kind="remind.report").exists()
    assert {s.offset for s in run_reminders(D(2026, 12, 1)) if s.kind == "report"} == {-1}


@pytest.mark.django_db(transaction=True)
def test_it_never_sends_twice_with_two_schedulers_at_once(plan, office, liaison_a):
    barrier = threading.Barrier(2)
    results, errors = [], []

    def scheduler():
        try:
            barrier.wait()
            results.append(run_reminders(D(2026, 12, 24)))
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    keys = [(s.kind, s.object_id, s.offset) for r in results for s in r]
    assert len(keys) == len(set(keys)) and keys
    assert Notification.objects.filter(recipient=liaison_a, kind="remind.task").count() == 1
    assert ReminderClaim.objects.count() == len(keys)


@pytest.mark.django_db
def test_it_runs_from_the_remind_command(plan, liaison_a, capsys):
    call_command("remind", "--as-of", "2026-12-24")
    assert "已发出提醒" in capsys.readouterr().out
    call_command("remind", "--as-of", "2026-12-24")
    assert Notification.objects.filter(recipient=liaison_a, kind="remind.task").count() == 1
