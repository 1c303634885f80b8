#!/usr/bin/env bash
# Installs Duban with its test tools and runs the whole test suite. The database is
# chosen by DATABASE_URL (SQLite when unset). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --test
exec .venv/bin/python -m pytest "$@"
