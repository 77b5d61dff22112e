#!/usr/bin/env bash
# End-to-end tests: the real Pulumi CLI and providers against real PostgreSQL servers, through
# Automation API inline programs (so no Node.js language host is needed). Builds the toolchain
# first when it is missing, and fails if it cannot: these tests never skip.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/phase.sh

phase "toolchain" bash scripts/toolchain.sh cli postgresql random
phase "jest: end-to-end" npx jest --runInBand test/e2e "$@"
