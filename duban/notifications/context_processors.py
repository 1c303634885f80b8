"""The unread count for the navigation bar (收件箱 (3))."""
from __future__ import annotations


def unread(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def count() -> int:
        from .models import Notification

        return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

    # Lazy: pages that never show the nav never run the query; the template caches it.
    from django.utils.functional import SimpleLazyObject

    return {"unread_count": SimpleLazyObject(count)}
