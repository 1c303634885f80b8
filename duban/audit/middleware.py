"""Keeps the current request's source address where `record()` can read it."""
from __future__ import annotations

import contextvars

_address: contextvars.ContextVar[str | None] = contextvars.ContextVar("duban_address", default=None)


def current_address() -> str | None:
    return _address.get()


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _address.set(request.META.get("REMOTE_ADDR"))
        try:
            return self.get_response(request)
        finally:
            _address.reset(token)
