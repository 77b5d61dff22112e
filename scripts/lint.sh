#!/usr/bin/env bash
# `npm run lint`: ESLint, Prettier, a parse of the Python files, and actionlint over the GitHub
# Actions workflows (built from its Go module by scripts/toolchain.sh when missing).
set -euo pipefail
cd "$(dirname "$0")/.."
npx eslint .
npx prettier --check . >/dev/null
# Python (the example, the test helpers): a syntax error shows here, not minutes into the
# end-to-end run. ast.parse writes no __pycache__.
if command -v python3 >/dev/null; then
  find examples test -name '*.py' -not -path '*/venv/*' -not -path '*/sdks/*' -print0 |
    xargs -0 python3 -c 'import ast, sys; [ast.parse(open(f, encoding="utf-8").read(), f) for f in sys.argv[1:]]'
else
  echo "lint: Python files not parsed: python3 not found"
  [[ "${CI:-}" != "true" ]]
fi
actionlint="$(bash scripts/toolchain.sh actionlint)"
"$actionlint" -no-color .github/workflows/*.yml
