#!/usr/bin/env bash
# Quickstart 2: install the test extras into .venv and run the whole test suite (lint, import contracts and
# type check included).
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh" "[test]"
# The browser tests drive Debian's Chromium through Playwright (no browser download): install it if missing.
if [ ! -x /usr/bin/chromium ]; then
  echo "==> installing Debian's chromium for the browser tests"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
# The PostgreSQL tests (the store, migrations, the API module a second time) start a throw-away cluster with
# Debian's server binaries: install them if missing; with MATCHING_REQUIRE_POSTGRES=1 those tests fail rather
# than skip when no server can start (tests/postgres.py).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ -z "${MATCHING_TEST_POSTGRES_URL:-}" ]; then
  echo "==> installing Debian's postgresql for the PostgreSQL tests"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi
export MATCHING_REQUIRE_POSTGRES="${MATCHING_REQUIRE_POSTGRES:-1}"
echo "==> ruff"
.venv/bin/ruff check matching service tests scripts
.venv/bin/ruff format --check matching service tests scripts
echo "==> import contracts (.importlinter: the rooms depend one way)"
.venv/bin/lint-imports
bash scripts/typecheck.sh
echo "==> pytest"
# two worker processes (pytest-xdist; MATCHING_TEST_WORKERS=0 runs in this one), each test file on one
# worker, so a module's fixtures (a browser, an indexed data home) are built once
exec .venv/bin/python -m pytest -n "${MATCHING_TEST_WORKERS:-2}" --dist loadfile "$@"
