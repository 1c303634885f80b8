"""Every API error answers ``{"detail": "<Chinese message>"}``; invalid input adds
``"errors": {field: [messages]}``; a refused stale write (409) adds ``"current"``,
the object as it is now saved.

Refusals raised by the shared business code are mapped here, so the API answers
them as the pages do: PermissionDenied → 403, Http404 → 404, an action's ActionError
→ 400, a version conflict → 409.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from duban.rounds.actions import ActionError, ReportConflict
from duban.workplans.actions import MilestoneConflict

MESSAGES = {
    exceptions.NotAuthenticated: "未登录：请在请求头中提供接口令牌（Authorization: Bearer 令牌）",
    exceptions.NotFound: "未找到该对象，或您无权查看",
    exceptions.MethodNotAllowed: "不支持该请求方法",
    exceptions.NotAcceptable: "无法按请求的格式返回，请接受 application/json",
    exceptions.UnsupportedMediaType: "请求体格式不受支持，请使用 application/json",
    exceptions.ParseError: "请求体不是有效的 JSON",
    exceptions.Throttled: "请求过于频繁，请稍后再试",
}
# These carry English details (parser errors, media types): always our message.
ALWAYS_OURS = {exceptions.MethodNotAllowed, exceptions.NotAcceptable, exceptions.UnsupportedMediaType,
               exceptions.ParseError, exceptions.Throttled}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "保存失败：对象已被他人修改"
    default_code = "conflict"

    def __init__(self, detail: str, current=None):
        super().__init__(detail)
        self.current = current


class BadRequest(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_detail = "请求有误"
    default_code = "bad_request"


def flat_errors(errors, prefix: str = "", out: dict | None = None) -> dict[str, list[str]]:
    """DRF's nested field errors as {"field.index.field": [messages]}; errors of the
    whole request under "non_field_errors"."""
    out = {} if out is None else out
    if isinstance(errors, dict):
        for key, value in errors.items():
            name = "" if key in ("non_field_errors", "__all__") else str(key)
            flat_errors(value, ".".join(p for p in (prefix, name) if p), out)
    elif isinstance(errors, list):
        for i, item in enumerate(errors):
            if isinstance(item, (dict, list)):
                flat_errors(item, ".".join(p for p in (prefix, str(i)) if p), out)
            elif item:
                out.setdefault(prefix or "non_field_errors", []).append(str(item))
    elif errors:
        out.setdefault(prefix or "non_field_errors", []).append(str(errors))
    return out


def exception_handler(exc, context):
    current = None
    if isinstance(exc, ReportConflict):
        from .serializers import ReportSerializer

        current = ReportSerializer(exc.current, context=context).data
        exc = Conflict(str(exc))
    elif isinstance(exc, MilestoneConflict):
        from .serializers import MilestoneSerializer

        current = MilestoneSerializer(exc.current, context=context).data if exc.current is not None else None
        exc = Conflict(exc.message)
    elif isinstance(exc, ActionError):
        exc = BadRequest(str(exc))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or "您无权进行此操作")
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, Conflict):
        current = exc.current

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    data = response.data
    if isinstance(exc, exceptions.ValidationError):
        errors = flat_errors(data)
        shown = [f"{k}：{m}" if k != "non_field_errors" else m for k, ms in errors.items() for m in ms]
        body = {"detail": "请求数据有误：" + "；".join(shown), "errors": errors}
    else:
        # Our own message for DRF's stock ones; a specific message (a refusal from the
        # business rules, the token check) is kept as it is.
        default = str(getattr(type(exc), "default_detail", ""))
        message = MESSAGES.get(type(exc)) if type(exc) in ALWAYS_OURS else None
        if message is None and str(getattr(exc, "detail", "")) == default:
            message = MESSAGES.get(type(exc)) or ("您无权进行此操作"
                                                 if isinstance(exc, exceptions.PermissionDenied) else None)
        if isinstance(exc, exceptions.MethodNotAllowed):
            message = f"不支持 {context['request'].method} 请求"
        body = {"detail": message or (data.get("detail") if isinstance(data, dict) else str(data))}
    if current is not None:
        body["current"] = current
    return Response(body, status=response.status_code, headers=_headers(response))


def _headers(response) -> dict:
    return {k: v for k, v in response.items() if k in ("WWW-Authenticate", "Allow", "Retry-After")}
