"""The round briefing (督查通报): how a dispatch round went, as an official document.

``build_briefing(rnd, today=)`` computes the figures from the database;
``briefing_blocks(b)`` says them as document blocks (duban.lib.officedoc), which
``briefing_docx`` / ``briefing_pdf`` lay out as Word and PDF.

Definitions (printed in the briefing's 说明):

- report slot (应报报告): one task × one responsible unit in the round;
- on time (按时报送): first submitted on a local date no later than the round's due
  date; late (迟报): first submitted after it; missing (缺报): not submitted by the
  briefing date, the due date having passed (or the round closed); pending (未到截止):
  not submitted, the due date not yet passed — as the dashboards count them
  (duban.dashboards.metrics);
- returned (被退回): sent back at least once — now returned, or submitted again after
  a return (a second frozen version);
- lights: ``duban.supervision.status.status_for_tasks`` of the round's tasks on the
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

from duban.lib import officedoc
from duban.lib.officedoc import Heading, Masthead, Para, Signature, Table, Title, cn_date
from duban.plans.models import Section, Task, TaskLeader, TaskUnit

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
    from duban.rounds.models import Round

    return Round.objects.filter(plan_id=rnd.plan_id).filter(
        Q(due_on__lt=rnd.due_on) | Q(due_on=rnd.due_on, pk__lte=rnd.pk)).count()


def build_briefing(rnd, *, today: dt.date | None = None) -> Briefing:
    """The figures of round `rnd` on `today` (the briefing date)."""
    from duban.rounds.models import Report, ReportVersion
    from duban.supervision.status import status_for_tasks

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
    for task_id, status in status_for_tasks(ids, as_of).items():
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


def briefing_blocks(b: Briefing) -> list:
    rnd, t = b.round, b.total
    pending = f"，尚未到报送截止日期、暂未报送{t.pending}份" if t.pending else ""
    lights = "、".join(f"{LIGHT_LABELS[c]}{t.lights[c]}项" for c in LIGHTS)
    blocks: list = [
        Masthead("督查通报", f"第{b.number}期", b.issuer, cn_date(b.today)),
        Title(b.title),
        Para(f"按照《{rnd.plan.title}》要求，{b.issuer}组织开展了{rnd.name}（调度期{cn_date(rnd.period_start)}至"
             f"{cn_date(rnd.period_end)}，报送截止{cn_date(rnd.due_on)}）。现将有关情况通报如下："),
        Heading("一、总体情况"),
        Para(f"本次调度涉及重点任务{t.tasks}项，应报报告{t.slots}份。截至{cn_date(b.today)}，按时报送{t.on_time}份，"
             f"迟报{t.late}份，缺报{t.missing}份{pending}；被退回{t.returned}份，已采纳{t.accepted}份，"
             f"按时报送率{t.on_time_rate}。"),
        Para(f"按预警规则，截至{cn_date(b.as_of)}，本次调度涉及的任务中{lights}。"),
        Table(["应报", "按时报送", "迟报", "缺报", "未到截止", "被退回", "已采纳", "按时报送率"],
              [[t.slots, t.on_time, t.late, t.missing, t.pending, t.returned, t.accepted, t.on_time_rate]]),
        Heading("二、分部分情况"),
        Table(["部分", "任务", "红灯", "黄灯", "绿灯", "已销号", "应报", "按时", "迟报", "缺报", "被退回"],
              [[s.name, s.tasks, *(s.lights[c] for c in LIGHTS), s.slots, s.on_time, s.late, s.missing, s.returned]
               for s in b.sections],
              widths=[4.2, 1, 1, 1, 1, 1.2, 1, 1, 1, 1, 1.2]),
        Heading("三、分单位情况"),
        Table(["单位", "应报", "按时", "迟报", "缺报", "未到截止", "被退回", "已采纳", "按时报送率"],
              [[u.name, u.slots, u.on_time, u.late, u.missing, u.pending, u.returned, u.accepted, u.on_time_rate]
               for u in b.units],
              widths=[3.4, 1, 1, 1, 1, 1.3, 1.2, 1.2, 1.6]),
        Heading("四、红灯任务"),
        Para(f"截至{cn_date(b.as_of)}，以下{len(b.red)}项任务亮红灯，请牵头领导督促、牵头单位抓紧整改："
             if b.red else "本次调度涉及的任务中没有亮红灯的任务。"),
    ]
    if b.red:
        blocks.append(Table(["序号", "工作任务", "牵头单位", "牵头领导", "预警原因"],
                            [[_task_label(x), short(x.title), "、".join(x.lead_units), "、".join(x.leaders),
                              "；".join(x.status.reasons)] for x in b.red],
                            widths=[0.8, 4, 1.8, 1.2, 3.6]))
    tasks = {x.pk: x for x in b.tasks}
    late = b.late_or_missing
    blocks += [
        Heading("五、迟报、缺报情况"),
        Para(f"本次调度迟报{t.late}份、缺报{t.missing}份，明细如下：" if late else "本次调度没有迟报、缺报的报告。"),
    ]
    if late:
        rows = []
        for s in sorted(late, key=lambda s: (s.state != "missing", s.unit, tasks[s.task_id].order)):
            if s.state == "missing":
                what = "缺报"
            else:
                what = f"迟报（{s.submitted_on.isoformat()}报送，逾期{(s.submitted_on - rnd.due_on).days}天）"
            x = tasks[s.task_id]
            rows.append([s.unit, _task_label(x), short(x.title, 40), "牵头" if s.role == "lead" else "配合", what])
        blocks.append(Table(["单位", "序号", "工作任务", "角色", "情况"], rows, widths=[2, 0.8, 4.4, 0.8, 3]))
    praised, criticised = b.praised, b.criticised
    blocks += [
        Heading("六、表扬和批评"),
        Para("表扬规则：本次调度应报报告全部按时报送、没有被退回且均已被采纳的单位，予以通报表扬。"),
        Para(f"予以通报表扬的单位（{len(praised)}个）：{'、'.join(u.name for u in praised)}。"
             if praised else "本次调度没有符合通报表扬条件的单位。"),
        Para("批评规则：本次调度有缺报、迟报或报告被退回的单位，予以通报批评。"),
        Para(f"予以通报批评的单位（{len(criticised)}个）如下：" if criticised else "本次调度没有需通报批评的单位。"),
    ]
    if criticised:
        blocks.append(Table(["单位", "缺报", "迟报", "被退回", "情况"],
                            [[u.name, u.missing, u.late, u.returned, u.faults()] for u in criticised],
                            widths=[3, 1, 1, 1.2, 4]))
    blocks += [
        Heading("七、有关要求"),
        Para("请各责任单位对照本通报查摆问题：红灯任务的牵头单位要分析原因、明确措施和时限，抓紧推动任务回到正常进度；"
             "缺报、迟报单位要于3个工作日内通过督办系统补报，并压实联络员责任，确保今后按时报送。"),
        Heading("八、说明"),
        Para(f"按时报送指首次报送日期不晚于报送截止日期（{cn_date(rnd.due_on)}）；迟报指首次报送晚于截止日期；"
             f"缺报指截至{cn_date(b.today)}仍未报送；被退回指报告曾被退回（现为退回状态，或退回后再次报送）。"
             "每项任务的每个责任单位各为一份应报报告。"),
        Para(f"红黄绿灯按督办系统预警规则计算，以{cn_date(b.as_of)}为准：逾期未完成或多期缺报为红灯，"
             "临近时限、节点逾期、报告被退回、进度落后序时进度或指标预计不达标为黄灯，其余为绿灯，已销号任务单列。"),
        Signature([b.issuer, cn_date(b.today)]),
    ]
    return blocks


def briefing_docx(b: Briefing) -> bytes:
    return officedoc.render_docx(briefing_blocks(b), title=f"督查通报 第{b.number}期 {b.title}", author=b.issuer)


def briefing_pdf(b: Briefing) -> bytes:
    return officedoc.render_pdf(briefing_blocks(b), title=f"督查通报 第{b.number}期 {b.title}", author=b.issuer)


def filename(b: Briefing, ext: str) -> str:
    return f"督查通报第{b.number}期-{b.round.name}.{ext}"
