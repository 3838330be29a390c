#!/usr/bin/env bash
# Installable anywhere: build the wheel, install it into a fresh venv in a temporary folder and run
# `matching demo --matches 1` from another temporary folder (data home in a third), outside the checkout.
# Passes when the demo exits 0, demo-output/meetings.csv lies in the folder it ran from, the database lies in
# the data home, and `matching models list` shows the bundled ranker-v1. Prints the time of each step.
# Usage: bash scripts/check_wheel.sh   (PYTHON=python3.12 to pick the interpreter; KEEP=1 keeps the folders)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$ROOT/scripts/_python.sh"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/matching-wheel-XXXXXX")"
if [ "${KEEP:-0}" = 1 ]; then echo "keeping $WORK"; else trap 'rm -rf "$WORK"' EXIT; fi
mkdir -p "$WORK/dist" "$WORK/run" "$WORK/home"
# nothing of the checkout may leak in: no PYTHONPATH, no settings pointing into it
unset PYTHONPATH MATCHING_MODELS_DIR MATCHING_DATABASE_URL MATCHING_RANKER
export MATCHING_HOME="$WORK/home"

STARTED=$SECONDS
TIMES=()
step() {  # step NAME COMMAND...: run it, print and remember how long it took
  local name="$1" began=$SECONDS
  shift
  echo "==> $name"
  "$@"
  TIMES+=("$(printf '%-34s %5d s' "$name" $((SECONDS - began)))")
}
quiet_pip() {  # pip's notes about this machine's local package mirrors are noise; real errors still show
  "$@" 2>&1 | { grep -v "^WARNING: Location 'file://" || true; }
  return "${PIPESTATUS[0]}"
}

# build from a copy of the work tree's files that git tracks or would (no stale build/, no ignored weights)
SOURCE="$ROOT"
if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  SOURCE="$WORK/src"
  mkdir -p "$SOURCE"
  git -C "$ROOT" ls-files -z --cached --others --exclude-standard \
    | tar -C "$ROOT" --null --no-recursion --ignore-failed-read -T - -cf - 2>/dev/null | tar -C "$SOURCE" -xf -
fi
step "build the wheel" quiet_pip "$PYTHON" -m pip wheel --quiet --disable-pip-version-check --no-deps \
  -w "$WORK/dist" "$SOURCE"
WHEEL="$(ls "$WORK"/dist/ikm_matching-*.whl)"
echo "    $(basename "$WHEEL"): $(du -h "$WHEEL" | cut -f1)"
# the listing goes to a file first: `grep -q` stops reading early, and the writer's broken pipe would fail
"$PYTHON" -m zipfile -l "$WHEEL" > "$WORK/wheel-files.txt"
if ! grep -q "matching/bundled_models/ranker-v1/ranker.joblib" "$WORK/wheel-files.txt"; then
  echo "FAIL: the wheel holds no matching/bundled_models/ranker-v1/ranker.joblib" >&2; exit 1
fi

step "create a fresh venv" "$PYTHON" -m venv "$WORK/venv"
PIP=("$WORK/venv/bin/python" -m pip install --quiet --disable-pip-version-check)
# torch first, pinned: the CPU build lies on this disk; left to the resolver it could pull a CUDA build
step "install torch==2.13.0" quiet_pip "${PIP[@]}" "torch==2.13.0"
step "install the wheel" quiet_pip "${PIP[@]}" "$WHEEL"

cd "$WORK/run"
step "matching demo --matches 1" "$WORK/venv/bin/matching" demo --matches 1
step "matching models list" bash -c "'$WORK/venv/bin/matching' models list > '$WORK/models.txt'"

fail=0
where="$("$WORK/venv/bin/python" -c 'import matching; print(matching.__file__)')"
case "$where" in
  "$WORK/venv/"*) ;;
  *) echo "FAIL: matching was imported from $where, not from the fresh venv" >&2; fail=1 ;;
esac
[ -s "$WORK/run/demo-output/meetings.csv" ] \
  || { echo "FAIL: no demo-output/meetings.csv in the folder the demo ran from" >&2; fail=1; }
[ -s "$WORK/home/matching.sqlite" ] || { echo "FAIL: no database in the data home" >&2; fail=1; }
grep -q "ranker-v1" "$WORK/models.txt" \
  || { echo "FAIL: matching models list shows no bundled ranker-v1" >&2; cat "$WORK/models.txt" >&2; fail=1; }

echo "==> timings"
printf '    %s\n' "${TIMES[@]}"
printf '    %-34s %5d s\n' "total" $((SECONDS - STARTED))
[ "$fail" = 0 ] || exit 1
echo "wheel check passed: matching demo ran from $WORK/run with the data home $WORK/home"
