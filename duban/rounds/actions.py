"""Every state change of rounds, reports and coordination items.

Each action is atomic and writes its audit record. Report writes are guarded by a
conditional UPDATE (``WHERE version = n``, duban.lib.concurrency.update_if_version, or
``WHERE status IN …``) whose row count is checked, so two people (or two browser tabs, or a double click) never silently
overwrite each other; this works on SQLite and PostgreSQL alike (SECURITY.md, traps).
Who may do what is ``permissions.py``; the Excel round sheet, its upload included, is
``sheets.py``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal
from typing import Iterable

from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from duban.accounts.models import Role
from duban.audit import seals
from duban.audit.log import record
from duban.lib.concurrency import check_fingerprint, fingerprint, lock, update_if_version
from duban.lib.uploads import check_upload
from duban.notifications.actions import notify, people_of_units
from duban.org.models import Leader, Unit
from duban.plans.models import Task, TaskUnit
from duban.plans.signals import facts_changed

from .models import (
    Attachment,
    Cadence,
    CoordinationItem,
    ProgressStatus,
    Report,
    ReportVersion,
    Round,
    ScopeKind,
    TargetActual,
)
from .permissions import can_accept, can_approve, can_edit, can_respond, can_return

CONTENT_FIELDS = ("progress_status", "percent", "progress", "problems", "next_steps", "coordination")


class ActionError(Exception):
    """A refused action; the message is Chinese and says why."""


class ReportConflict(ActionError):
    """Someone else saved the report since this form was loaded. ``current`` is the
    report as it is now saved, to show beside the refused input."""

    def __init__(self, current: Report):
        self.current = current
        who = current.updated_by or "他人"
        when = timezone.localtime(current.updated_at).strftime("%Y-%m-%d %H:%M:%S")
        super().__init__(f"保存未成功：该报告已于 {when} 被 {who} 修改。请对照下方对方保存的内容，确认后重新填写并保存。")


def _require(ok: bool, message: str = "您无权进行此操作") -> None:
    if not ok:
        raise PermissionDenied(message)


# --- rounds -------------------------------------------------------------------------

def scope_tasks(plan, scope_kind: str, sections: Iterable = (), tasks: Iterable = ()):
    qs = Task.objects.filter(plan=plan).active()
    if scope_kind == ScopeKind.SECTIONS:
        qs = qs.filter(section__in=list(sections))
    elif scope_kind == ScopeKind.TASKS:
        qs = qs.filter(pk__in=[t.pk for t in tasks])
    return qs.order_by("order")


@transaction.atomic
def open_round(plan, *, actor, name: str, period_start: dt.date, period_end: dt.date, opens_on: dt.date,
               due_on: dt.date, scope_kind: str = ScopeKind.PLAN, sections: Iterable = (), tasks: Iterable = (),
               requires_head_approval: bool = False, cadence: Cadence | None = None) -> Round:
    """Open a round and create its report slots: one per task in scope and per
    responsible unit (lead or co). Collective assignees (各部门) get no slot: nobody
    signs in for them."""
    if period_start > period_end:
        raise ActionError("调度期起始日期不能晚于截止日期")
    if due_on < opens_on:
        raise ActionError("报送截止日期不能早于开始填报日期")
    sections, tasks = list(sections), list(tasks)
    if scope_kind == ScopeKind.SECTIONS and not sections:
        raise ActionError("请选择要调度的章节")
    if scope_kind == ScopeKind.TASKS and not tasks:
        raise ActionError("请选择要调度的任务")
    rnd = Round.objects.create(
        name=name, plan=plan, period_start=period_start, period_end=period_end, opens_on=opens_on, due_on=due_on,
        scope_kind=scope_kind, requires_head_approval=requires_head_approval, cadence=cadence, created_by=actor,
    )
    if scope_kind == ScopeKind.SECTIONS:
        rnd.sections.set(sections)
    elif scope_kind == ScopeKind.TASKS:
        rnd.tasks.set(tasks)
    in_scope = scope_tasks(plan, scope_kind, sections, tasks)
    assignments = (
        TaskUnit.objects.filter(task__in=in_scope, unit__is_collective=False)
        .select_related("task").order_by("task__order", "-role", "order")
    )
    slots = [
        Report(round=rnd, task_id=a.task_id, unit_id=a.unit_id,
               role=Report.Role.LEAD if a.role == TaskUnit.Role.LEAD else Report.Role.CO)
        for a in assignments
    ]
    Report.objects.bulk_create(slots)
    facts_changed(Round, {a.task_id for a in slots})
    record("round.open", actor=actor, obj=rnd,
           summary=f"发起调度“{rnd.name}”，截止 {due_on:%Y-%m-%d}，共 {len(slots)} 份报告",
           after={"name": name, "due_on": due_on.isoformat(), "slots": len(slots), "scope": scope_kind})
    return rnd


@transaction.atomic
def close_round(rnd: Round, *, actor) -> Round:
    _require(actor is None or actor.is_office)
    if not Round.objects.filter(pk=rnd.pk, status=Round.Status.OPEN).update(
        status=Round.Status.CLOSED, closed_at=timezone.now()
    ):
        raise ActionError("该调度已结束")
    rnd.refresh_from_db()
    missing = rnd.reports.filter(first_submitted_at__isnull=True).count()
    record("round.close", actor=actor, obj=rnd, summary=f"结束调度“{rnd.name}”，未报送 {missing} 份")
    return rnd


def open_due_rounds(as_of: dt.date | None = None) -> list[Round]:
    """Open every round an active cadence owes by `as_of`. Idempotent and safe to run
    in two processes at once: the (cadence, period_start) unique constraint lets only
    one of them create a round; the other's insert fails and is skipped."""
    as_of = as_of or timezone.localdate()
    opened = []
    for cadence in Cadence.objects.filter(active=True).select_related("plan"):
        for start, end in cadence.due_periods(as_of):
            if Round.objects.filter(cadence=cadence, period_start=start).exists():
                continue
            try:
                with transaction.atomic():
                    opened.append(open_round(
                        cadence.plan, actor=None, name=cadence.round_name(start), period_start=start, period_end=end,
                        opens_on=(opens := max(as_of, end - dt.timedelta(days=cadence.open_days_before_end))),
                        # a period caught up after its due date: the usual days from today
                        due_on=(due if (due := end + dt.timedelta(days=cadence.due_day_offset)) >= opens
                                else opens + dt.timedelta(days=cadence.due_day_offset)),
                        requires_head_approval=cadence.requires_head_approval, cadence=cadence,
                    ))
            except IntegrityError:
                continue  # another scheduler opened it first
    return opened


# --- report content -----------------------------------------------------------------

def parse_addressee(value: str) -> Leader | Unit | None:
    kind, _, pk = (value or "").partition(":")
    if not pk.isdigit():
        return None
    if kind == "leader":
        return Leader.objects.filter(pk=pk).first()
    if kind == "unit":
        return Unit.objects.filter(pk=pk).first()
    return None


def clean_content(data: dict) -> dict:
    """Validate report content (from the form or the Excel sheet); Chinese errors."""
    out = {}
    status = data.get("progress_status") or ""
    if status and status not in ProgressStatus.values:
        raise ActionError(f"推进状态“{status}”无效")
    out["progress_status"] = status
    percent = data.get("percent")
    if percent in ("", None):
        out["percent"] = None
    else:
        try:
            percent = int(percent)
        except (TypeError, ValueError):
            raise ActionError("完成进度必须是 0 到 100 之间的整数") from None
        if not 0 <= percent <= 100:
            raise ActionError("完成进度必须是 0 到 100 之间的整数")
        out["percent"] = percent
    for f in ("progress", "problems", "next_steps"):
        out[f] = (data.get(f) or "").strip()
    items = []
    for item in data.get("coordination") or []:
        text = (item.get("text") or "").strip()
        if not text:
            continue
        if parse_addressee(item.get("to", "")) is None:
            raise ActionError(f"需协调事项“{text[:20]}”请选择提请的领导或单位")
        items.append({"to": item["to"], "text": text})
    out["coordination"] = items
    return out


@transaction.atomic
def save_report_draft(report: Report, *, actor, data: dict, version: int,
                      actuals: dict[int, Decimal | None] | None = None, carried_forward: bool | None = None) -> Report:
    """Save the draft. `version` is the version the editor started from; if the report
    was saved since, nothing is written and ReportConflict carries the saved report."""
    _require(can_edit(actor, report), "该报告当前不能修改")
    content = clean_content(data)
    fields = dict(content, updated_by=actor, updated_at=timezone.now())
    if carried_forward is not None:
        fields["carried_forward"] = carried_forward
    if not update_if_version(Report.objects.filter(pk=report.pk, status__in=Report.EDITABLE), version, **fields):
        raise ReportConflict(Report.objects.select_related("updated_by", "round").get(pk=report.pk))
    if actuals is not None:
        valid = set(report.task.targets.values_list("pk", flat=True))
        for target_id, value in actuals.items():
            if target_id not in valid:
                raise ActionError("指标不属于该任务")
            if value is None:
                TargetActual.objects.filter(report=report, target_id=target_id).delete()
            else:
                TargetActual.objects.update_or_create(report=report, target_id=target_id, defaults={"value": value})
    facts_changed(Report, [report.task_id])
    before = {f: getattr(report, f) for f in CONTENT_FIELDS}
    report.refresh_from_db()
    record("report.save", actor=actor, obj=report, task=report.task, summary=f"保存报告草稿：{report}",
           before=before, after={f: getattr(report, f) for f in CONTENT_FIELDS})
    return report


def previous_report(report: Report) -> Report | None:
    """The same task and unit's report in the previous round, if it went out."""
    prev_round = report.round.previous()
    if prev_round is None:
        return None
    return (
        Report.objects.filter(round=prev_round, task_id=report.task_id, unit_id=report.unit_id)
        .exclude(first_submitted_at__isnull=True).first()
    )


@transaction.atomic
def carry_forward_report(report: Report, *, actor, version: int) -> Report:
    """Copy last round's submitted text into this draft, to be edited."""
    prev = previous_report(report)
    if prev is None:
        raise ActionError("上一期没有可沿用的报告")
    data = {f: getattr(prev, f) for f in CONTENT_FIELDS}
    return save_report_draft(report, actor=actor, data=data, version=version, carried_forward=True)


_NOISE = re.compile(r"[\s，。、；：,.;:！!？?“”\"'（）()]+")


def _norm(text: str) -> str:
    return _NOISE.sub("", text or "")


def is_repeat_of_previous(report: Report) -> bool:
    """True when the report says nothing new: its progress text, status and percent
    are those of the same unit's report for the task in the previous round."""
    prev = previous_report(report)
    if prev is None or not _norm(report.progress):
        return False
    last = prev.versions.order_by("-number").first()
    data = last.data if last else {f: getattr(prev, f) for f in CONTENT_FIELDS}
    return (
        _norm(report.progress) == _norm(data.get("progress", ""))
        and report.percent == data.get("percent")
        and report.progress_status == data.get("progress_status")
    )


def _raise_coordination_items(report: Report) -> None:
    for item in report.coordination or []:
        to = parse_addressee(item.get("to", ""))
        if to is None:
            continue
        key = {"addressed_to_leader": to} if isinstance(to, Leader) else {"addressed_to_unit": to}
        if CoordinationItem.objects.filter(report=report, text=item["text"], **key).exists():
            continue
        ci = CoordinationItem.objects.create(report=report, task=report.task, text=item["text"],
                                             raised_by_unit=report.unit, **key)
        record("coordination.raise", actor=report.submitted_by, obj=ci, task=report.task,
               summary=f"{report.unit}提请{to}协调：{item['text'][:60]}")


def _freeze(report: Report, actor) -> ReportVersion:
    number = (report.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = ReportVersion.objects.create(report=report, number=number, data=report.snapshot(), submitted_by=actor,
                                           submitted_at=timezone.now())
    seals.seal(version)
    return version


def _tell_unit(units, report: Report, *, kind: str, title: str, body: str = "", heads_only: bool = False) -> None:
    """An inbox message (and the channels each person chose) about a report, to the
    people of `units`, once the transaction commits."""
    people = [u for u in people_of_units(units) if not heads_only or u.role == Role.UNIT_HEAD]
    notify(people, kind=kind, title=title, body=body, url=reverse("rounds:report", args=[report.pk]),
                     task=report.task)


def _going_out(report: Report, actor, now) -> None:
    """Effects of a report going out (to the office, or a co part to the lead unit)."""
    Report.objects.filter(pk=report.pk, first_submitted_at__isnull=True).update(first_submitted_at=now)
    report.refresh_from_db()
    _raise_coordination_items(report)
    if report.role == Report.Role.CO:
        lead_units = TaskUnit.objects.filter(task=report.task, role=TaskUnit.Role.LEAD).values_list("unit_id", flat=True)
        _tell_unit(list(lead_units), report, kind="report.co_part",
                   title=f"{report.unit}已报送配合材料：{report.round.name}·任务{report.task.number or ''}",
                   body="请在本单位的报告中汇总后报送。")


@transaction.atomic
def submit_report(report: Report, *, actor, version: int | None = None) -> Report:
    """Submit the report. With head approval on and a liaison submitting, it waits for
    the unit head; otherwise it goes out at once. A lead report takes with it the
    co-units' parts submitted so far (汇总). Every submission is frozen as a version."""
    _require(can_edit(actor, report), "该报告当前不能报送")
    report.refresh_from_db()
    missing = []
    if not report.progress_status:
        missing.append("推进状态")
    if not report.progress.strip():
        missing.append("进展情况")
    if missing:
        raise ActionError(f"报送前请填写：{'、'.join(missing)}")
    needs_head = report.round.requires_head_approval and actor.role != Role.UNIT_HEAD
    new_status = Report.Status.PENDING_APPROVAL if needs_head else Report.Status.SUBMITTED
    now = timezone.now()
    report.is_repeat = is_repeat_of_previous(report)
    # Without a version (the sheet import, which checked it when saving the row) the
    # version is the one just read: the status filter still refuses a second submit.
    if not update_if_version(
        Report.objects.filter(pk=report.pk, status__in=Report.EDITABLE),
        report.version if version is None else version,
        status=new_status, submitted_at=now, submitted_by=actor, is_repeat=report.is_repeat, return_reason="",
        approved_by=(actor if not needs_head and report.round.requires_head_approval else None),
        updated_by=actor, updated_at=now,
    ):
        raise ReportConflict(Report.objects.select_related("updated_by", "round").get(pk=report.pk))
    report.refresh_from_db()
    if report.role == Report.Role.LEAD:
        parts = report.co_parts().filter(status__in=[Report.Status.SUBMITTED, Report.Status.ACCEPTED])
        report.consolidated_from.add(*parts)
    version_row = _freeze(report, actor)
    if new_status == Report.Status.SUBMITTED:
        _going_out(report, actor, now)
    else:
        _tell_unit([report.unit_id], report, kind="report.pending", heads_only=True,
                   title=f"待审核：{report.round.name}·任务{report.task.number or ''}的报告",
                   body=f"{actor}提交了报告，审核通过后报送督查室。")
    late = "（逾期）" if report.is_late else ""
    record("report.submit", actor=actor, obj=report, task=report.task,
           summary=f"{'提交单位负责人审核' if needs_head else '报送'}报告{late}：{report}（第{version_row.number}版）",
           after={"status": new_status, "version": version_row.number, "is_repeat": report.is_repeat})
    facts_changed(Report, [report.task_id])
    return report


def _transition(report: Report, from_status: Iterable[str], **fields) -> Report:
    fields.setdefault("version", F("version") + 1)
    if not Report.objects.filter(pk=report.pk, status__in=list(from_status)).update(**fields):
        raise ActionError("报告状态已变化，请刷新页面后重试")
    report.refresh_from_db()
    return report


@transaction.atomic
def approve_report(report: Report, *, actor) -> Report:
    """The unit head approves a pending report; it goes out."""
    _require(can_approve(actor, report), "只有本单位负责人可以审核该报告")
    now = timezone.now()
    _transition(report, [Report.Status.PENDING_APPROVAL], status=Report.Status.SUBMITTED, approved_by=actor,
                updated_at=now)
    _going_out(report, actor, now)
    record("report.approve", actor=actor, obj=report, task=report.task, summary=f"单位负责人审核通过：{report}")
    facts_changed(Report, [report.task_id])
    return report


@transaction.atomic
def return_report(report: Report, *, actor, reason: str) -> Report:
    """Return a report with a reason: the office (any submitted report), the lead
    unit (a co part), or the unit head (a report waiting for approval)."""
    reason = (reason or "").strip()
    if not reason:
        raise ActionError("请填写退回原因")
    _require(can_return(actor, report), "您无权退回该报告")
    before = report.status
    _transition(report, [before], status=Report.Status.RETURNED, return_reason=reason, reviewed_by=actor,
                reviewed_at=timezone.now())
    record("report.return", actor=actor, obj=report, task=report.task, summary=f"退回报告：{report}；原因：{reason[:200]}",
           before={"status": before}, after={"status": Report.Status.RETURNED, "reason": reason})
    facts_changed(Report, [report.task_id])
    _tell_unit([report.unit_id], report, kind="report.returned",
               title=f"报告被退回：{report.round.name}·任务{report.task.number or ''}", body=f"退回原因：{reason}")
    return report


@transaction.atomic
def accept_report(report: Report, *, actor) -> Report:
    """The office accepts a submitted report; co parts consolidated into it are
    accepted with it."""
    _require(can_accept(actor, report), "只有督查室可以采纳已报送的报告")
    now = timezone.now()
    _transition(report, [Report.Status.SUBMITTED], status=Report.Status.ACCEPTED, reviewed_by=actor, reviewed_at=now)
    parts = report.consolidated_from.filter(status=Report.Status.SUBMITTED)
    ids = [report.pk, *parts.values_list("pk", flat=True)]
    n = parts.update(status=Report.Status.ACCEPTED, reviewed_by=actor, reviewed_at=now, version=F("version") + 1)
    for accepted in Report.objects.filter(pk__in=ids, status=Report.Status.ACCEPTED):
        seals.seal(accepted)
    report.refresh_from_db(fields=["seal"])
    record("report.accept", actor=actor, obj=report, task=report.task,
           summary=f"采纳报告：{report}" + (f"（含配合单位材料 {n} 份）" if n else ""))
    facts_changed(Report, Report.objects.filter(pk__in=ids).values_list("task_id", flat=True))
    _tell_unit([report.unit_id], report, kind="report.accepted",
               title=f"报告已采纳：{report.round.name}·任务{report.task.number or ''}")
    return report


@transaction.atomic
def consolidate_report(report: Report, *, actor, version: int) -> Report:
    """Bring the co-units' submitted parts into the lead unit's draft (汇总): each
    part's text is appended under the unit's name, once."""
    _require(can_edit(actor, report) and report.role == Report.Role.LEAD, "只有牵头单位可以汇总配合单位材料")
    parts = list(report.co_parts().filter(status__in=[Report.Status.SUBMITTED, Report.Status.ACCEPTED]))
    if not parts:
        raise ActionError("配合单位尚未报送材料，暂无可汇总的内容")
    data = {f: getattr(report, f) for f in CONTENT_FIELDS}
    for part in parts:
        for f in ("progress", "problems", "next_steps"):
            text = getattr(part, f).strip()
            block = f"【{part.unit.name}】{text}"
            if text and block not in data[f]:
                data[f] = f"{data[f].rstrip()}\n{block}".strip()
    saved = save_report_draft(report, actor=actor, data=data, version=version)
    saved.consolidated_from.add(*parts)
    record("report.consolidate", actor=actor, obj=saved, task=saved.task,
           summary=f"汇总配合单位材料：{'、'.join(p.unit.name for p in parts)}")
    return saved


# --- attachments --------------------------------------------------------------------

def _lock_editable(report: Report, message: str) -> None:
    """The report row read again under a lock (see duban.lib.concurrency.lock): a submit
    running at the same time either froze its version before this change (which is
    then refused) or waits for it (and freezes the version with it)."""
    _require(lock(Report.objects.filter(pk=report.pk, status__in=Report.EDITABLE)).exists(), message)


@transaction.atomic
def add_attachment(report: Report, *, actor, name: str, data: bytes) -> Attachment:
    _require(can_edit(actor, report), "该报告当前不能添加附件")
    _lock_editable(report, "该报告已报送或被他人改变，不能再添加附件，请刷新页面")
    kind, display = check_upload(data, name)
    att = Attachment(report=report, original_name=display, content_type=kind.content_type, size=len(data),
                     sha256=hashlib.sha256(data).hexdigest(), uploaded_by=actor)
    att.file.save(f"upload{kind.ext}", ContentFile(data), save=False)
    att.save()
    record("report.attach", actor=actor, obj=att, task=report.task, summary=f"上传佐证材料“{display}”：{report}")
    return att


@transaction.atomic
def remove_attachment(att: Attachment, *, actor) -> Attachment:
    """Soft removal: submitted versions that list the file keep it."""
    _require(can_edit(actor, att.report), "该报告当前不能移除附件")
    _lock_editable(att.report, "该报告已报送或被他人改变，不能再移除附件，请刷新页面")
    if not Attachment.objects.filter(pk=att.pk, removed_at__isnull=True).update(removed_at=timezone.now()):
        raise ActionError("该附件已移除")
    record("report.detach", actor=actor, obj=att, task=att.report.task, summary=f"移除佐证材料“{att.original_name}”")
    return att


# --- coordination -------------------------------------------------------------------

COORDINATION_STATE = ["status", "response", "responded_by", "responded_at", "closed_at"]


def coordination_fingerprint(item: CoordinationItem) -> str:
    """The item as a page shows it, for the respond form (duban.lib.concurrency)."""
    return fingerprint(item, COORDINATION_STATE)


def _fresh_item(item: CoordinationItem, seen: str | None) -> CoordinationItem:
    """The item read under lock; refused when it is closed, or answered since the page
    showed it (`seen`), so one answer never silently replaces another."""
    current = lock(CoordinationItem.objects.filter(pk=item.pk)).get()
    if current.status != CoordinationItem.Status.OPEN:
        raise ActionError(f"该协调事项已由{current.closed_by or '他人'}办结"
                          + (f"，答复：“{current.response[:100]}”" if current.response else ""))
    if not check_fingerprint(current, COORDINATION_STATE, seen):
        when = timezone.localtime(current.responded_at).strftime("%Y-%m-%d %H:%M") if current.responded_at else ""
        raise ActionError(f"未保存：您打开页面后，{current.responded_by or '他人'}已于 {when} 答复该协调事项："
                          f"“{current.response[:200]}”。请查看后再答复。")
    return current


@transaction.atomic
def respond_coordination(item: CoordinationItem, *, actor, response: str, seen: str | None = None) -> CoordinationItem:
    """Answer an item. `seen` is coordination_fingerprint() of the item as the page
    showed it (a page without one is only refused once the item is closed)."""
    response = (response or "").strip()
    if not response:
        raise ActionError("请填写答复内容")
    _require(can_respond(actor, item), "您无权答复该协调事项")
    _fresh_item(item, seen)
    CoordinationItem.objects.filter(pk=item.pk).update(response=response, responded_by=actor,
                                                       responded_at=timezone.now())
    item.refresh_from_db()
    record("coordination.respond", actor=actor, obj=item, task=item.task, summary=f"答复协调事项：{response[:100]}")
    return item


@transaction.atomic
def close_coordination(item: CoordinationItem, *, actor, response: str = "", seen: str | None = None) -> CoordinationItem:
    _require(can_respond(actor, item), "您无权办结该协调事项")
    _fresh_item(item, seen)
    fields = {"status": CoordinationItem.Status.CLOSED, "closed_by": actor, "closed_at": timezone.now()}
    if response.strip():
        fields.update(response=response.strip(), responded_by=actor, responded_at=timezone.now())
    CoordinationItem.objects.filter(pk=item.pk).update(**fields)
    item.refresh_from_db()
    record("coordination.close", actor=actor, obj=item, task=item.task, summary=f"办结协调事项：{item.text[:60]}")
    return item
