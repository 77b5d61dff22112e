#!/usr/bin/env bash
# The Python tools the end-to-end suite drives (dbt, SQLAlchemy over psycopg), from PyPI into the
# virtual environment .venv at the repository's root, at the versions test/python/requirements.txt
# pins. Kept while that file is unchanged; remade when it changes. Prints the environment's path.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
REQUIREMENTS="$ROOT/test/python/requirements.txt"
STAMP="$VENV/.requirements.sha256"
want="$(sha256sum "$REQUIREMENTS" | cut -d' ' -f1)"
if [[ ! -f "$STAMP" || "$(cat "$STAMP")" != "$want" ]]; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --requirement "$REQUIREMENTS" >&2
  echo "$want" >"$STAMP"
fi
echo "$VENV"
