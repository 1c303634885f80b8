"""Requests to the identity providers, all through duban.lib.outbound (the one client
for outgoing HTTP: no redirects, timeouts, size limit, address checks).

The providers' addresses come from the deployment's configuration (deploy/duban.env):
``configured`` lists them, and the identity app registers it with the client, so
these hosts are allowed, intranet addresses included, for identity requests only
(``outbound.IDENTITY``), and the security administrator's allowlist page shows them.
"""
from __future__ import annotations

from django.conf import settings

from duban.lib import outbound

MAX_BYTES = 256 * 1024  # a JWKS or a CAS answer with many attributes, well below this


class ProviderError(Exception):
    """A provider's answer Duban cannot use; the message is Chinese and names no address."""


def configured() -> list[tuple[str, str, str]]:
    """(url, setting, purpose) of every address Duban itself calls for the sign-in paths
    that are on (the browser-only addresses, sign-in and sign-out pages, are not called)."""
    found: list[tuple[str, str]] = []
    if settings.OIDC_RP_CLIENT_ID:
        found += [(settings.OIDC_OP_TOKEN_ENDPOINT, "DUBAN_OIDC_TOKEN_URL"),
                  (settings.OIDC_OP_USER_ENDPOINT, "DUBAN_OIDC_USERINFO_URL"),
                  (settings.OIDC_OP_JWKS_ENDPOINT, "DUBAN_OIDC_JWKS_URL")]
    if settings.DUBAN_CAS.get("url"):
        found.append((settings.DUBAN_CAS["url"], "DUBAN_CAS_URL"))
    wecom = settings.DUBAN_WECOM
    if wecom.get("corp_id") and wecom.get("secret"):
        found.append((wecom.get("api_url", ""), "DUBAN_WECOM_API_URL"))
    ding = settings.DUBAN_DINGTALK
    if ding.get("client_id") and ding.get("client_secret"):
        found += [(ding.get("api_url", ""), "DUBAN_DINGTALK_API_URL"), (ding.get("oapi_url", ""), "DUBAN_DINGTALK_OAPI_URL")]
    return [(url, setting, outbound.IDENTITY) for url, setting in found if url]


def call(method: str, url: str, **kwargs) -> outbound.Response:
    """One request to a provider (any status returned; a redirect is not followed).
    Raises outbound.Refused or outbound.SendError, whose messages name no address."""
    timeout = settings.OIDC_TIMEOUT
    return outbound.request(method, url, purpose=outbound.IDENTITY, connect_timeout=min(timeout, outbound.CONNECT_TIMEOUT),
                            read_timeout=timeout, max_bytes=MAX_BYTES, **kwargs)


def json_object(response: outbound.Response, what: str) -> dict:
    """The answer's JSON object, or ProviderError (a redirect is never followed)."""
    if 300 <= response.status < 400:
        raise ProviderError(f"{what}要求跳转到其他地址（HTTP {response.status}），不跟随跳转")
    data = response.json()
    if not isinstance(data, dict):
        raise ProviderError(f"{what}的答复不是预期的格式（HTTP {response.status}）")
    return data


def problem(exc: Exception) -> str:
    """The Chinese reason of a failed request: the client's messages name no address."""
    if isinstance(exc, (outbound.Refused, outbound.SendError, ProviderError)):
        return str(exc)
    return "答复无法解析"
