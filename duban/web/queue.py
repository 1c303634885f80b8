"""The office's work queue (待办): everything waiting for the supervision office, in
one place, each kind with its count and its oldest items first.

``office_queue(as_of)`` reads each kind with one COUNT and one small query for its
oldest items (``LIMIT``), whatever the size of the ledger, except the tasks that
turned red, which read the lights (see ``turned_red``). The web app sits on top of
every other app, so it may read them all; what each item links to is the page where
the office acts on it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Exists, Min, OuterRef
from django.urls import reverse
from django.utils import timezone

from duban.plans.models import Task
from duban.rounds.models import CoordinationItem, Report
from duban.status.rules import RED
from duban.status.store import statuses
from duban.supervision.models import (
    CompletionRequest,
    ExtensionRequest,
    Instruction,
    InstructionAck,
    Notice,
    RequestStatus,
)

SHOWN = 5  # items listed per kind; the count and "全部" link say the rest


@dataclass
class QueueItem:
    """One thing waiting: since when, what, and the page to act on it."""

    since: dt.datetime | dt.date
    title: str
    detail: str
    url: str

    def waited(self, as_of: dt.date) -> int:
        """Whole days waited by `as_of`."""
        day = timezone.localdate(self.since) if isinstance(self.since, dt.datetime) else self.since
        return max(0, (as_of - day).days)


@dataclass
class QueueGroup:
    """One kind of waiting thing: its count, its oldest items, the verb of the act."""

    key: str
    label: str
    verb: str
    count: int
    items: list[QueueItem] = field(default_factory=list)
    all_url: str = ""
    all_label: str = ""

    @property
    def more(self) -> int:
        return max(0, self.count - len(self.items))


def _task_name(task: Task) -> str:
    title = task.title if len(task.title) <= 40 else task.title[:40] + "…"
    return f"第{task.number}项 {title}" if task.number else title


def _reports() -> QueueGroup:
    """Lead units' reports gone out to the office (a co-unit's part goes to its lead
    unit, not here), oldest submission first."""
    qs = Report.objects.filter(status=Report.Status.SUBMITTED, role=Report.Role.LEAD)
    oldest = list(qs.select_related("task", "unit", "round").order_by("submitted_at", "pk")[:SHOWN])
    rounds = list(qs.order_by().values_list("round_id", flat=True).distinct()[:2])
    if len(rounds) == 1:
        all_url = reverse("rounds:detail", args=[rounds[0]]) + "?state=review"
    else:
        all_url = reverse("rounds:list")
    return QueueGroup(
        "reports", "待审核的报告", "审核", qs.count(),
        [QueueItem(r.submitted_at, _task_name(r.task), f"{r.unit} · {r.round.name}{' · 迟报' if r.is_late else ''}",
                   reverse("rounds:report", args=[r.pk])) for r in oldest],
        all_url, "按调度查看全部",
    )


def _extensions() -> QueueGroup:
    qs = ExtensionRequest.objects.filter(status=RequestStatus.PENDING)
    oldest = qs.select_related("task", "unit").order_by("requested_at", "pk")[:SHOWN]
    return QueueGroup(
        "extensions", "延期申请", "审批", qs.count(),
        [QueueItem(e.requested_at, _task_name(e.task),
                   f"{e.unit} 申请由 {e.old_deadline:%Y-%m-%d} 延至 {e.new_deadline:%Y-%m-%d}",
                   reverse("supervision:task", args=[e.task_id]) + "#extensions") for e in oldest],
        reverse("supervision:index") + "#extensions", "全部延期申请",
    )


def _completions() -> QueueGroup:
    qs = CompletionRequest.objects.filter(status=CompletionRequest.Status.PENDING)
    oldest = qs.select_related("task", "unit").order_by("requested_at", "pk")[:SHOWN]
    return QueueGroup(
        "completions", "办结申请", "核验", qs.count(),
        [QueueItem(c.requested_at, _task_name(c.task), f"{c.unit} 申请办结",
                   reverse("supervision:task", args=[c.task_id]) + "#completions") for c in oldest],
        reverse("supervision:index") + "#completions", "全部办结申请",
    )


def _notice_replies() -> QueueGroup:
    """督办单 with units' replies to read: every unit replied (waiting to be closed) or
    some did (部分回复), oldest reply first."""
    qs = (Notice.objects.filter(status__in=[Notice.Status.REPLIED, Notice.Status.PARTLY])
          .annotate(first_reply=Min("replies__replied_at"), replied=Count("replies", distinct=True),
                    addressed=Count("units", distinct=True)))
    oldest = qs.select_related("task").prefetch_related("replies__unit").order_by("first_reply", "pk")[:SHOWN]
    return QueueGroup(
        "notices", "督办单回复", "查看并办结", qs.count(),
        [QueueItem(n.first_reply or n.issued_at, f"{n.number} {n.title}",
                   f"{'、'.join(str(r.unit) for r in n.replies.all())} 已回复"
                   + (f"（{n.replied}/{n.addressed}）" if n.replied < n.addressed else "") + f" · {_task_name(n.task)}",
                   reverse("supervision:notice", args=[n.pk])) for n in oldest],
        reverse("supervision:index") + "?status=replied", "全部已回复的督办单",
    )


def _coordination() -> QueueGroup:
    qs = CoordinationItem.objects.filter(status=CoordinationItem.Status.OPEN)
    oldest = (qs.select_related("task", "raised_by_unit", "addressed_to_leader", "addressed_to_unit")
              .order_by("created_at", "pk")[:SHOWN])
    return QueueGroup(
        "coordination", "需协调事项", "协调", qs.count(),
        [QueueItem(i.created_at, i.text if len(i.text) <= 40 else i.text[:40] + "…",
                   f"{i.raised_by_unit} 提请{i.addressee} · {_task_name(i.task)}",
                   reverse("rounds:coordination") + f"#item-{i.pk}") for i in oldest],
        reverse("rounds:coordination"), "全部待办理的协调事项",
    )


def _instructions() -> QueueGroup:
    """Leaders' instructions some unit has not signed for yet."""
    unsigned = InstructionAck.objects.filter(instruction=OuterRef("pk"), acknowledged_at__isnull=True)
    qs = Instruction.objects.filter(Exists(unsigned))
    oldest = list(qs.select_related("task", "author").order_by("created_at", "pk")[:SHOWN])
    waiting: dict[int, list[str]] = {}
    for ack in (InstructionAck.objects.filter(instruction__in=[i.pk for i in oldest], acknowledged_at__isnull=True)
                .select_related("unit").order_by("pk")):
        waiting.setdefault(ack.instruction_id, []).append(str(ack.unit))
    return QueueGroup(
        "instructions", "未签收的领导批示", "查看", qs.count(),
        [QueueItem(i.created_at, _task_name(i.task),
                   f"{i.author or '领导'}批示，未签收：{'、'.join(waiting.get(i.pk, []))}",
                   reverse("supervision:task", args=[i.task_id]) + "#instructions") for i in oldest],
    )


def turned_red(as_of: dt.date) -> list[tuple[Task, str]]:
    """Tasks whose light is red on `as_of` and was not the day before, with today's
    reasons. Today's lights are the stored rows of duban.status (the red ones read by
    an SQL condition); yesterday's are computed from the facts as they were then, for
    today's red tasks only."""
    tasks = Task.objects.active()
    if as_of == timezone.localdate():
        tasks = tasks.filter(light__color=RED)
    today = {pk: s for pk, s in statuses(tasks, as_of).items() if s.color == RED}
    if not today:
        return []
    before = statuses(Task.objects.filter(pk__in=list(today)), as_of - dt.timedelta(days=1))
    new = [pk for pk in today if before.get(pk) is None or before[pk].color != RED]
    found = {t.pk: t for t in Task.objects.filter(pk__in=new).select_related("plan")}
    return sorted(((found[pk], today[pk].text) for pk in new if pk in found),
                  key=lambda pair: (pair[0].plan_id, pair[0].order))


def _turned_red(as_of: dt.date) -> QueueGroup:
    red = turned_red(as_of)
    return QueueGroup(
        "red", "今日转为红灯的任务", "督办", len(red),
        [QueueItem(as_of, _task_name(t), reasons, reverse("supervision:task", args=[t.pk])) for t, reasons in red[:SHOWN]],
        reverse("plans:ledger") + "?status=red", "台账中的全部红灯任务",
    )


def office_queue(as_of: dt.date) -> list[QueueGroup]:
    """The office's queue, in the order the office works through it; each item knows
    how many days it has waited (``item.days``)."""
    groups = [_reports(), _extensions(), _completions(), _notice_replies(), _coordination(), _instructions(),
              _turned_red(as_of)]
    for g in groups:
        for item in g.items:
            item.days = item.waited(as_of)
    return groups
