#!/usr/bin/env bash
# Installs Duban into ./.venv (Python 3.11). With --test, also the test tools and
# Debian's Chromium for the end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"
if [ "${1:-}" = "--test" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
  if [ ! -x /usr/bin/chromium ]; then
    echo "安装 Chromium（端到端测试用）…"
    if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
  fi
else
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
fi
