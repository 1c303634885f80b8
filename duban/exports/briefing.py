"""The round briefing (督查通报): how a dispatch round went, as an official document.

``build_briefing(rnd, today=)`` computes the figures from the database;
``briefing_context(b)`` says them as the placeholders of the office's template
(duban.documents, kind "briefing"), which ``briefing_docx`` fills and ``briefing_pdf``
converts.

Definitions (printed in the briefing's 说明):

- report slot (应报报告): one task × one responsible unit in the round;
- on time (按时报送): first submitted on a local date no later than the round's due
  date; late (迟报): first submitted after it; missing (缺报): not submitted by the
  briefing date, the due date having passed (or the round closed); pending (未到截止):
  not submitted, the due date not yet passed — as the dashboards count them
  (duban.dashboards.metrics);
- returned (被退回): sent back at least once — now returned, or submitted again after
  a return (a second frozen version);
- lights: ``duban.status.store.statuses`` of the round's tasks on the
  round's due date, or on the briefing date while the round is not yet due;
- praised (表扬): units whose every slot went in on time, none returned, all accepted;
  criticised (批评): units with a missing, late or returned slot.
"""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from duban.documents import render
from duban.lib import officedoc
from duban.lib.officedoc import cn_date
from duban.plans.models import Section, Task, TaskLeader, TaskUnit
from duban.rounds.models import Report, ReportVersion, Round
from duban.status.store import statuses

LIGHTS = ("red", "yellow", "green", "done")
LIGHT_LABELS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "done": "已销号"}
STATES = ("on_time", "late", "missing", "pending")
TITLE_CHARS = 60  # task texts in tables are cut here (the ledger has them whole)


def office_name(plan=None) -> str:
    """The issuing office: settings.DUBAN_OFFICE_NAME, else the plan issuer's 督查室,
    else 区政府督查室."""
    name = getattr(settings, "DUBAN_OFFICE_NAME", "")
    if name:
        return name
    if plan is not None and plan.issuer:
        return f"{plan.issuer}督查室"
    return officedoc.ISSUER


def short(text: str, n: int = TITLE_CHARS) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def rate(part: int, whole: int) -> str:
    return f"{part * 100 / whole:.1f}%" if whole else "—"


@dataclass
class Slot:
    report_id: int
    task_id: int
    unit_id: int
    unit: str
    role: str
    state: str  # on_time / late / missing / pending
    submitted_on: dt.date | None
    returned: bool
    accepted: bool


@dataclass
class Tally:
    """Slot counts of one unit or one chapter (and, for a chapter, its tasks' lights)."""

    name: str
    slots: int = 0
    on_time: int = 0
    late: int = 0
    missing: int = 0
    pending: int = 0
    returned: int = 0
    accepted: int = 0
    tasks: int = 0
    lights: Counter = field(default_factory=Counter)

    def add(self, s: Slot) -> None:
        self.slots += 1
        setattr(self, s.state, getattr(self, s.state) + 1)
        self.returned += s.returned
        self.accepted += s.accepted

    @property
    def on_time_rate(self) -> str:
        return rate(self.on_time, self.slots)

    @property
    def praised(self) -> bool:
        return self.slots > 0 and self.on_time == self.slots and not self.returned and self.accepted == self.slots

    @property
    def criticised(self) -> bool:
        return bool(self.missing or self.late or self.returned)

    def faults(self) -> str:
        parts = [f"{label} {n} 份" for label, n in (("缺报", self.missing), ("迟报", self.late),
                                                   ("被退回", self.returned)) if n]
        return "、".join(parts)


@dataclass
class TaskInfo:
    pk: int
    number: str
    title: str
    section_id: int | None
    order: int
    lead_units: list[str] = field(default_factory=list)
    leaders: list[str] = field(default_factory=list)
    status: object | None = None


@dataclass
class Briefing:
    round: object
    number: int  # the issue: this round's place among the plan's rounds by due date
    issuer: str
    today: dt.date
    as_of: dt.date  # of the lights
    tasks: list[TaskInfo]
    slots: list[Slot]
    total: Tally
    sections: list[Tally]
    units: list[Tally]

    @property
    def red(self) -> list[TaskInfo]:
        return [t for t in self.tasks if t.status is not None and t.status.color == "red"]

    @property
    def late_or_missing(self) -> list[Slot]:
        return [s for s in self.slots if s.state in ("late", "missing")]

    @property
    def praised(self) -> list[Tally]:
        return [u for u in self.units if u.praised]

    @property
    def criticised(self) -> list[Tally]:
        return sorted((u for u in self.units if u.criticised),
                      key=lambda u: (-u.missing, -u.late, -u.returned, u.name))

    @property
    def title(self) -> str:
        return f"关于{self.round.name}情况的通报"


def issue_number(rnd) -> int:
    return Round.objects.filter(plan_id=rnd.plan_id).filter(
        Q(due_on__lt=rnd.due_on) | Q(due_on=rnd.due_on, pk__lte=rnd.pk)).count()


def build_briefing(rnd, *, today: dt.date | None = None) -> Briefing:
    """The figures of round `rnd` on `today` (the briefing date)."""
    today = today or timezone.localdate()
    as_of = min(today, rnd.due_on)
    passed = today > rnd.due_on or not rnd.is_open
    resubmitted = set(ReportVersion.objects.filter(report__round=rnd, number__gte=2).values_list("report_id", flat=True))
    slots: list[Slot] = []
    for pk, task_id, unit_id, unit, role, status, first in (
        Report.objects.filter(round=rnd).order_by("task__order", "-role", "unit__name", "pk")
        .values_list("pk", "task_id", "unit_id", "unit__name", "role", "status", "first_submitted_at")
    ):
        on = timezone.localdate(first) if first else None
        if on is not None:
            state = "on_time" if on <= rnd.due_on else "late"
        else:
            state = "missing" if passed else "pending"
        slots.append(Slot(pk, task_id, unit_id, unit, role, state, on,
                          returned=status == Report.Status.RETURNED or pk in resubmitted,
                          accepted=status == Report.Status.ACCEPTED))

    ids = list(dict.fromkeys(s.task_id for s in slots))
    in_round = Report.objects.filter(round=rnd).values("task_id")  # a subquery: no id list in the SQL
    tasks = {pk: TaskInfo(pk, number, title, section_id, order) for pk, number, title, section_id, order in
             Task.objects.filter(pk__in=in_round).values_list("pk", "number", "title", "section_id", "order")}
    for task_id, name in (TaskUnit.objects.filter(task_id__in=in_round, role=TaskUnit.Role.LEAD)
                          .order_by("task_id", "order").values_list("task_id", "unit__name")):
        tasks[task_id].lead_units.append(name)
    for task_id, name in (TaskLeader.objects.filter(task_id__in=in_round).order_by("task_id", "order")
                          .values_list("task_id", "leader__name")):
        tasks[task_id].leaders.append(name)
    for task_id, status in statuses(ids, as_of).items():
        if task_id in tasks:
            tasks[task_id].status = status
    ordered = sorted(tasks.values(), key=lambda t: t.order)

    total = Tally("合计", tasks=len(ordered))
    units: dict[int, Tally] = {}
    by_section: dict[int | None, Tally] = {}
    section_titles = dict(Section.objects.filter(pk__in={t.section_id for t in ordered if t.section_id})
                          .values_list("pk", "title"))
    for t in ordered:
        sec = by_section.setdefault(t.section_id, Tally(section_titles.get(t.section_id, "未分部分")))
        sec.tasks += 1
        if t.status is not None:
            sec.lights[t.status.color] += 1
            total.lights[t.status.color] += 1
    for s in slots:
        total.add(s)
        units.setdefault(s.unit_id, Tally(s.unit)).add(s)
        by_section[tasks[s.task_id].section_id].add(s)
    # Units with trouble first (as the round page), then by name.
    unit_rows = sorted(units.values(), key=lambda u: (-(u.missing + u.late + u.returned), u.name))
    return Briefing(rnd, issue_number(rnd), office_name(rnd.plan), today, as_of, ordered, slots, total,
                    list(by_section.values()), unit_rows)


# --- the document --------------------------------------------------------------------------

def _task_label(t: TaskInfo) -> str:
    return t.number or "—"


def light_counts(lights: Counter) -> dict:
    """红灯数, 黄灯数, 绿灯数, 已销号数 as text."""
    return {f"{LIGHT_LABELS[c]}数": str(lights[c]) for c in LIGHTS}


def briefing_context(b: Briefing) -> dict:
    """The placeholders of the 督查通报 (duban.documents.kinds "briefing")."""
    rnd, t = b.round, b.total
    pending = f"，尚未到报送截止日期、暂未报送{t.pending}份" if t.pending else ""
    tasks = {x.pk: x for x in b.tasks}
    late_rows = []
    for s in sorted(b.late_or_missing, key=lambda s: (s.state != "missing", s.unit, tasks[s.task_id].order)):
        if s.state == "missing":
            what = "缺报"
        else:
            what = f"迟报（{s.submitted_on.isoformat()}报送，逾期{(s.submitted_on - rnd.due_on).days}天）"
        x = tasks[s.task_id]
        late_rows.append({"单位": s.unit, "序号": _task_label(x), "工作任务": short(x.title, 40),
                          "角色": "牵头" if s.role == "lead" else "配合", "情况": what})
    praised, criticised = b.praised, b.criticised
    return {
        "期数": str(b.number),
        "标题": b.title,
        "调度名称": rnd.name,
        "方案名称": rnd.plan.title,
        "调度期开始": cn_date(rnd.period_start),
        "调度期结束": cn_date(rnd.period_end),
        "报送截止": cn_date(rnd.due_on),
        "灯色截至": cn_date(b.as_of),
        "任务数": str(t.tasks),
        **{label: str(getattr(t, attr)) for label, attr in (
            ("应报", "slots"), ("按时报送", "on_time"), ("迟报", "late"), ("缺报", "missing"), ("未到截止", "pending"),
            ("被退回", "returned"), ("已采纳", "accepted"))},
        "按时报送率": t.on_time_rate,
        **light_counts(t.lights),
        "灯色情况": "、".join(f"{LIGHT_LABELS[c]}{t.lights[c]}项" for c in LIGHTS),
        "总体情况": (f"本次调度涉及重点任务{t.tasks}项，应报报告{t.slots}份。截至{cn_date(b.today)}，按时报送{t.on_time}份，"
                 f"迟报{t.late}份，缺报{t.missing}份{pending}；被退回{t.returned}份，已采纳{t.accepted}份，"
                 f"按时报送率{t.on_time_rate}。"),
        "红灯说明": (f"截至{cn_date(b.as_of)}，以下{len(b.red)}项任务亮红灯，请牵头领导督促、牵头单位抓紧整改："
                 if b.red else "本次调度涉及的任务中没有亮红灯的任务。"),
        "迟报缺报说明": (f"本次调度迟报{t.late}份、缺报{t.missing}份，明细如下：" if late_rows
                   else "本次调度没有迟报、缺报的报告。"),
        "表扬单位": "、".join(u.name for u in praised),
        "表扬说明": (f"予以通报表扬的单位（{len(praised)}个）：{'、'.join(u.name for u in praised)}。"
                 if praised else "本次调度没有符合通报表扬条件的单位。"),
        "批评说明": f"予以通报批评的单位（{len(criticised)}个）如下：" if criticised else "本次调度没有需通报批评的单位。",
        "分部分": [{"部分": s.name, "任务": str(s.tasks), "红灯": str(s.lights["red"]), "黄灯": str(s.lights["yellow"]),
                 "绿灯": str(s.lights["green"]), "已销号": str(s.lights["done"]), "应报": str(s.slots),
                 "按时": str(s.on_time), "迟报": str(s.late), "缺报": str(s.missing), "被退回": str(s.returned)}
                for s in b.sections],
        "分单位": [{"单位": u.name, "应报": str(u.slots), "按时": str(u.on_time), "迟报": str(u.late),
                 "缺报": str(u.missing), "未到截止": str(u.pending), "被退回": str(u.returned),
                 "已采纳": str(u.accepted), "按时报送率": u.on_time_rate} for u in b.units],
        "红灯任务": [{"序号": _task_label(x), "工作任务": short(x.title), "牵头单位": "、".join(x.lead_units),
                  "牵头领导": "、".join(x.leaders), "预警原因": "；".join(x.status.reasons)} for x in b.red],
        "迟报缺报": late_rows,
        "批评单位": [{"单位": u.name, "缺报": str(u.missing), "迟报": str(u.late), "被退回": str(u.returned),
                  "情况": u.faults()} for u in criticised],
        "发文机关": b.issuer,
        "成文日期": cn_date(b.today),
    }


def briefing_docx(b: Briefing) -> bytes:
    return render.docx("briefing", briefing_context(b))


def briefing_pdf(b: Briefing) -> bytes:
    return render.to_pdf(briefing_docx(b))


def filename(b: Briefing, ext: str) -> str:
    return f"督查通报第{b.number}期-{b.round.name}.{ext}"
