"""Reviewing a round's reports: the state groups the round page filters by, and the
next report waiting for the person reviewing.

The groups follow ``Report.status`` so they are plain SQL filters and counts:

- 待审核 — submitted, waiting for review (the office for a lead unit's report, the
  lead unit for a co-unit's part);
- 已退回 — returned, to be corrected and submitted again;
- 未报送 — not gone out yet (a draft, or waiting for the unit head);
- 已采纳 — accepted by the office.
"""
from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q

from duban.accounts.models import Role

from .models import Report, Round

GROUPS: list[tuple[str, str, tuple[str, ...]]] = [
    ("review", "待审核", (Report.Status.SUBMITTED,)),
    ("returned", "已退回", (Report.Status.RETURNED,)),
    ("unsent", "未报送", (Report.Status.DRAFT, Report.Status.PENDING_APPROVAL)),
    ("accepted", "已采纳", (Report.Status.ACCEPTED,)),
]
GROUP_LABELS = {key: label for key, label, _ in GROUPS}
_STATUSES = {key: statuses for key, _, statuses in GROUPS}


def in_group(reports, key: str):
    """`reports` narrowed to one group (an unknown key leaves them as they are)."""
    statuses = _STATUSES.get(key)
    return reports.filter(status__in=statuses) if statuses else reports


def group_counts(reports) -> list[tuple[str, str, int]]:
    """(key, label, count) of each group, in one query."""
    by_status = dict(reports.order_by().values_list("status").annotate(n=Count("pk")))
    return [(key, label, sum(by_status.get(s, 0) for s in statuses)) for key, label, statuses in GROUPS]


def unit_counts(reports) -> list[tuple[int, str, list[tuple[str, str, int]], int]]:
    """Per unit: (unit id, unit name, (key, label, count) of each group, total), the units with
    the most reports not yet sent first, in one query."""
    rows: dict[int, dict] = {}
    for unit_id, name, status, n in (reports.order_by().values_list("unit_id", "unit__name", "status")
                                     .annotate(n=Count("pk"))):
        row = rows.setdefault(unit_id, {"name": name, "by_status": {}})
        row["by_status"][status] = n
    out = []
    for unit_id, row in rows.items():
        counts = [(key, label, sum(row["by_status"].get(s, 0) for s in statuses)) for key, label, statuses in GROUPS]
        out.append((unit_id, row["name"], counts, sum(n for _, _, n in counts)))
    unsent = [k for k, _, _ in GROUPS].index("unsent")
    out.sort(key=lambda r: (-r[2][unsent][2], r[1]))
    return out


def waiting_for(user, rnd: Round):
    """The reports of `rnd` waiting for `user` to review them: for the office, lead
    units' submitted reports; for a unit head, the unit's reports waiting for approval;
    for a lead unit's people, the co-units' submitted parts of tasks the unit leads."""
    reports = Report.objects.filter(round=rnd)
    if user.is_office:
        return reports.filter(status=Report.Status.SUBMITTED, role=Report.Role.LEAD)
    if not (user.is_unit_person and user.unit_id):
        return reports.none()
    leads = Report.objects.filter(round_id=rnd.pk, task_id=OuterRef("task_id"), unit_id=user.unit_id,
                                  role=Report.Role.LEAD)
    q = Q(status=Report.Status.SUBMITTED, role=Report.Role.CO) & Exists(leads)
    if user.role == Role.UNIT_HEAD:
        q |= Q(status=Report.Status.PENDING_APPROVAL, unit_id=user.unit_id)
    return reports.filter(q)


def next_waiting(user, report: Report) -> Report | None:
    """The report after `report` (in the round page's order: task, then unit) that waits
    for `user`, wrapping round to the first; None when no other one waits."""
    waiting = (waiting_for(user, report.round).exclude(pk=report.pk).select_related("task", "unit")
               .order_by("task__order", "pk"))
    order = report.task.order
    after = waiting.filter(Q(task__order__gt=order) | Q(task__order=order, pk__gt=report.pk)).first()
    return after or waiting.first()
