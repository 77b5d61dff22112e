#!/usr/bin/env bash
# The end-to-end suite alone: the real Pulumi CLI and plugins against real PostgreSQL servers.
# Unlike `npm test`, it fails when the toolchain is missing. Extra arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/phase.sh

phase "toolchain" bash scripts/toolchain.sh cli plugins
phase "jest: end-to-end" npx jest --runInBand test/e2e "$@"
