"""The one client for every request Duban sends to another system (group robots, app
messages, the office's status webhooks): nothing else in Duban opens an outgoing HTTP
connection.

The rules (issue 14 §1, SSRF):

- only ``http://`` and ``https://``, no user name or password in the URL;
- only hosts on the allowlist the security administrator keeps (the security app's
  "外发地址白名单" page; until it is changed: the official WeCom and DingTalk robot
  hosts ``qyapi.weixin.qq.com`` and ``oapi.dingtalk.com``). A rule names one host, or
  ``*.example.gov.cn`` for the hosts under a domain;
- besides, the hosts of the deployment's own configuration (the identity providers of
  deploy/duban.env: ``DUBAN_CAS_URL``, ``DUBAN_OIDC_TOKEN_URL``, …), which an app
  registers with ``add_deployment_hosts``: allowed with intranet addresses (an identity
  platform usually is on the intranet), but only for requests made for that purpose
  (``purpose="identity"``), so a robot or webhook address a person saves cannot reach
  them. The allowlist page lists them, read-only (``deployment_rules``);
- the host is resolved once; every address it resolves to must be a public one
  (not loopback, link-local such as 169.254.169.254, private, shared, reserved or
  multicast) unless its rule says "允许内网地址"; the connection goes to that resolved
  address (no second lookup, so a name cannot point somewhere else in between), with
  the host name kept for the ``Host`` header, TLS SNI and certificate check;
- redirects are never followed (an answer of its own), short timeouts, responses cut
  at ``MAX_RESPONSE_BYTES``; no proxy from the environment.

Errors carry a Chinese message that never names the address, port or the system's
own error text (``Refused`` for a URL that may not be used, ``SendError`` for a
request that failed), so a page that shows them cannot be used to map what answers
where on the intranet.

``check_url`` is what a form calls before saving a URL (no DNS lookup: saving never
probes the network); ``post_json`` and ``request`` do the whole thing (``request``
also adds query parameters, sends a form or JSON body and returns the answer with
its headers; ``Response.json`` parses it). The allowlist
comes from the provider the security app installs (``set_policy_provider``); a test or
a caller can pass ``policy=`` instead.
"""
from __future__ import annotations

import ipaddress
import json
import socket
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable
from urllib.parse import urlencode, urlsplit

import urllib3  # why: a well-kept HTTP client that can connect to a given address and verify TLS for the name

DEFAULT_HOSTS = ("qyapi.weixin.qq.com", "oapi.dingtalk.com")
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
MAX_RESPONSE_BYTES = 64 * 1024
MAX_URL_LENGTH = 500
USER_AGENT = "Duban/1"


class Refused(ValueError):
    """The URL may not be used; the message (Chinese) says why, without resolved addresses."""


class SendError(Exception):
    """The request failed; the message (Chinese) names no address, port or system error.
    ``status`` is the HTTP status of an answer that was not a success, else None;
    ``permanent`` is True when sending again cannot help (a refused URL)."""

    def __init__(self, message: str, *, status: int | None = None, permanent: bool = False):
        super().__init__(message)
        self.status = status
        self.permanent = permanent


@dataclass(frozen=True)
class HostRule:
    """One allowlist entry: ``host`` is a name, an IP address, or ``*.domain`` for every
    host under ``domain``; ``allow_private`` lets it resolve to non-public addresses.
    ``purpose``: empty for a rule every request may use, else the one purpose whose
    requests it allows (a deployment rule: ``IDENTITY``); ``settings``: the deployment
    settings a deployment rule comes from (shown on the allowlist page)."""

    host: str
    allow_private: bool = False
    purpose: str = ""
    settings: tuple[str, ...] = ()

    def matches(self, host: str) -> bool:
        pattern = normalize_host(self.host)
        if pattern.startswith("*."):
            return host.endswith(pattern[1:]) and len(host) > len(pattern) - 1
        return host == pattern


@dataclass(frozen=True)
class Policy:
    rules: tuple[HostRule, ...]

    def rule_for(self, host: str, purpose: str = "") -> HostRule | None:
        """The rule deciding for `host` in a request made for `purpose`: an exact host
        before a wildcard, a rule of that purpose before a general one."""
        host = normalize_host(host)
        usable = [r for r in self.rules if r.purpose in ("", purpose) and r.matches(host)]
        usable.sort(key=lambda r: (r.host.startswith("*."), r.purpose != purpose))
        return usable[0] if usable else None


def default_policy() -> Policy:
    return Policy(tuple(HostRule(h) for h in DEFAULT_HOSTS))


IDENTITY = "identity"  # the purpose of requests to the identity providers (duban.identity)

_provider: Callable[[], Policy] = default_policy
_deployment_sources: list[Callable[[], Iterable[tuple[str, str, str]]]] = []


def set_policy_provider(provider: Callable[[], Policy]) -> None:
    """Installs the function that returns the allowlist in force (the security app's)."""
    global _provider
    _provider = provider


def add_deployment_hosts(source: Callable[[], Iterable[tuple[str, str, str]]]) -> None:
    """Registers a function returning (url, setting name, purpose) for every address
    the deployment's configuration makes Duban call (read at each request, so a changed
    setting takes effect at once)."""
    if source not in _deployment_sources:
        _deployment_sources.append(source)


def deployment_rules() -> tuple[HostRule, ...]:
    """The rules the deployment's configuration adds: one per host and purpose, allowed
    with intranet addresses, naming the settings it comes from. A value that is not a
    usable http(s) URL adds nothing (check_url then refuses it)."""
    found: dict[tuple[str, str], list[str]] = {}
    for source in _deployment_sources:
        for url, setting, purpose in source():
            try:
                parts = urlsplit((url or "").strip())
                host = normalize_host(parts.hostname or "")
            except ValueError:
                continue
            if parts.scheme.lower() not in ("http", "https") or host_rule_problem(host) or host.startswith("*."):
                continue
            names = found.setdefault((host, purpose), [])
            if setting not in names:
                names.append(setting)
    return tuple(HostRule(host, True, purpose, tuple(names)) for (host, purpose), names in found.items())


def current_policy() -> Policy:
    """The security administrator's allowlist and the deployment's own hosts."""
    return Policy(tuple(_provider().rules) + deployment_rules())


def normalize_host(host: str) -> str:
    """Lower case, no trailing dot, IDN as ASCII, IPv6 without brackets."""
    host = (host or "").strip().rstrip(".").lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    try:
        return host.encode("idna").decode("ascii") if host and not host.startswith("*.") else host
    except UnicodeError:
        return host


def host_rule_problem(host: str) -> str | None:
    """Why `host` cannot be an allowlist entry (Chinese), or None."""
    host = normalize_host(host)
    if not host:
        return "请填写主机名"
    if any(c in host for c in "/ @?#") or (":" in host and _ip(host) is None):
        return "只填写主机名（如 oa.example.gov.cn）或 IP 地址，不含 http://、端口和路径"
    name = host[2:] if host.startswith("*.") else host
    if _ip(name) is not None:
        if host.startswith("*."):
            return "通配符只能用于域名，不能用于 IP 地址"
        return None
    labels = name.split(".")
    if "*" in name or not all(labels) or any(len(x) > 63 for x in labels) or len(name) > 253:
        return "主机名格式不正确"
    if not all(c.isalnum() or c == "-" for x in labels for c in x):
        return "主机名只能包含字母、数字、连字符和点"
    if host.startswith("*.") and len(labels) < 2:
        return "通配符至少要限定到二级域名，如 *.example.gov.cn"
    return None


def _ip(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A global unicast address: not loopback, link-local (169.254.0.0/16, the cloud
    metadata address), private, shared (100.64.0.0/10), reserved, documentation,
    unspecified or multicast; an IPv4 address written as IPv6 is judged as IPv4."""
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if inner is not None and not is_public(inner):
            return False
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class Target:
    """A URL that passed ``check_url``."""

    scheme: str
    host: str  # normalized
    port: int
    path: str  # path and query, as sent
    rule: HostRule

    @property
    def host_header(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return host if self.port == default else f"{host}:{self.port}"


def check_url(url: str, *, policy: Policy | None = None, purpose: str = "") -> Target:
    """The checks that need no network: scheme, no credentials, a valid port, the host
    on the allowlist (the rules every request may use, and those of `purpose`), an IP
    written in the URL public unless its rule allows it. Raises Refused with the reason
    in Chinese."""
    url = (url or "").strip()
    if not url:
        raise Refused("请填写地址")
    if len(url) > MAX_URL_LENGTH:
        raise Refused(f"地址过长（不能超过{MAX_URL_LENGTH}个字符）")
    if any(ord(c) < 0x21 or c == "\x7f" for c in url):
        raise Refused("地址中不能有空格或控制字符")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise Refused("地址格式不正确（端口或主机名无效）") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise Refused("地址必须以 http:// 或 https:// 开头")
    if parts.username is not None or parts.password is not None:
        raise Refused("地址中不能包含用户名或密码")
    host = normalize_host(parts.hostname or "")
    if not host:
        raise Refused("地址缺少主机名")
    if port == 0:
        raise Refused("地址的端口无效")
    policy = policy or current_policy()
    rule = policy.rule_for(host, purpose)
    if rule is None:
        raise Refused(f"主机“{host}”不在安全管理员允许的外发地址白名单中，请联系安全管理员添加")
    literal = _ip(host)
    if literal is not None and not rule.allow_private and not is_public(literal):
        raise Refused("地址指向本机、内网或保留地址，不允许发送；如确需发往内网系统，请安全管理员在白名单中为该主机开启“允许内网地址”")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme, host, port or (443 if scheme == "https" else 80), path, rule)


def resolve(target: Target) -> str:
    """The one address to connect to: the host resolved once, every address checked
    (a name that resolves to one private address among public ones is refused)."""
    literal = _ip(target.host)
    if literal is not None:
        return str(literal)
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise SendError("无法解析接收方的主机名") from None
    addresses = []
    for info in infos:
        ip = ipaddress.ip_address(info[4][0].split("%")[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise SendError("无法解析接收方的主机名")
    if not target.rule.allow_private and not all(is_public(ip) for ip in addresses):
        raise SendError("接收方主机解析到本机、内网或保留地址，已拒绝发送", permanent=True)
    return str(addresses[0])


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    truncated: bool  # the body was longer than the limit and was cut
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        """The body as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return None


_NO_BODY = object()


def request(method: str, url: str, *, body: bytes | None = None, headers: dict[str, str] | None = None,
            params: dict[str, str] | None = None, form: dict[str, str] | None = None, json_body=_NO_BODY,
            policy: Policy | None = None, purpose: str = "", connect_timeout: float | None = None,
            read_timeout: float | None = None, max_bytes: int | None = None) -> Response:
    """Sends one request under the rules above and returns the answer (any status;
    a redirect is returned, not followed). Raises Refused or SendError. `params` are
    added to the URL's query; `form` (URL-encoded) or `json_body` is sent as the body
    with its content type. Timeouts and the size limit default to the module's
    constants."""
    sent = dict(headers or {})
    if form is not None:
        body = urlencode(form).encode("ascii")
        sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
    elif json_body is not _NO_BODY:
        body = json.dumps(json_body, ensure_ascii=False).encode("utf-8")
        sent.setdefault("Content-Type", "application/json; charset=utf-8")
    target = check_url(url, policy=policy, purpose=purpose)
    if params:  # encoded here: they cannot change where the request goes
        target = replace(target, path=target.path + ("&" if "?" in target.path else "?") + urlencode(params))
    address = resolve(target)
    max_bytes = MAX_RESPONSE_BYTES if max_bytes is None else max_bytes
    timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT if connect_timeout is None else connect_timeout,
                              read=READ_TIMEOUT if read_timeout is None else read_timeout)
    if target.scheme == "https":
        pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
            address, target.port, timeout=timeout, retries=False, maxsize=1, cert_reqs="CERT_REQUIRED",
            assert_hostname=target.host, server_hostname=target.host)
    else:
        pool = urllib3.HTTPConnectionPool(address, target.port, timeout=timeout, retries=False, maxsize=1)
    sent = {"User-Agent": USER_AGENT, **sent, "Host": target.host_header}
    try:
        resp = pool.urlopen(method, target.path, body=body, headers=sent, redirect=False, retries=False,
                            assert_same_host=False, preload_content=False, decode_content=False)
        try:
            data = resp.read(max_bytes + 1)
        finally:
            resp.release_conn()
            resp.close()
    except urllib3.exceptions.SSLError:
        raise SendError("与接收方建立加密连接失败（证书无效或协议不匹配）") from None
    except urllib3.exceptions.NewConnectionError:  # a subclass of ConnectTimeoutError
        raise SendError("无法连接接收方") from None
    except (urllib3.exceptions.ConnectTimeoutError, urllib3.exceptions.ReadTimeoutError, TimeoutError):
        raise SendError("接收方超时未响应") from None
    except (urllib3.exceptions.HTTPError, OSError):
        raise SendError("无法连接接收方") from None
    finally:
        pool.close()
    return Response(resp.status, data[:max_bytes], len(data) > max_bytes,
                    {k.lower(): v for k, v in resp.headers.items()})


def post_json(url: str, payload, *, headers: dict[str, str] | None = None, policy: Policy | None = None,
              **kwargs) -> Response:
    """POSTs `payload` (a JSON-able value, or bytes already encoded) and returns a 2xx
    answer; any other answer raises SendError (a redirect included: never followed)."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload, ensure_ascii=False).encode("utf-8")
    sent = {"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    resp = request("POST", url, body=body, headers=sent, policy=policy, **kwargs)
    if 300 <= resp.status < 400:
        raise SendError(f"接收方要求跳转到其他地址（HTTP {resp.status}），不跟随跳转，未送达", status=resp.status)
    if not 200 <= resp.status < 300:
        raise SendError(f"接收方返回 HTTP {resp.status}", status=resp.status)
    return resp


def rules_from(entries: Iterable[tuple[str, bool]]) -> Policy:
    """A policy from (host, allow_private) pairs (rules every request may use)."""
    return Policy(tuple(HostRule(normalize_host(h), bool(p)) for h, p in entries))
