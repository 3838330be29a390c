#!/usr/bin/env bash
# Quickstart 1: set everything up in .venv and run the main job on the bundled demo data.
# The demo's database lives in ./.matching (override with MATCHING_HOME).
source "$(dirname "${BASH_SOURCE[0]}")/_venv.sh" ""
export MATCHING_HOME="${MATCHING_HOME:-$PWD/.matching}"
exec .venv/bin/matching demo "$@"
