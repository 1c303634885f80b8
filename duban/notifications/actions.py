"""Writing notifications: the inbox rows, and the outgoing messages each person's
channels ask for (duban.jobs.outbox).

Callers (supervision and rounds actions, the reminders job) call ``notify`` inside
their transaction: the inbox rows and the outbox messages exist if and only if the
action commits. Nothing here talks to the network; a worker sends the messages.
"""
from __future__ import annotations

from typing import Iterable

from django.db import transaction
from django.utils import timezone

from duban.accounts.models import Role, UNIT_ROLES, User
from duban.identity.inapp import entry_link
from duban.identity.models import Provider

from duban.jobs import outbox
from duban.jobs.models import Channel

from .models import Notification, Preference, UnitRobot


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
    """An inbox message for each recipient (once per person), and outbox messages for
    the channels each has chosen; with `units`, also to those units' group robots."""
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
    # Each channel's link goes straight to the item; a WeCom or DingTalk message's link
    # goes through that app's sign-in, so it opens signed in inside the app.
    text = _plain(title, body, entry_link("", url))
    app_text = {Channel.WECOM: _plain(title, body, entry_link(Provider.WECOM, url)),
                Channel.DINGTALK: _plain(title, body, entry_link(Provider.DINGTALK, url))}
    messages = []
    for user, note in zip(people, made):
        pref = prefs.get(user.pk)
        if pref is None:
            continue
        personal = {"subject": title, "source": "notification", "source_id": note.pk}
        if pref.email and user.email:
            messages.append(outbox.message(Channel.EMAIL, user.email, text, **personal))
        if pref.wecom_url:
            messages.append(outbox.message(Channel.WECOM, pref.wecom_url, app_text[Channel.WECOM], **personal))
        if pref.dingtalk_url:
            messages.append(outbox.message(Channel.DINGTALK, pref.dingtalk_url, app_text[Channel.DINGTALK], **personal))
    unit_ids = [u if isinstance(u, int) else u.pk for u in units]
    if unit_ids:
        for robot in UnitRobot.objects.filter(unit_id__in=unit_ids, active=True):
            messages.append(outbox.message(robot.channel, robot.url, app_text[robot.channel], subject=title,
                                           source="unit_robot", source_id=robot.pk))
    outbox.enqueue(messages)
    return made


def mark_read(user, ids: Iterable[int] | None = None) -> int:
    """Marks the user's notifications read (all unread ones when `ids` is None)."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())
