"""Unified identity by CAS 2.0 / 3.0, through python-cas (login and logout addresses,
parsing the ticket validation and its attributes, the server's single sign-out
request). The validation request itself goes through duban.lib.outbound, like every
request Duban sends. The views are Duban's own so that the person is signed in by
signin.complete, like every path."""
from __future__ import annotations

from importlib import import_module
from urllib.parse import urlencode, urljoin
from xml.etree.ElementTree import ParseError

from cas import CASClient, CASClientV3
from django.conf import settings
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from duban.accounts.models import UserSession
from duban.audit.log import record
from duban.lib import outbound

from . import net, signin
from .mapping import Claims, person_for
from .models import ExternalIdentity, Provider

TICKET = "duban_cas_ticket"


def enabled() -> bool:
    return bool(settings.DUBAN_CAS.get("url"))


def site(request) -> str:
    return settings.DUBAN_SITE_URL or request.build_absolute_uri("/").rstrip("/")


class _NoSession:
    """python-cas's HTTP session, never used: Duban asks the server itself (verify)."""

    def __getattr__(self, name):
        raise net.ProviderError("内部错误：CAS 请求未经统一外发通道")


def client(request, next_url: str) -> CASClient:
    service = site(request) + reverse("identity:cas_callback") + "?" + urlencode({"next": next_url})
    server = settings.DUBAN_CAS["url"].rstrip("/") + "/"
    return CASClient(version=settings.DUBAN_CAS.get("version") or "3", service_url=service, server_url=server,
                     session=_NoSession())


def verify(cas: CASClient, ticket: str):
    """python-cas's verify_ticket, with the request sent by duban.lib.outbound:
    (user or None, attributes, pgtiou). Raises net.ProviderError (Chinese)."""
    try:
        answer = net.call("GET", urljoin(cas.server_url, cas.url_suffix),
                          params={"ticket": ticket, "service": cas.service_url})
    except (outbound.Refused, outbound.SendError) as exc:
        raise net.ProviderError(net.problem(exc)) from None
    if answer.status != 200:
        raise net.ProviderError(f"核验地址答复 HTTP {answer.status}" + ("，不跟随跳转" if 300 <= answer.status < 400 else ""))
    try:
        return cas.verify_response(answer.body)
    except (ParseError, IndexError, AttributeError):
        raise net.ProviderError("核验答复不是 CAS 协议的格式") from None


def login(request):
    if not enabled():
        raise Http404("未开启统一身份认证（CAS）")
    next_url = signin.safe_next(request, request.GET.get("next"))
    return redirect(client(request, next_url).get_login_url())


@csrf_exempt  # the CAS server's single sign-out POST carries no CSRF token; it only ends sessions
def callback(request):
    if not enabled():
        raise Http404("未开启统一身份认证（CAS）")
    if request.method == "POST":
        return _single_sign_out(request)
    ticket = request.GET.get("ticket", "")
    next_url = signin.safe_next(request, request.GET.get("next"))
    if not ticket:
        return signin.refuse(request, Provider.CAS, "统一身份认证登录未完成，请重试。", summary="回调缺少票据")
    cas = client(request, next_url)
    try:
        username, attributes, _ = verify(cas, ticket)
    except net.ProviderError as exc:
        return signin.refuse(request, Provider.CAS, "无法向统一身份认证平台核验登录票据，请稍后重试。",
                             summary=f"票据核验失败：{exc}")
    if not username:
        return signin.refuse(request, Provider.CAS, "统一身份认证平台未确认这次登录（票据无效或已使用），请重新登录。",
                             summary="票据无效")
    attributes = attributes or {}

    def attr(name: str) -> str:
        value = attributes.get(name)
        if isinstance(value, list):
            value = value[0] if value else ""
        return str(value or "").strip()

    claims = Claims(subject=username, login=username, name=attr(settings.DUBAN_SSO_NAME_CLAIM),
                    phone=attr(settings.DUBAN_SSO_PHONE_CLAIM))
    user, created = person_for(Provider.CAS, claims)
    response = signin.complete(request, user, provider=Provider.CAS, created=created, next_url=next_url,
                               logout_url=cas.get_logout_url(site(request) + reverse("accounts:login")))
    if user.is_active and not created:
        request.session[TICKET] = ticket
    return response


def _single_sign_out(request):
    """The CAS server ends the session that `ticket` opened (SAML LogoutRequest)."""
    slos = CASClientV3.get_saml_slos(request.POST.get("logoutRequest", "").encode())
    ticket = slos[0].text if slos else ""
    if not ticket:
        return HttpResponse(status=400)
    engine = import_module(settings.SESSION_ENGINE)
    ended = 0
    people = ExternalIdentity.objects.filter(provider=Provider.CAS).values("user_id")
    for us in UserSession.objects.filter(user_id__in=people):
        store = engine.SessionStore(session_key=us.session_key)
        if store.get(TICKET) == ticket:
            store.delete()
            record("auth.logout", actor=us.user, obj=us.user, summary="统一身份认证平台退出，结束督办系统会话")
            us.delete()
            ended += 1
    return HttpResponse("ok" if ended else "no session")
