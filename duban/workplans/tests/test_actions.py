"""The work plan's actions: events with before and after, optimistic locking."""
from __future__ import annotations

import datetime as dt

import pytest

from duban.audit.models import Event
from duban.plans.models import Task
from duban.workplans import actions
from duban.workplans.actions import MilestoneConflict
from duban.workplans.models import Milestone


@pytest.fixture
def m(plan, units, liaison_a):
    return actions.add_milestone(Task.objects.get(number="1"), actor=liaison_a, title="培育方案",
                                 due=dt.date(2026, 6, 30), unit=units["甲局"], owner="张伟")


def test_it_records_every_change_with_before_and_after(m, liaison_a, office):
    actions.update_milestone(m, actor=office, version=1, owner="李四")
    actions.complete_milestone(m, actor=liaison_a, version=2, done_on=dt.date(2026, 6, 1), evidence="已印发")
    actions.reopen_milestone(m, actor=office, version=3, reason="佐证不全")
    events = list(Event.objects.filter(task=m.task).order_by("id"))
    assert [e.action for e in events] == ["milestone.add", "milestone.update", "milestone.complete", "milestone.reopen"]
    assert events[1].before == {"owner": "张伟"} and events[1].after == {"owner": "李四"}
    assert events[2].after == {"done_on": "2026-06-01", "evidence": "已印发"}
    assert [e.actor for e in events] == [liaison_a, office, liaison_a, office]
    assert all(e.summary and "培育方案" in e.summary for e in events)


def test_it_changes_nothing_and_records_nothing_for_an_unchanged_save(m, office):
    actions.update_milestone(m, actor=office, version=1, title="培育方案", owner="张伟")
    m.refresh_from_db()
    assert m.version == 1 and not Event.objects.filter(action="milestone.update").exists()


def test_it_refuses_a_stale_version(m, office, head_a):
    actions.update_milestone(m, actor=head_a, version=1, title="局长改的")
    with pytest.raises(MilestoneConflict) as caught:
        actions.update_milestone(m, actor=office, version=1, title="督查室改的")
    assert caught.value.current.title == "局长改的" and caught.value.by == "head_a"
    assert "保存失败" in caught.value.message
    with pytest.raises(MilestoneConflict):
        actions.complete_milestone(m, actor=office, version=1, done_on=dt.date(2026, 6, 1), evidence="x")
    with pytest.raises(MilestoneConflict):
        actions.delete_milestone(m, actor=office, version=1)
    m.refresh_from_db()
    assert (m.title, m.version, m.done_on) == ("局长改的", 2, None)


def test_it_refuses_when_the_row_moved_between_read_and_write(m, office, monkeypatch):
    """The conditional UPDATE catches a change made after the version check."""
    real = actions._fresh

    def racing(milestone, version):
        current = real(milestone, version)
        Milestone.objects.filter(pk=milestone.pk).update(title="别人抢先", version=version + 1)
        return current

    monkeypatch.setattr(actions, "_fresh", racing)
    with pytest.raises(MilestoneConflict) as caught:
        actions.update_milestone(m, actor=office, version=1, title="我的")
    assert caught.value.current.title == "别人抢先"
    assert not Event.objects.filter(action="milestone.update").exists()


def test_it_reports_a_deleted_milestone(m, office):
    actions.delete_milestone(m, actor=office, version=1)
    with pytest.raises(MilestoneConflict) as caught:
        actions.update_milestone(m, actor=office, version=1, title="x")
    assert caught.value.current is None and "已被他人删除" in caught.value.message
