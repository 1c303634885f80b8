"""Access rules applied on every request of a signed-in person:

- SessionPolicyMiddleware: a session ends after the policy's idle minutes without a
  request, and after its absolute hours whatever the activity.
- PasswordPolicyMiddleware: a person whose password was issued by an administrator
  (must_change_password) or is older than the policy's maximum age, or who must use a
  second factor and has none yet, is sent to the page that fixes it; every other page
  answers with that redirect (except sign-out and static files).
"""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from duban.audit.log import record
from duban.security.models import SecurityPolicy

from .sessions import SEEN, STARTED, end_session

# Writing the session on every request costs a database write; once a minute is
# precise enough for a 30-minute idle limit.
SEEN_RESOLUTION_SECONDS = 60


def policy_for(request) -> SecurityPolicy:
    if not hasattr(request, "_duban_policy"):
        request._duban_policy = SecurityPolicy.current()
    return request._duban_policy


def _redirect(request, url: str):
    if getattr(request, "htmx", False):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


class SessionPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            policy = policy_for(request)
            now = timezone.now().timestamp()
            started = request.session.get(STARTED)
            seen = request.session.get(SEEN)
            if started is None or seen is None:
                # A session from before these limits existed: start counting now.
                request.session[STARTED] = started = started or now
                request.session[SEEN] = seen = seen or now
            reason = None
            if now - seen > policy.session_idle_minutes * 60:
                reason = f"空闲超过{policy.session_idle_minutes}分钟"
            elif now - started > policy.session_absolute_hours * 3600:
                reason = f"登录已超过{policy.session_absolute_hours}小时"
            if reason:
                end_session(request)
                record("auth.session_expired", actor=user, obj=user, summary=f"会话结束：{reason}")
                messages.info(request, f"{reason}，会话已结束，请重新登录。")
                return _redirect(request, redirect_to_login(request.get_full_path()).url)
            if now - seen >= SEEN_RESOLUTION_SECONDS:
                request.session[SEEN] = now
        return self.get_response(request)


class PasswordPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(settings.STATIC_URL):
            target = self._required_page(request, user)
            if target and request.path not in self._exempt():
                return _redirect(request, target)
        return self.get_response(request)

    @staticmethod
    def _exempt() -> set[str]:
        return {reverse("accounts:password_change"), reverse("accounts:logout"), reverse("accounts:otp_enrol")}

    @staticmethod
    def _required_page(request, user) -> str | None:
        policy = policy_for(request)
        if user.must_change_password or user.password_expired(policy.password_max_age_days):
            return reverse("accounts:password_change")
        if user.must_use_second_factor(policy):
            from .otp import has_device

            if not has_device(user):
                return reverse("accounts:otp_enrol")
        return None
