#!/usr/bin/env bash
# `npm run lint`: ESLint, Prettier, and actionlint over the GitHub Actions workflows (built from
# its Go module by scripts/toolchain.sh when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
npx eslint .
npx prettier --check . >/dev/null
actionlint="$(bash scripts/toolchain.sh actionlint)"
"$actionlint" -no-color .github/workflows/*.yml
