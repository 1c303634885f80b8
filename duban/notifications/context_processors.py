"""The unread count for the navigation bar (收件箱 (3))."""
from __future__ import annotations

from django.db import connection
from django.utils.functional import SimpleLazyObject

from .models import Notification


def unread_count(user) -> int:
    """How many of the person's notifications are unread. On every page with the
    navigation bar, so one plain COUNT statement (no query built by the ORM)."""
    meta = Notification._meta
    qn = connection.ops.quote_name
    sql = (
        f"SELECT COUNT(*) FROM {qn(meta.db_table)} WHERE {qn(meta.get_field('recipient').column)} = %s "
        f"AND {qn(meta.get_field('read_at').column)} IS NULL"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk])
        return cursor.fetchone()[0]


def unread(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    # Lazy: pages that never show the nav never run the query; the template caches it.

    return {"unread_count": SimpleLazyObject(lambda: unread_count(user))}
