"""The direction of imports between apps (.importlinter at the repository's root):
the parser stays pure, and no app imports one that imports it back."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_the_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    done = subprocess.run([str(lint), "--no-logo", "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, "应用之间出现了反向或循环导入（见 .importlinter）：\n" + done.stdout[-4000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout
