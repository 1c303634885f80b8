"""A leader's pack for the next dispatch meeting (调度会材料), as a Word document.

``build_pack(leader, viewer=, as_of=)`` gathers, for the tasks `leader` leads that
`viewer` may see (the office and the leader see all):

- the tasks off track (red, then yellow, nearest effective deadline first) with the
  reasons of their lights (``duban.supervision.status``);
- extension requests still open (待督查室审核 or 待领导审批);
- open coordination items: addressed to the leader, and the ones raised on the
  leader's tasks addressed to units;
- the latest progress of every task (the latest report that went out, as the Excel
  ledger: duban.exports.ledger.latest_reports).

``pack_docx(pack)`` lays it out as an official document (duban.lib.officedoc).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from duban.lib import officedoc
from duban.lib.officedoc import Heading, Para, Signature, Table, Title, cn_date
from duban.plans.models import Task

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
    from duban.rounds.models import CoordinationItem, Report
    from duban.supervision.models import ExtensionRequest, RequestStatus

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


def pack_blocks(p: Pack) -> list:
    name = p.leader.name
    lights = "、".join(f"{LIGHT_LABELS[c]}{p.count(c)}项" for c in LIGHTS)
    off = p.off_track
    blocks: list = [
        Title(p.title),
        Para(f"（截至{cn_date(p.as_of)}）", indent=False),
        Heading("一、总体情况"),
        Para(f"{name}同志牵头的重点任务共{len(p.rows)}项，其中{lights}；已逾期{p.overdue}项。"
             f"待审批的延期申请{len(p.extensions)}件，待协调事项{len(p.items_to_leader) + len(p.items_to_units)}件。"),
        Heading("二、需关注的任务"),
        Para(f"红灯{p.count('red')}项、黄灯{p.count('yellow')}项，原因如下：" if off else "牵头的任务中没有亮红灯或黄灯的任务。"),
    ]
    if off:
        blocks.append(Table(["序号", "工作任务", "牵头单位", "完成时限", "状态及原因"],
                            [[r.number or "—", short(r.title), "、".join(r.lead_units), r.deadline_cell(),
                              r.status_cell()] for r in off],
                            widths=[0.8, 4, 1.8, 1.6, 4]))
    blocks += [
        Heading("三、待审批的延期申请"),
        Para(f"共{len(p.extensions)}件：" if p.extensions else "没有待审批的延期申请。"),
    ]
    if p.extensions:
        blocks.append(Table(["序号", "工作任务", "申请单位", "原时限", "申请延至", "延期理由", "办理状态"],
                            [[_number(e.task), short(e.task.title, 40), e.unit.name, e.old_deadline.isoformat(),
                              e.new_deadline.isoformat(), short(e.reason, 200), e.get_status_display()]
                             for e in p.extensions],
                            widths=[0.8, 3.2, 1.6, 1.5, 1.5, 3, 1.4]))
    blocks += [
        Heading("四、待协调事项"),
        Heading(f"（一）提请{name}同志协调的事项", level=2),
        Para(f"共{len(p.items_to_leader)}件：" if p.items_to_leader else "没有提请协调、尚未办结的事项。"),
    ]
    if p.items_to_leader:
        blocks.append(Table(["序号", "工作任务", "提出单位", "协调事项", "提出日期"],
                            [[_number(i.task), short(i.task.title, 40), i.raised_by_unit.name, i.text,
                              timezone.localdate(i.created_at).isoformat()] for i in p.items_to_leader],
                            widths=[0.8, 3.4, 1.8, 4.4, 1.6]))
    blocks += [
        Heading("（二）牵头任务中提请有关单位协调的事项", level=2),
        Para(f"共{len(p.items_to_units)}件：" if p.items_to_units else "没有提请有关单位协调、尚未办结的事项。"),
    ]
    if p.items_to_units:
        blocks.append(Table(["序号", "工作任务", "提出单位", "提请单位", "协调事项", "提出日期"],
                            [[_number(i.task), short(i.task.title, 40), i.raised_by_unit.name,
                              i.addressed_to_unit.name, i.text, timezone.localdate(i.created_at).isoformat()]
                             for i in p.items_to_units],
                            widths=[0.8, 3, 1.6, 1.6, 3.6, 1.5]))
    blocks += [
        Heading("五、各项任务最新进展"),
        Table(["序号", "工作任务", "牵头单位", "状态", "最新进展"],
              [[r.number or "—", short(r.title), "、".join(r.lead_units),
                r.status.label if r.status is not None else "", _progress(r)] for r in p.rows],
              widths=[0.8, 3.4, 1.6, 1, 5.2], empty="没有牵头的任务。"),
        Signature([p.issuer, cn_date(p.as_of)]),
    ]
    return blocks


def pack_docx(p: Pack) -> bytes:
    return officedoc.render_docx(pack_blocks(p), title=p.title, author=p.issuer)


def filename(p: Pack) -> str:
    return f"调度会材料-{p.leader.name}-{p.as_of:%Y%m%d}.docx"
