"""Every state change of the supervision loop.

Each action is atomic, writes its audit record and notifies the people concerned
once the transaction commits. Transitions are conditional UPDATEs (``WHERE status =
…``) whose row count is checked, so two people acting at once never both succeed
(SQLite and PostgreSQL alike; SECURITY.md, traps).
"""
from __future__ import annotations

import datetime as dt
import hashlib
from typing import Iterable

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from duban.audit import seals
from duban.audit.log import record
from duban.documents import numbering
from duban.lib import concurrency
from duban.lib.concurrency import lock
from duban.lib.uploads import UploadError, check_upload
from duban.notifications.actions import leader_people, notify, office_people, people_of_units
from duban.org.models import Unit
from duban.plans.signals import all_facts_changed, facts_changed

from .models import (
    CompletionRequest,
    EvidenceFile,
    ExtensionRequest,
    Instruction,
    InstructionAck,
    Notice,
    NoticeReply,
    RequestStatus,
    StatusRules,
    TaskClosure,
)
from .deadlines import effective_deadline, is_closed
from .permissions import can_acknowledge, can_decide_extension, is_task_unit_person


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


# --- notices ---------------------------------------------------------------------------

def take_number(kind: str, year: int) -> tuple[int, str]:
    """(sequence, 文号) of a new document: the office's pattern, a sequence per kind
    and year (duban.documents.numbering, race-free)."""
    try:
        return numbering.take_number(kind, year)
    except numbering.NumberingError as exc:
        raise ActionError(str(exc)) from None


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
    seq, number = take_number("notice", year)
    notice = Notice.objects.create(
        year=year, seq=seq, number=number, level=level, task=task, facts=facts.strip(),
        requirement=requirement.strip(), reply_by=reply_by, issued_by=actor, issued_at=now,
    )
    notice.units.set(units)
    leaders = task.ordered_leaders() if level == Notice.Level.INTERVIEW else []
    notice.leaders.set(leaders)
    seals.seal(notice)
    record("notice.issue", actor=actor, obj=notice, task=task,
           summary=f"签发{notice.title} {notice.number}：{'、'.join(u.name for u in units)}",
           after={"level": level, "units": [u.pk for u in units], "reply_by": reply_by.isoformat()})
    url = reverse("supervision:notice", args=[notice.pk])
    title = f"{notice.title} {notice.number}：{_name(task)}，请于 {reply_by:%Y-%m-%d} 前回复"
    notify(people_of_units(units), kind=f"notice.{level}", title=title, body=notice.facts, url=url,
                     task=task, units=units)
    if leaders:
        notify(leader_people(leaders), kind="notice.interview", title=f"请约谈：{title}",
                         body=notice.facts, url=url, task=task)
    return notice


# --- evidence files ---------------------------------------------------------------------

EVIDENCE_MAX_FILES = 10


def _checked_files(files: Iterable[tuple[str, bytes]]) -> list[tuple[str, bytes, object, str]]:
    """Every file checked before any is stored (duban.lib.uploads, the rules of report
    attachments): (name, data, kind, display name); ActionError naming each bad file."""
    files = list(files)
    _require(len(files) <= EVIDENCE_MAX_FILES, f"佐证材料一次最多上传 {EVIDENCE_MAX_FILES} 个文件，本次选择了 {len(files)} 个")
    checked, problems = [], []
    for name, data in files:
        try:
            kind, display = check_upload(data, name)
        except UploadError as exc:
            problems.append(str(exc))
            continue
        checked.append((name, data, kind, display))
    _require(not problems, "佐证材料有问题，未提交：" + "；".join(problems))
    return checked


def _store_files(checked, *, actor, **owner) -> list[EvidenceFile]:
    out = []
    for _name, data, kind, display in checked:
        f = EvidenceFile(original_name=display, content_type=kind.content_type, size=len(data),
                         sha256=hashlib.sha256(data).hexdigest(), uploaded_by=actor, **owner)
        f.file.save(f"upload{kind.ext}", ContentFile(data), save=False)
        f.save()
        out.append(f)
    return out


def _files_note(files: list[EvidenceFile]) -> str:
    return f"，佐证材料 {len(files)} 个：{'、'.join(f.original_name for f in files)}" if files else ""


@transaction.atomic
def reply_notice(notice: Notice, *, actor, text: str, files: Iterable[tuple[str, bytes]] = ()) -> NoticeReply:
    """The actor's unit replies to `notice`, with evidence files (name, bytes). The
    notice stays open for the units that have not replied (部分回复) and is 已回复 once
    every unit has. Files are checked first: one bad file and nothing is kept."""
    _require(bool(text.strip()), "请填写回复内容")
    checked = _checked_files(files)
    locked = lock(Notice.objects.filter(pk=notice.pk)).get()  # one reply at a time: the count below is exact
    _require(locked.status != Notice.Status.CLOSED, "该督办单已办结，不能再回复")
    _require(actor.is_unit_person and locked.units.filter(pk=actor.unit_id).exists(), "只有被督办单位可以回复")
    earlier = locked.replies.filter(unit_id=actor.unit_id).select_related("replied_by").first()
    if earlier is not None:
        when = timezone.localtime(earlier.replied_at).strftime("%Y-%m-%d %H:%M")
        raise ActionError(f"本单位已由{earlier.replied_by or '他人'}于 {when} 回复该督办单，不能重复回复")
    try:
        with transaction.atomic():
            reply = NoticeReply.objects.create(notice=locked, unit_id=actor.unit_id, text=text.strip(),
                                               replied_by=actor, replied_at=timezone.now())
    except IntegrityError:
        raise ActionError("本单位已回复该督办单") from None
    stored = _store_files(checked, actor=actor, reply=reply)
    seals.seal(reply)
    owed = locked.units.exclude(pk__in=locked.replies.values("unit_id")).count()
    status = Notice.Status.PARTLY if owed else Notice.Status.REPLIED
    Notice.objects.filter(pk=locked.pk).update(status=status)
    seals.seal(locked)
    notice.refresh_from_db()
    record("notice.reply", actor=actor, obj=notice, task=notice.task,
           summary=f"{actor.unit} 回复 {notice.number}{_files_note(stored)}"
           + (f"（尚有 {owed} 个单位未回复）" if owed else "（各单位均已回复）"),
           after={"status": status, "unit": str(actor.unit)})
    title = f"{actor.unit} 已回复 {notice.number}" + (f"，尚有 {owed} 个单位未回复" if owed else "，各单位均已回复")
    notify([notice.issued_by, *office_people()], kind="notice.reply", title=title, body=reply.text,
           url=reverse("supervision:notice", args=[notice.pk]), task=notice.task)
    return reply


@transaction.atomic
def close_notice(notice: Notice, *, actor, note: str = "") -> Notice:
    _require(actor.is_office, "只有督查室可以办结督办单")
    owed = list(notice.units.exclude(pk__in=notice.replies.values("unit_id")).values_list("name", flat=True))
    if owed:
        _require(bool(note.strip()), f"{'、'.join(owed)}尚未回复：提前办结须填写办结意见，说明原因")
    done = Notice.objects.filter(pk=notice.pk).exclude(status=Notice.Status.CLOSED).update(
        status=Notice.Status.CLOSED, close_note=note.strip(), closed_by=actor, closed_at=timezone.now()
    )
    _require(done == 1, "该督办单已办结")
    seals.seal(notice)
    notice.refresh_from_db()
    record("notice.close", actor=actor, obj=notice, task=notice.task, summary=f"办结 {notice.number}")
    notify(people_of_units(notice.units.all()), kind="notice.close", title=f"{notice.number} 已办结",
                     body=notice.close_note, url=reverse("supervision:notice", args=[notice.pk]), task=notice.task)
    return notice


# --- extensions ------------------------------------------------------------------------

def extension_blocker(task, today: dt.date | None = None) -> str | None:
    """Why an extension of `task` cannot be asked for today, and what to do instead; None
    when it can. The task page shows this in place of the form, and
    ``request_extension`` refuses with it."""
    today = today or timezone.localdate()
    if is_closed(task, today):
        return "任务已销号，不能申请延期。"
    current = effective_deadline(task, today)
    if current is None:
        return "该任务没有完成时限（持续推进），无需申请延期。"
    if today > current:
        return (f"完成时限 {current:%Y-%m-%d} 已过，不能再申请延期：申请延期须在到期前提出。"
                "请抓紧推进，在调度报告中说明未按期完成的原因和预计完成时间；"
                "确需调整完成时限的，请与督查室联系，由督查室研究处理；已经完成的，请申请办结。")
    pending = ExtensionRequest.objects.filter(
        task_id=task.pk, status__in=[RequestStatus.PENDING, RequestStatus.LEADER_PENDING]).first()
    if pending is not None:
        return (f"该任务已有{pending.get_status_display()}的延期申请（{pending.unit}，申请延至 "
                f"{pending.new_deadline:%Y-%m-%d}），处理完毕前不能再次申请。")
    return None


@transaction.atomic
def request_extension(task, *, actor, new_deadline: dt.date, reason: str) -> ExtensionRequest:
    """A unit asks, before the deadline in force, to move it to `new_deadline`."""
    _require(is_task_unit_person(actor, task), "只有该任务的责任单位可以申请延期")
    today = timezone.localdate()
    blocker = extension_blocker(task, today)
    _require(blocker is None, blocker or "")
    current = effective_deadline(task, today)
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
    notify(office_people(), kind="extension.request",
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
    by_leader = req.status == RequestStatus.LEADER_PENDING
    note = note.strip()
    # The leader's opinion follows the office's in the one 审核意见: neither is lost.
    kept = f"{req.note}\n{actor.leader or actor}：{note}".strip() if by_leader and note else (req.note if by_leader else note)
    fields = {"status": new_status, "note": kept}
    fields["leader_by" if by_leader else "office_by"] = actor
    if new_status in (RequestStatus.APPROVED, RequestStatus.REFUSED):
        fields["decided_on"] = timezone.localdate()
        fields["reply_number"] = take_number("extension", fields["decided_on"].year)[1]
    done = ExtensionRequest.objects.filter(pk=req.pk, status=req.status).update(**fields)
    _require(done == 1, "该申请已被他人处理")
    req.refresh_from_db()
    task = req.task
    label = {RequestStatus.APPROVED: "同意", RequestStatus.REFUSED: "不同意", RequestStatus.LEADER_PENDING: "同意并报领导审批"}[new_status]
    who = f"牵头领导{actor.leader or actor}" if by_leader else "督查室"
    record("extension.decide", actor=actor, obj=req, task=task,
           summary=f"{who}审批延期申请：{label}（{req.new_deadline:%Y-%m-%d}）" + (f"；意见：{note[:200]}" if note else ""),
           after={"status": new_status, "note": note})
    if new_status == RequestStatus.APPROVED:
        facts_changed(ExtensionRequest, [task.pk])  # the deadline in force moved
    if new_status == RequestStatus.LEADER_PENDING:
        notify(leader_people(task.ordered_leaders()), kind="extension.leader",
                         title=f"请审批{_name(task)}延期至 {req.new_deadline:%Y-%m-%d}", body=req.reason,
                         url=task_url(task), task=task)
    else:
        if by_leader:
            # The office sent it on to the leader: it hears the leader's decision too.
            notify(office_people(), kind=f"extension.leader_{new_status}",
                   title=f"{actor.leader or actor}{label}{_name(task)}延期至 {req.new_deadline:%Y-%m-%d}",
                   body=note, url=task_url(task) + "#extensions", task=task)
        notify(people_of_units([req.unit_id]), kind=f"extension.{new_status}",
                         title=f"{_name(task)}延期申请{label}：延至 {req.new_deadline:%Y-%m-%d}", body=req.note,
                         url=task_url(task), task=task)
    return req


# --- completion and closure ------------------------------------------------------------

@transaction.atomic
def claim_completion(task, *, actor, evidence: str, files: Iterable[tuple[str, bytes]] = ()) -> CompletionRequest:
    """A unit claims the task complete, with its account and evidence files (name,
    bytes; checked first, one bad file and nothing is kept). The office sees the files
    beside the claim before it verifies (销号)."""
    _require(is_task_unit_person(actor, task), "只有该任务的责任单位可以申请办结")
    _require(not is_closed(task), "任务已销号")
    _require(bool(evidence.strip()), "请填写完成情况及佐证")
    checked = _checked_files(files)
    try:
        with transaction.atomic():
            req = CompletionRequest.objects.create(task=task, unit=actor.unit, evidence=evidence.strip(),
                                                   requested_by=actor, requested_at=timezone.now())
    except IntegrityError:
        raise ActionError("该任务已有待核验的办结申请") from None
    stored = _store_files(checked, actor=actor, completion=req)
    record("completion.claim", actor=actor, obj=req, task=task, summary=f"{actor.unit} 申请办结{_files_note(stored)}")
    notify(office_people(), kind="completion.claim", title=f"{actor.unit} 申请{_name(task)}办结",
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
            today = timezone.localdate()
            closure = TaskClosure.objects.create(task=req.task, closed_on=today, closed_by=actor, completion=req,
                                                 number=take_number("closure", today.year)[1])
    except IntegrityError:
        raise ActionError("任务已销号") from None
    task = req.task
    record("task.close", actor=actor, obj=closure, task=task, summary=f"核验办结申请，{_name(task)}销号")
    facts_changed(TaskClosure, [task.pk])
    notify(people_of_units(task_units(task)), kind="completion.verified", title=f"{_name(task)}已核验销号",
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
    notify(people_of_units([req.unit_id]), kind="completion.returned",
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
    facts_changed(TaskClosure, [task.pk])
    notify(people_of_units(task_units(task)), kind="task.reopen", title=f"{_name(task)}已重新启动",
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
    notify([*people_of_units(units), *office_people()], kind="instruction",
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
    notify([instruction.author], kind="instruction.ack", title=f"{actor.unit} 已签收您的批示",
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
    all_facts_changed(StatusRules)  # every task's light is recomputed with the new rules
    return rules
