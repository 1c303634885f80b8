"""Issue 14 §1: duban.lib.outbound is the one client for outgoing HTTP. A static scan of
every module under duban/ (tests and test fixtures aside): none imports an HTTP client
library or the standard library's HTTP client; only lib/outbound.py may."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]  # duban/
ALLOWED = {ROOT / "lib" / "outbound.py"}
FORBIDDEN = ("requests", "httpx", "urllib.request", "http.client", "urllib3", "aiohttp", "pycurl", "requests_futures")


def _is_test(path: Path) -> bool:
    parts = path.relative_to(ROOT).parts
    return "tests" in parts or parts[0] == "e2e" or path.name == "conftest.py"


def _forbidden(name: str) -> bool:
    return any(name == f or name.startswith(f + ".") for f in FORBIDDEN)


def http_imports(source: str) -> list[str]:
    """The forbidden modules `source` imports (import x, from x import y, from urllib import request)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names if _forbidden(a.name)]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if _forbidden(node.module):
                found.append(node.module)
            else:
                found += [f"{node.module}.{a.name}" for a in node.names if _forbidden(f"{node.module}.{a.name}")]
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                "import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str) and _forbidden(node.args[0].value):
            found.append(node.args[0].value)
    return found


def test_the_scan_sees_every_way_of_importing():
    sample = ("import requests\nimport httpx as h\nfrom urllib import request\nfrom http.client import HTTPConnection\n"
              "import urllib.request\nimport importlib\nimportlib.import_module('urllib3')\n"
              "from urllib.parse import urlsplit\nimport http.cookies\nimport json\n")
    assert http_imports(sample) == ["requests", "httpx", "urllib.request", "http.client", "urllib.request", "urllib3"]


def test_no_module_but_the_outbound_client_makes_http_requests():
    modules = [p for p in ROOT.rglob("*.py") if not _is_test(p) and p not in ALLOWED]
    assert len(modules) > 100 and ROOT / "identity" / "cas.py" in modules
    offenders = {str(p.relative_to(ROOT)): found for p in modules if (found := http_imports(p.read_text("utf-8")))}
    assert offenders == {}, f"use duban.lib.outbound instead: {offenders}"
