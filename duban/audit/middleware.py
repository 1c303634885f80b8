"""Keeps the current request's source address where `record()` can read it."""
from __future__ import annotations

import contextvars
import ipaddress

from django.conf import settings

_address: contextvars.ContextVar[str | None] = contextvars.ContextVar("duban_address", default=None)


def current_address() -> str | None:
    return _address.get()


def _valid(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The client's address. Behind a reverse proxy listed in DUBAN_TRUSTED_PROXIES,
    the right-most X-Forwarded-For entry that is not itself a trusted proxy; otherwise
    REMOTE_ADDR (a client cannot forge it by sending the header)."""
    remote = _valid(request.META.get("REMOTE_ADDR", "") or "")
    trusted = set(getattr(settings, "DUBAN_TRUSTED_PROXIES", []))
    if remote is None or remote not in trusted:
        return remote
    hops = [h for h in (request.META.get("HTTP_X_FORWARDED_FOR", "") or "").split(",") if h.strip()]
    for hop in reversed(hops):
        addr = _valid(hop)
        if addr is None:
            return remote
        if addr not in trusted:
            return addr
    return remote


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _address.set(client_address(request))
        try:
            return self.get_response(request)
        finally:
            _address.reset(token)
