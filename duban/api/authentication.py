"""How the API knows who is calling, and what each caller may reach at all.

- ``BearerTokenAuthentication``: ``Authorization: Bearer dbn_…``, a personal token
  (duban.api.tokens). Without the header the next class is tried.
- ``PolicySessionAuthentication``: the signed-in browser session (for the docs page's
  "try it out"), with DRF's CSRF check on every write. The session and password
  policies already ran in the middleware.
- ``BusinessRolesOnly``: the three administrative roles (三员分立) keep accounts,
  security and the audit log, never the business data: 403 for them, as on the pages.
"""
from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions, permissions

from duban.audit import refusals
from duban.audit.middleware import client_address
from duban.audit.models import Refusal
from duban.plans.permissions import TASK_ROLES
from duban.security import throttle
from duban.security.models import SecurityPolicy

from .tokens import TokenRefused, check_token


class BearerTokenAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1", "replace").split()
        if not header or header[0].lower() != self.keyword.lower():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Authorization 请求头格式应为“Bearer 令牌”")
        # Refused tokens are counted per address: past the policy's limit, every token
        # from there is refused for the rest of the minute before it is looked up.
        address = client_address(request)
        limit = SecurityPolicy.current().token_failures_per_minute
        if address and throttle.over(throttle.TOKEN_FAILURES, address, limit):
            refusals.note(Refusal.Kind.THROTTLED, address=address, path=request.path,
                          reason=f"接口令牌错误超过每分钟{limit}次")
            raise exceptions.Throttled(wait=throttle.seconds_left())
        try:
            token = check_token(header[1])
        except TokenRefused as exc:
            if address:
                throttle.hit(throttle.TOKEN_FAILURES, address, limit)
            raise exceptions.AuthenticationFailed(str(exc)) from None
        return token.user, token

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return f'{self.keyword} realm="duban"'


class PolicySessionAuthentication(authentication.SessionAuthentication):
    """The browser session; CSRF is checked on writes (DRF's SessionAuthentication)."""

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied:
            raise exceptions.PermissionDenied(
                "CSRF 校验失败：用登录会话写入时须在 X-CSRFToken 请求头中带上页面的 CSRF 令牌；"
                "其他系统请使用接口令牌") from None


class BusinessRolesOnly(permissions.BasePermission):
    message = "系统管理员、安全管理员和审计员不能访问业务数据"

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return user.role in TASK_ROLES


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "duban.api.authentication.BearerTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "bearerFormat": "dbn_…（在“接口令牌”页面创建）"}


class PolicySessionScheme(OpenApiAuthenticationExtension):
    target_class = "duban.api.authentication.PolicySessionAuthentication"
    name = "cookieAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "apiKey", "in": "cookie", "name": "sessionid"}
