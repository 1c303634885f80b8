"""``{% leader_decisions leader %}``: the leader's pending decisions on the leader page,
one list, with the forms to decide where the viewer is that leader.

A template tag, so the leader page (duban.plans, below this app) shows them without
importing this app."""
from __future__ import annotations

from django import template

from duban.plans.models import Task
from duban.rounds.actions import coordination_fingerprint
from duban.rounds.permissions import can_respond

from ..decisions import pending_decisions

register = template.Library()


@register.inclusion_tag("supervision/_leader_decisions.html", takes_context=True)
def leader_decisions(context, leader):
    request = context["request"]
    user = request.user
    decisions = pending_decisions(leader, Task.objects.visible_to(user))
    own = bool(user.is_leader and user.leader_id == leader.pk)
    for d in decisions:
        if d.kind == "extension":
            d.can_act = own
        elif d.kind == "coordination":
            d.can_act = own and can_respond(user, d.obj)
            d.seen = coordination_fingerprint(d.obj)
        else:
            d.can_act = False
    return {"decisions": decisions, "leader": leader, "own": own, "user": user, "next": request.get_full_path(),
            "csrf_token": context.get("csrf_token")}
