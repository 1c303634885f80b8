"""A leader's pack for the next dispatch meeting (调度会材料), as a Word document.

``build_pack(leader, viewer=, as_of=)`` gathers, for the tasks `leader` leads that
`viewer` may see (the office and the leader see all):

- the tasks off track (red, then yellow, nearest effective deadline first) with the
  reasons of their lights (``duban.status``);
- extension requests still open (待督查室审核 or 待领导审批);
- open coordination items: addressed to the leader, and the ones raised on the
  leader's tasks addressed to units;
- the latest progress of every task (the latest report that went out, as the Excel
  ledger: duban.exports.ledger.latest_reports).

``pack_docx(pack)`` fills the office's template of the pack (duban.documents, kind
"leader_pack") with ``pack_context(pack)``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from duban.documents import render
from duban.lib.officedoc import cn_date
from duban.plans.models import Task
from duban.rounds.models import CoordinationItem, Report
from duban.supervision.models import ExtensionRequest, RequestStatus

from .briefing import LIGHT_LABELS, LIGHTS, office_name, short
from .ledger import LedgerRow, ledger_rows


@dataclass
class Pack:
    leader: object
    as_of: dt.date
    issuer: str
    rows: list[LedgerRow]
    extensions: list
    items_to_leader: list
    items_to_units: list

    @property
    def off_track(self) -> list[LedgerRow]:
        def key(r: LedgerRow):
            d = r.effective_deadline
            return (r.status.color != "red", d is None, d or dt.date.max, r.number)

        return sorted((r for r in self.rows if r.status is not None and r.status.color in ("red", "yellow")), key=key)

    def count(self, color: str) -> int:
        return sum(1 for r in self.rows if r.status is not None and r.status.color == color)

    @property
    def overdue(self) -> int:
        return sum(1 for r in self.rows if r.effective_deadline is not None and r.effective_deadline < self.as_of
                   and not (r.status is not None and r.status.color == "done"))

    @property
    def title(self) -> str:
        return f"{self.leader.name}同志牵头重点任务调度会材料"


def build_pack(leader, *, viewer, as_of: dt.date | None = None) -> Pack:
    as_of = as_of or timezone.localdate()
    tasks = Task.objects.visible_to(viewer).active().led_by(leader).order_by("-plan__year", "-plan_id", "order")
    rows = ledger_rows(tasks, as_of=as_of, reports=Report.objects.visible_to(viewer))
    ids = [r.pk for r in rows]
    extensions = list(
        ExtensionRequest.objects.filter(task_id__in=ids, status__in=[RequestStatus.PENDING, RequestStatus.LEADER_PENDING])
        .select_related("task", "unit").order_by("requested_at", "pk"))
    open_items = (CoordinationItem.objects.filter(status=CoordinationItem.Status.OPEN)
                  .select_related("task", "raised_by_unit", "addressed_to_unit").order_by("created_at", "pk"))
    plan = tasks.first().plan if ids else None
    return Pack(
        leader=leader, as_of=as_of, issuer=office_name(plan), rows=rows, extensions=extensions,
        items_to_leader=list(open_items.filter(addressed_to_leader=leader)),
        items_to_units=list(open_items.filter(task_id__in=ids, addressed_to_unit__isnull=False)),
    )


def _number(task) -> str:
    return task.number or "—"


def _progress(r: LedgerRow) -> str:
    rep = r.report
    if rep is None:
        return "尚无报送的进展"
    lines = [rep.source]
    for label, text in (("进展", rep.progress), ("问题", rep.problems), ("下一步", rep.next_steps)):
        if text.strip():
            lines.append(f"{label}：{short(text.strip(), 300)}")
    return "\n".join(lines)


def pack_context(p: Pack) -> dict:
    """The placeholders of the meeting pack (duban.documents.kinds "leader_pack")."""
    name = p.leader.name
    lights = "、".join(f"{LIGHT_LABELS[c]}{p.count(c)}项" for c in LIGHTS)
    off = p.off_track
    items = len(p.items_to_leader) + len(p.items_to_units)

    def several(rows: list, what: str) -> str:
        return f"共{len(rows)}件：" if rows else what

    return {
        "标题": p.title,
        "领导": name,
        "截至日期": cn_date(p.as_of),
        "任务数": str(len(p.rows)),
        **{f"{LIGHT_LABELS[c]}数": str(p.count(c)) for c in LIGHTS},
        "灯色情况": lights,
        "逾期数": str(p.overdue),
        "延期申请数": str(len(p.extensions)),
        "协调事项数": str(items),
        "总体情况": (f"{name}同志牵头的重点任务共{len(p.rows)}项，其中{lights}；已逾期{p.overdue}项。"
                 f"待审批的延期申请{len(p.extensions)}件，待协调事项{items}件。"),
        "需关注说明": (f"红灯{p.count('red')}项、黄灯{p.count('yellow')}项，原因如下：" if off
                  else "牵头的任务中没有亮红灯或黄灯的任务。"),
        "延期申请说明": several(p.extensions, "没有待审批的延期申请。"),
        "提请领导协调说明": several(p.items_to_leader, "没有提请协调、尚未办结的事项。"),
        "提请单位协调说明": several(p.items_to_units, "没有提请有关单位协调、尚未办结的事项。"),
        "需关注任务": [{"序号": r.number or "—", "工作任务": short(r.title), "牵头单位": "、".join(r.lead_units),
                   "完成时限": r.deadline_cell(), "状态及原因": r.status_cell()} for r in off],
        "延期申请": [{"序号": _number(e.task), "工作任务": short(e.task.title, 40), "申请单位": e.unit.name,
                  "原时限": e.old_deadline.isoformat(), "申请延至": e.new_deadline.isoformat(),
                  "延期理由": short(e.reason, 200), "办理状态": e.get_status_display()} for e in p.extensions],
        "提请领导协调": [{"序号": _number(i.task), "工作任务": short(i.task.title, 40), "提出单位": i.raised_by_unit.name,
                    "协调事项": i.text, "提出日期": timezone.localdate(i.created_at).isoformat()}
                   for i in p.items_to_leader],
        "提请单位协调": [{"序号": _number(i.task), "工作任务": short(i.task.title, 40), "提出单位": i.raised_by_unit.name,
                    "提请单位": i.addressed_to_unit.name, "协调事项": i.text,
                    "提出日期": timezone.localdate(i.created_at).isoformat()} for i in p.items_to_units],
        "最新进展": [{"序号": r.number or "—", "工作任务": short(r.title), "牵头单位": "、".join(r.lead_units),
                  "状态": r.status.label if r.status is not None else "", "最新进展": _progress(r)} for r in p.rows],
        "发文机关": p.issuer,
        "成文日期": cn_date(p.as_of),
    }


def pack_docx(p: Pack) -> bytes:
    return render.docx("leader_pack", pack_context(p))


def filename(p: Pack, ext: str = "docx") -> str:
    return f"调度会材料-{p.leader.name}-{p.as_of:%Y%m%d}.{ext}"
