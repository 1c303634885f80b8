"""Reading many rows fast: the shared query helpers of the status facts
(duban.status.facts), the indicators (duban.status.forecast) and the dashboards'
counts over every task in scope (duban.dashboards).

``filtered(qs, field, tasks)`` restricts a queryset to some tasks (one subquery for a
queryset, id chunks within SQLite's parameter limit for ids); ``rows(qs, *fields)``
streams ``values_list`` rows straight from the cursor, skipping Django's per-value
converters; ``Dates`` turns the raw values (text on SQLite) into dates, cached.
``select`` / ``task_rows`` run the small queries of one action (a task's facts) from
SQL built and compiled once, with the ids bound in their places.
"""
from __future__ import annotations

import datetime as dt

from django.core.exceptions import EmptyResultSet
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
    SQL is the ORM's, but Django's per-value converters are skipped. Date and datetime
    columns still arrive as Python values (on SQLite the driver's converters, which
    Django registers, parse the declared types: datetimes naive in UTC); a value
    computed in SQL comes back as text, and ``Dates`` takes either, cached."""
    try:
        sql, params = qs.values_list(*fields).query.sql_with_params()
    except EmptyResultSet:  # an empty id list: no rows, no query
        return
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


# --- the same small query again and again ---------------------------------------------

SMALL = 16  # up to this many ids, `select` runs SQL compiled once
_SENTINEL = -7_300_000_000_000  # ids no table holds, marking where the ids go
_compiled: dict[tuple, tuple[str, list, list[int | None]]] = {}


def select(key, make, ids, *fields, using: str = "default"):
    """The rows of ``make(ids).values_list(*fields)`` (as ``rows`` gives them) for a
    short list of ids, the queryset built and compiled to SQL once per `key`, number
    of ids and database, then run again with other ids bound in their places.

    What an action recomputes is one task's status: a dozen small queries, where
    Django spends ten times as long building and compiling each one as the database
    spends running it (``bench/status.py``: 6.6 ms against 0.4 ms at 100,000 tasks).
    `key` must name everything but the ids that ``make`` puts in the query (an as-of
    date, say): the SQL made for one key is reused for every call with that key."""
    ids = list(ids)
    if len(ids) > SMALL:
        yield from rows(make(ids), *fields)
        return
    connection = connections[using]
    cache_key = (connection.vendor, connection.settings_dict["NAME"], key, len(ids), fields)
    got = _compiled.get(cache_key)
    if got is None:
        marks = [_SENTINEL - i for i in range(len(ids))]
        try:
            sql, params = make(marks).values_list(*fields).query.sql_with_params()
        except EmptyResultSet:  # a condition no row meets (an empty IN list): no rows, no SQL
            return
        params = list(params)
        slots = [(_SENTINEL - p) if type(p) is int and _SENTINEL - len(ids) < p <= _SENTINEL else None
                 for p in params]
        if sorted(s for s in slots if s is not None) != list(range(len(ids))):
            yield from rows(make(ids), *fields)  # the ids did not land as plain parameters
            return
        if len(_compiled) > 512:
            _compiled.clear()
        got = _compiled[cache_key] = (sql, params, slots)
    sql, params, slots = got
    bound = [p if s is None else ids[s] for p, s in zip(params, slots)]
    with connection.cursor() as cursor:
        cursor.execute(sql, bound)
        yield from cursor.fetchall()


def task_rows(key, base, field_name: str, tasks, *fields):
    """The rows (as ``rows`` gives them) of the queryset ``base()`` restricted to
    `tasks` by `field_name` (see ``filtered``): through ``select`` for a short list of
    ids, so an action's recompute runs SQL compiled before; `key` as for ``select``."""
    if not isinstance(tasks, QuerySet) and not tasks:
        return
    if not isinstance(tasks, QuerySet) and len(tasks) <= SMALL:
        yield from select(key, lambda ids: base().filter(**{f"{field_name}__in": ids}), tasks, *fields)
        return
    for qs in filtered(base(), field_name, tasks):
        yield from rows(qs, *fields)
