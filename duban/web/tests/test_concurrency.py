"""No lost update: every kind of edit two people can make to the same thing, made by two
threads at once, each with its own database connection, both starting from the same
state they read before either wrote. Exactly one wins; the other is refused (a
conflict, or "already done"), and the stored result is the winner's.

Runs on SQLite and PostgreSQL (DATABASE_URL). docs/CONCURRENCY.md lists the edits and
how each is protected; every row of that table has a test here.
"""
from __future__ import annotations

import datetime as dt
import re
import threading
from dataclasses import dataclass

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from duban.conftest import _user

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = dt.date(2026, 11, 26)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(timezone.make_aware(dt.datetime(2026, 11, 26, 10)), tick=True):
        yield


@dataclass
class Outcome:
    ok: bool
    value: object = None
    error: BaseException | None = None


def race(*edits) -> list[Outcome]:
    """Runs the edits at the same moment, one thread (and connection) each."""
    barrier = threading.Barrier(len(edits))
    outcomes: list[Outcome | None] = [None] * len(edits)

    def run(i, edit):
        try:
            barrier.wait(timeout=20)
            outcomes[i] = Outcome(True, edit())
        except BaseException as exc:  # noqa: BLE001 - the refusal is the point
            outcomes[i] = Outcome(False, error=exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, e)) for i, e in enumerate(edits)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(o is not None for o in outcomes), "an edit did not finish"
    return outcomes


def copies(obj, n: int = 2) -> list:
    """The object as each person's request loads it: separate instances (an action that
    refreshes its instance must not change what the other thread holds)."""
    return [type(obj)._base_manager.get(pk=obj.pk) for _ in range(n)]


def one_wins(outcomes: list[Outcome], refusal: type[BaseException] | tuple, match: str = "") -> int:
    """Exactly one edit went through and the other was refused the right way (`match`
    is a regular expression: which refusal depends on who got the lock first); returns
    the winner's index."""
    won = [i for i, o in enumerate(outcomes) if o.ok]
    lost = [o for o in outcomes if not o.ok]
    assert len(won) == 1, f"expected one winner, got {outcomes}"
    for o in lost:
        assert isinstance(o.error, refusal), repr(o.error)
        assert re.search(match, str(o.error)), str(o.error)
    return won[0]


# --- people and things --------------------------------------------------------------------

@pytest.fixture
def liaison_a2(units):
    return _user("liaison_a2", "liaison", unit=units["甲局"])


@pytest.fixture
def office2(db):
    return _user("office2", "office")


@pytest.fixture
def task1(plan):
    return plan.tasks.get(number="1")


@pytest.fixture
def report_a(plan, office):
    from duban.rounds.actions import open_round
    from duban.rounds.models import Report

    rnd = open_round(plan, actor=office, name="2026年11月调度", period_start=dt.date(2026, 11, 1),
                     period_end=dt.date(2026, 11, 30), opens_on=dt.date(2026, 11, 25), due_on=dt.date(2026, 11, 30))
    return Report.objects.select_related("round", "task", "unit").get(round=rnd, task__number="1", unit__name="甲局")


def _content(text: str) -> dict:
    return {"progress_status": "in_progress", "percent": 50, "progress": text, "problems": "", "next_steps": "",
            "coordination": []}


@pytest.fixture
def submitted_a(report_a, liaison_a):
    from duban.rounds import actions

    report = actions.save_report_draft(report_a, actor=liaison_a, version=report_a.version, data=_content("已完成"))
    return actions.submit_report(report, actor=liaison_a, version=report.version)


# --- work plans -----------------------------------------------------------------------------

@pytest.fixture
def milestone(task1, units, liaison_a):
    from duban.workplans import actions

    return actions.add_milestone(task1, actor=liaison_a, title="完成招标", due=dt.date(2026, 12, 20), unit=units["甲局"])


def test_two_milestone_edits(milestone, liaison_a, office):
    from duban.workplans import actions
    from duban.workplans.models import Milestone

    seen = milestone.version
    a, b = copies(milestone)
    out = race(lambda: actions.update_milestone(a, actor=liaison_a, version=seen, owner="张三"),
               lambda: actions.update_milestone(b, actor=office, version=seen, owner="李四"))
    winner = one_wins(out, actions.MilestoneConflict, "已被")
    assert Milestone.objects.get(pk=milestone.pk).owner == ["张三", "李四"][winner]
    assert out[1 - winner].error.current.owner == ["张三", "李四"][winner]  # the other person's values


def test_a_milestone_completed_while_deleted(milestone, liaison_a, office):
    from duban.workplans import actions
    from duban.workplans.models import Milestone

    seen = milestone.version
    a, b = copies(milestone)
    out = race(lambda: actions.complete_milestone(a, actor=liaison_a, version=seen, done_on=TODAY, evidence="已发布"),
               lambda: actions.delete_milestone(b, actor=office, version=seen))
    winner = one_wins(out, actions.MilestoneConflict)
    assert Milestone.objects.filter(pk=milestone.pk).exists() == (winner == 0)


# --- reports --------------------------------------------------------------------------------

def test_two_report_saves(report_a, liaison_a, liaison_a2):
    from duban.rounds import actions
    from duban.rounds.models import Report

    seen = report_a.version
    a, b = copies(report_a)
    out = race(lambda: actions.save_report_draft(a, actor=liaison_a, version=seen, data=_content("甲的进展")),
               lambda: actions.save_report_draft(b, actor=liaison_a2, version=seen, data=_content("乙的进展")))
    winner = one_wins(out, actions.ReportConflict, "被")
    stored = Report.objects.get(pk=report_a.pk)
    assert stored.progress == ["甲的进展", "乙的进展"][winner] and stored.version == seen + 1
    assert out[1 - winner].error.current.progress == stored.progress


def test_a_report_submitted_while_saved(report_a, liaison_a, liaison_a2):
    from duban.rounds import actions
    from duban.rounds.models import Report

    report = actions.save_report_draft(report_a, actor=liaison_a, version=report_a.version, data=_content("初稿"))
    seen = report.version
    a, b = copies(report)
    out = race(lambda: actions.submit_report(a, actor=liaison_a, version=seen),
               lambda: actions.save_report_draft(b, actor=liaison_a2, version=seen, data=_content("改稿")))
    winner = one_wins(out, actions.ReportConflict)
    stored = Report.objects.get(pk=report.pk)
    if winner == 0:  # submitted what was shown; the late edit did not slip in after the version
        assert stored.status == "submitted" and stored.progress == "初稿"
        assert stored.versions.get().data["progress"] == "初稿"
    else:
        assert stored.status == "draft" and stored.progress == "改稿" and not stored.versions.exists()


def test_an_attachment_added_while_the_report_is_submitted(report_a, liaison_a, liaison_a2):
    """Either the file is in the frozen version, or it is refused: never attached to a
    submitted report behind its version's back."""
    from duban.rounds import actions
    from duban.rounds.models import Attachment, Report
    from duban.rounds.tests.test_attachments import real_pdf

    report = actions.save_report_draft(report_a, actor=liaison_a, version=report_a.version, data=_content("初稿"))
    seen = report.version
    a, b = copies(report)
    out = race(lambda: actions.submit_report(a, actor=liaison_a, version=seen),
               lambda: actions.add_attachment(b, actor=liaison_a2, name="证明.pdf",
                                              data=real_pdf()))
    assert out[0].ok, out[0].error
    stored = Report.objects.get(pk=report.pk)
    frozen = [a["id"] for a in stored.versions.get().data["attachments"]]
    attached = list(Attachment.objects.filter(report=report).values_list("pk", flat=True))
    if out[1].ok:
        assert frozen == attached == [out[1].value.pk]
    else:
        assert isinstance(out[1].error, Exception) and "不能" in str(out[1].error)
        assert frozen == attached == []


def test_a_report_accepted_while_returned(submitted_a, office, office2):
    from duban.rounds import actions
    from duban.rounds.models import Report

    a, b = copies(submitted_a)
    out = race(lambda: actions.accept_report(a, actor=office),
               lambda: actions.return_report(b, actor=office2, reason="请补充数据"))
    winner = one_wins(out, actions.ActionError, "状态已变化")
    assert Report.objects.get(pk=submitted_a.pk).status == ["accepted", "returned"][winner]


def test_a_pending_report_approved_while_returned(plan, office, liaison_a, units):
    from duban.rounds import actions
    from duban.rounds.models import Report

    head1 = _user("head1", "unit_head", unit=units["甲局"])
    head2 = _user("head2", "unit_head", unit=units["甲局"])
    rnd = actions.open_round(plan, actor=office, name="审核调度", period_start=dt.date(2026, 11, 1),
                             period_end=dt.date(2026, 11, 30), opens_on=dt.date(2026, 11, 25),
                             due_on=dt.date(2026, 11, 30), requires_head_approval=True)
    report = Report.objects.get(round=rnd, task__number="1", unit=units["甲局"])
    report = actions.save_report_draft(report, actor=liaison_a, version=report.version, data=_content("待审"))
    report = actions.submit_report(report, actor=liaison_a, version=report.version)
    a, b = copies(report)
    out = race(lambda: actions.approve_report(a, actor=head1),
               lambda: actions.return_report(b, actor=head2, reason="请修改"))
    winner = one_wins(out, actions.ActionError, "状态已变化")
    assert Report.objects.get(pk=report.pk).status == ["submitted", "returned"][winner]


def test_two_answers_to_one_coordination_item(report_a, liaison_a, office, office2, units):
    from duban.rounds import actions
    from duban.rounds.models import CoordinationItem

    data = _content("受阻") | {"coordination": [{"to": f"unit:{units['乙局'].pk}", "text": "请协调用地。"}]}
    report = actions.save_report_draft(report_a, actor=liaison_a, version=report_a.version, data=data)
    actions.submit_report(report, actor=liaison_a, version=report.version)
    item = CoordinationItem.objects.get()
    seen = actions.coordination_fingerprint(item)
    a, b = copies(item)
    out = race(lambda: actions.respond_coordination(a, actor=office, response="已协调规划部门", seen=seen),
               lambda: actions.respond_coordination(b, actor=office2, response="请补充材料", seen=seen))
    winner = one_wins(out, actions.ActionError, "已于")
    answer = ["已协调规划部门", "请补充材料"][winner]
    assert CoordinationItem.objects.get().response == answer
    assert answer in str(out[1 - winner].error)  # the refused person sees the answer given


def test_a_round_closed_twice(report_a, office, office2):
    from duban.rounds import actions

    a, b = copies(report_a.round)
    out = race(lambda: actions.close_round(a, actor=office), lambda: actions.close_round(b, actor=office2))
    one_wins(out, actions.ActionError, "已结束")


# --- supervision ----------------------------------------------------------------------------

@pytest.fixture
def notice_a(task1, office, units):
    from duban.supervision import actions
    from duban.supervision.models import Notice

    return actions.issue_notice(task1, actor=office, level=Notice.Level.REMINDER, units=[units["甲局"]],
                                facts="进展滞后。", requirement="请加快推进。", reply_by=TODAY + dt.timedelta(days=5))


def test_two_replies_to_one_notice(notice_a, liaison_a, liaison_a2):
    from duban.supervision import actions
    from duban.supervision.models import Notice

    a, b = copies(notice_a)
    out = race(lambda: actions.reply_notice(a, actor=liaison_a, text="甲的回复"),
               lambda: actions.reply_notice(b, actor=liaison_a2, text="乙的回复"))
    winner = one_wins(out, actions.ActionError, "不能重复回复")
    notice = Notice.objects.get(pk=notice_a.pk)
    assert [r.text for r in notice.replies.all()] == [["甲的回复", "乙的回复"][winner]]
    assert notice.status == Notice.Status.REPLIED


def test_two_units_reply_at_once_and_both_count(task1, office, units, liaison_a):
    """Each unit of a notice replies on its own: both replies are kept, and the notice
    is 已回复 only because both came (the count runs under the notice's lock)."""
    from duban.conftest import _user
    from duban.supervision import actions
    from duban.supervision.models import Notice

    liaison_c = _user("liaison_c", "liaison", unit=units["丙局"])
    notice = actions.issue_notice(task1, actor=office, level=Notice.Level.NOTICE, units=[units["甲局"], units["丙局"]],
                                  facts="进展滞后。", requirement="请回复。", reply_by=TODAY + dt.timedelta(days=5))
    a, b = copies(notice)
    out = race(lambda: actions.reply_notice(a, actor=liaison_a, text="甲局的回复"),
               lambda: actions.reply_notice(b, actor=liaison_c, text="丙局的回复"))
    assert all(o.ok for o in out), out
    notice.refresh_from_db()
    assert sorted(r.text for r in notice.replies.all()) == ["丙局的回复", "甲局的回复"]
    assert notice.status == Notice.Status.REPLIED and notice.seal_state == "ok"


def test_a_notice_closed_twice(notice_a, office, office2):
    from duban.supervision import actions
    from duban.supervision.models import Notice

    a, b = copies(notice_a)
    out = race(lambda: actions.close_notice(a, actor=office, note="甲办结"),
               lambda: actions.close_notice(b, actor=office2, note="乙办结"))
    winner = one_wins(out, actions.ActionError, "已办结")
    assert Notice.objects.get(pk=notice_a.pk).close_note == ["甲办结", "乙办结"][winner]


def test_two_extension_requests_and_two_decisions(task1, liaison_a, liaison_a2, office, office2):
    from duban.supervision import actions
    from duban.supervision.models import ExtensionRequest

    out = race(lambda: actions.request_extension(task1, actor=liaison_a, new_deadline=dt.date(2027, 3, 31), reason="甲"),
               lambda: actions.request_extension(task1, actor=liaison_a2, new_deadline=dt.date(2027, 6, 30), reason="乙"))
    one_wins(out, actions.ActionError, "已有待审核")
    req = ExtensionRequest.objects.get()
    a, b = copies(req)
    out = race(lambda: actions.decide_extension(a, actor=office, approve=True),
               lambda: actions.decide_extension(b, actor=office2, approve=False, note="理由不充分"))
    winner = one_wins(out, actions.ActionError, "已被他人处理")
    assert ExtensionRequest.objects.get().status == ["approved", "refused"][winner]


def test_a_completion_claimed_twice_then_verified_while_returned(task1, liaison_a, liaison_a2, office, office2):
    from duban.supervision import actions
    from duban.supervision.models import CompletionRequest, TaskClosure

    out = race(lambda: actions.claim_completion(task1, actor=liaison_a, evidence="甲的佐证"),
               lambda: actions.claim_completion(task1, actor=liaison_a2, evidence="乙的佐证"))
    one_wins(out, actions.ActionError, "已有待核验")
    req = CompletionRequest.objects.get()
    a, b = copies(req)
    out = race(lambda: actions.verify_completion(a, actor=office),
               lambda: actions.return_completion(b, actor=office2, reason="佐证不足"))
    winner = one_wins(out, actions.ActionError, "已被处理")
    assert CompletionRequest.objects.get().status == ["verified", "returned"][winner]
    assert TaskClosure.objects.filter(task=task1).exists() == (winner == 0)


def test_a_closed_task_reopened_twice(task1, liaison_a, office, office2):
    from duban.supervision import actions
    from duban.supervision.models import TaskClosure

    req = actions.claim_completion(task1, actor=liaison_a, evidence="佐证")
    actions.verify_completion(req, actor=office)
    out = race(lambda: actions.reopen_task(task1, actor=office, reason="甲"),
               lambda: actions.reopen_task(task1, actor=office2, reason="乙"))
    winner = one_wins(out, actions.ActionError, "已被他人重新启动|任务未销号")
    assert TaskClosure.objects.get(task=task1).reopen_reason == ["甲", "乙"][winner]


def test_an_instruction_acknowledged_twice(task1, leader, liaison_a, liaison_a2):
    from duban.supervision import actions
    from duban.supervision.models import InstructionAck

    instruction = actions.write_instruction(task1, actor=leader, text="请抓紧推进。")
    a, b = copies(instruction)
    out = race(lambda: actions.acknowledge_instruction(a, actor=liaison_a),
               lambda: actions.acknowledge_instruction(b, actor=liaison_a2))
    winner = one_wins(out, actions.ActionError, "已签收")  # "本单位已签收" or "…无需签收或已签收"
    ack = InstructionAck.objects.get(instruction=instruction, unit=liaison_a.unit)
    assert ack.acknowledged_by_id == [liaison_a, liaison_a2][winner].pk


def test_two_changes_to_the_status_rules(office, office2):
    from duban.lib.concurrency import StaleEdit, fingerprint
    from duban.supervision import actions
    from duban.supervision.models import StatusRules

    seen = fingerprint(StatusRules.current(), actions.RULES_FIELDS)
    out = race(lambda: actions.update_status_rules(actor=office, values={"yellow_days_before": 10}, seen=seen),
               lambda: actions.update_status_rules(actor=office2, values={"red_missed_rounds": 3}, seen=seen))
    winner = one_wins(out, StaleEdit, "预警规则已被")
    rules = StatusRules.current()
    assert (rules.yellow_days_before, rules.red_missed_rounds) == [(10, 2), (7, 3)][winner]
    assert out[1 - winner].error.current.updated_by == [office, office2][winner]


def test_two_changes_to_the_league_weights(office, office2):
    from decimal import Decimal

    from duban.dashboards.actions import update_league_weights
    from duban.dashboards.models import LeagueWeights
    from duban.lib.concurrency import StaleEdit, fingerprint

    seen = fingerprint(LeagueWeights.current(), LeagueWeights.FIELDS)
    values = {f: getattr(LeagueWeights.current(), f) for f in LeagueWeights.FIELDS}
    out = race(lambda: update_league_weights(actor=office, values=values | {"on_time": Decimal("70")}, seen=seen),
               lambda: update_league_weights(actor=office2, values=values | {"overdue": Decimal("9")}, seen=seen))
    winner = one_wins(out, StaleEdit, "考核权重已被")
    w = LeagueWeights.current()
    assert (w.on_time, w.overdue) == [(70, 5), (60, 9)][winner]


# --- accounts and security ------------------------------------------------------------------

def test_two_changes_to_the_security_policy(secadmin):
    from duban.lib.concurrency import StaleEdit, fingerprint
    from duban.accounts.policy import policy_fields, update_policy
    from duban.security.models import SecurityPolicy

    other = _user("secadmin2", "secadmin")
    seen = fingerprint(SecurityPolicy.current(), policy_fields())
    out = race(lambda: update_policy(actor=secadmin, values={"password_max_age_days": 60}, seen=seen),
               lambda: update_policy(actor=other, values={"lockout_threshold": 3}, seen=seen))
    winner = one_wins(out, StaleEdit, "安全策略已被")
    policy = SecurityPolicy.current()
    assert (policy.password_max_age_days, policy.lockout_threshold) == [(60, 5), (90, 3)][winner]


def test_two_edits_of_one_account(sysadmin, liaison_a):
    from duban.accounts import actions
    from duban.accounts.models import User
    from duban.lib.concurrency import StaleEdit, fingerprint

    other = _user("sysadmin2", "sysadmin")
    seen = fingerprint(liaison_a, actions.EDITABLE)

    def edit(actor, phone):
        user = User.objects.get(pk=liaison_a.pk)
        before = actions.snapshot(user)
        user.phone = phone
        return actions.update_user(user, before, actor=actor, seen=seen)

    out = race(lambda: edit(sysadmin, "13800000001"), lambda: edit(other, "13800000002"))
    winner = one_wins(out, StaleEdit, "账号 liaison_a")
    assert User.objects.get(pk=liaison_a.pk).phone == ["13800000001", "13800000002"][winner]


def test_an_account_edit_never_undoes_a_deactivation(sysadmin, liaison_a):
    """The edit form does not show `is_active`: saving it must not write an old value back."""
    from duban.accounts import actions
    from duban.accounts.models import User
    from duban.lib.concurrency import fingerprint

    other = _user("sysadmin2", "sysadmin")
    seen = fingerprint(liaison_a, actions.EDITABLE)
    loaded = User.objects.get(pk=liaison_a.pk)  # the edit page, loaded while the account was active
    before = actions.snapshot(loaded)
    loaded.full_name = "新名字"
    out = race(lambda: actions.update_user(loaded, before, actor=sysadmin, seen=seen),
               lambda: actions.set_active(User.objects.get(pk=liaison_a.pk), False, actor=other))
    assert all(o.ok for o in out), out
    stored = User.objects.get(pk=liaison_a.pk)
    assert not stored.is_active and stored.full_name == "新名字"


def test_a_lock_ended_twice(secadmin, liaison_a):
    from duban.accounts.lockout import unlock
    from duban.accounts.models import Lockout
    from duban.audit.models import Event

    other = _user("secadmin2", "secadmin")
    lock = Lockout.objects.create(kind=Lockout.Kind.ACCOUNT, key="liaison_a",
                                  until=timezone.now() + dt.timedelta(minutes=30))
    a, b = copies(lock)
    out = race(lambda: unlock(a, actor=secadmin), lambda: unlock(b, actor=other))
    assert sorted(o.value for o in out) == [False, True]
    assert Event.objects.filter(action="auth.unlock").count() == 1


# --- pages whose guard lives in the view: two browsers ----------------------------------------

def _signed_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def test_a_cadence_switched_off_from_two_stale_pages(plan, office, office2):
    from duban.audit.models import Event
    from duban.rounds.models import Cadence

    cadence = Cadence.objects.create(plan=plan, frequency="monthly", starts_on=dt.date(2026, 12, 1), created_by=office)
    a, b = _signed_in(office), _signed_in(office2)
    url = reverse("rounds:cadence_toggle", args=[cadence.pk])
    out = race(lambda: a.post(url, {"active": "0"}), lambda: b.post(url, {"active": "0"}))
    assert all(o.ok and o.value.status_code == 302 for o in out)
    assert Cadence.objects.get().active is False  # not flipped back on by the second click
    assert Event.objects.filter(action="cadence.toggle").count() == 1


@pytest.fixture
def revised_batches(plan, office, tmp_path):
    """Two uploaded revisions of the test plan (task 4 added in both, titles differ)."""
    from django.core.files.base import ContentFile

    from duban.imports.models import ImportBatch

    batches = []
    for i in range(2):
        batch = ImportBatch(original_name=f"revised{i}.txt", sha256=f"{i}" * 64, created_by=office)
        batch.file.save(f"revised{i}.txt", ContentFile(b"x"), save=True)
        batches.append(batch)
    return batches


def _revised_plan(title: str):
    from planparser.model import Task as PTask

    from duban.conftest import make_parsed_plan

    parsed = make_parsed_plan()
    parsed.tasks.append(PTask(number="4", section="二、惠民生", subsection=None, title=title, leaders=["王芳"],
                              lead_units=["乙局"], co_units=[], deadline=dt.date(2026, 12, 31),
                              deadline_text="2026年12月31日", line=22))
    return parsed


def test_one_revision_confirmed_twice_applies_once(plan, office, office2, revised_batches, monkeypatch):
    from duban.imports import views
    from duban.imports.models import ImportBatch
    from duban.plans.models import Plan, Task

    monkeypatch.setattr(views, "parse_upload", lambda path: _revised_plan("新增任务"))
    batch = revised_batches[0]
    url = reverse("imports:preview", args=[batch.pk])
    a, b = _signed_in(office), _signed_in(office2)
    out = race(lambda: a.post(url, {"action": "confirm", "revision": "1"}),
               lambda: b.post(url, {"action": "confirm", "revision": "1"}))
    assert all(o.ok for o in out), out
    assert sorted(o.value.status_code for o in out) in ([302, 302], [302, 404])
    assert Plan.objects.get().revision == 2
    assert Task.objects.filter(number="4").count() == 1
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.APPLIED


def test_two_revisions_confirmed_at_once(plan, office, office2, revised_batches, monkeypatch):
    """Both previews were computed against revision 1: only one may apply; the other
    is shown the recomputed preview (409) and applies nothing."""
    from duban.imports import views
    from duban.imports.models import ImportBatch
    from duban.plans.models import Plan, Task

    titles = {revised_batches[0].pk: "甲版新增任务", revised_batches[1].pk: "乙版新增任务"}
    current = threading.local()
    monkeypatch.setattr(views, "parse_upload", lambda path: _revised_plan(current.title))

    def confirm(client, batch):
        def go():
            current.title = titles[batch.pk]
            return client.post(reverse("imports:preview", args=[batch.pk]), {"action": "confirm", "revision": "1"})
        return go

    a, b = _signed_in(office), _signed_in(office2)
    out = race(confirm(a, revised_batches[0]), confirm(b, revised_batches[1]))
    codes = [o.value.status_code for o in out]
    assert sorted(codes) == [302, 409], codes
    winner = codes.index(302)
    assert Plan.objects.get().revision == 2
    assert list(Task.objects.filter(number="4").values_list("title", flat=True)) == [
        titles[revised_batches[winner].pk]]
    assert ImportBatch.objects.get(pk=revised_batches[1 - winner].pk).status == ImportBatch.Status.PENDING
    assert "已被他人导入、修订或撤销导入" in out[1 - winner].value.content.decode()


def test_a_stale_status_rules_page_answers_409_with_the_saved_values(office, office2):
    """The page's side of the fingerprint: the refused person sees the other's values."""
    a, b = _signed_in(office), _signed_in(office2)
    url = reverse("supervision:rules")
    form = a.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() not in (None, False)}
    assert b.post(url, data | {"yellow_days_before": 12}).status_code == 302
    response = a.post(url, data | {"yellow_days_before": 9})
    assert response.status_code == 409
    page = response.content.decode()
    assert "预警规则已被office2" in page and "<td>12</td>" in page and "<td>9</td>" in page
    from duban.supervision.models import StatusRules

    assert StatusRules.current().yellow_days_before == 12
    # Submitting the refused form again is a deliberate overwrite of what was shown.
    again = response.context["form"]
    assert a.post(url, {name: again[name].value() for name in again.fields
                        if again[name].value() not in (None, False)}).status_code == 302
    assert StatusRules.current().yellow_days_before == 9
