"""Private files and folders (GB/T 22239 §8.1.4.8 数据保密性 at rest on the host):
the database, uploaded and imported files, backups, audit archives and keys are
readable by Duban's own account only — 0600 files in 0700 folders — whatever the
umask of whoever started the process. (The systemd units set UMask=0077 as well;
this module makes the modes true for `duban` run from a shell with umask 022.)

Static files are the exception: the web server reads them (DUBAN_STATIC_DIR, outside
the data folder in production; docs/DEPLOY.md).
"""
from __future__ import annotations

import os
import stat
from pathlib import Path

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
# SQLite keeps a database in up to three files; all hold its content.
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")


def loose(path: Path) -> bool:
    """True when group or others may read, write or enter `path`."""
    try:
        return bool(stat.S_IMODE(path.stat().st_mode) & 0o077)
    except FileNotFoundError:
        return False


def private_dir(path: str | os.PathLike) -> Path:
    """Make `path` (and missing parents) and set it to 0700."""
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    if loose(path):
        os.chmod(path, PRIVATE_DIR)
    return path


def private_file(path: str | os.PathLike) -> None:
    """Set an existing file to 0600 (nothing when it is gone)."""
    path = Path(path)
    if loose(path):
        try:
            os.chmod(path, PRIVATE_FILE)
        except FileNotFoundError:
            pass


def sqlite_files(name: str | os.PathLike) -> list[Path]:
    return [Path(f"{name}{suffix}") for suffix in SQLITE_SUFFIXES]


def private_sqlite(sender, connection, **kwargs) -> None:
    """connection_created: the SQLite database and its WAL and shared-memory files
    are 0600 (SQLite makes them with the process's umask, 0644 under the usual 022)."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict.get("NAME", ""))
    if name in ("", ":memory:") or name.startswith("file:") or "mode=memory" in name:
        return
    for path in sqlite_files(name):
        private_file(path)


def loose_paths(paths: list[Path]) -> list[Path]:
    """The ones of `paths` (files or folders, and for folders everything below them
    but static files) that others can read: for `duban check`."""
    found = []
    for root in paths:
        if not root.exists():
            continue
        if loose(root):
            found.append(root)
        if root.is_dir():
            for entry in root.rglob("*"):
                if not entry.is_symlink() and loose(entry):
                    found.append(entry)
    return found


def private_dirs(path: str | os.PathLike, *, below: str | os.PathLike) -> Path:
    """Make `path` and every missing folder between it and `below` (an existing
    folder), each 0700."""
    path, below = Path(path), Path(below)
    missing = []
    for p in [path, *path.parents]:
        if p == below or p.exists():
            break
        missing.append(p)
    for p in reversed(missing):
        p.mkdir(mode=PRIVATE_DIR, exist_ok=True)
        if loose(p):
            os.chmod(p, PRIVATE_DIR)
    return path
