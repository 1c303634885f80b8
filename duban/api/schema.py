"""Additions to the generated OpenAPI schema for what every operation shares.

Every operation is throttled (duban.api.throttling): over the security policy's
per-minute limit it answers 429 with ``Retry-After`` and the usual error body. The
throttle class sits on the settings, not on the views, so drf-spectacular does not
see it; this hook writes the answer into every operation."""
from __future__ import annotations

THROTTLED = {
    "description": "请求过于频繁（超过安全策略规定的每分钟次数），请在 Retry-After 秒后再试",
    "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "需等待的秒数"}},
    "content": {"application/json": {"schema": {
        "type": "object", "properties": {"detail": {"type": "string"}}, "required": ["detail"]}}},
}
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


def document_throttling(result, generator, request, public):
    for item in result.get("paths", {}).values():
        for method, operation in item.items():
            if method in METHODS:
                operation.setdefault("responses", {}).setdefault("429", THROTTLED)
    return result
