"""Sign-in inside the WeCom (企业微信/政务微信) and DingTalk (钉钉/浙政钉) apps through
their OAuth, and the links Duban's messages carry into them.

WeCom: the browser goes to open.weixin.qq.com/connect/oauth2/authorize (scope
snsapi_base: inside WeCom no question is asked) and comes back with a code; Duban
takes the app's access token (cgi-bin/gettoken) and asks whose code it is
(cgi-bin/auth/getuserinfo → userid). DingTalk: login.dingtalk.com/oauth2/auth comes
back with authCode; Duban exchanges it for the person's token (v1.0/oauth2/
userAccessToken, which names the organisation), reads the person (v1.0/contact/users/me
→ unionId) and, with the app's token (gettoken), their user id in the organisation
(topapi/user/getbyunionid). The user id maps to a person like any outside identity.
"""
from __future__ import annotations

import hashlib
import secrets
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from duban.lib import outbound

from . import net, signin
from .mapping import Claims, person_for
from .models import Provider

STATE = "duban_inapp_state"


class AppError(Exception):
    """The app's interface refused or failed; the message is Chinese."""


def wecom_enabled() -> bool:
    return bool(settings.DUBAN_WECOM.get("corp_id") and settings.DUBAN_WECOM.get("secret"))


def dingtalk_enabled() -> bool:
    return bool(settings.DUBAN_DINGTALK.get("client_id") and settings.DUBAN_DINGTALK.get("client_secret"))


def enabled(provider: str) -> bool:
    return {Provider.WECOM: wecom_enabled, Provider.DINGTALK: dingtalk_enabled}[provider]()


def _site(request=None) -> str:
    if settings.DUBAN_SITE_URL:
        return settings.DUBAN_SITE_URL
    return request.build_absolute_uri("/").rstrip("/") if request is not None else ""


def _json(method: str, url: str, what: str, **kwargs) -> dict:
    """The JSON object the app's interface answers (through duban.lib.outbound); the
    error names what failed, never the address."""
    try:
        return net.json_object(net.call(method, url, **kwargs), what)
    except (outbound.Refused, outbound.SendError, net.ProviderError) as exc:
        raise AppError(f"{what}失败：{net.problem(exc)}") from None


def _errcode(data: dict, what: str) -> dict:
    if data.get("errcode", 0) != 0:
        raise AppError(f"{what}失败：{data.get('errcode')} {data.get('errmsg', '')}".strip())
    return data


# ---------------------------------------------------------------- WeCom


def _secret_tag(secret: str) -> str:
    """Part of a token's cache key: a changed app secret never reuses the old token."""
    return hashlib.sha256(str(secret).encode()).hexdigest()[:16]


def _token_key(kind: str, server: str, *parts: str) -> str:
    """The cache key of an app token: the server that issued it (a token of one server
    is worthless on another: 政务微信's own servers, a test stub) and the credentials."""
    return f"duban:{kind}-token:{_secret_tag(server)}:" + ":".join(parts)


def wecom_token(*, fresh: bool = False) -> str:
    """The app's access token, kept in the cache until shortly before it expires."""
    cfg = settings.DUBAN_WECOM
    key = _token_key("wecom", cfg["api_url"], cfg["corp_id"], str(cfg.get("agent_id")), _secret_tag(cfg.get("secret", "")))
    token = None if fresh else cache.get(key)
    if token is None:
        data = _errcode(_json("GET", f"{cfg['api_url']}/cgi-bin/gettoken", "取企业微信应用凭证",
                              params={"corpid": cfg["corp_id"], "corpsecret": cfg["secret"]}), "取企业微信应用凭证")
        token = data["access_token"]
        cache.set(key, token, max(60, int(data.get("expires_in", 7200)) - 300))
    return token


def wecom_user_id(code: str) -> str:
    cfg = settings.DUBAN_WECOM
    data = _errcode(_json("GET", f"{cfg['api_url']}/cgi-bin/auth/getuserinfo", "向企业微信确认登录人员",
                          params={"access_token": wecom_token(), "code": code}), "向企业微信确认登录人员")
    if not data.get("userid"):
        raise AppError("这个企业微信账号不是本单位成员，不能登录督办系统")
    return str(data["userid"])


def test_wecom() -> tuple[bool, str]:
    try:
        wecom_token(fresh=True)
    except AppError as exc:
        return False, f"{exc}：请检查 DUBAN_WECOM_CORP_ID、DUBAN_WECOM_SECRET 和 DUBAN_WECOM_API_URL"
    return True, "连接成功：企业微信应用凭证有效"


# ---------------------------------------------------------------- DingTalk


def dingtalk_token(*, fresh: bool = False) -> str:
    cfg = settings.DUBAN_DINGTALK
    key = _token_key("dingtalk", cfg["oapi_url"], cfg["client_id"], _secret_tag(cfg["client_secret"]))
    token = None if fresh else cache.get(key)
    if token is None:
        data = _errcode(_json("GET", f"{cfg['oapi_url']}/gettoken", "取钉钉应用凭证",
                              params={"appkey": cfg["client_id"], "appsecret": cfg["client_secret"]}), "取钉钉应用凭证")
        token = data["access_token"]
        cache.set(key, token, max(60, int(data.get("expires_in", 7200)) - 300))
    return token


def dingtalk_person(code: str) -> Claims:
    cfg = settings.DUBAN_DINGTALK
    data = _json("POST", f"{cfg['api_url']}/v1.0/oauth2/userAccessToken", "向钉钉换取登录凭证", json_body={
        "clientId": cfg["client_id"], "clientSecret": cfg["client_secret"], "code": code,
        "grantType": "authorization_code"})
    if not data.get("accessToken"):
        raise AppError(f"向钉钉换取登录凭证失败：{data.get('code', '')} {data.get('message', '')}".strip())
    if cfg.get("corp_id") and data.get("corpId") and data["corpId"] != cfg["corp_id"]:
        raise AppError("这个钉钉账号登录的不是本单位组织，不能登录督办系统")
    me = _json("GET", f"{cfg['api_url']}/v1.0/contact/users/me", "读取钉钉人员信息",
               headers={"x-acs-dingtalk-access-token": data["accessToken"]})
    if not me.get("unionId"):
        raise AppError(f"读取钉钉人员信息失败：{me.get('code', '')} {me.get('message', '')}".strip())
    found = _json("POST", f"{cfg['oapi_url']}/topapi/user/getbyunionid", "查找钉钉人员",
                  params={"access_token": dingtalk_token()}, json_body={"unionid": me["unionId"]})
    if found.get("errcode", 0) != 0 or not (found.get("result") or {}).get("userid"):
        raise AppError("这个钉钉账号不是本单位成员，不能登录督办系统")
    return Claims(subject=str(found["result"]["userid"]), login=str(found["result"]["userid"]),
                  name=str(me.get("nick") or ""), phone=str(me.get("mobile") or ""))


def test_dingtalk() -> tuple[bool, str]:
    try:
        dingtalk_token(fresh=True)
    except AppError as exc:
        return False, f"{exc}：请检查 DUBAN_DINGTALK_CLIENT_ID、DUBAN_DINGTALK_CLIENT_SECRET 和 DUBAN_DINGTALK_OAPI_URL"
    return True, "连接成功：钉钉应用凭证有效"


# ---------------------------------------------------------------- views


def start(request, provider: str):
    """Send the browser to the app's OAuth page; `next` is where to land signed in."""
    if not enabled(provider):
        raise Http404("未开启该登录方式")
    state = secrets.token_urlsafe(16)
    request.session[STATE] = {"state": state, "provider": provider,
                              "next": signin.safe_next(request, request.GET.get("next"))}
    back = _site(request) + reverse(f"identity:{provider}_callback")
    if provider == Provider.WECOM:
        cfg = settings.DUBAN_WECOM
        query = urlencode({"appid": cfg["corp_id"], "redirect_uri": back, "response_type": "code",
                           "scope": "snsapi_base", "state": state, "agentid": cfg["agent_id"]})
        return redirect(f"{cfg['oauth_url']}?{query}#wechat_redirect")
    cfg = settings.DUBAN_DINGTALK
    query = urlencode({"redirect_uri": back, "response_type": "code", "client_id": cfg["client_id"],
                       "scope": "openid corpid", "state": state, "prompt": "consent"})
    return redirect(f"{cfg['oauth_url']}?{query}")


def callback(request, provider: str):
    if not enabled(provider):
        raise Http404("未开启该登录方式")
    pending = request.session.pop(STATE, None) or {}
    if not pending or pending.get("provider") != provider or request.GET.get("state") != pending.get("state"):
        return signin.refuse(request, provider, "登录请求已过期或无效，请从应用中重新打开督办系统。",
                             summary="回调的 state 与本会话不符")
    code = request.GET.get("code") or request.GET.get("authCode") or ""
    if not code:
        return signin.refuse(request, provider, "应用没有给出登录授权，请重试。", summary="回调缺少授权码")
    try:
        claims = Claims(subject=wecom_user_id(code), login="") if provider == Provider.WECOM else dingtalk_person(code)
    except AppError as exc:
        return signin.refuse(request, provider, str(exc))
    claims = Claims(subject=claims.subject, login=claims.login or claims.subject, name=claims.name, phone=claims.phone)
    user, created = person_for(provider, claims)
    return signin.complete(request, user, provider=provider, created=created, next_url=pending["next"])


def entry_link(provider: str, path: str) -> str:
    """The address a message sent through `provider`'s app carries for `path`: through
    the app's sign-in when that path is on, so the person lands on `path` signed in."""
    site = settings.DUBAN_SITE_URL
    if not path or path.startswith(("http://", "https://")):
        return path
    if provider and enabled(provider):
        return f"{site}{reverse(f'identity:{provider}')}?{urlencode({'next': path})}"
    return f"{site}{path}"


def app_for(user_agent: str) -> str | None:
    """The app whose in-app browser this is (by its User-Agent), if its sign-in is on."""
    ua = user_agent or ""
    if "wxwork" in ua.lower() and wecom_enabled():
        return Provider.WECOM
    if "dingtalk" in ua.lower() and dingtalk_enabled():
        return Provider.DINGTALK
    return None
