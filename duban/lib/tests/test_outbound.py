"""The one outgoing HTTP client (duban.lib.outbound) against real listeners on this
machine: refused unless allowlisted with internal addresses allowed, redirects never
followed, answers cut at the size limit, metadata and private addresses refused,
one name lookup, errors that name no address."""
from __future__ import annotations

import http.server
import socket
import threading
import time

import pytest

from duban.lib import outbound
from duban.lib.outbound import HostRule, Policy, Refused, SendError

# The allowlist by default is the security app's table (its migration adds the WeCom and
# DingTalk hosts); tests that pass `policy=` use that instead.
pytestmark = pytest.mark.django_db

LOCAL = Policy((HostRule("127.0.0.1", allow_private=True),))


class Listener:
    """An HTTP server on 127.0.0.1 in a thread; records each request. `handler(self)`
    (the request handler) answers; the default is 200 {"errcode": 0}."""

    def __init__(self, answer=None):
        self.requests: list[dict] = []
        listener = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                listener.requests.append({"method": self.command, "path": self.path, "headers": dict(self.headers),
                                          "body": body})
                if answer is not None:
                    return answer(self)
                data = b'{"errcode": 0, "errmsg": "ok"}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _handle

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    one = Listener()
    yield one
    one.close()


def test_it_refuses_a_listener_on_127_0_0_1_unless_allowlisted(listener):
    with pytest.raises(Refused, match="不在安全管理员允许的外发地址白名单中"):
        outbound.post_json(listener.url + "/hook", {"a": 1})  # the default allowlist: WeCom and DingTalk only
    allowed_but_public_only = Policy((HostRule("127.0.0.1"),))
    with pytest.raises(Refused, match="本机、内网或保留地址"):
        outbound.post_json(listener.url + "/hook", {"a": 1}, policy=allowed_but_public_only)
    assert listener.requests == []  # nothing reached it
    answer = outbound.post_json(listener.url + "/hook?key=1", {"text": "督办"}, policy=LOCAL)
    assert answer.status == 200 and answer.json() == {"errcode": 0, "errmsg": "ok"}
    [got] = listener.requests
    assert (got["method"], got["path"]) == ("POST", "/hook?key=1")
    assert got["body"].decode() == '{"text": "督办"}'
    assert got["headers"]["Host"] == f"127.0.0.1:{listener.port}"
    assert got["headers"]["Content-Type"] == "application/json; charset=utf-8"


def test_it_refuses_a_name_that_resolves_to_loopback_unless_its_rule_allows_it(listener):
    with pytest.raises(SendError, match="解析到本机、内网或保留地址") as refused:
        outbound.post_json(f"http://localhost:{listener.port}/", {}, policy=Policy((HostRule("localhost"),)))
    assert refused.value.permanent
    assert listener.requests == []
    outbound.post_json(f"http://localhost:{listener.port}/", {}, policy=Policy((HostRule("localhost", True),)))
    assert len(listener.requests) == 1 and listener.requests[0]["headers"]["Host"] == f"localhost:{listener.port}"


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/",  # cloud metadata (link-local)
    "http://10.0.0.8/hook", "http://172.16.5.4/hook", "http://192.168.1.1/hook",  # private
    "http://100.64.0.1/hook",  # shared address space
    "http://0.0.0.0:5432/", "http://127.0.0.1:6379/",  # unspecified, loopback
    "http://[::1]:5432/", "http://[fe80::1]/", "http://[fd00::1]/",  # IPv6 loopback, link-local, unique local
    "http://[::ffff:127.0.0.1]/", "http://[::ffff:169.254.169.254]/",  # IPv4 written as IPv6
    "http://240.0.0.1/", "http://224.0.0.1/",  # reserved, multicast
])
def test_it_refuses_metadata_private_and_reserved_addresses_even_when_allowlisted(url):
    host = url.split("//")[1].split("/")[0].rsplit(":", 1)[0] if "[" not in url else url.split("[")[1].split("]")[0]
    policy = Policy((HostRule(host),))
    with pytest.raises(Refused, match="本机、内网或保留地址"):
        outbound.check_url(url, policy=policy)


def test_it_resolves_once_and_connects_to_the_address_it_checked(listener, monkeypatch):
    """DNS rebinding: a name that answers a public address when checked and loopback
    when connected to. The client asks once and connects to what it checked."""
    real = socket.getaddrinfo
    asked = []

    def rebinding(host, port, *args, **kwargs):
        if host == "hook.example.gov.cn":
            asked.append(host)
            # first answer: this machine (allowed for the rule below); any later
            # answer would be the metadata address
            ip = "127.0.0.1" if len(asked) == 1 else "169.254.169.254"
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    policy = Policy((HostRule("hook.example.gov.cn", allow_private=True),))
    outbound.post_json(f"http://hook.example.gov.cn:{listener.port}/x", {}, policy=policy)
    assert asked == ["hook.example.gov.cn"]  # one lookup
    assert listener.requests[0]["headers"]["Host"] == f"hook.example.gov.cn:{listener.port}"


def test_it_refuses_a_name_with_any_private_address_among_its_answers(monkeypatch):
    def mixed(host, port, *args, **kwargs):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", port))]

    monkeypatch.setattr(socket, "getaddrinfo", mixed)
    with pytest.raises(SendError, match="内网"):
        outbound.post_json("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x", {})


def test_it_does_not_follow_a_redirect_to_another_host(listener):
    def redirect(handler):
        handler.send_response(302)
        handler.send_header("Location", listener.url + "/stolen")
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    bouncer = Listener(redirect)
    try:
        with pytest.raises(SendError, match="不跟随跳转") as failed:
            outbound.post_json(bouncer.url + "/hook", {"secret": "x"}, policy=LOCAL)
        assert failed.value.status == 302
        answer = outbound.request("GET", bouncer.url + "/", policy=LOCAL)
        assert answer.status == 302  # returned as it is, not followed
    finally:
        bouncer.close()
    assert listener.requests == []  # the other host never heard of it


def test_it_cuts_an_oversized_answer_at_the_limit(monkeypatch):
    def huge(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", str(5 * 1024 * 1024))
        handler.end_headers()
        try:
            for _ in range(80):
                handler.wfile.write(b"x" * 65536)
        except (BrokenPipeError, ConnectionResetError):
            pass

    big = Listener(huge)
    try:
        monkeypatch.setattr(outbound, "MAX_RESPONSE_BYTES", 1000)
        answer = outbound.post_json(big.url + "/", {}, policy=LOCAL)
        assert answer.truncated and len(answer.body) == 1000
        answer = outbound.post_json(big.url + "/", {}, policy=LOCAL, max_bytes=10)
        assert answer.truncated and answer.body == b"x" * 10
    finally:
        big.close()


def test_it_gives_up_on_a_silent_receiver_within_the_timeout_and_names_no_address():
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)  # accepts connections, never answers
    port = silent.getsockname()[1]
    try:
        started = time.monotonic()
        with pytest.raises(SendError) as failed:
            outbound.post_json(f"http://127.0.0.1:{port}/", {}, policy=LOCAL, read_timeout=0.5)
        assert time.monotonic() - started < 5
        assert str(failed.value) == "接收方超时未响应"
    finally:
        silent.close()
    # nothing listening: the same wording for every closed port, no address, no errno
    with pytest.raises(SendError) as refused:
        outbound.post_json(f"http://127.0.0.1:{port}/", {}, policy=LOCAL)
    assert str(refused.value) == "无法连接接收方"
    assert str(port) not in str(refused.value) and "127.0.0.1" not in str(refused.value)


@pytest.mark.parametrize("url, reason", [
    ("file:///etc/passwd", "必须以 http:// 或 https:// 开头"),
    ("gopher://qyapi.weixin.qq.com/", "必须以 http:// 或 https:// 开头"),
    ("ftp://oapi.dingtalk.com/", "必须以 http:// 或 https:// 开头"),
    ("https://user:pw@qyapi.weixin.qq.com/x", "用户名或密码"),
    ("https://qyapi.weixin.qq.com:99999/x", "端口"),
    ("https://qyapi.weixin.qq.com.evil.example/x", "白名单"),
    ("https://evilqyapi.weixin.qq.com/x", "白名单"),
    ("https://qyapi.weixin.qq.com /x", "空格"),
    ("https:///x", "缺少主机名"),
])
def test_it_refuses_other_schemes_and_lookalike_hosts_in_chinese(url, reason):
    with pytest.raises(Refused, match=reason):
        outbound.check_url(url)


def test_it_allows_the_official_robot_hosts_by_default_and_subdomains_by_wildcard():
    assert outbound.check_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=1").host == "qyapi.weixin.qq.com"
    assert outbound.check_url("https://OAPI.DingTalk.com./robot/send?access_token=1").host == "oapi.dingtalk.com"
    policy = Policy((HostRule("*.example.gov.cn"),))
    assert outbound.check_url("https://oa.example.gov.cn/x", policy=policy).port == 443
    with pytest.raises(Refused):
        outbound.check_url("https://example.gov.cn/x", policy=policy)  # the domain itself is not under it
    with pytest.raises(Refused):
        outbound.check_url("https://oa.example.gov.cn.evil.example/x", policy=policy)


@pytest.mark.parametrize("host, problem", [
    ("oa.example.gov.cn", None), ("*.example.gov.cn", None), ("10.1.2.3", None), ("oa-server", None),
    ("http://oa.example.gov.cn", "只填写主机名"), ("oa.example.gov.cn:8080", "只填写主机名"),
    ("*.10.1.2.3", "通配符只能用于域名"), ("*.cn", "通配符至少要限定到二级域名"), ("oa..example", "格式不正确"),
    ("", "请填写主机名"), ("oa_server", "只能包含字母"),
])
def test_it_says_what_is_wrong_with_an_allowlist_entry(host, problem):
    assert outbound.host_rule_problem(host) == problem or problem in (outbound.host_rule_problem(host) or "")


def test_it_adds_query_parameters_sends_a_form_or_json_and_returns_the_headers(listener):
    answer = outbound.request("GET", listener.url + "/t?a=1", params={"code": "码 &x=y"}, policy=LOCAL)
    assert listener.requests[-1]["path"] == "/t?a=1&code=%E7%A0%81+%26x%3Dy"  # encoded: cannot add parameters
    assert answer.headers["content-type"] == "application/json" and answer.json() == {"errcode": 0, "errmsg": "ok"}
    outbound.request("POST", listener.url + "/f", form={"grant_type": "authorization_code", "code": "a&b"}, policy=LOCAL)
    got = listener.requests[-1]
    assert got["body"] == b"grant_type=authorization_code&code=a%26b"
    assert got["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    outbound.request("POST", listener.url + "/j", json_body={"名": 1}, policy=LOCAL)
    assert listener.requests[-1]["body"].decode() == '{"名": 1}'
    # parameters do not count against the limit of a saved URL's length, the URL does
    outbound.request("GET", listener.url + "/", params={"t": "x" * 800}, policy=LOCAL)
    with pytest.raises(Refused, match="地址过长"):
        outbound.request("GET", listener.url + "/" + "x" * 800, policy=LOCAL)


def test_a_deployment_host_serves_only_its_purpose(listener, monkeypatch):
    monkeypatch.setattr(outbound, "_deployment_sources", [])
    outbound.add_deployment_hosts(lambda: [(listener.url + "/cas/", "DUBAN_CAS_URL", outbound.IDENTITY),
                                           (listener.url + "/o/token/", "DUBAN_OIDC_TOKEN_URL", outbound.IDENTITY),
                                           ("ftp://files.example.gov.cn/", "X", outbound.IDENTITY), ("", "Y", "z")])
    assert outbound.deployment_rules() == (
        HostRule("127.0.0.1", True, outbound.IDENTITY, ("DUBAN_CAS_URL", "DUBAN_OIDC_TOKEN_URL")),)
    assert outbound.request("GET", listener.url + "/cas/x", purpose=outbound.IDENTITY).status == 200
    with pytest.raises(Refused, match="白名单"):
        outbound.request("GET", listener.url + "/cas/x")  # a robot, a webhook: not theirs
    with pytest.raises(Refused, match="白名单"):
        outbound.request("GET", listener.url + "/cas/x", purpose="other")
    assert len(listener.requests) == 1
    # an administrator's rule of the same host without intranet: the deployment's decides for its purpose
    mixed = Policy((HostRule("127.0.0.1"),) + outbound.deployment_rules())
    assert mixed.rule_for("127.0.0.1", outbound.IDENTITY).allow_private
    assert not mixed.rule_for("127.0.0.1").allow_private
