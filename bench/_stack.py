"""The production setup of deploy/, run locally in a temporary folder: PostgreSQL,
Redis (when reachable), two application servers and nginx in front, all from the
repository's own deployment files. Used by the production-setup test
(duban/web/tests/test_deploy.py) and the load benchmark (bench/load.py).

What comes from deploy/, and what is replaced:

- duban.env: every setting, as the units' EnvironmentFile= gives it; replaced are only
  the values naming this machine: DATABASE_URL (a fresh database on
  postgres://postgres@127.0.0.1:5432), DUBAN_DATA_DIR and DUBAN_FILES_DIR (the temporary
  folder), DUBAN_SECRET_KEY_FILE and DUBAN_MASTER_KEY_FILE (keys made here),
  DUBAN_ALLOWED_HOSTS (127.0.0.1),
  DUBAN_CSRF_TRUSTED_ORIGINS (nginx's HTTPS port), DUBAN_CACHE_URL/_KEY_PREFIX (a
  prefix of this run's own, or no Redis), and DUBAN_EMAIL_BACKEND (nothing is mailed).
- duban@.service: the gunicorn command line (ExecStart), on a free port per server.
- duban-worker@.service and duban-job@.service: the background workers and one job run.
- nginx.conf: the site as is, with listen ports, certificate (self-signed, made here),
  static folder and upstream servers replaced; each replaced text must be found, so an
  edit of the sample that the replacement misses fails here instead of testing
  something else. A minimal main nginx.conf (temporary pid, logs, buffers) includes it.

Each process runs with a clean environment (no DUBAN_*, DJANGO_* or DATABASE_URL of
the caller), as systemd would start it.
"""
from __future__ import annotations

import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _gunicorn import Server, free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
VENV_BIN = Path(sys.executable).parent  # the running venv's bin/, as /opt/duban/.venv/bin/
INSTALLED_BIN = "/opt/duban/.venv/bin/"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PG_HOST, PG_PORT = "127.0.0.1", 5432
PG_ADMIN = f"postgresql://postgres@{PG_HOST}:{PG_PORT}/postgres"
REDIS_URL = "redis://127.0.0.1:6379/0"


class StackError(RuntimeError):
    pass


# ------------------------------------------------------------------ the deploy files


def read_env_file(path: Path = DEPLOY / "duban.env") -> dict[str, str]:
    """NAME=value lines of a systemd EnvironmentFile (comments and blank lines skipped)."""
    out = {}
    for n, line in enumerate(path.read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        if not sep or not re.fullmatch(r"[A-Z_][A-Z0-9_]*", name):
            raise StackError(f"{path.name} 第 {n} 行不是 NAME=value：{line!r}")
        out[name] = value
    return out


def exec_start(unit: str, instance: str = "") -> list[str]:
    """The ExecStart command of deploy/UNIT, %i replaced, installed paths made local."""
    lines = [ln for ln in (DEPLOY / unit).read_text().splitlines() if ln.startswith("ExecStart=")]
    if len(lines) != 1:
        raise StackError(f"{unit} 应有且只有一行 ExecStart=")
    command = lines[0].removeprefix("ExecStart=").replace("%i", instance).replace(INSTALLED_BIN, f"{VENV_BIN}/")
    return shlex.split(command)


def gunicorn_options() -> tuple[str, list[str]]:
    """(WSGI application, options) of duban@.service's gunicorn, without --bind."""
    argv = exec_start("duban@.service", "PORT")
    if not argv[0].endswith("/gunicorn"):
        raise StackError(f"duban@.service 应运行 gunicorn，而不是 {argv[0]}")
    app, rest, options = argv[1], argv[2:], []
    while rest:
        arg = rest.pop(0)
        if arg == "--bind":
            rest.pop(0)
        elif not arg.startswith("--bind="):
            options.append(arg)
    return app, options


def _replace(text: str, old: str, new: str) -> str:
    if old not in text:
        raise StackError(f"deploy/nginx.conf 中找不到“{old}”：示例配置改了，请同步修改 bench/_stack.py")
    return text.replace(old, new)


def nginx_site(*, http_port: int, https_port: int, upstreams: list[int], static_dir: Path, cert: Path,
               key: Path) -> str:
    """deploy/nginx.conf with this machine's ports and paths."""
    text = (DEPLOY / "nginx.conf").read_text()
    text = _replace(text, "listen 80;", f"listen 127.0.0.1:{http_port};")
    text = _replace(text, "listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;")
    text = _replace(text, "/etc/duban/tls/fullchain.pem", str(cert))
    text = _replace(text, "/etc/duban/tls/privkey.pem", str(key))
    text = _replace(text, "/var/lib/duban-static/", f"{static_dir}/")
    upstream = re.search(r"upstream duban_app \{.*?\n\}", text, re.S)
    if not upstream or not re.search(r"^\s*server \S+;$", upstream.group(0), re.M):
        raise StackError("deploy/nginx.conf 中找不到 upstream duban_app 及其 server 行")
    block = re.sub(r"^\s*server \S+;\n", "", upstream.group(0), flags=re.M)
    block = block.replace("{\n", "{\n" + "".join(f"    server 127.0.0.1:{p};\n" for p in upstreams), 1)
    return text.replace(upstream.group(0), block)


NGINX_MAIN = """\
# The main configuration a distribution's nginx.conf would give (bench/_stack.py).
daemon off;
worker_processes 2;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
{user}
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    gzip on;
    access_log {work}/nginx-access.log;
    client_body_temp_path {work}/nginx-temp/body;
    proxy_temp_path {work}/nginx-temp/proxy;
    fastcgi_temp_path {work}/nginx-temp/fastcgi;
    uwsgi_temp_path {work}/nginx-temp/uwsgi;
    scgi_temp_path {work}/nginx-temp/scgi;
    include {work}/duban-site.conf;
}}
"""


# ------------------------------------------------------------------ what is available


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def missing() -> str | None:
    """Why the stack cannot run here (nginx or PostgreSQL missing), or None."""
    if not os.access(NGINX, os.X_OK):
        return f"没有 nginx（{NGINX}）：apt-get install nginx"
    if not _reachable(PG_HOST, PG_PORT):
        return f"PostgreSQL 未在 {PG_HOST}:{PG_PORT} 运行"
    return None


def redis_reachable(url: str = REDIS_URL) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure: no Redis here
        return False


def _self_signed(cert: Path, key: Path) -> None:
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True)


# ------------------------------------------------------------------ the stack


class Stack:
    """`setup()` (database, migrate, collectstatic), then `serve()` (application servers
    and nginx), then `stop()`. Logs and data stay in `work` until the caller removes it."""

    def __init__(self, work: Path, *, db_name: str, servers: int = 2, redis: bool | None = None,
                 log=lambda msg: None):
        self.work = Path(work)
        self.db_name = db_name
        self.n_servers = servers
        self.use_redis = redis_reachable() if redis is None else redis
        self.log = log
        self.data = self.work / "data"
        self.static = self.work / "static"  # DUBAN_STATIC_DIR: outside the private data folder, as deployed
        self.cert, self.key = self.work / "tls-cert.pem", self.work / "tls-key.pem"
        self.http_port, self.https_port = free_port(), free_port()
        self.https_url = f"https://127.0.0.1:{self.https_port}"
        self.http_url = f"http://127.0.0.1:{self.http_port}"
        self.cache_prefix = f"duban-stack-{secrets.token_hex(4)}"
        self.servers: list[Server] = []
        self.nginx: subprocess.Popen | None = None
        self._db_created = False
        self.env = self._environment()

    def _environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("DUBAN_", "DJANGO_")) and k != "DATABASE_URL"}
        env.update(read_env_file())
        secret = self.work / "secret_key"
        env.update({
            "DATABASE_URL": f"postgres://postgres@{PG_HOST}:{PG_PORT}/{self.db_name}",
            "DUBAN_DATA_DIR": str(self.data),
            "DUBAN_FILES_DIR": str(self.data / "files"),
            "DUBAN_STATIC_DIR": str(self.static),
            "DUBAN_SECRET_KEY_FILE": str(secret),
            "DUBAN_MASTER_KEY_FILE": str(self.work / "master_key"),
            "DUBAN_ALLOWED_HOSTS": "127.0.0.1",
            "DUBAN_CSRF_TRUSTED_ORIGINS": self.https_url,
            "DUBAN_CACHE_URL": REDIS_URL if self.use_redis else "",
            "DUBAN_CACHE_KEY_PREFIX": self.cache_prefix,
            # the behaviours changed: nothing is mailed from a test or a benchmark, and the
            # office signs in with its password alone (the second factor has its own tests)
            "DUBAN_EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
            "DUBAN_REQUIRE_2FA_FOR_STAFF": "false",
        })
        env.pop("DUBAN_SECRET_KEY", None)
        env.pop("DUBAN_MASTER_KEY", None)
        return env

    # -------------------------------------------------------------- commands

    def run(self, argv: list[str], *, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
        proc = subprocess.run(argv, env=self.env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
        if check and proc.returncode != 0:
            raise StackError(f"{' '.join(argv[:3])} 失败（{proc.returncode}）：\n{proc.stdout[-2000:]}{proc.stderr[-3000:]}")
        return proc

    def duban(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run([str(VENV_BIN / "duban"), *args], check=check)

    def job(self, name: str, *, check: bool = True) -> subprocess.CompletedProcess:
        """One run of duban-job@NAME.service's command line."""
        return self.run(exec_start("duban-job@.service", name), check=check)

    def start_job(self, name: str) -> subprocess.Popen:
        return subprocess.Popen(exec_start("duban-job@.service", name), env=self.env, cwd=ROOT,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def start_worker(self, instance: str = "1") -> subprocess.Popen:
        """duban-worker@INSTANCE.service's command, in its own process group (its
        cluster of processes): stop it with stop_group(); the log is worker-INSTANCE.log."""
        log = open(self.work / f"worker-{instance}.log", "wb")
        return subprocess.Popen(exec_start("duban-worker@.service", instance), env=self.env, cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT, start_new_session=True)

    @staticmethod
    def stop_group(proc: subprocess.Popen) -> None:
        """Ends a process started with its own group and everything it started, as
        systemd ends a unit's control group."""
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()

    # -------------------------------------------------------------- life cycle

    def setup(self) -> None:
        import psycopg

        self.data.mkdir(parents=True, exist_ok=True)
        (self.work / "secret_key").write_text(secrets.token_urlsafe(50))
        (self.work / "secret_key").chmod(0o600)
        (self.work / "master_key").write_text(secrets.token_hex(32))
        (self.work / "master_key").chmod(0o600)
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        self._db_created = True
        t0 = time.perf_counter()
        self.duban("migrate", "--noinput", "-v", "0")
        self.duban("collectstatic", "--noinput", "-v", "0")
        self.log(f"[stack] database {self.db_name} migrated, static files collected in {time.perf_counter() - t0:.1f} s"
                 f"; cache: {'Redis' if self.use_redis else 'per process (no Redis)'}")

    def serve(self) -> None:
        app, options = gunicorn_options()
        for i in range(1, self.n_servers + 1):
            self.servers.append(Server(f"app{i}", app, ROOT, self.env, self.work, options))
        _self_signed(self.cert, self.key)
        site = nginx_site(http_port=self.http_port, https_port=self.https_port,
                          upstreams=[s.port for s in self.servers], static_dir=self.static,
                          cert=self.cert, key=self.key)
        (self.work / "duban-site.conf").write_text(site)
        for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.work / "nginx-temp" / sub).mkdir(parents=True, exist_ok=True)
        # nginx started as root runs its workers as `nobody`, who could not read the
        # temporary folder; a distribution's www-data reads /var/lib/duban-static instead.
        user = "user root;" if os.geteuid() == 0 else ""
        (self.work / "nginx.conf").write_text(NGINX_MAIN.format(work=self.work, user=user))
        base = [NGINX, "-p", str(self.work), "-c", str(self.work / "nginx.conf"), "-e",
                str(self.work / "nginx-error.log")]
        test = subprocess.run([*base, "-t", "-q"], capture_output=True, text=True)
        if test.returncode != 0:
            raise StackError(f"nginx 配置检查失败：\n{test.stderr}")
        self._nginx_log = open(self.work / "nginx-stderr.log", "wb")
        self.nginx = subprocess.Popen(base, stdout=self._nginx_log, stderr=subprocess.STDOUT)
        t0 = time.perf_counter()
        for s in self.servers:
            try:
                s.wait_ready(timeout=90)
            except SystemExit:  # _gunicorn's die(): raise instead, for the test
                raise StackError(f"{s.name} 未能启动：\n{self.tail(s.log_path.name)}") from None
        deadline = time.monotonic() + 30
        while not _reachable("127.0.0.1", self.https_port):
            if self.nginx.poll() is not None or time.monotonic() > deadline:
                raise StackError(f"nginx 未能启动：\n{self.tail('nginx-error.log')}")
            time.sleep(0.1)
        self.log(f"[stack] {len(self.servers)} application servers ({' '.join(options)}) and nginx ready in "
                 f"{time.perf_counter() - t0:.1f} s: {self.https_url}")

    def tail(self, name: str, chars: int = 3000) -> str:
        path = self.work / name
        return path.read_text(errors="replace")[-chars:] if path.exists() else ""

    def stop(self) -> None:
        if self.nginx is not None and self.nginx.poll() is None:
            self.nginx.terminate()
            try:
                self.nginx.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.nginx.kill()
                self.nginx.wait()
            self._nginx_log.close()
        for s in self.servers:
            s.stop()
        if self._db_created:
            import psycopg

            with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            self._db_created = False
        if self.use_redis:
            try:
                import redis

                client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
                for key in client.scan_iter(match=f"{self.cache_prefix}:*", count=500):
                    client.delete(key)
            except Exception:  # noqa: BLE001 - the keys expire anyway
                pass

    def __enter__(self) -> "Stack":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
