"""Unified identity by OpenID Connect, through mozilla-django-oidc: its request view
(state, nonce, PKCE) and its backend (code exchange, ID token signature by the
provider's JWKS, userinfo); the person is found by mapping.person_for and signed in by
signin.complete, not by the library's own login. The backend's three requests (token,
JWKS, userinfo) are Duban's own, sent by duban.lib.outbound like every request Duban
sends; the library's own HTTP calls are never used."""
from __future__ import annotations

import base64
from urllib.parse import quote, urlencode

import jwt
from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.urls import reverse
from django.utils.encoding import smart_str
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import OIDCAuthenticationCallbackView, OIDCAuthenticationRequestView

from duban.accounts.backends import UserBackend
from duban.lib import outbound

from . import net, signin
from .mapping import Claims, person_for
from .models import Provider


def enabled() -> bool:
    return bool(settings.OIDC_RP_CLIENT_ID and settings.OIDC_OP_AUTHORIZATION_ENDPOINT)


def claims_of(info: dict) -> Claims:
    def text(name: str) -> str:
        value = info.get(name)
        return str(value).strip() if value not in (None, "") else ""

    return Claims(subject=text("sub"), login=text(settings.DUBAN_SSO_USERNAME_CLAIM),
                  name=text(settings.DUBAN_SSO_NAME_CLAIM), phone=text(settings.DUBAN_SSO_PHONE_CLAIM))


class OIDCBackend(OIDCAuthenticationBackend):
    """Answers only the OIDC callback (nonce and code_verifier in the call) and only when
    configured; the library's settings are read when it is used, not when Django builds
    the list of backends for a password sign-in."""

    def __init__(self, *args, **kwargs):
        self.UserModel = None  # the library's settings are read in authenticate

    def authenticate(self, request, nonce=None, code_verifier=None, **kwargs):
        if request is None or not enabled() or "code" not in request.GET:
            return None
        super().__init__()
        try:
            return super().authenticate(request, nonce=nonce, code_verifier=code_verifier, **kwargs)
        except (outbound.Refused, outbound.SendError, net.ProviderError) as exc:
            request._duban_oidc_problem = net.problem(exc)  # shown by CallbackView.login_failure
            return None

    # The library's requests, sent through duban.lib.outbound instead of `requests`.

    def get_token(self, payload):
        headers = {}
        if self.get_settings("OIDC_TOKEN_USE_BASIC_AUTH", False):
            pair = f"{quote(payload['client_id'], safe='')}:{quote(payload.pop('client_secret'), safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        answer = net.call("POST", self.OIDC_OP_TOKEN_ENDPOINT, form=payload, headers=headers)
        data = net.json_object(answer, "认证平台的令牌地址")
        if answer.status != 200:
            raise net.ProviderError(f"认证平台未发放令牌（{str(data.get('error') or answer.status)[:40]}）")
        return data

    def retrieve_matching_jwk(self, token):
        """The library's choice of key (kid and alg both match), from the JWKS read here."""
        answer = net.call("GET", self.OIDC_OP_JWKS_ENDPOINT)
        jwks = net.json_object(answer, "认证平台的公钥地址")
        if answer.status != 200 or not isinstance(jwks.get("keys"), list):
            raise net.ProviderError(f"认证平台的公钥地址没有给出签名公钥（HTTP {answer.status}）")
        header = jwt.get_unverified_header(token)
        key = None
        for jwk in jwks["keys"]:
            if not isinstance(jwk, dict):
                continue
            if self.get_settings("OIDC_VERIFY_KID", True) and jwk.get("kid") != smart_str(header.get("kid")):
                continue
            if "alg" in jwk and jwk["alg"] != smart_str(header.get("alg")):
                continue
            key = jwk
        if key is None:
            raise SuspiciousOperation("Could not find a valid JWKS.")
        return jwt.PyJWK(key)

    def get_userinfo(self, access_token, id_token, payload):
        answer = net.call("GET", self.OIDC_OP_USER_ENDPOINT, headers={"Authorization": f"Bearer {access_token}"})
        if answer.status == 200 and answer.headers.get("content-type", "").lower().startswith("application/jwt"):
            return self.verify_token(answer.text)  # claims signed as a JWT
        data = net.json_object(answer, "认证平台的用户信息地址")
        if answer.status != 200:
            raise net.ProviderError(f"认证平台的用户信息地址答复 HTTP {answer.status}")
        return data

    def get_or_create_user(self, access_token, id_token, payload):
        info = {**payload, **self.get_userinfo(access_token, id_token, payload)}
        claims = claims_of(info)
        if not claims.subject:
            return None
        user, created = person_for(Provider.OIDC, claims)
        self.request._duban_identity = (user, created)
        return user

    def get_user(self, user_id):
        return UserBackend().get_user(user_id)


class AuthenticateView(OIDCAuthenticationRequestView):
    """Sends the person to the provider's sign-in page (统一身份认证登录)."""

    def __init__(self, *args, **kwargs):
        if not enabled():
            raise Http404("未开启统一身份认证")
        super().__init__(*args, **kwargs)


class CallbackView(OIDCAuthenticationCallbackView):
    def dispatch(self, request, *args, **kwargs):
        if not enabled():  # as the other sign-in paths: not there when not configured
            raise Http404("未开启统一身份认证")
        return super().dispatch(request, *args, **kwargs)

    def login_success(self):
        logout_url = ""
        if settings.OIDC_OP_LOGOUT_ENDPOINT:
            id_token = self.request.session.get("oidc_id_token", "")
            back = (settings.DUBAN_SITE_URL or self.request.build_absolute_uri("/").rstrip("/")) + reverse("accounts:login")
            logout_url = settings.OIDC_OP_LOGOUT_ENDPOINT + "?" + urlencode(
                {"id_token_hint": id_token, "post_logout_redirect_uri": back, "client_id": settings.OIDC_RP_CLIENT_ID})
        _, created = getattr(self.request, "_duban_identity", (None, False))
        return signin.complete(self.request, self.user, provider=Provider.OIDC, created=created,
                               next_url=signin.safe_next(self.request, self.request.session.get("oidc_login_next")),
                               logout_url=logout_url)

    def login_failure(self):
        user, created = getattr(self.request, "_duban_identity", (None, False))
        if user is not None:  # known to the provider, not (yet) allowed here
            return signin.complete(self.request, user, provider=Provider.OIDC, created=created, next_url="/")
        problem = getattr(self.request, "_duban_oidc_problem", "")
        if problem:  # the provider could not be asked (duban.lib.outbound's reason, no address)
            return signin.refuse(self.request, Provider.OIDC, "无法向统一身份认证平台核验这次登录，请稍后重试。",
                                 summary=f"核验失败：{problem}")
        error = self.request.GET.get("error_description") or self.request.GET.get("error") or ""
        return signin.refuse(self.request, Provider.OIDC,
                             "统一身份认证登录未完成" + (f"（认证平台答复：{error}）" if error else "，请重试。"),
                             summary=error or "回调无效或已过期")
