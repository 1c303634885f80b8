"""Writing notifications: the inbox rows, and the deliveries each person's channels ask for.

Callers (supervision actions, the reminder scheduler) call ``notify`` inside their
transaction or from ``transaction.on_commit``; nothing here talks to the network.
"""
from __future__ import annotations

from typing import Iterable

from django.db import transaction
from django.utils import timezone

from duban.accounts.models import Role, UNIT_ROLES, User

from .models import Channel, Delivery, Notification, Preference, UnitRobot


def people_of_units(units: Iterable) -> list[User]:
    """The active liaisons and heads of `units` (Unit objects or ids)."""
    ids = [u if isinstance(u, int) else u.pk for u in units]
    return list(User.objects.filter(unit_id__in=ids, role__in=list(UNIT_ROLES), is_active=True).order_by("id"))


def office_people() -> list[User]:
    return list(User.objects.filter(role=Role.OFFICE, is_active=True).order_by("id"))


def leader_people(leaders: Iterable) -> list[User]:
    ids = [x if isinstance(x, int) else x.pk for x in leaders]
    return list(User.objects.filter(leader_id__in=ids, role=Role.LEADER, is_active=True).order_by("id"))


def _plain(title: str, body: str, url: str) -> str:
    text = f"【督办系统】{title}"
    if body:
        text += f"\n{body}"
    if url:
        text += f"\n{url}"
    return text


@transaction.atomic
def notify(recipients: Iterable[User], *, kind: str, title: str, body: str = "", url: str = "", task=None,
           units: Iterable = ()) -> list[Notification]:
    """An inbox message for each recipient (once per person), and queued deliveries
    for the channels each has chosen; with `units`, also to those units' group robots."""
    seen: set[int] = set()
    people = []
    for user in recipients:
        if user is not None and user.pk not in seen:
            seen.add(user.pk)
            people.append(user)
    made = Notification.objects.bulk_create([
        Notification(recipient=u, kind=kind, title=title[:200], body=body, url=url, task=task) for u in people
    ])
    # bulk_create returns primary keys on SQLite ≥ 3.35 and PostgreSQL.
    prefs = {p.user_id: p for p in Preference.objects.filter(user_id__in=[u.pk for u in people])}
    text = _plain(title, body, url)
    deliveries = []
    for user, note in zip(people, made):
        pref = prefs.get(user.pk)
        if pref is None:
            continue
        if pref.email and user.email:
            deliveries.append(Delivery(notification=note, channel=Channel.EMAIL, target=user.email, subject=title[:200], text=text))
        if pref.wecom_url:
            deliveries.append(Delivery(notification=note, channel=Channel.WECOM, target=pref.wecom_url, subject=title[:200], text=text))
        if pref.dingtalk_url:
            deliveries.append(Delivery(notification=note, channel=Channel.DINGTALK, target=pref.dingtalk_url, subject=title[:200], text=text))
    unit_ids = [u if isinstance(u, int) else u.pk for u in units]
    if unit_ids:
        for robot in UnitRobot.objects.filter(unit_id__in=unit_ids, active=True):
            deliveries.append(Delivery(channel=robot.channel, target=robot.url, subject=title[:200], text=text))
    Delivery.objects.bulk_create(deliveries)
    return made


def notify_on_commit(recipients, **kwargs) -> None:
    """``notify`` once the surrounding transaction commits (actions use this)."""
    people = list(recipients)
    transaction.on_commit(lambda: notify(people, **kwargs))


def mark_read(user, ids: Iterable[int] | None = None) -> int:
    """Marks the user's notifications read (all unread ones when `ids` is None)."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
