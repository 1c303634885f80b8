#!/usr/bin/env bash
# Installs Duban, loads the demo (the seed plan and demo sign-ins) into the embedded
# SQLite database, and serves it with gunicorn on http://127.0.0.1:${DUBAN_PORT:-8000}/,
# with the background worker (reminders, rounds by cadence, outgoing messages, daily
# snapshots: `duban worker`) beside it. Ctrl+C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export DUBAN_DEMO=true
.venv/bin/duban migrate --noinput -v 0
.venv/bin/duban collectstatic --noinput -v 0
.venv/bin/duban demo
PORT=${DUBAN_PORT:-8000}
.venv/bin/duban worker --workers 1 &
WORKER=$!
trap 'kill -TERM "$WORKER" 2>/dev/null || true; wait "$WORKER" 2>/dev/null || true' EXIT INT TERM
echo
echo "督办系统已启动：http://127.0.0.1:${PORT}/  （Ctrl+C 停止；后台任务进程 ${WORKER} 同时运行）"
.venv/bin/gunicorn duban.wsgi --bind "127.0.0.1:${PORT}" --workers 2 --threads 4 --access-logfile - --log-level warning
