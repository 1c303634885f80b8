"""The sign-in backend: Django's ModelBackend, with the person behind a session read
by one plain SELECT.

Every signed-in request loads its user. ModelBackend does it with a QuerySet whose
SQL is compiled afresh each time, which costs more CPU than the query itself; here the
statement is built once per process and the row goes through the same model
construction (RawQuerySet: field conversions, ``from_db``) as any ORM read. The rules
stay ModelBackend's: an inactive account gets no user.
"""
from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db import connections, router

_SQL: dict[str, str] = {}


def _select_by_pk(alias: str, model) -> str:
    sql = _SQL.get(alias)
    if sql is None:
        qn = connections[alias].ops.quote_name
        columns = ", ".join(qn(f.column) for f in model._meta.concrete_fields)
        sql = f"SELECT {columns} FROM {qn(model._meta.db_table)} WHERE {qn(model._meta.pk.column)} = %s"
        _SQL[alias] = sql
    return sql


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        model = get_user_model()
        try:
            pk = model._meta.pk.to_python(user_id)
        except Exception:  # a damaged session value: nobody
            return None
        alias = router.db_for_read(model)
        rows = list(model._default_manager.db_manager(alias).raw(_select_by_pk(alias, model), [pk]))
        if not rows:
            return None
        user = rows[0]
        return user if self.user_can_authenticate(user) else None
