# Shared by demo.sh and test.sh: make .venv (Python >= 3.11) and install the project into it.
# Usage: source scripts/_venv.sh "<pip extras, e.g. [test]>"
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/_python.sh
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
echo "==> installing ikm-matching$1 into .venv (first run takes a few minutes)"
# pip's notes about this machine's local package mirrors are noise to a newcomer; real errors still show
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".$1" 2>&1 \
  | { grep -v "^WARNING: Location 'file://" || true; }
