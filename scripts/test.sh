#!/usr/bin/env bash
# The test suite CI runs: lint, type-check (examples included), the Pulumi CLI (built when
# missing), then unit and property tests, the privilege model on real PostgreSQL 12-18, and bad
# input through the real CLI. Prints each phase's duration. Extra arguments go to jest
# (e.g. `npm test -- -t "PostgreSQL 16"`).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/phase.sh

phase "lint" bash -c 'npx eslint . && npx prettier --check . >/dev/null'
phase "typecheck" npx tsc --noEmit
phase "toolchain: pulumi CLI" bash scripts/toolchain.sh cli
results=$(mktemp)
trap 'rm -f "$results"' EXIT
phase "jest: unit, property, servers, cli" npx jest --runInBand --json --outputFile="$results" test/unit test/servers test/cli "$@"
node -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed`)' "$results"
