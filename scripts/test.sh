#!/usr/bin/env bash
# The test suite CI runs: lint, type-check (examples included), unit and property tests, and the
# privilege model on real PostgreSQL 12-18 servers. Prints each phase's duration. Extra
# arguments go to jest (e.g. `npm test -- -t "PostgreSQL 16"`).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/phase.sh

phase "lint" bash -c 'npx eslint . && npx prettier --check . >/dev/null'
phase "typecheck" npx tsc --noEmit
phase "jest: unit, property, servers" npx jest --runInBand test/unit test/servers "$@"
