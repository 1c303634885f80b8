"""The ledger's filters, search and sorting: plain functions over a TaskQuerySet.

``filter_tasks(tasks, filters, as_of=...)`` narrows a queryset by a dict of cleaned
filter values (what ``LedgerFilterForm`` produces from the URL's query string), so the
same filters serve the ledger page, exports and tests. Callers always pass a queryset
that starts from ``Task.objects.visible_to(user)``: filters only ever narrow it.

Multi-valued relations (units, leaders, milestones) are matched with ``pk__in``
subqueries or ``Exists``, never with joins, so no filter duplicates rows and none needs
``distinct()``.

Status filters are a registry (``STATUS_FILTERS``): each is a label and a function
``(tasks, as_of) -> tasks``. The red/yellow/green lights slot in with
``register_status("red", "红灯", fn)`` (registered below: red/yellow/green/done, an
SQL condition on the light duban.status stores for each task).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from django import forms
from django.core.paginator import Page, Paginator
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from duban.lib.widgets import QuickSelect
from duban.org.models import Leader, Unit
from duban.plans.models import Category, Plan, Section, Target, TaskKind, TaskLeader, TaskQuerySet, TaskUnit
from duban.supervision.models import TaskClosure
from duban.workplans.measures import has_measurable_milestone, has_target, needs_measurable_q
from duban.workplans.models import Milestone

PAGE_SIZE = 50
DUE_SOON_DAYS = 30


# --- status filters -------------------------------------------------------------------

@dataclass(frozen=True)
class StatusFilter:
    label: str
    apply: Callable[[TaskQuerySet, dt.date], TaskQuerySet]


STATUS_FILTERS: dict[str, StatusFilter] = {}


def register_status(key: str, label: str, apply: Callable[[TaskQuerySet, dt.date], TaskQuerySet]) -> None:
    """Adds (or replaces) a status the ledger can filter by; it shows in the form's
    status list in registration order."""
    STATUS_FILTERS[key] = StatusFilter(label, apply)


def open_tasks(tasks: TaskQuerySet, as_of: dt.date) -> TaskQuerySet:
    """Tasks not struck off (销号) as of the date (closures: duban.supervision)."""
    closed = TaskClosure.objects.filter(closed_on__lte=as_of).exclude(reopened_on__lte=as_of)
    return tasks.exclude(pk__in=closed.values("task_id"))


def overdue_tasks(tasks: TaskQuerySet, as_of: dt.date) -> TaskQuerySet:
    return open_tasks(tasks, as_of).filter(deadline__lt=as_of)


def due_soon_tasks(tasks: TaskQuerySet, as_of: dt.date) -> TaskQuerySet:
    return open_tasks(tasks, as_of).filter(deadline__gte=as_of, deadline__lte=as_of + dt.timedelta(days=DUE_SOON_DAYS))


def ongoing_tasks(tasks: TaskQuerySet, as_of: dt.date) -> TaskQuerySet:
    return tasks.filter(kind=TaskKind.ONGOING)


def milestone_overdue_tasks(tasks: TaskQuerySet, as_of: dt.date) -> TaskQuerySet:
    return tasks.filter(Exists(Milestone.objects.overdue(as_of).filter(task=OuterRef("pk"))))


register_status("open", "未完成", open_tasks)
register_status("overdue", "已逾期", overdue_tasks)
register_status("due_soon", f"临近（{DUE_SOON_DAYS}天内到期）", due_soon_tasks)
register_status("ongoing", "持续推进", ongoing_tasks)
register_status("milestone_overdue", "有逾期节点", milestone_overdue_tasks)


def light_filter(color: str) -> Callable[[TaskQuerySet, dt.date], TaskQuerySet]:
    """A status filter by light: an SQL condition on the task's stored light
    (duban.status keeps it current; the ledger is always as of today)."""

    def apply(tasks: TaskQuerySet, as_of: dt.date) -> TaskQuerySet:
        return tasks.filter(light__color=color)

    return apply


register_status("red", "红灯", light_filter("red"))
register_status("yellow", "黄灯", light_filter("yellow"))
register_status("green", "绿灯", light_filter("green"))
register_status("done", "已销号", light_filter("done"))


# --- search and filters ----------------------------------------------------------------

def search_terms(query: str) -> list[str]:
    """Whitespace (half- or full-width) separates terms; every term must match."""
    return [t for t in (query or "").split() if t]


def term_q(term: str) -> Q:
    """One search term: in the task's text or number, one of its units' names (full,
    short or alias), or one of its leaders' names."""
    units = TaskUnit.objects.filter(
        Q(unit__name__icontains=term) | Q(unit__short_name__icontains=term)
        | Q(unit__in=Unit.objects.filter(aliases__alias__icontains=term))
    )
    leaders = TaskLeader.objects.filter(leader__name__icontains=term)
    return (
        Q(title__icontains=term) | Q(number=term)
        | Q(pk__in=units.values("task_id")) | Q(pk__in=leaders.values("task_id"))
    )


def filter_tasks(tasks: TaskQuerySet, filters: Mapping[str, Any], *, as_of: dt.date) -> TaskQuerySet:
    """`tasks` narrowed by `filters` (keys as in LedgerFilterForm; empty values are
    ignored): category (kind of item), year, plan, section, leader, unit + role
    (lead/co/any), status, due_from, due_to, targets (yes/no), quantified (yes/no),
    q (search)."""
    f = {k: v for k, v in filters.items() if v not in (None, "", [])}
    if "category" in f:
        tasks = tasks.of_category(f["category"])
    if "year" in f:
        tasks = tasks.in_year(int(f["year"]))
    if "plan" in f:
        tasks = tasks.filter(plan=f["plan"])
    if "section" in f:
        tasks = tasks.filter(section=f["section"])
    if "leader" in f:
        tasks = tasks.filter(pk__in=TaskLeader.objects.filter(leader=f["leader"]).values("task_id"))
    if "unit" in f:
        links = TaskUnit.objects.filter(unit=f["unit"])
        if f.get("role") in (TaskUnit.Role.LEAD, TaskUnit.Role.CO):
            links = links.filter(role=f["role"])
        tasks = tasks.filter(pk__in=links.values("task_id"))
    if "status" in f:
        status = STATUS_FILTERS.get(f["status"])
        if status is not None:
            tasks = status.apply(tasks, as_of)
    if "due_from" in f:
        tasks = tasks.filter(deadline__gte=f["due_from"])
    if "due_to" in f:
        tasks = tasks.filter(deadline__lte=f["due_to"])
    if f.get("targets") == "yes":
        tasks = tasks.filter(has_target())
    elif f.get("targets") == "no":
        tasks = tasks.filter(~Q(has_target()))
    if f.get("quantified") == "no":
        tasks = tasks.filter(needs_measurable_q())
    elif f.get("quantified") == "yes":
        tasks = tasks.filter(Q(has_target()) | Q(has_measurable_milestone()))
    for term in search_terms(f.get("q", "")):
        tasks = tasks.filter(term_q(term))
    return tasks


# --- sorting ---------------------------------------------------------------------------

SORTS: dict[str, str] = {
    "number": "序号",
    "-number": "序号（倒序）",
    "deadline": "完成时限（近→远）",
    "-deadline": "完成时限（远→近）",
    "unit": "牵头单位",
    "-unit": "牵头单位（倒序）",
}
DEFAULT_SORT = "number"


def lead_unit_name():
    return Subquery(
        TaskUnit.objects.filter(task=OuterRef("pk"), role=TaskUnit.Role.LEAD).order_by("order").values("unit__name")[:1]
    )


def sort_tasks(tasks: TaskQuerySet, sort: str | None) -> TaskQuerySet:
    """Orders by document order (number), deadline (no date last either way) or the
    lead unit's name; ties keep document order."""
    sort = sort if sort in SORTS else DEFAULT_SORT
    desc = sort.startswith("-")
    key = sort.lstrip("-")
    doc_order = ["-plan__year", "-plan_id", "order"]
    if key == "number":
        order = ["plan__year", "plan_id", "-order"] if desc else doc_order
        return tasks.order_by(*order)
    if key == "deadline":
        expr = F("deadline").desc(nulls_last=True) if desc else F("deadline").asc(nulls_last=True)
        return tasks.order_by(expr, *doc_order)
    tasks = tasks.annotate(lead_unit_name=lead_unit_name())
    expr = F("lead_unit_name").desc(nulls_last=True) if desc else F("lead_unit_name").asc(nulls_last=True)
    return tasks.order_by(expr, *doc_order)


# --- what the ledger shows about each row ------------------------------------------------

def count_of(qs) -> Coalesce:
    """The number of rows of `qs` (filtered on OuterRef("pk")) as a subquery."""
    counted = qs.order_by().values("task").annotate(n=Count("pk")).values("n")[:1]
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def with_row_facts(tasks: TaskQuerySet, as_of: dt.date) -> TaskQuerySet:
    """Adds what each ledger row shows, in the same query: milestone counts (all,
    done, overdue), whether it has targets, whether it still needs a measurable
    milestone; and loads plan, section, leaders and units without N+1 queries."""
    mine = Milestone.objects.filter(task=OuterRef("pk"))
    return (
        tasks.select_related("plan", "section")
        .prefetch_related("leader_links__leader", "assignments__unit")
        .annotate(
            milestone_count=count_of(mine),
            milestone_done=count_of(mine.filter(done_on__isnull=False)),
            milestone_overdue=count_of(mine.filter(done_on__isnull=True, due__lt=as_of)),
            needs_measurable=ExpressionWrapper(needs_measurable_q(), output_field=BooleanField()),
        )
    )


def attach_row_facts(tasks: list, as_of: dt.date) -> list:
    """What ``with_row_facts`` adds, for the tasks of one ledger page already loaded:
    ``milestone_count``, ``milestone_done``, ``milestone_overdue``,
    ``needs_measurable``, and the names a row shows, ``leader_names``,
    ``lead_unit_names`` and ``co_unit_names`` (lists of str, in the plan's order).
    Four queries of plain values over the page's ids. Building the same through
    subquery annotations and prefetched related objects (a queryset per task and
    relation) cost about 30 ms of CPU a page, over half of a ledger request."""
    by_id = {t.pk: t for t in tasks}
    for t in tasks:
        t.leader_names, t.lead_unit_names, t.co_unit_names = [], [], []
        t.milestone_count = t.milestone_done = t.milestone_overdue = 0
        t.needs_measurable = True
    if not by_id:
        return tasks
    ids = list(by_id)
    for task_id, name in (TaskLeader.objects.filter(task_id__in=ids).order_by("task_id", "order", "pk")
                          .values_list("task_id", "leader__name")):
        by_id[task_id].leader_names.append(name)
    for task_id, role, name in (TaskUnit.objects.filter(task_id__in=ids).order_by("task_id", "order", "pk")
                                .values_list("task_id", "role", "unit__name")):
        t = by_id[task_id]
        (t.lead_unit_names if role == TaskUnit.Role.LEAD else t.co_unit_names).append(name)
    for task_id, count, done, overdue, measurable in (
            Milestone.objects.filter(task_id__in=ids).order_by().values("task_id").annotate(
                count=Count("pk"), done=Count("pk", filter=Q(done_on__isnull=False)),
                overdue=Count("pk", filter=Q(done_on__isnull=True, due__lt=as_of)),
                measurable=Count("pk", filter=Q(is_measurable=True)))
            .values_list("task_id", "count", "done", "overdue", "measurable")):
        t = by_id[task_id]
        t.milestone_count, t.milestone_done, t.milestone_overdue = count, done, overdue
        t.needs_measurable = not measurable
    for task_id in Target.objects.filter(task_id__in=ids).order_by().values_list("task_id", flat=True).distinct():
        by_id[task_id].needs_measurable = False
    return tasks


# --- the form that reads the URL ---------------------------------------------------------

YES_NO = [("", "不限"), ("yes", "有"), ("no", "无")]
QUANTIFIED = [("", "不限"), ("yes", "已量化"), ("no", "待量化细化")]
ROLE_CHOICES = [("any", "牵头或配合"), (TaskUnit.Role.LEAD, "牵头"), (TaskUnit.Role.CO, "配合")]


class SectionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Section) -> str:
        return f"{obj.plan.year}·{obj.title}" if self.show_plan else obj.title

    show_plan = False


class LedgerFilterForm(forms.Form):
    """Reads the ledger's filters from request.GET. An invalid value is reported on its
    field and that filter is left out; the others still apply."""

    q = forms.CharField(label="关键词", required=False, max_length=100, widget=forms.TextInput(
        attrs={"type": "search", "placeholder": "任务内容、单位或领导，空格分隔多个词"}))
    category = forms.ChoiceField(label="事项类别", choices=[("", "全部")] + Category.choices, required=False)
    year = forms.TypedChoiceField(label="年度", coerce=int, required=False, empty_value=None)
    plan = forms.ModelChoiceField(Plan.objects.all(), label="方案或台账", required=False, empty_label="全部")
    section = SectionChoiceField(Section.objects.select_related("plan"), label="部分", required=False, empty_label="全部")
    leader = forms.ModelChoiceField(Leader.objects.all(), label="牵头领导", required=False, empty_label="全部")
    unit = forms.ModelChoiceField(Unit.objects.none(), label="责任单位", required=False, empty_label="全部")
    role = forms.ChoiceField(label="单位角色", choices=ROLE_CHOICES, required=False)
    status = forms.ChoiceField(label="状态", required=False)
    due_from = forms.DateField(label="时限自", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    due_to = forms.DateField(label="时限至", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    targets = forms.ChoiceField(label="量化指标", choices=YES_NO, required=False)
    quantified = forms.ChoiceField(label="量化细化", choices=QUANTIFIED, required=False)
    sort = forms.ChoiceField(label="排序", choices=list(SORTS.items()), required=False)

    def __init__(self, data, *, tasks: TaskQuerySet):
        super().__init__(data, label_suffix="")
        self.fields["status"].choices = [("", "全部")] + [(k, s.label) for k, s in STATUS_FILTERS.items()]
        # Only the units of tasks the person may see: a unit's people do not browse
        # the list of every unit through this form.
        self.fields["unit"].queryset = Unit.objects.filter(
            pk__in=TaskUnit.objects.filter(task__in=tasks.values("pk")).values("unit_id"))
        # Every plan and register's year, in one query (a few rows: one per plan, one per kind and year).
        plan_years = list(Plan.objects.order_by().values_list("year", flat=True))
        self.fields["section"].show_plan = len(plan_years) > 1
        years = sorted(set(plan_years), reverse=True)
        self.fields["year"].choices = [("", "全部年度")] + [(y, f"{y}年") for y in years]
        # No year in the URL and several years: the current one; "全部年度" is an empty value.
        if (data is None or "year" not in data) and len(years) > 1:
            self.initial["year"] = years[0]
        # The same <select> HTML, the options rendered in Python (duban.lib.widgets).
        for field in self.fields.values():
            if type(field.widget) is forms.Select:
                field.widget.__class__ = QuickSelect

    def clean(self):
        data = super().clean()
        start, end = data.get("due_from"), data.get("due_to")
        if start and end and start > end:
            self.add_error("due_to", "“时限至”不能早于“时限自”")
            data.pop("due_to", None)
        return data

    def filters(self) -> dict[str, Any]:
        """The valid filter values (invalid fields dropped)."""
        self.is_valid()
        out = {k: v for k, v in self.cleaned_data.items() if k in self.fields}
        if self.initial.get("year") and not out.get("year"):
            out["year"] = self.initial["year"]
        return out

    def active_count(self) -> int:
        return sum(1 for k, v in self.filters().items()
                   if v not in (None, "") and k not in ("sort", "role") and not (k == "year" and k in self.initial))


@dataclass
class LedgerResult:
    form: LedgerFilterForm
    page: Page
    total: int  # tasks matching the filters
    visible: int  # tasks the person may see at all
    sort: str


def ledger(tasks: TaskQuerySet, params, *, as_of: dt.date) -> LedgerResult:
    """The whole ledger query: form from the URL, filter, sort, row facts, one page."""
    form = LedgerFilterForm(params, tasks=tasks)
    filters = form.filters()
    sort = filters.get("sort") or DEFAULT_SORT
    matched = sort_tasks(filter_tasks(tasks, filters, as_of=as_of), sort)
    paginator = Paginator(matched.select_related("plan", "section", "light"), PAGE_SIZE)
    page = paginator.get_page(params.get("page"))
    page.object_list = attach_row_facts(list(page.object_list), as_of)
    visible = tasks.count() if form.active_count() else paginator.count
    return LedgerResult(form=form, page=page, total=paginator.count, visible=visible, sort=sort)
