"""Connection tests of the unified identity paths, each ending in a Chinese sentence
that says what to check. The requests go through duban.lib.outbound (as every request
to a provider does); a failure names the setting to check, never the address, port or
the system's error text (the page that shows it is not a way to probe the network)."""
from __future__ import annotations

from django.conf import settings

from duban.lib import outbound

from . import net


def _unreachable(what: str, setting: str, exc: Exception) -> str:
    return f"无法访问{what}（{net.problem(exc)}）：请检查 {setting} 和网络"


def test_oidc() -> tuple[bool, str]:
    jwks = settings.OIDC_OP_JWKS_ENDPOINT
    keys = None
    if jwks:
        try:
            keys = net.json_object(net.call("GET", jwks), "认证平台的公钥地址").get("keys")
        except (outbound.Refused, outbound.SendError, net.ProviderError) as exc:
            return False, _unreachable("认证平台的公钥地址", "DUBAN_OIDC_JWKS_URL", exc)
    if settings.OIDC_RP_SIGN_ALGO.startswith(("RS", "ES")) and not keys:
        return False, "认证平台的公钥地址" + ("" if jwks else "（未设置）") + "没有给出签名公钥：请检查 DUBAN_OIDC_JWKS_URL"
    try:
        answer = net.call("POST", settings.OIDC_OP_TOKEN_ENDPOINT, form={
            "grant_type": "authorization_code", "code": "duban-connection-test", "redirect_uri": "https://invalid/",
            "client_id": settings.OIDC_RP_CLIENT_ID, "client_secret": settings.OIDC_RP_CLIENT_SECRET})
        error = net.json_object(answer, "认证平台的令牌地址").get("error", "")
    except (outbound.Refused, outbound.SendError, net.ProviderError) as exc:
        return False, _unreachable("认证平台的令牌地址", "DUBAN_OIDC_TOKEN_URL", exc)
    if error == "invalid_client":
        return False, f"认证平台不认可客户端 {settings.OIDC_RP_CLIENT_ID}：请检查 DUBAN_OIDC_CLIENT_ID 和 DUBAN_OIDC_CLIENT_SECRET"
    if error not in ("invalid_grant", "invalid_request"):
        return False, f"认证平台的令牌地址答复异常（HTTP {answer.status}）：请检查 DUBAN_OIDC_TOKEN_URL"
    return True, "连接成功：认证平台可访问，客户端标识和密钥有效，签名公钥已取得"


def test_cas() -> tuple[bool, str]:
    base = settings.DUBAN_CAS["url"].rstrip("/") + "/"
    version = settings.DUBAN_CAS.get("version")
    suffix = "p3/serviceValidate" if str(version) == "3" else "serviceValidate"
    try:
        answer = net.call("GET", base + suffix, params={"ticket": "ST-duban-connection-test", "service": "https://invalid/"})
    except (outbound.Refused, outbound.SendError) as exc:
        return False, _unreachable("统一身份认证平台（CAS）", "DUBAN_CAS_URL", exc)
    if 300 <= answer.status < 400:
        return False, f"统一身份认证平台（CAS）要求跳转到其他地址（HTTP {answer.status}），不跟随跳转：请检查 DUBAN_CAS_URL"
    if "authenticationFailure" not in answer.text:
        return False, f"配置的地址不是 CAS {version}.0 服务器（核验地址 {suffix} 答复异常）：请检查 DUBAN_CAS_URL 和 DUBAN_CAS_VERSION"
    return True, f"连接成功：统一身份认证平台按 CAS {version}.0 协议答复"
