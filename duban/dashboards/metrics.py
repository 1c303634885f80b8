"""The figures of the dashboards, computed: plain functions over the other apps' data.
This module holds what they share (the lights, the scope, rates); each page's figures are in their own module: ``overview.py`` (驾驶舱 and the
trend across rounds), ``matrix.py`` (unit × task), ``league.py`` (考核).

Status lights are stored, one row per task (duban.status): today's figures read them
in one query; another date's are computed from the facts as they were then. Counts
that need no light (reports per round and per unit) are SQL aggregates (GROUP BY).

Definitions (the pages print them in Chinese):

- a task's light: ``duban.status`` on the date (red, yellow, green, done
  = closed 销号); the effective deadline is the one after approved extensions;
- completion rate (办结率): done tasks ÷ tasks;
- overdue task (逾期任务): not done, effective deadline before the date;
- report slot (应报报告): one task × one responsible unit in one round;
- on time (按时报送): first submitted on a local date no later than the round's due
  date; late (迟报): first submitted after it, by the date; missing (缺报): not
  submitted by the date, the due date having passed; pending (未到截止): not
  submitted yet, the due date not passed;
- returned report (被退回报告): a slot sent back at least once (by the office, the
  unit head or the lead unit): now returned, or submitted more than once.
"""
from __future__ import annotations

import datetime as dt

from django.utils import timezone

from duban.plans.models import Plan, Task
from duban.status import store

COLORS = ("red", "yellow", "green", "done")
COLOR_LABELS = {"red": "红灯", "yellow": "黄灯", "green": "绿灯", "done": "已销号"}
LIST_LIMIT = 50  # rows of each task list on the overview (the rest: a link to the ledger)
DUE_SOON_DAYS = 30

# A light: (color, reasons in words, effective deadline).
Light = tuple[str, str, "dt.date | None"]


# --- the lights ------------------------------------------------------------------------

def lights(as_of: dt.date, tasks=None) -> dict[int, Light]:
    """The light of every active task on `as_of` (of `tasks`, a queryset, when given),
    by task id: the rows duban.status stores for today (one query), computed from the
    facts as they were for another date."""
    return store.lights(Task.objects.active() if tasks is None else tasks, as_of)


def narrow(tasks, plan: Plan | None = None, category: str | None = None, year: int | None = None):
    """`tasks` of `plan` (a plan or register), of one kind of 督办事项 (Plan.category)
    and of one year, each when given."""
    if plan is not None:
        tasks = tasks.filter(plan=plan)
    if category:
        tasks = tasks.filter(plan__category=category)
    if year:
        tasks = tasks.filter(plan__year=year)
    return tasks


def narrow_rounds(rounds, plan: Plan | None = None, category: str | None = None, year: int | None = None):
    """The rounds of the tasks `narrow` keeps: a round belongs to one plan or register,
    as a task does, so the same filters apply."""
    return narrow(rounds, plan, category, year)


def scope_tasks(user, plan: Plan | None = None, category: str | None = None, year: int | None = None):
    """The active tasks `user` may see (Task.objects.visible_to), of `plan`, kind and
    year when given."""
    return narrow(Task.objects.visible_to(user).active(), plan, category, year)


def local_end(day: dt.date) -> dt.datetime:
    """The first moment after `day`, local time: "submitted by `day`" is ``< local_end(day)``."""
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def pct(part: int, whole: int) -> float | None:
    """A percentage with one decimal, or None (shown "—") when there is nothing to count."""
    return round(part * 100 / whole, 1) if whole else None


def fraction(part: int, whole: int) -> float | None:
    return part / whole if whole else None
