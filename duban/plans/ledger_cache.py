"""The rendered ledger (its body, or the htmx results part) kept in the cache.

Building a ledger page costs tens of milliseconds of Python (queries built, rows,
status lights, filter form, template); the same page is asked for over and over with
no change in between. A page is cached under:

- who may see what: "all" (office, leaders) or the unit of a unit's people — what
  ``Task.objects.visible_to`` depends on; a unit never gets another unit's page;
- the request: the path's query string, normalised (every parameter, sorted), and
  whether it is the whole body or the htmx results part (and whether htmx asked);
- the date (the lights, overdue marks and status filters are as of today);
- the data version (duban.lib.dataversion): a token the database changes on every
  write to the task data, read on each request, so a cached page is never served
  after a change, whichever process or command made it.

The whole page around a cached body (navigation bar, the viewer's name, the unread
count, the CSRF token) is cached too, per viewer: under the body's key plus the
person's id and displayed identity, their unread count (read on each request) and their
CSRF secret, so a page is only ever served back to the browser it was made for. A
request with messages waiting to be shown is never served from (or stored in) it.

The cache (settings CACHES, per process by default) needs no invalidation of its own:
a change makes a new key, old entries age out. ``LEDGER_CACHE_SECONDS = 0`` in
settings turns it off.
"""
from __future__ import annotations

import datetime as dt
import hashlib

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.middleware.csrf import get_token

from duban.lib import dataversion

DEFAULT_SECONDS = 600


def seconds() -> int:
    return getattr(settings, "LEDGER_CACHE_SECONDS", DEFAULT_SECONDS)


def scope(user) -> str | None:
    """What the person's task list depends on (as Task.objects.visible_to), or None
    for anyone else (nothing cached)."""
    if user.sees_all_tasks:
        return "all"
    if user.is_unit_person and user.unit_id:
        return f"unit{user.unit_id}"
    return None


def key(request, *, as_of: dt.date, partial: bool, name: str = "ledger", version: str | None = None) -> str | None:
    """The cache key of this request's ledger, or None when it must not be cached.
    Other pages built the same way (the dashboards) pass their own ``name``; a
    ``version`` given replaces the current data version (the dashboards' "latest")."""
    if not seconds():
        return None
    who = scope(request.user)
    if who is None:
        return None
    version = version or dataversion.current()
    if version is None:
        return None
    query = sorted((k, v) for k, values in request.GET.lists() for v in values)
    digest = hashlib.sha256(repr(query).encode()).hexdigest()[:32]
    # An htmx history restore gets the whole body, which then carries the htmx extras.
    kind = "results" if partial else ("body-htmx" if request.htmx else "body")
    return f"{name}:{who}:{kind}:{as_of.isoformat()}:{version}:{digest}"


def page_key(request, body_key: str | None) -> str | None:
    """The key of the whole page around the body cached under ``body_key``, for this
    viewer, or None when the page must be rendered (no body key, or messages to show)."""
    if body_key is None or len(messages.get_messages(request)):
        return None
    from duban.notifications.context_processors import unread_count

    user = request.user
    get_token(request)  # the page carries the token; this also keeps the cookie fresh
    identity = repr((user.pk, str(user), user.role, user.unit_id, user.leader_id, unread_count(user),
                     request.META.get("CSRF_COOKIE")))
    return f"ledger-page:{body_key}:{hashlib.sha256(identity.encode()).hexdigest()[:32]}"


def get(cache_key: str | None) -> str | None:
    return cache.get(cache_key) if cache_key else None


def put(cache_key: str | None, html: str) -> None:
    if cache_key:
        cache.set(cache_key, str(html), seconds())
