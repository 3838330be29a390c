# Shared by _venv.sh and check_wheel.sh: set PYTHON to an interpreter >= 3.11 ($PYTHON if given), or exit 2.
# Usage: source scripts/_python.sh
PYTHON="${PYTHON:-}"
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
       && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      PYTHON="$candidate"; break
    fi
  done
fi
[ -n "$PYTHON" ] || { echo "error: Python 3.11 or newer is needed" >&2; exit 2; }
