#!/usr/bin/env bash
# npm's `prepare`: builds dist/, what `npm pack` and `npm install github:…` ship. An install that
# omits devDependencies (NODE_ENV=production or --omit=dev, for which npm runs this script with
# NODE_ENV=production), as the package's plugin gets for a YAML, Go or Python program, has no
# compiler types to build with, and needs no dist/: the plugin runs the TypeScript sources.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ "${NODE_ENV:-}" == "production" ]]; then
  echo "prepare: devDependencies omitted (NODE_ENV=production): dist/ not built"
  exit 0
fi
exec npm run build
