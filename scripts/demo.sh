#!/usr/bin/env bash
# The demo: `npm start` (up; add `-- --show-password` to print the password, of a running demo too) and
# `npm run demo:down` (tear down). Builds the toolchain first when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
# Tearing down never needs a build: without the CLI it still stops the server.
[[ "${1:-}" == down ]] || bash scripts/toolchain.sh cli plugins
exec npx ts-node --transpile-only scripts/demo.ts "$@"
