"""Reading many rows fast: the shared query helpers of the status facts
(duban.status.facts) and the indicators (duban.status.forecast).

``filtered(qs, field, tasks)`` restricts a queryset to some tasks (one subquery for a
queryset, id chunks within SQLite's parameter limit for ids); ``rows(qs, *fields)``
streams ``values_list`` rows straight from the cursor, skipping Django's per-value
converters; ``Dates`` turns the raw values (text on SQLite) into dates, cached.
"""
from __future__ import annotations

import datetime as dt

from django.db import connections
from django.db.models import QuerySet
from django.utils import timezone


def chunks(ids: list[int], size: int = 5000):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def filtered(qs, field_name: str, tasks):
    """Yields querysets of `qs` restricted to `tasks`: one subquery when `tasks` is a
    queryset, id chunks (within SQLite's parameter limit) otherwise."""
    if isinstance(tasks, QuerySet):
        if tasks.model is qs.model and field_name == "pk":
            yield tasks
        elif not tasks.query.where and not tasks.query.is_sliced:
            yield qs  # every task: no filter needed
        else:
            yield qs.filter(**{f"{field_name}__in": tasks.values("pk")})
    else:
        for chunk in chunks(list(tasks)):
            yield qs.filter(**{f"{field_name}__in": chunk})


def rows(qs, *fields):
    """The rows of ``qs.values_list(*fields)`` straight from the database cursor: the
    SQL is the ORM's, but Django's per-value converters are skipped (on SQLite dates
    come back as text; ``Dates`` turns them into dates, cached)."""
    sql, params = qs.values_list(*fields).query.sql_with_params()
    with connections[qs.db].cursor() as cursor:
        cursor.execute(sql, params)
        while True:
            chunk = cursor.fetchmany(20000)
            if not chunk:
                return
            yield from chunk


class Dates:
    """Text → date conversions with a cache (a few hundred distinct dates cover
    100,000 tasks). Datetimes become local dates with the zone's offset for the
    as-of date (Asia/Shanghai has no daylight saving)."""

    def __init__(self, as_of: dt.date):
        tz = timezone.get_current_timezone()
        self.tz = tz
        self.offset = dt.datetime(as_of.year, as_of.month, as_of.day, 12, tzinfo=tz).utcoffset() or dt.timedelta()
        self.dates: dict = {}
        self.hours: dict = {}

    def date(self, v):
        if v is None or type(v) is dt.date:
            return v
        got = self.dates.get(v)
        if got is None:
            got = self.dates[v] = dt.date.fromisoformat(str(v)[:10])
        return got

    def local_date(self, v):
        """A stored UTC moment (text on SQLite, aware datetime elsewhere) as a local date."""
        if v is None:
            return None
        if isinstance(v, dt.datetime):
            if v.tzinfo is not None and v.utcoffset():
                return v.astimezone(self.tz).date()
            # A UTC moment (naive from SQLite's converter, or aware in UTC from
            # PostgreSQL): its date and hour decide the local date, as for text.
            key = (v.year, v.month, v.day, v.hour)
            got = self.hours.get(key)
            if got is None:
                got = self.hours[key] = (dt.datetime(v.year, v.month, v.day, v.hour) + self.offset).date()
            return got
        key = v[:13]  # date and hour decide the local date for whole-hour offsets
        got = self.hours.get(key)
        if got is None:
            got = self.hours[key] = (dt.datetime.fromisoformat(v[:19]) + self.offset).date()
        return got
