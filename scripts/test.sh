#!/usr/bin/env bash
# The test suite CI runs: lint, type-check (examples included), the Pulumi CLI (built when
# missing), jest over the unit, property, server, CLI and package suites, then the end-to-end
# suite wherever the postgresql and random plugins are installed at the pinned versions (it says
# so when they are not). Prints each phase's duration and, last, one line counting every test
# that ran. Extra arguments go to every jest run (e.g. `npm test -- -t "PostgreSQL 16"`).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/phase.sh

phase "lint" bash -c 'npx eslint . && npx prettier --check . >/dev/null'
phase "typecheck" npx tsc --noEmit
phase "toolchain: pulumi CLI" bash scripts/toolchain.sh cli

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
failed_phases=0
jest_phase() { # name results-file jest-args...
  local name=$1 file=$2
  shift 2
  phase "$name" npx jest --runInBand --json --outputFile="$results/$file" "$@" || failed_phases=$((failed_phases + 1))
}

jest_phase "jest: unit, property, servers, cli, package" main.json test/unit test/servers test/cli test/package "$@"

missing_plugin=$({ bash scripts/toolchain.sh plugins 2>&1 || true; } |
  sed -n 's/^toolchain: MISSING resource plugin \([a-z]*\) v\([0-9.]*\):.*/\1 \2/p' | head -n 1)
if [[ -n "$missing_plugin" ]]; then
  echo "e2e: not run: plugin $missing_plugin not installed (see README, Toolchain)"
else
  # Suites that also need a language host (or Go) run where it is installed; the rest always.
  has() { [[ -x "${PULUMI_HOME:-$HOME/.pulumi}/bin/$1" ]] || command -v "$1" >/dev/null; }
  e2e=(test/e2e)
  if ! has pulumi-language-nodejs; then
    echo "e2e: not run: test/e2e/project.test.ts (pulumi up in a project directory): pulumi-language-nodejs not installed (see README, Toolchain)"
    e2e+=(--testPathIgnorePatterns=project.test.ts)
  fi
  if ! has pulumi-language-yaml || ! has pulumi-language-go || ! has go; then
    echo "e2e: not run: test/e2e/languages.test.ts (the YAML and Go examples): pulumi-language-yaml, pulumi-language-go and go are needed (see README, Toolchain)"
    e2e+=(--testPathIgnorePatterns=languages.test.ts)
  fi
  jest_phase "jest: end-to-end" e2e.json "${e2e[@]}" "$@"
fi

# One line for every jest run: tests that passed, and tests or whole suites that failed.
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0;
  for (const file of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(`${process.argv[1]}/${file}`, "utf8"));
    passed += r.numPassedTests;
    failed += r.numFailedTests + r.numRuntimeErrorTestSuites;
  }
  console.log(`jest: ${passed} passed, ${failed} failed`);
' "$results"
exit $((failed_phases > 0))
