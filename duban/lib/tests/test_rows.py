"""``lib.rows.select``: a short query compiled once per key and run again with other
ids bound gives exactly what the ORM gives, for every id list, on both databases."""
from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from duban.lib import rows as rows_module
from duban.lib.rows import SMALL, select, task_rows

pytestmark = pytest.mark.django_db


@pytest.fixture
def groups():
    return [Group.objects.create(name=f"组{i:02d}") for i in range(SMALL + 4)]


def orm(ids):
    return sorted(Group.objects.filter(pk__in=ids).values_list("pk", "name"))


def test_the_sql_is_built_once_per_key_and_size_and_later_ids_are_bound_in_its_place(groups):
    built = []

    def make(ids):
        built.append(list(ids))
        return Group.objects.filter(pk__in=ids).order_by("pk")

    key = ("test.groups", object())  # a key no other test uses
    first, second = [groups[0].pk], [groups[5].pk]
    assert sorted(select(key, make, first, "pk", "name")) == orm(first)
    assert sorted(select(key, make, second, "pk", "name")) == orm(second)  # not the first's row again
    assert len(built) == 1 and all(pk < 0 for pk in built[0])  # compiled once, with marks for the ids

    three = [g.pk for g in groups[2:5]]
    assert sorted(select(key, make, three, "pk", "name")) == orm(three)
    assert len(built) == 2  # another number of ids: other SQL


def test_a_missing_id_gives_no_row_and_a_long_list_takes_the_plain_query(groups):
    key = ("test.groups.long", object())
    make = lambda ids: Group.objects.filter(pk__in=ids)  # noqa: E731
    assert list(select(key, make, [groups[-1].pk + 1000], "pk")) == []
    every = [g.pk for g in groups]
    assert len(every) > SMALL
    assert sorted(select(key, make, every, "pk", "name")) == orm(every)
    assert sorted(task_rows(key, Group.objects.order_by, "pk", every, "pk", "name")) == orm(every)
    assert sorted(task_rows(key, Group.objects.order_by, "pk", every[:2], "pk", "name")) == orm(every[:2])


def test_no_ids_give_no_rows(groups):
    key = ("test.groups.none", object())
    assert list(select(key, lambda ids: Group.objects.filter(pk__in=ids), [], "pk")) == []
    assert list(task_rows(key, Group.objects.order_by, "pk", [], "pk")) == []


def test_rows_reads_what_the_orm_reads_and_an_empty_id_list_reads_nothing(groups):
    some = [g.pk for g in groups[:3]]
    assert sorted(rows_module.rows(Group.objects.filter(pk__in=some), "pk", "name")) == orm(some)
    assert list(rows_module.rows(Group.objects.filter(pk__in=[]), "pk", "name")) == []


def test_other_parameters_stay_as_they_were_compiled_and_the_key_must_name_them(groups):
    """The name filter is part of the SQL made for the key: a different filter needs
    a different key (here the prefix is in it)."""
    ids = [g.pk for g in groups[:3]]
    for prefix in ("组00", "组01"):
        got = list(select(("test.groups.prefix", prefix),
                          lambda ids, prefix=prefix: Group.objects.filter(pk__in=ids, name__startswith=prefix),
                          ids, "name"))
        assert got == [(prefix,)]


def test_the_cache_is_bounded(groups, monkeypatch):
    monkeypatch.setattr(rows_module, "_compiled", {})
    for i in range(600):
        list(select(("test.groups.many", i), lambda ids: Group.objects.filter(pk__in=ids), [groups[0].pk], "pk"))
    assert len(rows_module._compiled) <= 513
