"""The supervision loop's documents: notices (催办单 / 督办通知单 / 约谈通知单), the reply
to an extension request (延期批复) and the notice that a task is struck off (办结销号通知).

Each is the office's template of its kind (duban.documents) filled with a context of
Chinese placeholder names (duban.documents.kinds lists them with their meanings);
the PDF is made from the filled .docx. The built-in templates keep the GB/T 9704 layout
(A4, margins 37/35/28/26 mm, title in 小标宋, body in 仿宋_GB2312 三号).

The 报告 table holds the task's reports that went out and that `viewer` may see
(``Report.objects.visible_to``): a unit's people never read another unit's reports in
a document either.
"""
from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from duban.documents import render
from duban.documents.kinds import notice_kind
from duban.lib.officedoc import ISSUER, cn_date
from duban.org.models import Unit
from duban.plans.models import TaskUnit
from duban.rounds.models import Report

from .models import CompletionRequest, ExtensionRequest, Notice, RequestStatus, TaskClosure
from .deadlines import effective_deadline


def issuer() -> str:
    """The issuing office: settings.DUBAN_OFFICE_NAME, else 区政府督查室."""
    return getattr(settings, "DUBAN_OFFICE_NAME", "") or ISSUER


def notice_units(notice) -> list:
    """The notice's units in the task's written order (lead units first)."""
    order = {a.unit_id: (a.role != "lead", a.order) for a in notice.task.assignments.all()}
    return sorted(notice.units.all(), key=lambda u: (order.get(u.pk, (True, 999)), u.name))


def _deadline(task, day: dt.date) -> str:
    d = effective_deadline(task, day)
    return cn_date(d) if d else (task.deadline_text or "持续推进")


def task_fields(task, day: dt.date) -> dict:
    """The task's placeholders (任务序号 … 完成时限) as of `day`."""
    links = sorted(task.assignments.select_related("unit"), key=lambda a: a.order)
    return {
        "任务序号": task.number,
        "任务名称": task.title,
        "任务": f"第{task.number}项：{task.title}" if task.number else task.title,
        "牵头领导": "、".join(x.name for x in task.ordered_leaders()),
        "牵头单位": "、".join(a.unit.name for a in links if a.role == TaskUnit.Role.LEAD),
        "配合单位": "、".join(a.unit.name for a in links if a.role == TaskUnit.Role.CO),
        "完成时限": _deadline(task, day),
    }


def reports_table(task, viewer=None) -> list[dict]:
    """The task's reports that went out (latest round first) that `viewer` may see."""
    reports = Report.objects.all() if viewer is None else Report.objects.visible_to(viewer)
    rows = (reports.filter(task=task, status__in=[Report.Status.SUBMITTED, Report.Status.ACCEPTED])
            .select_related("round", "unit").order_by("-round__period_end", "-round_id", "-role", "unit__name"))
    return [{
        "调度": r.round.name, "单位": r.unit.name,
        "报送日期": timezone.localdate(r.submitted_at).isoformat() if r.submitted_at else "",
        "进展情况": r.progress, "存在问题": r.problems, "下一步计划": r.next_steps,
    } for r in rows]


def notice_context(notice: Notice, *, viewer=None, units=None, leaders=None) -> dict:
    """The placeholders of a notice. `units` / `leaders` stand in for the notice's own
    (a preview of a notice not issued)."""
    task = notice.task
    issued = timezone.localdate(notice.issued_at)
    units = notice_units(notice) if units is None else units
    leaders = list(notice.leaders.all()) if leaders is None else leaders
    deadline = effective_deadline(task, issued)
    return {
        "标题": notice.title,
        "文号": notice.number,
        "督办层级": notice.get_level_display(),
        "主送单位": "、".join(u.name for u in units),
        **task_fields(task, issued),
        "逾期天数": str(max(0, (issued - deadline).days) if deadline else 0),
        "督办事项": notice.facts,
        "办理要求": notice.requirement,
        "回复期限": cn_date(notice.reply_by),
        "呈报领导": "、".join(x.name for x in leaders),
        "签发人": str(notice.issued_by or ""),
        "报告": reports_table(task, viewer),
        "发文机关": issuer(),
        "成文日期": cn_date(issued),
    }


def extension_context(req: ExtensionRequest, *, viewer=None) -> dict:
    task = req.task
    decided = req.decided_on or timezone.localdate()
    old, new = cn_date(req.old_deadline), cn_date(req.new_deadline)
    if req.status == RequestStatus.APPROVED:
        result, verdict = "同意", f"同意将完成时限由{old}延至{new}。"
    elif req.status == RequestStatus.REFUSED:
        result, verdict = "不同意", f"不同意延期，请按原完成时限（{old}）完成。"
    else:
        result, verdict = req.get_status_display(), f"申请将完成时限由{old}延至{new}，正在审核。"
    fields = task_fields(task, decided)
    return {
        "标题": f"关于第{task.number}项任务延期申请的批复" if task.number else "关于任务延期申请的批复",
        "文号": req.reply_number,
        "申请单位": req.unit.name,
        **{k: fields[k] for k in ("任务序号", "任务名称", "任务", "牵头领导", "牵头单位")},
        "原完成时限": old,
        "申请延至": new,
        "延期理由": req.reason,
        "申请日期": cn_date(timezone.localdate(req.requested_at)),
        "审核结果": result,
        "批复意见": verdict,
        "审核意见": req.note,
        "报告": reports_table(task, viewer),
        "发文机关": issuer(),
        "成文日期": cn_date(decided),
    }


def closure_context(closure: TaskClosure, *, viewer=None, completion: CompletionRequest | None = None) -> dict:
    task = closure.task
    claim = completion if completion is not None else closure.completion
    units = [a.unit for a in sorted(task.assignments.select_related("unit"), key=lambda a: (a.role != "lead", a.order))
             if not a.unit.is_collective]
    return {
        "标题": f"关于第{task.number}项任务办结销号的通知" if task.number else "关于任务办结销号的通知",
        "文号": closure.number,
        "主送单位": "、".join(u.name for u in units),
        **task_fields(task, closure.closed_on),
        "申请单位": claim.unit.name if claim else "",
        "申请日期": cn_date(timezone.localdate(claim.requested_at)) if claim else "",
        "完成情况": claim.evidence if claim else "",
        "销号日期": cn_date(closure.closed_on),
        "报告": reports_table(task, viewer),
        "发文机关": issuer(),
        "成文日期": cn_date(closure.closed_on),
    }


def notice_docx(notice: Notice, *, viewer=None) -> bytes:
    return render.docx(notice_kind(notice.level), notice_context(notice, viewer=viewer))


def notice_pdf(notice: Notice, *, viewer=None) -> bytes:
    return render.to_pdf(notice_docx(notice, viewer=viewer))


def extension_docx(req: ExtensionRequest, *, viewer=None) -> bytes:
    return render.docx("extension_reply", extension_context(req, viewer=viewer))


def closure_docx(closure: TaskClosure, *, viewer=None) -> bytes:
    return render.docx("closure_notice", closure_context(closure, viewer=viewer))


# --- previews: a real task, documents not issued ------------------------------------------

PREVIEW_NUMBER = "（预览，签发时编号）"


def preview_context(kind: str, task, *, viewer=None) -> dict:
    """The placeholders of `kind` filled from `task`: its latest document of that kind
    when it has one, else one made up for the preview (nothing is saved or numbered)."""
    now = timezone.now()
    today = timezone.localdate(now)
    if kind.startswith("notice_"):
        level = kind.removeprefix("notice_")
        notice = Notice.objects.filter(task=task, level=level).order_by("-issued_at").first()
        if notice is not None:
            return notice_context(notice, viewer=viewer)
        units = [a.unit for a in sorted(task.assignments.select_related("unit"), key=lambda a: (a.role != "lead", a.order))
                 if not a.unit.is_collective]
        draft = Notice(task=task, level=level, number=PREVIEW_NUMBER, issued_at=now, issued_by=viewer,
                       reply_by=today + dt.timedelta(days=7), facts="（预览）督办事项由督查室签发时填写。",
                       requirement="请于限期内通过督办系统书面回复办理情况。")
        leaders = task.ordered_leaders() if level == Notice.Level.INTERVIEW else []
        return notice_context(draft, viewer=viewer, units=units, leaders=leaders)
    if kind == "extension_reply":
        req = ExtensionRequest.objects.filter(task=task).select_related("unit").order_by("-requested_at").first()
        if req is None:
            deadline = effective_deadline(task, today) or today
            lead = task.lead_units()
            req = ExtensionRequest(task=task, reason="（预览）延期理由由申请单位填写。",
                                   old_deadline=deadline, new_deadline=deadline + dt.timedelta(days=90),
                                   status=RequestStatus.APPROVED, requested_at=now, decided_on=today,
                                   reply_number=PREVIEW_NUMBER)
            req.unit = lead[0] if lead else Unit(name="（责任单位）")
        return extension_context(req, viewer=viewer)
    if kind == "closure_notice":
        closure = TaskClosure.objects.filter(task=task).select_related("completion__unit").order_by("-closed_on").first()
        if closure is not None:
            return closure_context(closure, viewer=viewer)
        claim = CompletionRequest.objects.filter(task=task).select_related("unit").order_by("-requested_at").first()
        draft = TaskClosure(task=task, closed_on=today, number=PREVIEW_NUMBER)
        if claim is None:
            lead = task.lead_units()
            claim = CompletionRequest(task=task, evidence="（预览）完成情况及佐证由申请单位填写。", requested_at=now)
            claim.unit = lead[0] if lead else Unit(name="（责任单位）")
        return closure_context(draft, viewer=viewer, completion=claim)
    raise ValueError(kind)
