"""What the server benchmarks share: a gunicorn server on a free loopback port, an
opener that does not follow redirects, and a Chinese fatal error."""
from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


def die(msg: str, code: int = 1) -> None:
    print(f"错误：{msg}", file=sys.stderr, flush=True)
    sys.exit(code)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Server:
    """`gunicorn APP` on 127.0.0.1 with the given options; its output goes to
    LOG_DIR/NAME.log, shown when it fails to start."""

    def __init__(self, name: str, app: str, chdir: Path, env: dict, log_dir: Path, options: list[str]):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"{name}.log"
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", app, "--chdir", str(chdir), "--bind", f"127.0.0.1:{self.port}", *options],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                die(f"{self.name} 服务器启动失败：\n{self.log_path.read_text(errors='replace')[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    return
            except OSError:
                time.sleep(0.2)
        die(f"{self.name} 服务器 {timeout:.0f} 秒内未就绪")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
