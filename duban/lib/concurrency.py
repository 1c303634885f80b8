"""No lost updates: a change is written only if the row is still what the person saw.

Two ways, both correct on SQLite and PostgreSQL alike (SECURITY.md, traps: a plain
``select_for_update()`` does nothing on SQLite):

- A row with a ``version`` column (milestones, reports): ``update_if_version()`` is
  one conditional ``UPDATE … SET version = version + 1 … WHERE version = <seen>``; a
  row count other than 1 means someone else wrote first. No lock is held.
- A row without one (the settings rows, accounts, coordination items): the form carries
  ``fingerprint()`` of the values it showed; inside the saving transaction
  ``lock()`` reads the row again under a lock (``SELECT … FOR UPDATE`` on PostgreSQL;
  on SQLite every transaction is IMMEDIATE, so it already holds the database's write
  lock) and ``check_fingerprint()`` refuses when the values changed meanwhile.

The refusal is the caller's exception (it names the object in Chinese and carries
the row as it is now, to show the other person's values beside the refused input);
views answer it with HTTP 409.
"""
from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Any, Iterable

from django import forms
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F, Model, QuerySet
from django.utils import timezone


def update_if_version(queryset: QuerySet, version: int, **values) -> bool:
    """``UPDATE … SET version = version + 1, <values> WHERE <queryset> AND version =
    <version>``; True when exactly one row was changed."""
    return queryset.filter(version=version).update(version=F("version") + 1, **values) == 1


def fingerprint_values(values: dict[str, Any]) -> str:
    """A short digest of plain values (what a form showed)."""
    text = json.dumps(values, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def fingerprint(obj: Model | None, fields: Iterable[str]) -> str:
    """The digest of `fields` of `obj` as stored (foreign keys by id); of nothing for None."""
    if obj is None:
        return fingerprint_values({})
    values = {}
    for name in fields:
        value = getattr(obj, obj._meta.get_field(name).attname)
        if isinstance(value, Decimal):  # 60 as set and 60.0 as read back are one value
            value = format(value.normalize(), "f")
        values[name] = value
    return fingerprint_values(values)


def lock(queryset: QuerySet) -> QuerySet:
    """The queryset read under a row lock; must run inside transaction.atomic()."""
    if not transaction.get_connection(queryset.db).in_atomic_block:
        raise RuntimeError("lock() must be used inside transaction.atomic()")
    # The row alone, never joined rows: when PostgreSQL waits for another transaction's
    # lock it re-reads only the locked row afterwards, so a select_related() row would
    # still be the one from before the wait (a stale "updated_by"). Read related rows
    # lazily after the lock instead.
    if queryset.query.select_related:
        raise RuntimeError("lock() reads the row alone: use select_related() after the lock, not with it")
    return queryset.select_for_update(of=("self",))


def check_fingerprint(obj: Model | None, fields: Iterable[str], seen: str | None) -> bool:
    """True when `obj` (read under lock()) still has the values the form showed.
    A form without a fingerprint (an old page) is let through: nothing to compare."""
    return not seen or fingerprint(obj, fields) == seen


# --- forms: the fingerprint travels in a hidden field; a refusal shows both sides ---------

class StaleEdit(Exception):
    """Refused: the row changed since the form showed it. `current` is the row as it is
    now saved; `by` and `at` say who saved it last and when, when known."""

    def __init__(self, what: str, current=None, *, by: str = "", at=None):
        self.what, self.current, self.by, self.at = what, current, by, at
        who = f"已被{by}" if by else "已被他人"
        when = f"于 {timezone.localtime(at):%Y-%m-%d %H:%M:%S} " if at else ""
        super().__init__(f"保存未成功：您打开页面后，{what}{who}{when}修改。请对照下方对方保存的内容，确认后重新提交。")


def fingerprint_field(required: bool = True) -> forms.CharField:
    """The hidden field carrying fingerprint(); a page of the application always sends
    it (`required=False` only where older clients must still be served)."""
    return forms.CharField(widget=forms.HiddenInput, required=required,
                           error_messages={"required": "页面缺少版本信息，请刷新页面后重试"})


def _shown(model_field, value) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if getattr(model_field, "choices", None):
        return str(dict(model_field.flatchoices).get(value, value))
    return str(value)


def stale_rows(form: forms.Form, current, fields: Iterable[str]) -> list[tuple[str, str, str]]:
    """(label, their saved value, the refused input) for every field where they differ."""
    rows = []
    data = getattr(form, "cleaned_data", {}) or {}
    for name in fields:
        model_field = current._meta.get_field(name)
        theirs = _shown(model_field, getattr(current, name))
        yours = _shown(model_field, data.get(name)) if name in data else "—"
        if theirs != yours:
            label = form.fields[name].label if name in form.fields else model_field.verbose_name
            rows.append((str(label), theirs, yours))
    return rows


def rebase(form: forms.Form, current, fields: Iterable[str], name: str = "fingerprint") -> None:
    """After a refusal: the form keeps the person's input but now carries the fingerprint
    of the saved row, so submitting again is a deliberate overwrite of what they saw."""
    form.data = form.data.copy()
    form.data[form.add_prefix(name)] = fingerprint(current, fields)
