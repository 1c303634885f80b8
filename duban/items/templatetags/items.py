"""The item panel of a task page: what the item's kind records and the actions open
to the person (阅示, 面商, 答复, 满意度, 整改), and the item's links."""
from __future__ import annotations

from django import template

from duban.plans.models import Task, TaskUnit

from ..actions import is_closed
from ..forms import ContactForm, RectificationForm, ReplyForm, SatisfactionForm, SignOffForm
from ..models import ItemLink

register = template.Library()


def _one(task: Task, attr: str):
    try:
        return getattr(task, attr)
    except Exception:  # RelatedObjectDoesNotExist of each one-to-one
        return None


@register.inclusion_tag("items/_panel.html", takes_context=True)
def item_panel(context, task: Task):
    user = context["user"]
    visible = Task.objects.visible_to(user)
    links = [(l.get_relation_display(), l.from_task) for l in
             ItemLink.objects.filter(to_task=task, from_task__in=visible).select_related("from_task__plan")]
    links += [("后续" if l.relation in ("carried", "continues") else "关联", l.to_task) for l in
              ItemLink.objects.filter(from_task=task, to_task__in=visible).select_related("to_task__plan")]
    ctx = {"task": task, "user": user, "links": links, "csrf_token": context.get("csrf_token"),
           "category": task.plan.category, "category_label": task.plan.get_category_display(),
           "documents": list(task.item_documents.all())}
    unit_role = None
    if user.is_unit_person and user.unit_id:
        roles = {a.role for a in task.assignments.all() if a.unit_id == user.unit_id}
        unit_role = TaskUnit.Role.LEAD if TaskUnit.Role.LEAD in roles else (TaskUnit.Role.CO if roles else None)
    instruction = _one(task, "instruction_item")
    if instruction:
        ctx["instruction"] = instruction
        ctx["can_sign_off"] = (user.is_leader and user.leader_id == instruction.leader_id
                               and not instruction.signed_off_at and is_closed(task))
        ctx["sign_off_form"] = SignOffForm()
    decision = _one(task, "meeting_decision")
    if decision:
        ctx["decision"] = decision
    proposal = _one(task, "proposal")
    if proposal:
        ctx["proposal"] = proposal
        ctx["contacts"] = list(proposal.contacts.select_related("unit"))
        ctx["replies"] = list(proposal.replies.all())
        current = next((r for r in ctx["replies"] if r.round == proposal.redo_count + 1), None)
        ctx["can_contact"] = unit_role is not None
        ctx["can_reply"] = unit_role == TaskUnit.Role.LEAD and current is None
        ctx["can_rate"] = user.is_office and current is not None and not current.satisfaction
        ctx.update(contact_form=ContactForm(prefix="c"), reply_form=ReplyForm(), rate_form=SatisfactionForm())
    assigned = _one(task, "assigned_item")
    if assigned:
        ctx["assigned"] = assigned
        ctx["can_rectify"] = unit_role == TaskUnit.Role.LEAD and not assigned.rectified_on
        ctx["rectify_form"] = RectificationForm()
    ctx["has_any"] = bool(links or instruction or decision or proposal or assigned or ctx["documents"])
    return ctx


@register.filter
def pick(mapping, key):
    """mapping[key] in a template (a preview row's cell)."""
    return mapping.get(key) if hasattr(mapping, "get") else None
