"""Signed-in sessions: start, end, end everywhere; idle and absolute limits are
enforced by middleware.SessionPolicyMiddleware."""
from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.utils import timezone

from duban.audit.middleware import client_address

from .models import UserSession

STARTED = "duban_started"  # epoch seconds of sign-in
SEEN = "duban_seen"  # epoch seconds of the last request


def _store(session_key: str):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key=session_key)


def start_session(request, user, *, backend: str | None = None) -> None:
    """Sign the person in (new session key) and list the session under them."""
    auth_login(request, user, backend=backend)
    now = timezone.now().timestamp()
    request.session[STARTED] = now
    request.session[SEEN] = now
    request.session.save()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={"user": user, "address": client_address(request),
                  "user_agent": request.META.get("HTTP_USER_AGENT", "")[:200]},
    )


def end_session(request) -> None:
    """Sign out: the session row is deleted (flush), not just emptied."""
    key = request.session.session_key
    if key:
        UserSession.objects.filter(session_key=key).delete()
    auth_logout(request)


def end_other_sessions(user, *, keep: str | None = None) -> int:
    """Delete every session of this person except `keep`. Returns how many ended."""
    n = 0
    for us in list(UserSession.objects.filter(user=user).exclude(session_key=keep or "")):
        _store(us.session_key).delete()
        us.delete()
        n += 1
    return n


def live_sessions(user):
    """The person's sessions that still exist in the session store."""
    out = []
    for us in UserSession.objects.filter(user=user):
        if _store(us.session_key).exists(us.session_key):
            out.append(us)
        else:
            us.delete()
    return out
