#!/usr/bin/env bash
# Quickstart 2: install the test extras into .venv and run the whole test suite (lint included).
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh" "[test]"
echo "==> ruff"
.venv/bin/ruff check matching service tests scripts
echo "==> pytest"
exec .venv/bin/python -m pytest "$@"
