#!/usr/bin/env bash
# Installs Duban into ./.venv (Python 3.11) and the Debian packages it uses: CJK
# fonts for generated PDFs; with --test, also the test tools and
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

# python-ldap (the directory sign-in, duban.identity) builds against OpenLDAP's and
# Cyrus SASL's headers.
if [ ! -e /usr/include/ldap.h ] || [ ! -e /usr/include/sasl/sasl.h ]; then
  echo "安装 libldap2-dev libsasl2-dev（目录登录组件编译用）…"
  apt_install libldap2-dev libsasl2-dev
fi

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=24"

# Fonts of the generated documents: a serif CJK face for the body text (Noto Serif CJK
# SC for LibreOffice's PDFs; AR PL UMing, TrueType, for reportlab's when LibreOffice is
# absent) and a sans one for 黑体 headings (duban/documents/pdf.py).
fonts=()
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || fonts+=(fonts-wqy-microhei)
[ -e /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc ] || fonts+=(fonts-noto-cjk)
[ -e /usr/share/fonts/truetype/arphic/uming.ttc ] || fonts+=(fonts-arphic-uming)
if [ ${#fonts[@]} -gt 0 ]; then
  echo "安装中文字体 ${fonts[*]}（公文 PDF 用）…"
  if [ "$MODE" = "--test" ]; then
    apt_install "${fonts[@]}"
  else
    apt_install "${fonts[@]}" || echo "警告：未能安装中文字体，PDF 将使用不嵌入的备用字体" >&2
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
  # openssl: the signature tests check Duban's SM2 signatures with a third party's tool.
  command -v openssl >/dev/null 2>&1 || missing+=(openssl)
  if [ ${#missing[@]} -gt 0 ]; then
    echo "安装 ${missing[*]}（文书转换、签名验证与生产部署测试用）…"
    apt_install "${missing[@]}"
  fi
  # slapd: the directory tests start their own OpenLDAP server under a temporary folder.
  # The package must neither ask questions nor set up and start a system daemon.
  if [ ! -x /usr/sbin/slapd ] || ! command -v ldapsearch >/dev/null 2>&1; then
    echo "安装 slapd ldap-utils（目录登录测试用，不启动系统服务）…"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    echo "slapd slapd/no_configuration boolean true" | $sudo debconf-set-selections
    made_policy=""
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
      $sudo chmod 755 /usr/sbin/policy-rc.d
      made_policy=1
    fi
    status=0
    apt_install slapd ldap-utils || status=$?
    if [ -n "$made_policy" ]; then $sudo rm -f /usr/sbin/policy-rc.d; fi
    [ "$status" = 0 ] || exit "$status"
  fi
else
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e .
fi
