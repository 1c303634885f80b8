"""A task walked through the whole loop on a frozen clock: reminder, notice, reply,
extension, completion claim, return, completion and closure (and reopening), with
status and notifications checked at each step."""
from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from duban.notifications.models import Notification
from duban.supervision import actions
from duban.supervision.models import CompletionRequest, Notice
from duban.supervision.reminders import run_reminders
from duban.status.facts import task_status
from duban.supervision.deadlines import effective_deadline

from .conftest import at

D = dt.date


def inbox(user, kind=None):
    qs = Notification.objects.filter(recipient=user)
    return list(qs.filter(kind=kind) if kind else qs)


@pytest.mark.django_db
def test_it_walks_a_task_through_the_supervision_loop(task1, office, leader, liaison_a, head_a, liaison_c,
                                                       django_capture_on_commit_callbacks):
    def step(day):
        return time_machine.travel(at(day), tick=False)

    # 12-20: eleven days left, nothing to send, green.
    with step(D(2026, 12, 20)):
        assert all(s.object_id != task1.pk for s in run_reminders(D(2026, 12, 20)) if s.kind == "task")
        assert task_status(task1).color == "green"

    # 12-24: the 7-day reminder reaches both units' people, once.
    with step(D(2026, 12, 24)):
        sent = [s for s in run_reminders(D(2026, 12, 24)) if s.kind == "task" and s.object_id == task1.pk]
        assert [s.offset for s in sent] == [7]
        for person in (liaison_a, head_a, liaison_c):
            [note] = inbox(person, "remind.task")
            assert "第1项任务完成时限将于 2026-12-31 到期，剩余 7 天" in note.title
        assert not [s for s in run_reminders(D(2026, 12, 24)) if s.kind == "task" and s.object_id == task1.pk]
        assert len(inbox(liaison_a, "remind.task")) == 1
        status = task_status(task1)
        assert status.color == "yellow" and status.reasons[0] == "完成时限 2026-12-31，剩余 7 天"

    # 12-25: the office issues a supervision notice to 甲局; the unit replies; the office closes it.
    with step(D(2026, 12, 25)):
        assert actions.suggested_level(task1) == Notice.Level.REMINDER
        with django_capture_on_commit_callbacks(execute=True):
            notice = actions.issue_notice(task1, actor=office, level=Notice.Level.NOTICE, units=[liaison_a.unit],
                                          facts="该任务剩余 6 天，进展滞后。", requirement="请加快推进并书面回复。",
                                          reply_by=D(2026, 12, 28))
        assert notice.number == "督办〔2026〕1号"
        [note] = inbox(liaison_a, "notice.notice")
        assert note.title == "督办通知单 督办〔2026〕1号：第1项任务，请于 2026-12-28 前回复"
        assert inbox(liaison_c, "notice.notice") == []  # 丙局 was not sent this notice
        assert actions.suggested_level(task1) == Notice.Level.INTERVIEW
        with django_capture_on_commit_callbacks(execute=True):
            actions.reply_notice(notice, actor=liaison_a, text="已召开专题会，12月30日前完成。")
        assert inbox(office, "notice.reply")
        with pytest.raises(actions.ActionError):
            actions.reply_notice(notice, actor=liaison_a, text="再次回复")
        with django_capture_on_commit_callbacks(execute=True):
            actions.close_notice(notice, actor=office, note="回复属实，办结。")
        notice.refresh_from_db()
        assert notice.status == Notice.Status.CLOSED
        assert inbox(liaison_a, "notice.close")

    # 12-26: 甲局 asks for an extension; the office approves; the original deadline stays on record.
    with step(D(2026, 12, 26)):
        with django_capture_on_commit_callbacks(execute=True):
            req = actions.request_extension(task1, actor=liaison_a, new_deadline=D(2027, 1, 31), reason="设备到货推迟。")
        assert inbox(office, "extension.request")
        with django_capture_on_commit_callbacks(execute=True):
            actions.decide_extension(req, actor=office, approve=True, note="同意。")
        assert inbox(liaison_a, "extension.approved")
        task1.refresh_from_db()
        assert task1.deadline == D(2026, 12, 31)
        assert effective_deadline(task1) == D(2027, 1, 31)
        status = task_status(task1)
        assert status.color == "green"
        assert status.reasons[0] == "完成时限 2027-01-31（原时限 2026-12-31，已延期），剩余 36 天"
        # Reminders now run against the new deadline: nothing at 36 days.
        assert not [s for s in run_reminders(D(2026, 12, 26)) if s.kind == "task" and s.object_id == task1.pk]

    # 2027-01-20: a completion claim, returned with a reason; still not done.
    with step(D(2027, 1, 20)):
        with django_capture_on_commit_callbacks(execute=True):
            claim = actions.claim_completion(task1, actor=liaison_a, evidence="新增市场主体2100家，附统计表。")
        assert inbox(office, "completion.claim")
        with pytest.raises(actions.ActionError, match="已有待核验"):
            actions.claim_completion(task1, actor=liaison_a, evidence="重复申请")
        with django_capture_on_commit_callbacks(execute=True):
            actions.return_completion(claim, actor=office, reason="缺少统计部门证明。")
        [note] = inbox(liaison_a, "completion.returned")
        assert note.body == "缺少统计部门证明。"
        assert task_status(task1).color == "green"

    # 01-22: claimed again with the evidence; the office verifies: closed (销号), done.
    with step(D(2027, 1, 22)):
        with django_capture_on_commit_callbacks(execute=True):
            claim = actions.claim_completion(task1, actor=liaison_a, evidence="附区统计局证明。")
            closure = actions.verify_completion(claim, actor=office)
        assert closure.closed_on == D(2027, 1, 22)
        assert CompletionRequest.objects.get(pk=claim.pk).status == CompletionRequest.Status.VERIFIED
        assert inbox(liaison_a, "completion.verified")
        assert task_status(task1).color == "done"
        assert task_status(task1, D(2027, 1, 21)).color == "green"  # as of the day before

    # 01-27: a closed task gets no reminders even within 7 days of its deadline.
    with step(D(2027, 1, 27)):
        assert not [s for s in run_reminders(D(2027, 1, 27)) if s.kind == "task" and s.object_id == task1.pk]

    # 01-28: reopened with a reason; it counts as open again and the reminder resumes.
    with step(D(2027, 1, 28)):
        with django_capture_on_commit_callbacks(execute=True):
            actions.reopen_task(task1, actor=office, reason="抽查发现数据有误。")
        assert inbox(liaison_a, "task.reopen")
        status = task_status(task1)
        assert status.color == "yellow" and "剩余 3 天" in status.reasons[0]
        assert [s.offset for s in run_reminders(D(2027, 1, 28)) if s.kind == "task" and s.object_id == task1.pk] == [3]
        with django_capture_on_commit_callbacks(execute=True):
            claim = actions.claim_completion(task1, actor=liaison_a, evidence="已更正数据。")
            actions.verify_completion(claim, actor=office)
        assert task_status(task1).color == "done"
