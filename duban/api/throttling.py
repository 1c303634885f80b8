"""API request throttling (issue 14 §6): per account and per source address, the
security policy's `api_per_minute`, counted in the database for every application
server (duban.security.throttle). A request over the limit answers 429 with
Retry-After, and the refusal is counted in the audit log."""
from __future__ import annotations

from rest_framework.throttling import BaseThrottle

from duban.audit import refusals
from duban.audit.middleware import client_address
from duban.audit.models import Refusal
from duban.security import throttle
from duban.security.models import SecurityPolicy


class PolicyRateThrottle(BaseThrottle):
    def allow_request(self, request, view) -> bool:
        limit = SecurityPolicy.current().api_per_minute
        user = request.user if request.user and request.user.is_authenticated else None
        address = client_address(request)
        ok = True
        if user is not None:
            ok = throttle.hit(throttle.API_ACCOUNT, str(user.pk), limit)
        if address:
            ok = throttle.hit(throttle.API_ADDRESS, address, limit) and ok
        if not ok:
            refusals.note(Refusal.Kind.THROTTLED, actor=user, address=address or "", path=request.path,
                          reason=f"接口请求超过每分钟{limit}次")
        return ok

    def wait(self) -> float:
        return float(throttle.seconds_left())
