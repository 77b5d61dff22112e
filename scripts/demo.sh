#!/usr/bin/env bash
# The demo: `npm start` (up; add `-- --show-password` to print the password) and
# `npm run demo:down` (tear down). Builds the toolchain first when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/toolchain.sh cli postgresql random
# shellcheck disable=SC1091
source scripts/pulumi-env.sh
exec npx ts-node --transpile-only scripts/demo.ts "$@"
