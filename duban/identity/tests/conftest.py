"""Identity test fixtures: a real slapd, and Duban pointed at it."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from .slapd import SLAPD, Slapd


@pytest.fixture(scope="session")
def slapd_server():
    if not (os.path.isfile(SLAPD) and os.access(SLAPD, os.X_OK)) and not shutil.which("slapd"):
        message = "找不到 slapd：请运行 bash scripts/install.sh --test"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    # Its own folder straight under the temporary directory: pytest's folders are private
    # to the user running the tests, and the server runs as another (nobody) when that is root.
    folder = Path(tempfile.mkdtemp(prefix="duban-slapd-"))
    try:
        server = Slapd(folder).start()
        yield server
        server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def directory(slapd_server, settings):
    """The test directory, emptied to its base tree, and Duban's settings pointing at it."""
    slapd_server.reset()
    settings.DUBAN_LDAP = slapd_server.settings()
    return slapd_server


class IdentityProvider:
    """The test identity provider (provider/): OIDC, CAS, WeCom and DingTalk stubs."""

    def __init__(self, folder: Path) -> None:
        from .slapd import free_port

        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None

    def start(self) -> "IdentityProvider":
        import subprocess
        import sys
        import time
        import urllib.request

        env = {**os.environ, "PROVIDER_DIR": str(self.folder),
               "DJANGO_SETTINGS_MODULE": "duban.identity.tests.provider.settings"}
        env.pop("DATABASE_URL", None)
        root = Path(__file__).resolve().parents[3]
        subprocess.run([sys.executable, "-m", "duban.identity.tests.provider.setup"], env=env, cwd=root, check=True,
                       timeout=300)
        self.log = open(self.folder / "server.log", "wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}", "--workers", "1", "--threads", "8",
             "--timeout", "120", "duban.identity.tests.provider.wsgi"],
            env=env, cwd=root, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.url + "/_alive/", timeout=2).read()
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("identity provider did not start: " + (self.folder / "server.log").read_text())
                time.sleep(0.2)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)
        self.process = None

    def oidc_settings(self, settings) -> None:
        from .provider.setup import CLIENT_ID, CLIENT_SECRET

        settings.OIDC_RP_CLIENT_ID = CLIENT_ID
        settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
        settings.OIDC_OP_AUTHORIZATION_ENDPOINT = f"{self.url}/o/authorize/"
        settings.OIDC_OP_TOKEN_ENDPOINT = f"{self.url}/o/token/"
        settings.OIDC_OP_USER_ENDPOINT = f"{self.url}/o/userinfo/"
        settings.OIDC_OP_JWKS_ENDPOINT = f"{self.url}/o/.well-known/jwks.json"
        settings.OIDC_OP_LOGOUT_ENDPOINT = f"{self.url}/o/logout/"

    def cas_settings(self, settings, version: str = "3") -> None:
        settings.DUBAN_CAS = {"url": f"{self.url}/cas/", "version": version}

    def wecom_settings(self, settings) -> None:
        from .provider import constants as stubs

        settings.DUBAN_WECOM = {"corp_id": stubs.CORP_ID, "agent_id": stubs.AGENT_ID, "secret": stubs.CORP_SECRET,
                                "api_url": f"{self.url}/wecom", "oauth_url": f"{self.url}/wecom/connect/oauth2/authorize"}

    def dingtalk_settings(self, settings) -> None:
        from .provider import constants as stubs

        settings.DUBAN_DINGTALK = {
            "client_id": stubs.DING_CLIENT_ID, "client_secret": stubs.DING_CLIENT_SECRET, "corp_id": stubs.DING_CORP_ID,
            "agent_id": stubs.AGENT_ID, "oauth_url": f"{self.url}/dingtalk/oauth2/auth",
            "api_url": f"{self.url}/dingtalk", "oapi_url": f"{self.url}/dingtalk"}


@pytest.fixture(scope="session")
def identity_provider():
    folder = Path(tempfile.mkdtemp(prefix="duban-idp-"))
    try:
        server = IdentityProvider(folder).start()
        yield server
        server.stop()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
