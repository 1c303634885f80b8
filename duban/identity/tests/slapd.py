"""A real OpenLDAP server (Debian's slapd) for the tests: started on a free port as an
unprivileged process with its configuration and database under a temporary folder,
filled with a directory the tests write. scripts/install.sh --test installs slapd
without letting the package start a system daemon.
"""
from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from pathlib import Path

import ldap
import ldap.modlist

SLAPD = shutil.which("slapd") or "/usr/sbin/slapd"
SCHEMAS = ["core", "cosine", "inetorgperson", "nis"]
BASE = "dc=duban,dc=test"
ROOT_DN = f"cn=admin,{BASE}"
ROOT_PASSWORD = "Root-secret-2026"
READER_DN = f"cn=reader,{BASE}"
READER_PASSWORD = "Reader-secret-2026"
PEOPLE = f"ou=people,{BASE}"
GROUPS = f"ou=groups,{BASE}"
PASSWORD = "Dir-pass-2026"  # every person's directory password


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _module_path() -> str:
    for candidate in ("/usr/lib/ldap", "/usr/lib/x86_64-linux-gnu/ldap", "/usr/lib/aarch64-linux-gnu/ldap"):
        if Path(candidate, "back_mdb.la").exists() or Path(candidate, "back_mdb.so").exists() \
                or any(Path(candidate).glob("back_mdb*")):
            return candidate
    return "/usr/lib/ldap"


class Slapd:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.url = f"ldap://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def _write_config(self) -> Path:
        data = self.folder / "data"
        data.mkdir(parents=True, exist_ok=True)
        lines = [f"include /etc/ldap/schema/{name}.schema" for name in SCHEMAS]
        lines += [
            f"modulepath {_module_path()}",
            "moduleload back_mdb",
            f"pidfile {self.folder / 'slapd.pid'}",
            f"argsfile {self.folder / 'slapd.args'}",
            "sizelimit 500",
            "database mdb",
            "maxsize 104857600",
            f'suffix "{BASE}"',
            f'rootdn "{ROOT_DN}"',
            f"rootpw {ROOT_PASSWORD}",
            f"directory {data}",
            "access to attrs=userPassword by self write by anonymous auth by * none",
            f'access to * by dn.exact="{READER_DN}" read by self read by * none',
        ]
        conf = self.folder / "slapd.conf"
        conf.write_text("\n".join(lines) + "\n")
        return conf

    def start(self) -> "Slapd":
        conf = self._write_config()
        kwargs = {}
        if os.geteuid() == 0:
            # Never run the server as root: the folder goes to an unprivileged user.
            nobody = pwd.getpwnam("nobody")
            for path in [self.folder, *self.folder.rglob("*")]:
                os.chown(path, nobody.pw_uid, nobody.pw_gid)
            kwargs = {"user": nobody.pw_uid, "group": nobody.pw_gid, "extra_groups": []}
        self.log = open(self.folder / "slapd.log", "wb")
        self.process = subprocess.Popen(
            [SLAPD, "-f", str(conf), "-h", self.url + "/", "-d", "0"],
            stdout=self.log, stderr=subprocess.STDOUT, **kwargs)
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = self.admin()
                conn.unbind_s()
                break
            except ldap.SERVER_DOWN:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("slapd did not start: " + (self.folder / "slapd.log").read_text(errors="replace"))
                time.sleep(0.1)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        if getattr(self, "log", None):
            self.log.close()

    def admin(self):
        conn = ldap.initialize(self.url, bytes_mode=False)
        conn.set_option(ldap.OPT_NETWORK_TIMEOUT, 5)
        conn.simple_bind_s(ROOT_DN, ROOT_PASSWORD)
        return conn

    # ------------------------------------------------------------------ content

    def reset(self) -> None:
        """Empty the directory and write the base tree again."""
        conn = self.admin()
        try:
            try:
                found = conn.search_s(BASE, ldap.SCOPE_SUBTREE, "(objectClass=*)", ["1.1"])
            except ldap.NO_SUCH_OBJECT:
                found = []
            for dn, _ in sorted(found, key=lambda r: -len(ldap.dn.str2dn(r[0]))):
                conn.delete_s(dn)
            self._add(conn, BASE, objectClass=["dcObject", "organization"], dc="duban", o="Duban test")
            self._add(conn, READER_DN, objectClass=["simpleSecurityObject", "organizationalRole"], cn="reader",
                      userPassword=READER_PASSWORD)
            self._add(conn, PEOPLE, objectClass=["organizationalUnit"], ou="people")
            self._add(conn, GROUPS, objectClass=["organizationalUnit"], ou="groups")
        finally:
            conn.unbind_s()

    @staticmethod
    def _add(conn, dn: str, **attrs) -> None:
        entry = {k: [v.encode() for v in (vals if isinstance(vals, list) else [vals])] for k, vals in attrs.items()}
        conn.add_s(dn, ldap.modlist.addModlist(entry))

    def add_ou(self, name: str, parent: str = PEOPLE) -> str:
        dn = f"ou={name},{parent}"
        conn = self.admin()
        try:
            self._add(conn, dn, objectClass=["organizationalUnit"], ou=name)
        finally:
            conn.unbind_s()
        return dn

    def add_person(self, uid: str, name: str, ou: str = PEOPLE, *, phone: str = "", mail: str = "",
                   password: str = PASSWORD) -> str:
        dn = f"uid={uid},{ou}"
        attrs = {"objectClass": ["inetOrgPerson"], "uid": uid, "cn": name, "sn": name[:1],
                 "userPassword": password}
        if phone:
            attrs["telephoneNumber"] = phone
        if mail:
            attrs["mail"] = mail
        conn = self.admin()
        try:
            self._add(conn, dn, **attrs)
        finally:
            conn.unbind_s()
        return dn

    def add_group(self, name: str, members: list[str]) -> str:
        dn = f"cn={name},{GROUPS}"
        conn = self.admin()
        try:
            self._add(conn, dn, objectClass=["groupOfNames"], cn=name, member=members)
        finally:
            conn.unbind_s()
        return dn

    def modify(self, dn: str, **attrs) -> None:
        conn = self.admin()
        try:
            conn.modify_s(dn, [(ldap.MOD_REPLACE, k, [v.encode()] if v else None) for k, v in attrs.items()])
        finally:
            conn.unbind_s()

    def move(self, dn: str, new_parent: str) -> str:
        conn = self.admin()
        try:
            rdn = ldap.dn.explode_dn(dn)[0]
            conn.rename_s(dn, rdn, new_parent)
        finally:
            conn.unbind_s()
        return f"{rdn},{new_parent}"

    def delete(self, dn: str) -> None:
        conn = self.admin()
        try:
            conn.delete_s(dn)
        finally:
            conn.unbind_s()

    def settings(self, **overrides) -> dict:
        """DUBAN_LDAP for this server."""
        value = {
            "url": self.url, "start_tls": False, "ca_file": "", "bind_dn": READER_DN,
            "bind_password": READER_PASSWORD, "user_base": PEOPLE, "kind": "openldap", "user_filter": "",
            "login_attr": "", "name_attr": "", "phone_attr": "telephoneNumber", "email_attr": "mail",
            "group_member_attr": "member", "timeout": 5,
        }
        value.update(overrides)
        return value
