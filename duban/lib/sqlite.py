"""Start-up check that SQLite runs the way SECURITY.md requires.

A misplaced OPTIONS block is silently ignored by Django, so every new SQLite
connection verifies WAL mode and the busy timeout and refuses to run otherwise.
"""
from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured


def check_sqlite_connection(sender, connection, **kwargs) -> None:
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
        cursor.execute("PRAGMA busy_timeout")
        timeout = cursor.fetchone()[0]
    name = str(connection.settings_dict.get("NAME", ""))
    in_memory = name in ("", ":memory:") or "mode=memory" in name
    if (mode.lower() != "wal" and not in_memory) or int(timeout) < 1000:
        raise ImproperlyConfigured(
            f"SQLite must run in WAL mode with a busy timeout (got journal_mode={mode}, busy_timeout={timeout})"
        )
