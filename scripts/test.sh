#!/usr/bin/env bash
# The test suite CI runs: lint (ESLint, Prettier, actionlint), type-check (examples included), the
# Pulumi CLI (built when missing), jest over the unit, property, server, CLI and package suites,
# then the end-to-end suite wherever the postgresql and random plugins are installed at the
# pinned versions (it says so when they are not). Prints each phase's duration and, last, one line
# counting every test that ran. Extra arguments go to every jest run (e.g. `npm test -- -t "PostgreSQL 16"`).
#
# Selectors, for CI's matrix (all optional):
#   WHALY_TEST_PHASES         the phases to run, of lint,typecheck,main,e2e (default: all of them)
#   WHALY_PG_MAJOR            the end-to-end tests of this PostgreSQL major only (their names start
#                             "PostgreSQL N"), the YAML, Go and Python consumers left to their own job
#   WHALY_E2E_PATHS           the end-to-end test files (default: test/e2e)
#   WHALY_REQUIRE_TOOLCHAIN   "true": a missing plugin, language host or Go fails the run instead
#                             of leaving its suites out (for runners that can download them)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/phase.sh

PHASES=",${WHALY_TEST_PHASES:-lint,typecheck,main,e2e},"
runs() { [[ "$PHASES" == *",$1,"* ]]; }
REQUIRE="${WHALY_REQUIRE_TOOLCHAIN:-false}"

results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
failed_phases=0
jest_phase() { # name results-file jest-args...
  local name=$1 file=$2
  shift 2
  phase "$name" npx jest --runInBand --json --outputFile="$results/$file" "$@" || failed_phases=$((failed_phases + 1))
}
# A suite that cannot run here: one line, and a failure where the toolchain is required.
not_run() {
  echo "e2e: not run: $*"
  if [[ "$REQUIRE" == "true" ]]; then failed_phases=$((failed_phases + 1)); fi
}

if runs lint; then phase "lint" npm run --silent lint || failed_phases=$((failed_phases + 1)); fi
if runs typecheck; then phase "typecheck" npx tsc --noEmit || failed_phases=$((failed_phases + 1)); fi
phase "toolchain: pulumi CLI" bash scripts/toolchain.sh cli

if runs main; then jest_phase "jest: unit, property, servers, cli, package" main.json test/unit test/servers test/cli test/package "$@"; fi

if runs e2e; then
  missing_plugin=$({ bash scripts/toolchain.sh plugins 2>&1 || true; } |
    sed -n 's/^toolchain: MISSING resource plugin \([a-z]*\) v\([0-9.]*\):.*/\1 \2/p' | head -n 1)
  if [[ -n "$missing_plugin" ]]; then
    not_run "plugin $missing_plugin not installed (see docs/development.md, Toolchain)"
  else
    # Suites that also need a language host (or Go) run where it is installed; the rest always.
    has() { [[ -x "${PULUMI_HOME:-$HOME/.pulumi}/bin/$1" ]] || command -v "$1" >/dev/null; }
    paths="${WHALY_E2E_PATHS:-test/e2e}"
    read -r -a e2e <<<"$paths"
    # Whether a file of the suite is among those selected.
    selected() { [[ " $paths " == *" test/e2e "* || " $paths " == *"$1"* ]] && ! [[ "$1" == *languages* && -n "${WHALY_PG_MAJOR:-}" ]]; }
    if [[ -n "${WHALY_PG_MAJOR:-}" ]]; then
      e2e+=("--testNamePattern=^PostgreSQL ${WHALY_PG_MAJOR}[ :,]" --testPathIgnorePatterns=languages.test.ts)
    fi
    # Suites that run the CLI on a project directory (the packed package, at other SDK versions, or upgraded from the last release).
    for suite in project sdkRange upgrade; do
      if selected "$suite.test.ts" && ! has pulumi-language-nodejs; then
        not_run "test/e2e/$suite.test.ts (pulumi up in a project directory): pulumi-language-nodejs not installed (see docs/development.md, Toolchain)"
        e2e+=("--testPathIgnorePatterns=$suite.test.ts")
      fi
    done
    if selected languages.test.ts && { ! has pulumi-language-yaml || ! has pulumi-language-go || ! has go || ! has pulumi-language-python || ! has pulumi-language-python-exec || ! has python3; }; then
      not_run "test/e2e/languages.test.ts (the YAML, Go and Python examples): pulumi-language-yaml, pulumi-language-go, go, pulumi-language-python (with pulumi-language-python-exec beside it) and python3 are needed (see docs/development.md, Toolchain)"
      e2e+=(--testPathIgnorePatterns=languages.test.ts)
    fi
    # Suites that drive Python tools (dbt, SQLAlchemy) from .venv, which scripts/pythonEnv.sh makes
    # (.ci/run does): missing under CI, it fails the run.
    for suite in dbt:dbt pythonClient:python; do
      tool=".venv/bin/${suite#*:}" suite="${suite%%:*}"
      if selected "$suite.test.ts" && [[ ! -x "$tool" ]]; then
        echo "e2e: not run: test/e2e/$suite.test.ts: $tool is missing (bash scripts/pythonEnv.sh makes it)"
        if [[ "${CI:-}" == "true" || "$REQUIRE" == "true" ]]; then failed_phases=$((failed_phases + 1)); fi
        e2e+=("--testPathIgnorePatterns=$suite.test.ts")
      fi
    done
    jest_phase "jest: end-to-end" e2e.json "${e2e[@]}" "$@"
  fi
fi

# One line for every jest run: tests that passed, and tests or whole suites that failed.
node -e '
  const fs = require("fs");
  let passed = 0, failed = 0;
  for (const file of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(`${process.argv[1]}/${file}`, "utf8"));
    passed += r.numPassedTests;
    failed += r.numRuntimeErrorTestSuites + r.numFailedTests;
  }
  console.log(`jest: ${passed} passed, ${failed} failed`);
' "$results"
exit $((failed_phases > 0))
