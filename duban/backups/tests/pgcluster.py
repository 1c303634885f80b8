"""Throw-away PostgreSQL clusters for the replication and recovery drills: made with the
server's own programs (initdb, pg_basebackup, pg_ctl) under a temporary folder, on free
ports, run as the ``postgres`` OS user when the tests run as root (the server refuses
root). The machine's own cluster (port 5432) is never touched."""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg


def server_bin() -> Path:
    """The newest installed server's program folder (Debian: /usr/lib/postgresql/N/bin)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    if initdb is None:
        raise RuntimeError("找不到 PostgreSQL 服务器程序（initdb）：请安装 postgresql")
    return Path(initdb).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Drill:
    """A temporary folder owned by the server's OS user, and the clusters made in it."""

    def __init__(self):
        self.bin = server_bin()
        self.as_postgres = os.geteuid() == 0
        self.root = Path(tempfile.mkdtemp(prefix="duban-drill-"))
        if self.as_postgres:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        self.clusters: list[Cluster] = []

    def sh(self, *argv: str, input: str | None = None, check: bool = True,
           timeout: float = 120) -> subprocess.CompletedProcess:
        """Runs a command as the server's OS user."""
        argv = ["runuser", "-u", "postgres", "--", *argv] if self.as_postgres else list(argv)
        proc = subprocess.run(argv, input=input, capture_output=True, text=True, timeout=timeout, cwd=self.root)
        if check and proc.returncode != 0:
            raise RuntimeError(f"{argv} 失败（{proc.returncode}）：{proc.stdout[-1500:]}{proc.stderr[-1500:]}")
        return proc

    def run(self, program: str, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        return self.sh(str(self.bin / program), *args, check=check, timeout=timeout)

    def path(self, name: str) -> Path:
        return self.root / name

    def mkdir(self, name: str) -> Path:
        self.sh("mkdir", "-p", str(self.root / name))
        return self.root / name

    def cleanup(self) -> None:
        for cluster in self.clusters:
            cluster.stop(mode="immediate", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


class Cluster:
    def __init__(self, drill: Drill, name: str):
        self.drill, self.name = drill, name
        self.data = drill.path(name)
        self.port = free_port()
        self.log = drill.path(f"{name}.log")
        drill.clusters.append(self)

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"

    def conninfo(self, dbname: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={dbname}"

    def init(self, **settings: str) -> "Cluster":
        self.drill.run("initdb", "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8",
                       "--locale=C")
        self.configure(**settings)
        return self

    def configure(self, **settings: str) -> None:
        lines = {"port": str(self.port), "listen_addresses": "'127.0.0.1'",
                 "unix_socket_directories": f"'{self.drill.root}'", "fsync": "on", **settings}
        text = "".join(f"{k} = {v}\n" for k, v in lines.items())
        self.drill.sh("tee", "-a", str(self.data / "postgresql.auto.conf"), input=text)

    def touch(self, name: str) -> None:
        self.drill.sh("touch", str(self.data / name))

    def start(self) -> "Cluster":
        self.drill.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "120", "start")
        return self

    def stop(self, mode: str = "fast", check: bool = True) -> None:
        if self.data.exists():
            self.drill.run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop", check=check)

    def promote(self) -> None:
        self.drill.run("pg_ctl", "-D", str(self.data), "-w", "-t", "120", "promote")

    def connect(self, dbname: str = "postgres", **kwargs) -> psycopg.Connection:
        return psycopg.connect(self.conninfo(dbname), autocommit=True, **kwargs)

    def query(self, sql: str, params=(), dbname: str = "postgres"):
        with self.connect(dbname) as conn:
            return conn.execute(sql, params).fetchall()

    def wait_for(self, sql: str, expected, dbname: str = "postgres", timeout: float = 60):
        deadline = time.monotonic() + timeout
        got = None
        while time.monotonic() < deadline:
            try:
                got = self.query(sql, dbname=dbname)
                if got == expected:
                    return got
            except psycopg.OperationalError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"{self.name}: {sql} gave {got}, not {expected} within {timeout} s")

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")[-3000:]
        except OSError:
            return ""
