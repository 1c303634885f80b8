"""The provider's own parts: the OIDC claims it releases, and stubs of the WeCom and
DingTalk interfaces Duban calls, following their published request and response
formats (errcode/errmsg JSON; DingTalk's v1.0 camelCase API). Who "opened the app" is
the cookie stub_user (the user id inside WeCom or DingTalk). Issued codes and tokens
live in this process (the server runs one worker)."""
from __future__ import annotations

import json
import secrets
import threading
from urllib.parse import urlencode

from django.http import HttpResponseBadRequest, HttpResponseRedirect, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.oauth2_validators import OAuth2Validator

from .constants import AGENT_ID, CORP_ID, CORP_SECRET, DING_CLIENT_ID, DING_CLIENT_SECRET, DING_CORP_ID
MEMBERS = {"zhangsan", "liaison_a", "office", "newperson", "wxuser"}  # people inside the organisation

_lock = threading.Lock()
_codes: dict[str, str] = {}  # code → user id
_tokens: dict[str, str] = {}  # access token → user id (DingTalk user tokens), or "app"


class Validator(OAuth2Validator):
    oidc_claim_scope = None  # release every claim below whatever the scopes

    def get_additional_claims(self, request):
        user = request.user
        return {"preferred_username": user.username, "name": user.first_name, "email": user.email,
                "phone_number": user.last_name}


def _issue(store: dict, value: str) -> str:
    token = secrets.token_urlsafe(16)
    with _lock:
        store[token] = value
    return token


def _take(store: dict, key: str) -> str | None:
    with _lock:
        return store.pop(key, None)


# ---------------------------------------------------------------- WeCom (企业微信)

def wecom_authorize(request):
    """https://open.weixin.qq.com/connect/oauth2/authorize: inside WeCom the person is
    already known, so the app gets a code straight back."""
    q = request.GET
    if q.get("appid") != CORP_ID or q.get("response_type") != "code" or q.get("scope") not in ("snsapi_base", "snsapi_privateinfo"):
        return HttpResponseBadRequest("invalid appid, response_type or scope")
    if q.get("agentid") != AGENT_ID:
        return HttpResponseBadRequest("invalid agentid")
    user = request.COOKIES.get("stub_user", "")
    code = _issue(_codes, user)
    sep = "&" if "?" in q["redirect_uri"] else "?"
    return HttpResponseRedirect(q["redirect_uri"] + sep + urlencode({"code": code, "state": q.get("state", "")}))


def wecom_gettoken(request):
    if request.GET.get("corpid") != CORP_ID:
        return JsonResponse({"errcode": 40013, "errmsg": "invalid corpid"})
    if request.GET.get("corpsecret") != CORP_SECRET:
        return JsonResponse({"errcode": 40001, "errmsg": "invalid credential"})
    return JsonResponse({"errcode": 0, "errmsg": "ok", "access_token": _issue(_tokens, "app"), "expires_in": 7200})


def wecom_getuserinfo(request):
    if _tokens.get(request.GET.get("access_token", "")) != "app":
        return JsonResponse({"errcode": 40014, "errmsg": "invalid access_token"})
    user = _take(_codes, request.GET.get("code", ""))
    if user is None:
        return JsonResponse({"errcode": 40029, "errmsg": "invalid code"})
    if user not in MEMBERS:
        return JsonResponse({"errcode": 0, "errmsg": "ok", "openid": "o-" + user, "external_userid": ""})
    return JsonResponse({"errcode": 0, "errmsg": "ok", "userid": user, "user_ticket": secrets.token_hex(8),
                         "expires_in": 1800})


# ---------------------------------------------------------------- DingTalk (钉钉)

def dingtalk_authorize(request):
    """https://login.dingtalk.com/oauth2/auth: inside DingTalk the person consents
    once; the app gets authCode back."""
    q = request.GET
    if q.get("client_id") != DING_CLIENT_ID or q.get("response_type") != "code" or "openid" not in q.get("scope", ""):
        return HttpResponseBadRequest("invalid client_id, response_type or scope")
    code = _issue(_codes, request.COOKIES.get("stub_user", ""))
    sep = "&" if "?" in q["redirect_uri"] else "?"
    return HttpResponseRedirect(q["redirect_uri"] + sep + urlencode({"authCode": code, "state": q.get("state", "")}))


def _ding_error(code: str, message: str, status: int = 400):
    return JsonResponse({"requestid": secrets.token_hex(8), "code": code, "message": message}, status=status)


@csrf_exempt
def dingtalk_user_token(request):
    body = json.loads(request.body or b"{}")
    if body.get("clientId") != DING_CLIENT_ID or body.get("clientSecret") != DING_CLIENT_SECRET:
        return _ding_error("invalidClientIdOrSecret", "无效的clientId或者clientSecret")
    if body.get("grantType") != "authorization_code":
        return _ding_error("invalidGrantType", "grantType错误")
    user = _take(_codes, body.get("code", ""))
    if user is None:
        return _ding_error("invalidAuthCode", "不合法的临时授权码")
    return JsonResponse({"accessToken": _issue(_tokens, "user:" + user), "refreshToken": secrets.token_hex(8),
                         "expireIn": 7200, "corpId": DING_CORP_ID})


def dingtalk_me(request):
    owner = _tokens.get(request.headers.get("x-acs-dingtalk-access-token", ""), "")
    if not owner.startswith("user:"):
        return _ding_error("InvalidAuthentication", "不合法的access_token", 401)
    user = owner[5:]
    return JsonResponse({"nick": f"钉钉{user}", "unionId": "union-" + user, "openId": "open-" + user,
                         "mobile": "", "stateCode": "86"})


def dingtalk_gettoken(request):
    if request.GET.get("appkey") != DING_CLIENT_ID or request.GET.get("appsecret") != DING_CLIENT_SECRET:
        return JsonResponse({"errcode": 40089, "errmsg": "不合法的appKey或appSecret"})
    return JsonResponse({"errcode": 0, "errmsg": "ok", "access_token": _issue(_tokens, "app"), "expires_in": 7200})


@csrf_exempt
def dingtalk_getbyunionid(request):
    if _tokens.get(request.GET.get("access_token", "")) != "app":
        return JsonResponse({"errcode": 40014, "errmsg": "不合法的access_token"})
    union = json.loads(request.body or b"{}").get("unionid", "")
    user = union.removeprefix("union-")
    if user not in MEMBERS:
        return JsonResponse({"errcode": 60121, "errmsg": "找不到该用户"})
    return JsonResponse({"errcode": 0, "errmsg": "ok", "result": {"contact_type": 0, "userid": user},
                         "request_id": secrets.token_hex(8)})


def alive(request):
    """For the tests: the server is up."""
    return JsonResponse({"ok": True})
