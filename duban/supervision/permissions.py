"""Who may do what in the supervision loop: the views' 403 and 404 checks, the API and
the actions (which refuse what these refuse) use the same functions."""
from __future__ import annotations

from duban.plans.models import Task

from .models import CompletionRequest, ExtensionRequest, Instruction, Notice, RequestStatus


def is_task_unit_person(user, task) -> bool:
    """A unit person whose unit carries the task (directly or through a collective unit)."""
    if not (user.is_authenticated and user.is_unit_person and user.unit_id):
        return False
    return Task.objects.visible_to(user).filter(pk=task.pk).exists()


def can_reply(user, notice: Notice) -> bool:
    """A person of a unit the notice went to whose unit has not replied yet, while the
    notice is open (another unit's reply does not answer for this one)."""
    return (user.is_unit_person and bool(user.unit_id) and notice.status in Notice.AWAITING
            and notice.units.filter(pk=user.unit_id).exists()
            and not notice.replies.filter(unit_id=user.unit_id).exists())


def replies_visible_to(user, notice: Notice):
    """The replies of a notice `user` may read: all of them for the office and leaders,
    a unit's own for its people (one unit never reads another's reply or its files)."""
    qs = notice.replies.select_related("unit", "replied_by").prefetch_related("files")
    if user.sees_all_tasks:
        return qs
    return qs.filter(unit_id=user.unit_id) if user.is_unit_person and user.unit_id else qs.none()


def can_see_completion_files(user, req: CompletionRequest) -> bool:
    """The office and leaders, and the claiming unit's people (another unit of the task
    reads the claim's account, not its files)."""
    return bool(user.sees_all_tasks or (user.is_unit_person and user.unit_id == req.unit_id))


def can_decide_extension(user, req: ExtensionRequest) -> bool:
    if req.status == RequestStatus.PENDING:
        return user.is_office
    if req.status == RequestStatus.LEADER_PENDING:
        return user.is_leader and user.leader_id and req.task.leader_links.filter(leader_id=user.leader_id).exists()
    return False


def can_acknowledge(user, instruction: Instruction) -> bool:
    return user.is_unit_person and instruction.acks.filter(unit_id=user.unit_id, acknowledged_at__isnull=True).exists()
