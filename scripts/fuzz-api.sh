#!/usr/bin/env bash
# Long API fuzzing: schemathesis against respool's own /openapi.json with valid
# SDK signatures, every operation, a random seed, for a bounded time; prints
# schemathesis' summary. The bounded version of the same test runs in
# scripts/test (tests/sdk/test_api_fuzz.py).
#
#   scripts/fuzz-api.sh [SECONDS] [EXAMPLES]     (defaults: 600 s, 500 examples)
#
# Environment: RESPOOL_FUZZ_SEED (an integer to replay a run; default random),
# RESPOOL_FUZZ_REPORT (a directory for JUnit + NDJSON reports),
# RESPOOL_BIN (the binary; default: a fresh debug build).
set -euo pipefail
cd "$(dirname "$0")/.."

secs="${1:-600}"
examples="${2:-500}"
for n in "$secs" "$examples"; do
    case "$n" in
        '' | *[!0-9]*) echo "usage: scripts/fuzz-api.sh [SECONDS] [EXAMPLES]" >&2; exit 2 ;;
    esac
done

if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r tests/sdk/requirements.txt
if [ -z "${RESPOOL_BIN:-}" ]; then
    cargo build -p respool
    export RESPOOL_BIN="$PWD/target/debug/respool"
fi
export NO_PROXY=127.0.0.1,localhost
export RESPOOL_FUZZ_MAX_TIME="$secs" RESPOOL_FUZZ_EXAMPLES="$examples"
export RESPOOL_FUZZ_SEED="${RESPOOL_FUZZ_SEED:-random}"
exec .venv/bin/python -m pytest tests/sdk/test_api_fuzz.py -q -s -p no:cacheprovider
