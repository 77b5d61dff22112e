#!/usr/bin/env bash
# A release of tag vX.Y.Z (release.yml runs it after CI): checks the tag against package.json and
# the changelog, publishes the package to npm with provenance, and makes the GitHub release with
# the changelog's section as notes. Needs NODE_AUTH_TOKEN (npm) and GH_TOKEN (GitHub).
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${1:?usage: scripts/release.sh vX.Y.Z}"
notes="$(mktemp)"
trap 'rm -f "$notes"' EXIT
npx ts-node scripts/releaseNotes.ts "$tag" >"$notes"
npm publish --provenance --access public
gh release create "$tag" --title "$tag" --notes-file "$notes" --verify-tag
