"""The WSGI entry point loads the URLconf (every app's views) when a worker starts,
not on the first request."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def test_importing_the_wsgi_application_loads_every_view_module(tmp_path):
    probe = ("import sys, duban.wsgi; "
             "print(all(m in sys.modules for m in ('duban.urls', 'duban.ledger.views', 'duban.dashboards.views', "
             "'duban.imports.views')))")
    env = {"PATH": "/usr/bin:/bin", "DUBAN_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "duban.settings",
           "DUBAN_SECRET_KEY": "test-secret-key-not-for-production-0123456789abcdefghij"}
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "True"
