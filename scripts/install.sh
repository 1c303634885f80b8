#!/usr/bin/env bash
# Installs Duban into ./.venv (Python 3.11) and the Debian packages it uses: a CJK
# TrueType font embedded in generated PDFs; with --test, also the test tools and
# Debian's Chromium for the end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
MODE=${1:-}

apt_updated=""
apt_install() {  # apt_install PACKAGE...: installs the missing ones (root or sudo)
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  if [ -z "$apt_updated" ]; then
    $sudo apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"

if [ ! -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
  echo "安装中文字体 fonts-wqy-microhei（PDF 文书嵌入字体）…"
  if [ "$MODE" = "--test" ]; then
    apt_install fonts-wqy-microhei
  else
    apt_install fonts-wqy-microhei || echo "警告：未能安装中文字体，PDF 将使用不嵌入的备用字体" >&2
  fi
fi

# Browser libraries (ECharts) from the npm registry, exactly as package-lock.json pins them.
if ! command -v npm >/dev/null 2>&1; then
  echo "安装 Node.js 与 npm（前端库安装用）…"
  apt_install nodejs npm
fi
if [ ! -e node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
fi

if [ "$MODE" = "--test" ]; then
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".[test]"
  if [ ! -x /usr/bin/chromium ]; then
    echo "安装 Chromium（端到端测试用）…"
    apt_install chromium chromium-driver
  fi
  # LibreOffice (the program offices open our .docx/.xlsx with) and pdftoppm check the
  # generated documents; nginx fronts gunicorn in the production-setup test.
  missing=()
  command -v soffice >/dev/null 2>&1 || missing+=(libreoffice-writer-nogui libreoffice-calc-nogui)
  command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
  command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || missing+=(nginx)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "安装 ${missing[*]}（文书转换与生产部署测试用）…"
    apt_install "${missing[@]}"
  fi
else
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
fi
