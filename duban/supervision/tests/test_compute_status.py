"""compute_status is pure: plain facts in, color and reasons out (no database)."""
from __future__ import annotations

import datetime as dt

from duban.status.rules import DONE, GREEN, RED, YELLOW, RoundFacts, Rules, TaskFacts, compute_status

D = dt.date
AS_OF = D(2026, 11, 28)


def facts(**kw) -> TaskFacts:
    base = dict(task_id=1, deadline=D(2026, 12, 31), original_deadline=D(2026, 12, 31), start=D(2026, 1, 1))
    base.update(kw)
    if "original_deadline" not in kw:
        base["original_deadline"] = base["deadline"]
    return TaskFacts(**base)


def test_it_is_green_with_a_distant_deadline_and_says_how_long_is_left():
    s = compute_status(facts(), AS_OF, Rules())
    assert s.color == GREEN
    assert s.reasons == ["完成时限 2026-12-31，剩余 33 天"]


def test_it_is_red_once_the_deadline_has_passed():
    s = compute_status(facts(deadline=D(2026, 10, 31)), AS_OF, Rules())
    assert s.color == RED
    assert "已逾期 28 天" in s.text


def test_it_is_yellow_within_seven_days_and_mentions_the_unreported_round():
    rnd = RoundFacts(1, opens_on=D(2026, 11, 25), due_on=D(2026, 11, 30))
    s = compute_status(facts(deadline=D(2026, 11, 30), rounds=[rnd]), AS_OF, Rules())
    assert s.color == YELLOW
    assert s.text == "完成时限 2026-11-30，剩余 2 天，本期未报送"


def test_it_is_done_only_when_closed():
    assert compute_status(facts(closed_on=D(2026, 11, 20), deadline=D(2026, 10, 1)), AS_OF).color == DONE
    # closed after the as-of date: not yet done on that date
    assert compute_status(facts(closed_on=D(2026, 11, 29), deadline=D(2026, 10, 1)), AS_OF).color == RED


def test_it_is_yellow_when_a_milestone_is_overdue():
    s = compute_status(facts(milestones=[(D(2026, 11, 1), None), (D(2026, 10, 1), D(2026, 9, 30))]), AS_OF)
    assert s.color == YELLOW
    assert "1 个节点逾期（最早 2026-11-01）" in s.reasons


def test_it_is_red_after_two_missed_rounds_and_yellow_when_a_report_was_returned():
    missed = [RoundFacts(i, D(2026, m, 25), D(2026, m, 30)) for i, m in ((1, 9), (2, 10))]
    assert compute_status(facts(rounds=missed), AS_OF).color == RED
    assert compute_status(facts(rounds=missed[:1]), AS_OF).color == GREEN
    returned = [RoundFacts(3, D(2026, 11, 25), D(2026, 11, 30), submitted_on=D(2026, 11, 26), returned=True)]
    s = compute_status(facts(rounds=returned), AS_OF)
    assert s.color == YELLOW and "调度报告被退回" in s.reasons


def test_it_is_yellow_when_progress_lags_time_elapsed_by_more_than_twenty_points():
    # 2026-01-01 → 2026-12-31, as of 11-28: 91% of the time elapsed.
    assert compute_status(facts(percent=60), AS_OF).color == YELLOW
    assert compute_status(facts(percent=75), AS_OF).color == GREEN
    assert "落后序时进度 31 个百分点" in compute_status(facts(percent=60), AS_OF).text


def test_it_judges_ongoing_tasks_on_milestones_and_reports_only():
    ongoing = facts(deadline=None, original_deadline=None, percent=0)
    assert compute_status(ongoing, AS_OF).color == GREEN
    assert compute_status(facts(deadline=None, original_deadline=None, milestones=[(D(2026, 11, 1), None)]), AS_OF).color == YELLOW


def test_it_follows_the_rules_it_is_given():
    assert compute_status(facts(deadline=D(2026, 10, 31)), AS_OF, Rules(red_when_overdue=False)).color == GREEN
    assert compute_status(facts(deadline=D(2026, 12, 5)), AS_OF, Rules(yellow_days_before=10)).color == YELLOW
    assert compute_status(facts(deadline=D(2026, 12, 5)), AS_OF, Rules(yellow_days_before=0)).color == GREEN
    assert compute_status(facts(percent=60), AS_OF, Rules(yellow_lag_points=40)).color == GREEN


def test_it_names_the_original_deadline_after_an_extension():
    s = compute_status(facts(deadline=D(2027, 1, 31), original_deadline=D(2026, 12, 31)), AS_OF)
    assert s.reasons[0] == "完成时限 2027-01-31（原时限 2026-12-31，已延期），剩余 64 天"
