"""Serving the last copy of a dashboard while a new one is built (stale while rebuilding).

A dashboard page sums up every task: over 100,000 tasks and a million reports a new
copy takes seconds to build, and every write to the task data (a report saved) calls
for a new copy. Rather than keep the person who asks first after a write waiting for
it, a page whose copy for the current data version is missing is answered with the
latest copy built for the same scope and query (the body, keyed as
``ledger_cache.key`` with the version "latest"), as long as that copy is at most
``DASHBOARD_STALE_SECONDS`` old; one thread builds the new copy meanwhile. The page
then says when its figures were taken and that new figures are on the way
(``dashboards/_stale.html``). No copy, or one too old: the page is built while the
person waits, as before.

One build at a time per page, across processes and servers: a page waiting for its
build or being built holds a lock in the cache (``cache.add``) until it is done or
``LOCK_SECONDS`` pass (a builder whose process was stopped frees it then). Each process
builds one page at a time, in one thread (``rebuild_in_background``).

``DASHBOARD_STALE_SECONDS = 0`` serves only copies of the current data version (the
tests of figures run that way; duban/conftest.py).
"""
from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.utils import timezone

from duban.plans import ledger_cache

log = logging.getLogger(__name__)

DEFAULT_STALE_SECONDS = 120
LOCK_SECONDS = 300


def stale_seconds() -> int:
    return getattr(settings, "DASHBOARD_STALE_SECONDS", DEFAULT_STALE_SECONDS)


@dataclass
class Copy:
    """A page body as built, with when it was built (epoch seconds)."""

    html: str
    built_at: float

    @property
    def age(self) -> float:
        return max(0.0, time.time() - self.built_at)

    @property
    def built_at_local(self) -> dt.datetime:
        return timezone.localtime(dt.datetime.fromtimestamp(self.built_at, tz=dt.timezone.utc))


def store(body_key: str | None, latest_key: str | None, html: str) -> None:
    """Keeps a body just built under its data version's key and as the latest copy."""
    ledger_cache.put(body_key, html)
    if latest_key:
        cache.set(latest_key, Copy(str(html), time.time()), max(stale_seconds(), ledger_cache.seconds()))


def latest(latest_key: str | None) -> Copy | None:
    """The latest copy when it may still be shown (not older than the setting)."""
    if not latest_key or not stale_seconds():
        return None
    copy = cache.get(latest_key)
    if not isinstance(copy, Copy) or copy.age > stale_seconds():
        return None
    return copy


def rebuild_in_background(latest_key: str, work) -> bool:
    """Has `work()` (which builds and stores the page) run by this process's builder
    thread, unless a build of the same page is under way or waiting somewhere; True
    when this call asked for one.

    One builder thread per process, taking the pages in the order asked: after a write
    every page asked for wants a new copy, and as many threads at once would share the
    interpreter with the requests being answered and slow them all down."""
    lock_key = f"{latest_key}:building"
    if not cache.add(lock_key, 1, LOCK_SECONDS):
        return False
    global _builder
    with _queue_lock:
        _queue[latest_key] = work
        if _builder is None:
            _builder = threading.Thread(target=_build_queued, name="dashboard-rebuild", daemon=True)
            _builder.start()
    return True


_queue: dict[str, object] = {}  # latest key → its build, in the order asked
_queue_lock = threading.Lock()
_builder: threading.Thread | None = None


def _build_queued() -> None:
    global _builder
    try:
        while True:
            with _queue_lock:
                if not _queue:
                    _builder = None  # under the lock: the next request starts a new thread
                    return
                latest_key = next(iter(_queue))
                work = _queue.pop(latest_key)
            try:
                work()
            except Exception:  # noqa: BLE001 - a failed build leaves the old copy; the next request builds
                log.exception("dashboard rebuild failed: %s", latest_key)
            finally:
                cache.delete(f"{latest_key}:building")
    finally:
        connections.close_all()  # this thread's connections only
