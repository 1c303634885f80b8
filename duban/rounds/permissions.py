"""Who may do what with reports and coordination items: the views' 403 checks, the
buttons they show, the API and the actions (which refuse what these refuse) use the same
functions."""
from __future__ import annotations

from duban.accounts.models import Role

from .models import CoordinationItem, Report


def can_edit(user, report: Report) -> bool:
    return bool(user.is_unit_person and user.unit_id == report.unit_id and report.is_editable)


def can_approve(user, report: Report) -> bool:
    return (
        user.role == Role.UNIT_HEAD and user.unit_id == report.unit_id
        and report.status == Report.Status.PENDING_APPROVAL and report.round.is_open
    )


def _leads_task(user, report: Report) -> bool:
    return bool(
        user.is_unit_person and report.role == Report.Role.CO
        and report.lead_reports().filter(unit_id=user.unit_id).exists()
    )


def can_return(user, report: Report) -> bool:
    if report.status == Report.Status.PENDING_APPROVAL:
        return can_approve(user, report)
    if report.status == Report.Status.SUBMITTED:
        return bool(user.is_office or _leads_task(user, report))
    return False


def can_accept(user, report: Report) -> bool:
    return bool(user.is_office and report.status == Report.Status.SUBMITTED)


def can_respond(user, item: CoordinationItem) -> bool:
    if user.is_office:
        return True
    if user.is_leader and user.leader_id and item.addressed_to_leader_id == user.leader_id:
        return True
    return bool(user.is_unit_person and item.addressed_to_unit_id and item.addressed_to_unit_id == user.unit_id)
