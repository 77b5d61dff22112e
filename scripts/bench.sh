#!/usr/bin/env bash
# `npm run bench`: the benchmark (scripts/bench.ts). Needs the Pulumi CLI and both plugins, and
# says so, exiting non-zero, when they are missing. Extra arguments go to the script (--runs N).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! bash scripts/toolchain.sh cli plugins; then
  echo "bench: not run: the Pulumi CLI and the postgresql and random plugins are needed (see README, Toolchain)" >&2
  exit 1
fi
exec npx ts-node --transpile-only scripts/bench.ts "$@"
