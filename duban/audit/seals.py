"""Seals on records that must not change unseen: accepted reports, report versions and
督办单 (the same kind of keyed hash as the audit chain, HMAC-SM3 with a key outside the
database; see duban.lib.crypto).

A sealed model inherits `Sealed` and says what its seal covers (`sealed_content`, a
dict of plain values read from the database) and when a seal is due
(`seal_due`). The action that brings a record to a sealed state calls `seal(obj)`; any
change made outside the application afterwards (an UPDATE in the database, a restored
copy edited by hand) leaves the stored seal unmatched, which the record's page shows
and `duban verify_audit` reports. Every sealed model is found through the app
registry, so this module imports none of them.
"""
from __future__ import annotations

import datetime as dt
import decimal
import json
from dataclasses import dataclass
from typing import Any, Iterator

from django.apps import apps
from django.db import models
from django.utils import timezone

from duban.lib import crypto

PURPOSE = "seal"


class Sealed(models.Model):
    """A model whose rows carry a seal. Subclasses implement `sealed_content` (and
    `seal_due` when only some states are sealed)."""

    seal = models.CharField("防篡改校验值", max_length=80, blank=True, editable=False)

    class Meta:
        abstract = True

    def sealed_content(self) -> dict:
        raise NotImplementedError

    def seal_due(self) -> bool:
        """Whether this row must carry a valid seal in its current state."""
        return True

    @classmethod
    def seal_due_rows(cls) -> models.QuerySet:
        """The rows `seal_due` is true of (what the integrity check reads)."""
        return cls._base_manager.all()

    @property
    def seal_state(self) -> str:
        """``ok``, ``broken`` (sealed, but the content no longer matches), ``missing``
        (a seal is due and there is none) or ``none`` (no seal is due)."""
        return state_of(self)

    @property
    def seal_broken(self) -> bool:
        return self.seal_state in ("broken", "missing")


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value, dt.timezone.utc)
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(v) for v in value]
    return value


def _body(label: str, pk: Any, content: dict) -> bytes:
    """What a seal covers: the model and the row (so a seal cannot be moved to another)
    and the content, as JSON with one spelling for every value."""
    return json.dumps([label, str(pk), _plain(content)], ensure_ascii=False, sort_keys=True,
                      separators=(",", ":")).encode()


def seal_of(label: str, pk: Any, content: dict) -> str:
    return crypto.mac(_body(label, pk, content), PURPOSE)


def _label(model) -> str:
    return model._meta.label_lower


def seal(obj: Sealed) -> str:
    """Seals `obj` as the database holds it now (read again, so the seal covers exactly
    what a later check will read); returns the seal."""
    model = type(obj)
    fresh = model._base_manager.get(pk=obj.pk)
    value = seal_of(_label(model), obj.pk, fresh.sealed_content())
    model._base_manager.filter(pk=obj.pk).update(seal=value)
    obj.seal = value
    return value


def seal_rows(rows) -> int:
    """Seals every row of `rows` (a queryset or a list); returns how many."""
    n = 0
    for obj in rows:
        seal(obj)
        n += 1
    return n


def seal_historical(model, rows, content) -> int:
    """For migrations: seals `rows` of a historical `model`, whose content is
    `content(row)` (the model's own sealed_content is not there)."""
    n = 0
    for obj in rows:
        model._base_manager.filter(pk=obj.pk).update(seal=seal_of(_label(model), obj.pk, content(obj)))
        n += 1
    return n


def state_of(obj: Sealed) -> str:
    if not obj.seal_due():
        return "none"
    if not obj.seal:
        return "missing"
    ok = crypto.verify_mac(_body(_label(type(obj)), obj.pk, obj.sealed_content()), obj.seal, PURPOSE)
    return "ok" if ok else "broken"


def sealed_models() -> list[type[Sealed]]:
    return [m for m in apps.get_models() if issubclass(m, Sealed)]


@dataclass
class BrokenSeal:
    model: str
    pk: Any
    name: str
    state: str

    def __str__(self) -> str:
        what = "内容与防篡改校验值不符（被改动）" if self.state == "broken" else "应有防篡改校验值而没有（被改动或插入）"
        return f"{self.model}“{self.name}”（编号{self.pk}）：{what}"


def broken_seals() -> Iterator[BrokenSeal]:
    """Every sealed row whose seal is due and does not match, model by model."""
    for model in sealed_models():
        for obj in model.seal_due_rows().order_by("pk").iterator(chunk_size=500):
            state = state_of(obj)
            if state in ("broken", "missing"):
                yield BrokenSeal(str(model._meta.verbose_name), obj.pk, str(obj), state)


def count_due() -> int:
    return sum(m.seal_due_rows().count() for m in sealed_models())
