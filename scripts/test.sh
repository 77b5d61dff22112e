#!/usr/bin/env bash
# The whole test suite: lint, type-check (examples included), unit and property tests, and the
# test-server harness. Prints each phase's duration. Extra arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."

phase() {
    local name=$1
    shift
    local start=$SECONDS
    echo "== $name"
    "$@"
    echo "== $name: $((SECONDS - start)) s"
}

phase "lint" bash -c 'npx eslint . && npx prettier --check . >/dev/null'
phase "typecheck" npx tsc --noEmit
phase "jest (unit, property, test servers)" npx jest --runInBand test/unit test/e2e/harness.test.ts "$@"
