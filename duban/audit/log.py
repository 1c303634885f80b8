"""`record()`: the one way anything writes to the event log."""
from __future__ import annotations

from typing import Any

from . import chain
from .middleware import current_address
from .models import Event


def record(action: str, *, actor=None, obj=None, task=None, summary: str = "", before: Any = None,
           after: Any = None, result: str = Event.Result.OK, address: str | None = None) -> Event:
    """Appends one event to the chain (duban/audit/chain.py), in the caller's transaction."""
    return chain.append(Event(
        actor=actor if getattr(actor, "pk", None) else None,
        actor_name=(str(actor) if actor is not None and getattr(actor, "pk", None) else "系统"),
        address=address or current_address(),
        action=action,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        task=task,
        summary=summary[:500],
        before=before,
        after=after,
        result=result,
    ))
