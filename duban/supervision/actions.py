"""Every state change of the supervision loop.

Each action is atomic, writes its audit record and notifies the people concerned
once the transaction commits. Transitions are conditional UPDATEs (``WHERE status =
…``) whose row count is checked, so two people acting at once never both succeed
(SQLite and PostgreSQL alike; SECURITY.md, traps).
"""
from __future__ import annotations

import datetime as dt
from typing import Iterable

from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from duban.audit.log import record
from duban.lib import concurrency
from duban.notifications.actions import leader_people, notify_on_commit, office_people, people_of_units
from duban.org.models import Unit
from duban.plans.models import Task

from .models import (
    CompletionRequest,
    ExtensionRequest,
    Instruction,
    InstructionAck,
    Notice,
    NoticeCounter,
    RequestStatus,
    StatusRules,
    TaskClosure,
)
from .status import effective_deadline, is_closed


class ActionError(Exception):
    """A refused action; the message is Chinese and says why."""


def _require(ok: bool, message: str = "您无权进行此操作") -> None:
    if not ok:
        raise ActionError(message)


def task_url(task) -> str:
    return reverse("supervision:task", args=[task.pk])


def task_units(task) -> list[Unit]:
    """The task's own units (lead first, then co-units), collective assignees left out."""
    links = sorted(task.assignments.select_related("unit"), key=lambda a: (a.role != "lead", a.order))
    return [a.unit for a in links if not a.unit.is_collective]


def _name(task) -> str:
    return f"第{task.number}项任务" if task.number else str(task)


# --- permissions (the views' 403 checks use these) -----------------------------------

def is_task_unit_person(user, task) -> bool:
    """A unit person whose unit carries the task (directly or through a collective unit)."""
    if not (user.is_authenticated and user.is_unit_person and user.unit_id):
        return False
    return Task.objects.visible_to(user).filter(pk=task.pk).exists()


def can_reply(user, notice: Notice) -> bool:
    return (user.is_unit_person and notice.status == Notice.Status.ISSUED
            and notice.units.filter(pk=user.unit_id).exists())


def can_decide_extension(user, req: ExtensionRequest) -> bool:
    if req.status == RequestStatus.PENDING:
        return user.is_office
    if req.status == RequestStatus.LEADER_PENDING:
        return user.is_leader and user.leader_id and req.task.leader_links.filter(leader_id=user.leader_id).exists()
    return False


def can_acknowledge(user, instruction: Instruction) -> bool:
    return user.is_unit_person and instruction.acks.filter(unit_id=user.unit_id, acknowledged_at__isnull=True).exists()


# --- notices ---------------------------------------------------------------------------

def next_notice_seq(year: int) -> int:
    """The next number of `year`: a counter row bumped with a conditional UPDATE
    (``WHERE last = seen``); a lost race reads again and retries."""
    NoticeCounter.objects.get_or_create(year=year)
    for _ in range(50):
        seen = NoticeCounter.objects.filter(year=year).values_list("last", flat=True).get()
        if NoticeCounter.objects.filter(year=year, last=seen).update(last=F("last") + 1) == 1:
            return seen + 1
    raise ActionError("编号繁忙，请稍后重试")


def suggested_level(task) -> str:
    """The next escalation level: 催办 first, then 督办, then 约谈."""
    levels = set(Notice.objects.filter(task=task).values_list("level", flat=True))
    if Notice.Level.NOTICE in levels or Notice.Level.INTERVIEW in levels:
        return Notice.Level.INTERVIEW
    if Notice.Level.REMINDER in levels:
        return Notice.Level.NOTICE
    return Notice.Level.REMINDER


@transaction.atomic
def issue_notice(task, *, actor, level: str, units: Iterable[Unit], facts: str, requirement: str,
                 reply_by: dt.date) -> Notice:
    """Issues a numbered notice to `units` of `task`; 约谈 notices also go to the
    task's lead leaders."""
    _require(actor.is_office, "只有督查室可以签发督办单")
    units = list(units)
    _require(bool(units), "请至少选择一个督办单位")
    _require(bool(facts.strip()), "请填写督办事项")
    _require(bool(requirement.strip()), "请填写办理要求")
    now = timezone.now()
    _require(reply_by >= timezone.localdate(now), "回复期限不能早于今天")
    year = timezone.localdate(now).year
    notice = Notice.objects.create(
        year=year, seq=next_notice_seq(year), level=level, task=task, facts=facts.strip(),
        requirement=requirement.strip(), reply_by=reply_by, issued_by=actor, issued_at=now,
    )
    notice.units.set(units)
    leaders = task.ordered_leaders() if level == Notice.Level.INTERVIEW else []
    notice.leaders.set(leaders)
    record("notice.issue", actor=actor, obj=notice, task=task,
           summary=f"签发{notice.title} {notice.number}：{'、'.join(u.name for u in units)}",
           after={"level": level, "units": [u.pk for u in units], "reply_by": reply_by.isoformat()})
    url = reverse("supervision:notice", args=[notice.pk])
    title = f"{notice.title} {notice.number}：{_name(task)}，请于 {reply_by:%Y-%m-%d} 前回复"
    notify_on_commit(people_of_units(units), kind=f"notice.{level}", title=title, body=notice.facts, url=url,
                     task=task, units=units)
    if leaders:
        notify_on_commit(leader_people(leaders), kind="notice.interview", title=f"请约谈：{title}",
                         body=notice.facts, url=url, task=task)
    return notice


@transaction.atomic
def reply_notice(notice: Notice, *, actor, text: str) -> Notice:
    _require(can_reply(actor, notice), "只有被督办单位可以回复，且督办单须处于待回复状态")
    _require(bool(text.strip()), "请填写回复内容")
    done = Notice.objects.filter(pk=notice.pk, status=Notice.Status.ISSUED).update(
        status=Notice.Status.REPLIED, reply=text.strip(), replied_by=actor, replied_at=timezone.now()
    )
    _require(done == 1, "该督办单已被回复或办结")
    notice.refresh_from_db()
    record("notice.reply", actor=actor, obj=notice, task=notice.task, summary=f"{actor.unit} 回复 {notice.number}")
    notify_on_commit([notice.issued_by, *office_people()], kind="notice.reply",
                     title=f"{actor.unit} 已回复 {notice.number}", body=notice.reply,
                     url=reverse("supervision:notice", args=[notice.pk]), task=notice.task)
    return notice


@transaction.atomic
def close_notice(notice: Notice, *, actor, note: str = "") -> Notice:
    _require(actor.is_office, "只有督查室可以办结督办单")
    done = Notice.objects.filter(pk=notice.pk).exclude(status=Notice.Status.CLOSED).update(
        status=Notice.Status.CLOSED, close_note=note.strip(), closed_by=actor, closed_at=timezone.now()
    )
    _require(done == 1, "该督办单已办结")
    notice.refresh_from_db()
    record("notice.close", actor=actor, obj=notice, task=notice.task, summary=f"办结 {notice.number}")
    notify_on_commit(people_of_units(notice.units.all()), kind="notice.close", title=f"{notice.number} 已办结",
                     body=notice.close_note, url=reverse("supervision:notice", args=[notice.pk]), task=notice.task)
    return notice


# --- extensions ------------------------------------------------------------------------

@transaction.atomic
def request_extension(task, *, actor, new_deadline: dt.date, reason: str) -> ExtensionRequest:
    """A unit asks, before the deadline in force, to move it to `new_deadline`."""
    _require(is_task_unit_person(actor, task), "只有该任务的责任单位可以申请延期")
    today = timezone.localdate()
    _require(not is_closed(task, today), "任务已销号，不能申请延期")
    current = effective_deadline(task, today)
    _require(current is not None, "该任务没有完成时限，无需申请延期")
    _require(today <= current, f"完成时限 {current:%Y-%m-%d} 已过，须在到期前申请延期")
    _require(new_deadline > current, f"申请延至的日期须晚于现完成时限 {current:%Y-%m-%d}")
    _require(bool(reason.strip()), "请填写延期理由")
    try:
        with transaction.atomic():
            req = ExtensionRequest.objects.create(
                task=task, unit=actor.unit, reason=reason.strip(), old_deadline=current, new_deadline=new_deadline,
                requested_by=actor, requested_at=timezone.now(),
            )
    except IntegrityError:
        raise ActionError("该任务已有待审核的延期申请") from None
    record("extension.request", actor=actor, obj=req, task=task,
           summary=f"{actor.unit} 申请延期：{current:%Y-%m-%d} → {new_deadline:%Y-%m-%d}",
           after={"old": current.isoformat(), "new": new_deadline.isoformat()})
    notify_on_commit(office_people(), kind="extension.request",
                     title=f"{actor.unit} 申请{_name(task)}延期至 {new_deadline:%Y-%m-%d}", body=req.reason,
                     url=task_url(task), task=task)
    return req


@transaction.atomic
def decide_extension(req: ExtensionRequest, *, actor, approve: bool, note: str = "") -> ExtensionRequest:
    """The office approves or refuses; where the rules ask for it, an office approval
    goes on to the task's lead leader, whose approval makes it effective."""
    _require(can_decide_extension(actor, req), "您无权审批此延期申请，或申请已处理")
    needs_leader = StatusRules.current().extension_needs_leader and req.task.leader_links.exists()
    if not approve:
        _require(bool(note.strip()), "不同意时请填写理由")
        new_status = RequestStatus.REFUSED
    elif req.status == RequestStatus.PENDING and needs_leader:
        new_status = RequestStatus.LEADER_PENDING
    else:
        new_status = RequestStatus.APPROVED
    fields = {"status": new_status, "note": note.strip()}
    fields["leader_by" if req.status == RequestStatus.LEADER_PENDING else "office_by"] = actor
    if new_status in (RequestStatus.APPROVED, RequestStatus.REFUSED):
        fields["decided_on"] = timezone.localdate()
    done = ExtensionRequest.objects.filter(pk=req.pk, status=req.status).update(**fields)
    _require(done == 1, "该申请已被他人处理")
    req.refresh_from_db()
    task = req.task
    label = {RequestStatus.APPROVED: "同意", RequestStatus.REFUSED: "不同意", RequestStatus.LEADER_PENDING: "同意并报领导审批"}[new_status]
    record("extension.decide", actor=actor, obj=req, task=task, summary=f"延期申请：{label}（{req.new_deadline:%Y-%m-%d}）",
           after={"status": new_status})
    if new_status == RequestStatus.LEADER_PENDING:
        notify_on_commit(leader_people(task.ordered_leaders()), kind="extension.leader",
                         title=f"请审批{_name(task)}延期至 {req.new_deadline:%Y-%m-%d}", body=req.reason,
                         url=task_url(task), task=task)
    else:
        notify_on_commit(people_of_units([req.unit_id]), kind=f"extension.{new_status}",
                         title=f"{_name(task)}延期申请{label}：延至 {req.new_deadline:%Y-%m-%d}", body=req.note,
                         url=task_url(task), task=task)
    return req


# --- completion and closure ------------------------------------------------------------

@transaction.atomic
def claim_completion(task, *, actor, evidence: str) -> CompletionRequest:
    _require(is_task_unit_person(actor, task), "只有该任务的责任单位可以申请办结")
    _require(not is_closed(task), "任务已销号")
    _require(bool(evidence.strip()), "请填写完成情况及佐证")
    try:
        with transaction.atomic():
            req = CompletionRequest.objects.create(task=task, unit=actor.unit, evidence=evidence.strip(),
                                                   requested_by=actor, requested_at=timezone.now())
    except IntegrityError:
        raise ActionError("该任务已有待核验的办结申请") from None
    record("completion.claim", actor=actor, obj=req, task=task, summary=f"{actor.unit} 申请办结")
    notify_on_commit(office_people(), kind="completion.claim", title=f"{actor.unit} 申请{_name(task)}办结",
                     body=req.evidence, url=task_url(task), task=task)
    return req


@transaction.atomic
def verify_completion(req: CompletionRequest, *, actor) -> TaskClosure:
    """The office verifies the claim: the task is closed (销号) today."""
    _require(actor.is_office, "只有督查室可以核验销号")
    done = CompletionRequest.objects.filter(pk=req.pk, status=CompletionRequest.Status.PENDING).update(
        status=CompletionRequest.Status.VERIFIED, decided_by=actor, decided_at=timezone.now()
    )
    _require(done == 1, "该办结申请已被处理")
    try:
        with transaction.atomic():
            closure = TaskClosure.objects.create(task=req.task, closed_on=timezone.localdate(), closed_by=actor, completion=req)
    except IntegrityError:
        raise ActionError("任务已销号") from None
    task = req.task
    record("task.close", actor=actor, obj=closure, task=task, summary=f"核验办结申请，{_name(task)}销号")
    notify_on_commit(people_of_units(task_units(task)), kind="completion.verified", title=f"{_name(task)}已核验销号",
                     url=task_url(task), task=task)
    return closure


@transaction.atomic
def return_completion(req: CompletionRequest, *, actor, reason: str) -> CompletionRequest:
    _require(actor.is_office, "只有督查室可以退回办结申请")
    _require(bool(reason.strip()), "请填写退回原因")
    done = CompletionRequest.objects.filter(pk=req.pk, status=CompletionRequest.Status.PENDING).update(
        status=CompletionRequest.Status.RETURNED, decided_by=actor, decided_at=timezone.now(), return_reason=reason.strip()
    )
    _require(done == 1, "该办结申请已被处理")
    req.refresh_from_db()
    record("completion.return", actor=actor, obj=req, task=req.task, summary=f"退回办结申请：{req.return_reason}")
    notify_on_commit(people_of_units([req.unit_id]), kind="completion.returned",
                     title=f"{_name(req.task)}办结申请被退回", body=req.return_reason, url=task_url(req.task), task=req.task)
    return req


@transaction.atomic
def reopen_task(task, *, actor, reason: str) -> TaskClosure:
    _require(actor.is_office, "只有督查室可以重新启动已销号任务")
    _require(bool(reason.strip()), "请填写重新启动的原因")
    closure = TaskClosure.objects.filter(task=task, reopened_on__isnull=True).first()
    _require(closure is not None, "任务未销号")
    done = TaskClosure.objects.filter(pk=closure.pk, reopened_on__isnull=True).update(
        reopened_on=timezone.localdate(), reopened_by=actor, reopen_reason=reason.strip()
    )
    _require(done == 1, "任务已被他人重新启动")
    closure.refresh_from_db()
    record("task.reopen", actor=actor, obj=closure, task=task, summary=f"重新启动：{closure.reopen_reason}")
    notify_on_commit(people_of_units(task_units(task)), kind="task.reopen", title=f"{_name(task)}已重新启动",
                     body=closure.reopen_reason, url=task_url(task), task=task)
    return closure


# --- instructions ----------------------------------------------------------------------

@transaction.atomic
def write_instruction(task, *, actor, text: str) -> Instruction:
    _require(actor.is_leader, "只有区领导可以作出批示")
    _require(bool(text.strip()), "请填写批示内容")
    instruction = Instruction.objects.create(task=task, author=actor, text=text.strip(), created_at=timezone.now())
    units = task_units(task)
    InstructionAck.objects.bulk_create([InstructionAck(instruction=instruction, unit=u) for u in units])
    record("instruction.write", actor=actor, obj=instruction, task=task, summary=f"{actor} 批示：{instruction.text[:100]}")
    notify_on_commit([*people_of_units(units), *office_people()], kind="instruction",
                     title=f"{actor} 对{_name(task)}作出批示，请签收", body=instruction.text, url=task_url(task),
                     task=task, units=units)
    return instruction


@transaction.atomic
def acknowledge_instruction(instruction: Instruction, *, actor) -> InstructionAck:
    _require(can_acknowledge(actor, instruction), "本单位无需签收或已签收")
    done = InstructionAck.objects.filter(
        instruction=instruction, unit_id=actor.unit_id, acknowledged_at__isnull=True
    ).update(acknowledged_by=actor, acknowledged_at=timezone.now())
    _require(done == 1, "本单位已签收")
    ack = InstructionAck.objects.get(instruction=instruction, unit_id=actor.unit_id)
    record("instruction.ack", actor=actor, obj=instruction, task=instruction.task, summary=f"{actor.unit} 签收批示")
    notify_on_commit([instruction.author], kind="instruction.ack", title=f"{actor.unit} 已签收您的批示",
                     url=task_url(instruction.task), task=instruction.task)
    return ack


# --- rules -----------------------------------------------------------------------------

RULES_FIELDS = ["red_when_overdue", "red_missed_rounds", "yellow_days_before", "yellow_milestone_overdue",
                "yellow_report_returned", "yellow_lag_points", "yellow_forecast_miss", "reminder_days",
                "extension_needs_leader"]


@transaction.atomic
def update_status_rules(*, actor, values: dict, seen: str | None = None) -> StatusRules:
    """Saves the rules. `seen` is the fingerprint of the rules the form showed
    (duban.lib.concurrency): if another person saved them since, StaleEdit."""
    _require(actor.is_office, "只有督查室可以修改预警规则")
    StatusRules.current()  # the row exists from here on
    rules = concurrency.lock(StatusRules.objects.filter(pk=1)).get()
    if seen is not None and not concurrency.check_fingerprint(rules, RULES_FIELDS, seen):
        raise concurrency.StaleEdit("预警规则", rules, by=str(rules.updated_by or ""), at=rules.updated_at)
    before = {k: getattr(rules, k) for k in values}
    for k, v in values.items():
        setattr(rules, k, v)
    rules.updated_by = actor
    rules.save()
    record("status_rules.update", actor=actor, obj=rules, summary="修改预警规则", before=before,
           after={k: getattr(rules, k) for k in values})
    return rules
