"""Sessions in the database (Django's db engine), read by one plain SELECT.

Sessions stay rows of django_session, so every application server sees a sign-out,
an idle expiry or "sign out everywhere" at once, with no cache to invalidate. Only the
read on each request differs from Django's engine: one prepared statement instead of
a QuerySet compiled anew per request; its conditions are the engine's own (this key,
not expired).
"""
from __future__ import annotations

from django.contrib.sessions.backends import db
from django.db import connections, router
from django.utils import timezone


class SessionStore(db.SessionStore):
    def _get_session_from_db(self):
        model = self.model
        alias = router.db_for_read(model)
        connection = connections[alias]
        qn = connection.ops.quote_name
        meta = model._meta
        sql = (
            f"SELECT {qn(meta.get_field('session_data').column)} FROM {qn(meta.db_table)} "
            f"WHERE {qn(meta.get_field('session_key').column)} = %s "
            f"AND {qn(meta.get_field('expire_date').column)} > %s"
        )
        now = connection.ops.adapt_datetimefield_value(timezone.now())
        with connection.cursor() as cursor:
            cursor.execute(sql, [self.session_key, now])
            row = cursor.fetchone()
        if row is None:
            self._session_key = None
            return None
        return model(session_key=self.session_key, session_data=row[0])
