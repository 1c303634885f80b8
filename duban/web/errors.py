"""Error pages (issue 13): 400, 403, 404, 500 and the failed CSRF check, in Chinese,
inside the site's layout with its navigation, saying why and offering a way back.

403 shows the reason the refusing code gave (`PermissionDenied("…")`); 404 never
says whether the object exists (another unit's task and a missing one look alike).
Refusals are written to the audit log per minute, person, address and kind
(duban.audit.refusals), so a scan cannot flood it. The 500 page is drawn with the
layout when it can be, and as a plain page when the layout itself fails (the
database may be what broke).
"""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

from django.http import HttpResponse, HttpResponseServerError
from django.template.loader import render_to_string
from django.views.decorators.csrf import requires_csrf_token

from duban.audit import refusals
from duban.audit.middleware import client_address
from duban.audit.models import Refusal

log = logging.getLogger(__name__)

DEFAULT_403 = "您的账号无权访问此页面或进行此操作。"
NOT_FOUND = "您要找的页面或内容不存在，或不在您的查看范围内。"


def _reason(exception) -> str:
    """The message PermissionDenied carries, when it is one written for people (Chinese)."""
    text = str(exception or "").strip()
    if exception is None or not text or not any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return ""
    return text


def _back(request) -> str:
    """The page the person came from, when it is this site's; else nothing."""
    referer = request.META.get("HTTP_REFERER", "")
    if not referer:
        return ""
    parts = urlsplit(referer)
    if parts.netloc and parts.netloc != request.get_host():
        return ""
    back = parts.path + (f"?{parts.query}" if parts.query else "")
    return back if back.startswith("/") and not back.startswith("//") and back != request.get_full_path() else ""


def _user(request):
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _audit(request, kind: str, reason: str) -> None:
    try:
        refusals.note(kind, actor=_user(request), address=client_address(request) or "",
                      path=request.get_full_path(), reason=reason)
    except Exception:  # noqa: BLE001 - a refusal is answered even when it cannot be counted
        log.exception("refusal not recorded")


def _page(request, status: int, title: str, message: str, *, reason: str = "") -> HttpResponse:
    html = render_to_string("errors/error.html", {
        "status": status, "error_title": title, "message": message, "reason": reason, "back": _back(request),
    }, request=request)
    return HttpResponse(html, status=status)


@requires_csrf_token
def bad_request(request, exception=None):
    return _page(request, 400, "请求无法处理", "提交的内容不完整或格式不正确，请返回上一页重试。")


@requires_csrf_token
def permission_denied(request, exception=None):
    reason = _reason(exception) or DEFAULT_403
    _audit(request, Refusal.Kind.FORBIDDEN, reason)
    return _page(request, 403, "无权访问", "您没有访问此页面或进行此操作的权限。", reason=reason)


@requires_csrf_token
def page_not_found(request, exception=None):
    if _user(request) is not None:  # an anonymous visitor is sent to sign in before any object is looked up
        _audit(request, Refusal.Kind.NOT_FOUND, "")
    return _page(request, 404, "页面不存在", NOT_FOUND)


@requires_csrf_token
def csrf_failure(request, reason=""):
    _audit(request, Refusal.Kind.CSRF, str(reason)[:200])
    return _page(request, 403, "页面已过期，请重新提交",
                 "安全校验未通过：页面可能已打开太久，或是从其他网站提交的。请返回上一页，刷新后重新提交。",
                 reason="表单的安全令牌（CSRF）缺失或不正确")


PLAIN_500 = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>系统出错 - 督办系统</title></head>
<body><h1>系统出错</h1><p>处理您的请求时系统发生错误，已记录在服务器日志中。您填写的内容没有保存，请稍后重试。</p>
<p><a href="/">返回首页</a></p></body></html>"""


@requires_csrf_token
def server_error(request):
    try:
        return _page(request, 500, "系统出错",
                     "处理您的请求时系统发生错误，已记录在服务器日志中。本次操作没有生效，请稍后重试；"
                     "如果反复出现，请联系系统管理员。")
    except Exception:  # noqa: BLE001 - the layout needs the database, which may be what failed
        log.exception("the 500 page could not be drawn with the layout")
        return HttpResponseServerError(PLAIN_500, content_type="text/html; charset=utf-8")


