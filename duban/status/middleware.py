"""Every request sees the statuses of today: when the daily job has not recomputed
them for today yet (just after midnight, or a new database), the first request does
(duban.status.store.ensure_current); otherwise this costs one single-row read.
Signed-in requests only."""
from __future__ import annotations

from .store import ensure_current


class CurrentStatusMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Signed-in people only: a sign-in page or a health check never starts the
        # recomputation (the API, signed in by token in its views, asks there).
        if getattr(request, "user", None) is not None and request.user.is_authenticated:
            ensure_current()
        return self.get_response(request)
