"""Request throttling (issue 14 §6): sign-ins per address and per account, API requests
per account and per address, refused API tokens per address — each counted per minute
in the database (``RateCount``), so every application server sees the same count.
The limits are the security policy's (duban.security.models.SecurityPolicy).

`hit()` counts a request and says whether it is within the limit; `over()` only
looks (for refused tokens: the check comes before the token is looked up, the count
after it was refused). A request over the limit is refused before any password or
token is checked, and the refusal is counted in the audit log (duban.audit.refusals).
"""
from __future__ import annotations

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from .models import RateCount

SIGN_IN_ADDRESS = "signin_addr"
SIGN_IN_ACCOUNT = "signin_acct"
API_ACCOUNT = "api_acct"
API_ADDRESS = "api_addr"
TOKEN_FAILURES = "token_fail"
KEEP_MINUTES = 10  # windows older than this are removed as new ones start


def _window(now=None):
    return (now or timezone.now()).replace(second=0, microsecond=0)


def seconds_left(now=None) -> int:
    """Seconds until the current window ends (for Retry-After)."""
    now = now or timezone.now()
    return max(1, 60 - now.second)


def hit(scope: str, key: str, limit: int, now=None) -> bool:
    """Count one request of `key` in `scope`; True while the count is within `limit`."""
    window = _window(now)
    key = (key or "")[:200]
    with transaction.atomic():
        rows = RateCount.objects.filter(scope=scope, key=key, window=window)
        if not rows.update(count=F("count") + 1):
            try:
                with transaction.atomic():
                    RateCount.objects.create(scope=scope, key=key, window=window, count=1)
            except IntegrityError:  # another server counted the first one
                rows.update(count=F("count") + 1)
            else:
                RateCount.objects.filter(window__lt=window - timedelta(minutes=KEEP_MINUTES)).delete()
                return 1 <= limit
        return rows.values_list("count", flat=True).get() <= limit


def over(scope: str, key: str, limit: int, now=None) -> bool:
    """True when `key` has already reached `limit` in the current minute."""
    count = RateCount.objects.filter(scope=scope, key=(key or "")[:200], window=_window(now)).values_list(
        "count", flat=True).first()
    return (count or 0) >= limit
