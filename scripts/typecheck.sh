#!/usr/bin/env bash
# mypy over matching/ and service/ with the [tool.mypy] settings in pyproject.toml (the test extra installs
# mypy and the stub packages). Extra arguments go to mypy, e.g. scripts/typecheck.sh --no-incremental
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
echo "==> mypy"
exec .venv/bin/mypy "$@"
