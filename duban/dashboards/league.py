"""The unit league table (考核): each unit's on-time rate, returned reports, tasks done and
overdue, and the weighted score. Definitions: ``metrics``; the Excel copy is
``duban/exports/league.py``."""
from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q
from django.utils import timezone

from duban.lib.rows import rows as raw_rows
from duban.org.models import Unit
from duban.plans.models import Plan, Task, TaskUnit
from duban.rounds.models import Report, ReportVersion, Round
from duban.status import store

from .metrics import fraction, lights, local_end, narrow, narrow_rounds, pct


# --- the unit league table (考核) ------------------------------------------------------------

@dataclass
class UnitScore:
    pk: int
    name: str
    due_slots: int = 0
    on_time: int = 0
    returned: int = 0
    tasks: int = 0  # tasks carried, lead or co (not those of a collective assignee such as 各部门)
    done: int = 0
    overdue: int = 0
    score: Decimal | None = None
    rank: int | None = None
    filled: list[str] = field(default_factory=list)  # rates without data, taken as the others' average

    @property
    def on_time_rate(self) -> float | None:
        return pct(self.on_time, self.due_slots)

    @property
    def completion_rate(self) -> float | None:
        return pct(self.done, self.tasks)


def score(weights, on_time: float | None, completion: float | None, returned: int, overdue: int
          ) -> tuple[Decimal | None, list[str]]:
    """得分 = w₁×按时报送率 + w₂×办结率 − w₃×被退回报告数 − w₄×逾期任务数, rates as
    fractions of 1, rounded to one decimal. A rate without data (no report due yet,
    no task) is taken as the weighted average of the unit's other rates; with no
    rate at all there is no score. Returns the score and the rates filled in."""
    rates = {"on_time": (on_time, Decimal(weights.on_time)), "completion": (completion, Decimal(weights.completion))}
    known = {k: (Decimal(str(v)), w) for k, (v, w) in rates.items() if v is not None}
    if not known:
        return None, []
    wsum = sum(w for _, w in known.values())
    fill = (sum(v * w for v, w in known.values()) / wsum) if wsum else (sum(v for v, _ in known.values()) / len(known))
    total = sum(w * (known[k][0] if k in known else fill) for k, (_, w) in rates.items())
    total -= Decimal(weights.returned) * returned + Decimal(weights.overdue) * overdue
    return total.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), [k for k in rates if k not in known]


def league(as_of: dt.date, weights, plan: Plan | None = None, *, category: str | None = None,
           year: int | None = None) -> tuple[list[UnitScore], list[UnitScore]]:
    """Each real unit (not a collective assignee) with a part in the tasks: on-time
    rate over the report slots of rounds due before `as_of`, returned reports in the
    rounds opened by `as_of`, tasks it carries (lead or co) done and overdue, and the
    score. Returns (ranked, unranked: units with no rate to score)."""
    tasks = narrow(Task.objects.active(), plan, category, year)
    # The tasks each unit carries, and of them done and overdue: one pass over the
    # task-unit links joined from the tasks with each task's light, counted in Python;
    # it also names the units taking part. (A GROUP BY over the links with an IN
    # subquery of the tasks, and a second query for the units, took 348 ms at 125,000
    # links; with this the league page went from 504 to 420 ms, SQLite.)
    if as_of == timezone.localdate():
        store.ensure_current(as_of)  # today's: the stored lights
        links = raw_rows(tasks.filter(assignments__isnull=False).order_by(),
                         "assignments__unit_id", "light__color", "light__deadline")
    else:
        light_of = lights(as_of)
        none = (None, None, None)
        links = ((unit_id, *light_of.get(task_id, none)[0::2])
                 for unit_id, task_id in TaskUnit.objects.filter(task__in=tasks).order_by().values_list("unit_id", "task_id"))
    tally = Counter(
        (unit_id, "" if not color else "done" if color == "done" else "overdue" if deadline and deadline < as_of else "open")
        for unit_id, color, deadline in links)
    carried: dict[int, Counter] = defaultdict(Counter)
    for (unit_id, state), n in tally.items():
        carried[unit_id][state] += n
    scores: dict[int, UnitScore] = {}
    for u in Unit.objects.filter(is_collective=False, pk__in=list(carried)).only("pk", "name"):
        s = scores[u.pk] = UnitScore(u.pk, u.name)
        c = carried[u.pk]
        s.tasks, s.done, s.overdue = c["done"] + c["overdue"] + c["open"], c["done"], c["overdue"]

    rounds = narrow_rounds(Round.objects.all(), plan, category, year)
    for rnd in rounds.filter(due_on__lt=as_of):
        per_unit = (
            Report.objects.filter(round=rnd).order_by().values("unit_id")
            .annotate(slots=Count("pk"), on_time=Count("pk", filter=Q(first_submitted_at__lt=local_end(rnd.due_on))))
        )
        for row in per_unit:
            s = scores.get(row["unit_id"])
            if s is not None:
                s.due_slots += row["slots"]
                s.on_time += row["on_time"]
    # Submitted more than once: returned in between (an IN subquery, read once, not a
    # subquery per report).
    resubmitted = ReportVersion.objects.filter(number__gte=2).values("report_id")
    returned = (
        Report.objects.order_by().filter(round__in=rounds.filter(opens_on__lte=as_of))
        .filter(Q(status=Report.Status.RETURNED) | Q(pk__in=resubmitted))
        .values("unit_id").annotate(n=Count("pk")).values_list("unit_id", "n")
    )
    for unit_id, n in returned:
        if unit_id in scores:
            scores[unit_id].returned = n

    ranked, unranked = [], []
    for s in scores.values():
        s.score, s.filled = score(weights, fraction(s.on_time, s.due_slots), fraction(s.done, s.tasks),
                                  s.returned, s.overdue)
        (ranked if s.score is not None else unranked).append(s)
    ranked.sort(key=lambda s: (-s.score, s.name))
    for i, s in enumerate(ranked):
        s.rank = ranked[i - 1].rank if i and ranked[i - 1].score == s.score else i + 1
    unranked.sort(key=lambda s: s.name)
    return ranked, unranked
