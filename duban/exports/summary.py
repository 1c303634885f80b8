"""The year-end summary (年度工作总结) of the tasks of one year's plans, from what
Duban holds today: the tasks and their lights (duban.status through the
ledger rows), closures, approved extensions, notices by level, and the dispatch
rounds' reports (on time: first submitted no later than the round's due date).

Every kind of 督办事项 of the year is counted (issue 15): the summary has a section per
kind (事项数, 已完成, 按时完成, 逾期, 结转下年; definitions as in the year-end table,
duban/exports/yearend.py) and lists the items carried into a later year (结转, or 延续
by a new plan's task) with the register or plan that continues them. The template
(duban.documents, kind "year_summary") lists the placeholders filled here.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from django.utils import timezone

from duban.documents import render
from duban.lib.officedoc import cn_date
from duban.items.models import ItemLink
from duban.plans.models import Category, Plan, Section, Task
from duban.supervision.models import TaskClosure
from duban.rounds.models import Report, Round
from duban.supervision.models import ExtensionRequest, Notice, RequestStatus

from .briefing import LIGHT_LABELS, LIGHTS, office_name, rate, short
from .ledger import LedgerRow, ledger_rows
from .yearend import outcome


@dataclass
class KindCount:
    """One kind's line of the summary: items, completed (struck off), completed by the
    effective deadline, overdue (struck off late, or still open past the deadline),
    carried into a later year."""

    category: str
    label: str
    total: int = 0
    done: int = 0
    on_time: int = 0
    overdue: int = 0
    carried: int = 0


@dataclass
class CarriedItem:
    """An item of the year carried into a later year: the old item and what continues it."""

    number: str
    title: str
    kind: str  # the old item's kind, in words
    lead_units: list[str]
    how: str  # 结转 / 延续
    register: str  # the later year's register (上年结转事项) or plan
    new_number: str
    new_deadline: dt.date | None


@dataclass
class Summary:
    year: int
    as_of: dt.date
    issuer: str
    plans: list
    rows: list[LedgerRow]
    extensions_approved: int
    notices: Counter  # level → count
    notices_by_unit: Counter  # unit name → count
    rounds: int
    slots: int
    on_time: int
    on_time_by_unit: dict  # unit name → (on time, slots)
    section_titles: dict
    kinds: list  # KindCount, in the order of plans.Category
    carried: list  # CarriedItem
    categories: dict  # task id → its kind (plans.Category value)

    @property
    def title(self) -> str:
        return f"{self.year}年度重点工作督查督办情况总结"

    def count(self, color: str) -> int:
        return sum(1 for r in self.rows if r.status is not None and r.status.color == color)

    def is_overdue(self, r: LedgerRow) -> bool:
        return (r.effective_deadline is not None and r.effective_deadline < self.as_of
                and not (r.status is not None and r.status.color == "done"))


def years(viewer) -> list[int]:
    """The years of the plans `viewer` may see tasks of, latest first."""
    return sorted(set(Plan.objects.filter(tasks__in=Task.objects.visible_to(viewer)).values_list("year", flat=True)),
                  reverse=True)


def build_summary(year: int, *, viewer, as_of: dt.date | None = None) -> Summary:
    as_of = as_of or timezone.localdate()
    tasks = Task.objects.visible_to(viewer).active().filter(plan__year=year).order_by("plan_id", "order")
    rows = ledger_rows(tasks, as_of=as_of, reports=Report.objects.visible_to(viewer))
    in_tasks = tasks.values("pk")
    notices = Notice.objects.filter(task_id__in=in_tasks)
    by_unit: Counter = Counter(notices.values_list("units__name", flat=True))
    by_unit.pop(None, None)
    rounds = Round.objects.filter(plan__year=year)
    slots = on_time = 0
    per_unit: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for unit, first, due in (Report.objects.visible_to(viewer).filter(round__in=rounds, task_id__in=in_tasks)
                             .values_list("unit__name", "first_submitted_at", "round__due_on")):
        if first is None and due >= as_of:
            continue  # not due yet
        ok = first is not None and timezone.localdate(first) <= due
        slots += 1
        on_time += ok
        per_unit[unit][0] += ok
        per_unit[unit][1] += 1
    plans = list(Plan.objects.filter(year=year, tasks__in=tasks).distinct().order_by("pk"))
    kinds, carried = _by_kind(year, tasks, rows, as_of)
    return Summary(
        year=year, as_of=as_of, issuer=office_name(plans[0] if plans else None), plans=plans, rows=rows,
        extensions_approved=ExtensionRequest.objects.filter(task_id__in=in_tasks, status=RequestStatus.APPROVED).count(),
        notices=Counter(notices.values_list("level", flat=True)), notices_by_unit=by_unit,
        rounds=rounds.count(), slots=slots, on_time=on_time,
        on_time_by_unit={k: tuple(v) for k, v in per_unit.items()},
        section_titles=dict(Section.objects.filter(pk__in={r.section_id for r in rows if r.section_id})
                            .values_list("pk", "title")),
        kinds=kinds, carried=carried, categories=dict(tasks.values_list("pk", "plan__category")),
    )


def _by_kind(year: int, tasks, rows: list[LedgerRow], as_of: dt.date) -> tuple[list[KindCount], list[CarriedItem]]:
    """The counts by kind, and the items carried into a later year (in ledger order)."""
    ids = [r.pk for r in rows]
    closed = dict(TaskClosure.objects.filter(task_id__in=ids, reopened_on__isnull=True)
                  .values_list("task_id", "closed_on"))
    links = (ItemLink.objects.filter(from_task_id__in=ids, to_task__plan__year__gt=year,
                                     relation__in=[ItemLink.Relation.CARRIED, ItemLink.Relation.CONTINUES])
             .select_related("to_task__plan").order_by("to_task__plan__year", "pk"))
    onward: dict[int, ItemLink] = {}
    for link in links:
        onward.setdefault(link.from_task_id, link)
    categories = dict(tasks.values_list("pk", "plan__category"))
    counts = {c: KindCount(c, label) for c, label in Category.choices}
    carried = []
    for r in rows:
        c = counts[categories[r.pk]]
        result = outcome(closed.get(r.pk), r.effective_deadline, r.pk in onward)
        c.total += 1
        c.done += result in ("on_time", "late")
        c.on_time += result == "on_time"
        c.overdue += result == "late" or (r.pk not in closed and r.effective_deadline is not None
                                          and r.effective_deadline < as_of)
        c.carried += result == "carried"
        if result == "carried":
            link = onward[r.pk]
            new = link.to_task
            carried.append(CarriedItem(
                number=r.number, title=r.title, kind=c.label, lead_units=r.lead_units,
                how="结转" if link.relation == ItemLink.Relation.CARRIED else "延续",
                register=new.plan.title, new_number=new.number, new_deadline=new.deadline))
    return [k for k in counts.values() if k.total], carried


def summary_context(s: Summary) -> dict:
    """The placeholders of the year-end summary (duban.documents.kinds "year_summary")."""
    total, done = len(s.rows), s.count("done")
    overdue = sum(1 for r in s.rows if s.is_overdue(r))
    lights = "、".join(f"{LIGHT_LABELS[c]}{s.count(c)}项" for c in LIGHTS)
    notices = sum(s.notices.values())
    sections: dict = {}
    units: dict = {}
    for r in s.rows:
        # An item of a register without a section (a meeting is one) is counted under its kind.
        kind = s.categories.get(r.pk, Category.PLAN)
        sec = sections.setdefault(r.section_id or (None if kind == Category.PLAN else kind), Counter())
        sec["任务"] += 1
        color = r.status.color if r.status is not None else ""
        sec[color] += 1
        for name in r.lead_units:
            u = units.setdefault(name, Counter())
            u["牵头任务"] += 1
            u["已销号"] += color == "done"
            u["逾期"] += s.is_overdue(r)
    unit_rows = []
    for name, u in sorted(units.items(), key=lambda kv: (-kv[1]["逾期"], -kv[1]["牵头任务"], kv[0])):
        ok, slots = s.on_time_by_unit.get(name, (0, 0))
        unit_rows.append({"单位": name, "牵头任务": str(u["牵头任务"]), "已销号": str(u["已销号"]), "逾期": str(u["逾期"]),
                          "督办单": str(s.notices_by_unit.get(name, 0)), "按时报送率": rate(ok, slots)})
    return {
        "年度": str(s.year),
        "标题": s.title,
        "截至日期": cn_date(s.as_of),
        "方案名称": "、".join(p.title for p in s.plans),
        "任务数": str(total),
        "已销号数": str(done),
        "办结率": rate(done, total),
        **{f"{LIGHT_LABELS[c]}数": str(s.count(c)) for c in LIGHTS if c != "done"},
        "逾期未完成数": str(overdue),
        "延期批准数": str(s.extensions_approved),
        "督办单数": str(notices),
        "催办数": str(s.notices[Notice.Level.REMINDER]),
        "督办数": str(s.notices[Notice.Level.NOTICE]),
        "约谈数": str(s.notices[Notice.Level.INTERVIEW]),
        "调度次数": str(s.rounds),
        "应报": str(s.slots),
        "按时报送率": rate(s.on_time, s.slots),
        "总体情况": (f"{s.year}年度共有重点任务{total}项，截至{cn_date(s.as_of)}，已办结销号{done}项，办结率"
                 f"{rate(done, total)}；按预警规则，{lights}，超过完成时限仍未销号{overdue}项。全年开展调度{s.rounds}次，"
                 f"应报报告{s.slots}份，按时报送率{rate(s.on_time, s.slots)}；批准延期申请{s.extensions_approved}件；"
                 f"签发督办单{notices}件（催办{s.notices[Notice.Level.REMINDER]}件、督办{s.notices[Notice.Level.NOTICE]}件、"
                 f"约谈{s.notices[Notice.Level.INTERVIEW]}件）。"),
        "分部分": [{"部分": Category(pk).label if isinstance(pk, str) else s.section_titles.get(pk, "未分部分"), "任务": str(c["任务"]), "已销号": str(c["done"]),
                 "红灯": str(c["red"]), "黄灯": str(c["yellow"]), "绿灯": str(c["green"])} for pk, c in sections.items()],
        "分单位": unit_rows,
        "结转数": str(len(s.carried)),
        "分类别": [{"事项类别": k.label, "事项数": str(k.total), "已完成": str(k.done), "按时完成": str(k.on_time),
                 "逾期": str(k.overdue), "结转下年": str(k.carried), "办结率": rate(k.done, k.total)} for k in s.kinds],
        "结转事项": [{"序号": c.number or "—", "事项": short(c.title), "类别": c.kind, "牵头单位": "、".join(c.lead_units),
                  "方式": c.how, "转入": f"{c.register}第{c.new_number}项" if c.new_number else c.register,
                  "新完成时限": c.new_deadline.isoformat() if c.new_deadline else "—"} for c in s.carried],
        "未完成任务": [{"序号": r.number or "—", "工作任务": short(r.title), "牵头单位": "、".join(r.lead_units),
                   "完成时限": r.deadline_cell(), "状态及原因": r.status_cell()}
                  for r in s.rows if not (r.status is not None and r.status.color == "done")],
        "发文机关": s.issuer,
        "成文日期": cn_date(s.as_of),
    }


def summary_docx(s: Summary) -> bytes:
    return render.docx("year_summary", summary_context(s))


def filename(s: Summary, ext: str) -> str:
    return f"{s.year}年度重点工作督查督办情况总结.{ext}"
