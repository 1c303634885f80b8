"""A signed-in browser for the benchmarks and the production-setup test.

One `requests.Session` per browser: it keeps its cookies (session, CSRF) and its
connections (HTTP keep-alive, one TLS handshake per connection), as a browser does.
Redirects are never followed: callers see the 302 a form answers with.

Posts carry the CSRF cookie's secret in X-CSRFToken, and Origin and Referer headers
as a browser sends them. `behind_proxy=True` talks to an application server directly
as nginx would (X-Forwarded-Proto: https), sending the Secure cookies over the plain
loopback connection that nginx would use.
"""
from __future__ import annotations

import re
import urllib.parse

import requests
from requests.adapters import HTTPAdapter

VERSION_FIELD = re.compile(r'name="version" value="(\d+)"')


class SignInError(RuntimeError):
    pass


class Browser:
    def __init__(self, base_url: str, *, verify: bool | str = True, behind_proxy: bool = False,
                 origin: str | None = None, timeout: float = 120, pool: int = 1):
        self.base_url = base_url.rstrip("/")
        self.behind_proxy = behind_proxy
        netloc = urllib.parse.urlsplit(self.base_url).netloc
        # What Django compares Origin and Referer with: the scheme it believes and the host.
        self.origin = (origin or f"{'https' if behind_proxy else urllib.parse.urlsplit(self.base_url).scheme}://{netloc}")
        self.timeout = timeout
        self.session = requests.Session()
        # Not the environment's proxies or CA bundle (REQUESTS_CA_BUNDLE would replace `verify`).
        self.session.trust_env = False
        self.session.verify = verify
        adapter = HTTPAdapter(pool_connections=1, pool_maxsize=pool)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)

    # ------------------------------------------------------------------ plumbing

    def _headers(self, extra: dict | None = None) -> dict:
        headers = dict(extra or {})
        if self.behind_proxy:
            headers["X-Forwarded-Proto"] = "https"
            # requests keeps Secure cookies off plain http; nginx would pass them on.
            cookies = "; ".join(f"{c.name}={c.value}" for c in self.session.cookies)
            if cookies:
                headers["Cookie"] = cookies
        return headers

    def cookie(self, name: str) -> str:
        return next((c.value for c in self.session.cookies if c.name == name), "")

    def get(self, path: str, headers: dict | None = None) -> requests.Response:
        return self.session.get(self.base_url + path, headers=self._headers(headers), allow_redirects=False,
                                timeout=self.timeout)

    def post(self, path: str, fields: dict, headers: dict | None = None) -> requests.Response:
        extra = {"X-CSRFToken": self.cookie("csrftoken"), "Origin": self.origin, "Referer": self.origin + path,
                 **(headers or {})}
        return self.session.post(self.base_url + path, data=fields, headers=self._headers(extra),
                                 allow_redirects=False, timeout=self.timeout)

    def close(self) -> None:
        self.session.close()

    # ------------------------------------------------------------------ pages

    def sign_in(self, username: str, password: str) -> requests.Response:
        """The real sign-in form: GET (CSRF cookie), POST; raises SignInError unless 302."""
        page = self.get("/accounts/login/")
        if page.status_code != 200 or not self.cookie("csrftoken"):
            raise SignInError(f"登录页异常（{page.status_code}）")
        resp = self.post("/accounts/login/", {"username": username, "password": password})
        if resp.status_code != 302:
            raise SignInError(f"{username} 登录失败（{resp.status_code}）")
        return resp

    def sign_out(self) -> None:
        """Forgets the session and CSRF cookies (a new browser profile)."""
        self.session.cookies.clear()


def form_version(html: str) -> int | None:
    """The optimistic-locking version in a form's hidden `version` field."""
    m = VERSION_FIELD.search(html)
    return int(m.group(1)) if m else None
