#!/usr/bin/env bash
# Makes the Pulumi toolchain available where Pulumi's installer puts it, at the versions pinned in
# package.json (@pulumi/pulumi, @pulumi/postgresql, @pulumi/random):
#
#   cli         ${PULUMI_HOME:-~/.pulumi}/bin/pulumi. Kept when installed at the pinned version;
#               otherwise Pulumi's installer (get.pulumi.com) where the internet is reachable, which
#               brings the language hosts too; else built from its Go modules.
#   plugins     the postgresql and random resource plugins. Kept when installed; otherwise
#               `pulumi plugin install resource NAME VERSION`, which downloads them where the
#               internet is reachable.
#   actionlint  the GitHub Actions workflow linter, built from its Go module at the version below;
#               its path is printed on stdout.
#
# Usage: scripts/toolchain.sh [cli] [plugins] [actionlint]   (default: cli plugins)
#
# Whatever cannot be had is named on one line "toolchain: MISSING ..." and the script exits 1.
# Go's module and build caches (GOMODCACHE, GOCACHE) are reused between runs; the throwaway
# wrapper module of the CLI build lives in ${TOOLCHAIN_WORK_DIR:-~/.cache/whaly-postgres-toolchain}.
set -euo pipefail

export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_HOME="${PULUMI_HOME:-$HOME/.pulumi}"
BIN="$PULUMI_HOME/bin"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${TOOLCHAIN_WORK_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/whaly-postgres-toolchain}"
T0=$SECONDS
MISSING=0

log() { printf 'toolchain [%4ds] %s\n' "$((SECONDS - T0))" "$*" >&2; }
missing() {
  printf 'toolchain: MISSING %s\n' "$*" >&2
  MISSING=$((MISSING + 1))
}

# The exact version package.json pins for an npm package (dependencies or devDependencies).
pinned() {
  local v
  v="$(node -p "const p = require('$ROOT/package.json');
    (p.devDependencies || {})['$1'] || (p.dependencies || {})['$1'] || ''")"
  if [[ ! "$v" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "toolchain: package.json must pin $1 to an exact version x.y.z, not '$v'" >&2
    exit 2
  fi
  printf '%s\n' "$v"
}
PULUMI_V="$(pinned @pulumi/pulumi)"
ACTIONLINT_V=1.7.12

# Runs "$@" with its output in $logfile and a heartbeat every 30 s; on failure shows the log's end.
run_logged() { # step-name logfile cmd...
  local name="$1" logfile="$2" t=$SECONDS next=$((SECONDS + 30)) pid rc=0
  shift 2
  log "$name ..."
  "$@" >"$logfile" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if ((SECONDS >= next)); then
      log "  $name: still running ($((SECONDS - t)) s)"
      next=$((next + 30))
    fi
  done
  wait "$pid" || rc=$?
  if ((rc != 0)); then
    tail -n 15 "$logfile" | sed 's/^/    /' >&2
    return "$rc"
  fi
  log "$name: done in $((SECONDS - t)) s"
}

# ---------------------------------------------------------------- the CLI, from Go modules
PKG_MOD=github.com/pulumi/pulumi/pkg/v3
SDK_MOD=github.com/pulumi/pulumi/sdk/v3

# The replace directives of a go.mod, one per line ("old [ver] => new [ver]"), minus relative ones.
absolute_replaces() {
  awk '
    /^replace[ \t]*\(/ { inblk = 1; next }
    inblk && /^\)/     { inblk = 0; next }
    inblk && /=>/      { sub(/\/\/.*/, ""); print; next }
    /^replace[ \t]/    { sub(/^replace[ \t]+/, ""); sub(/\/\/.*/, ""); print }
  ' "$1" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//' | { grep -v '=>[[:space:]]*\.' || true; }
}

step_cli() {
  local have dir upstream_gomod
  have="$("$BIN/pulumi" version 2>/dev/null || true)"
  if [[ "$have" == "v$PULUMI_V" ]]; then
    log "pulumi CLI v$PULUMI_V: installed"
    return 0
  fi
  if ! command -v go >/dev/null; then
    missing "pulumi CLI v$PULUMI_V: not installed, and no Go toolchain to build it (install Go 1.26+, or Pulumi's installer: curl -fsSL https://get.pulumi.com | sh -s -- --version $PULUMI_V)"
    return 0
  fi
  # Pulumi's own installer, where the internet is reachable (it brings the language hosts too).
  if curl -fsSL --max-time 20 https://get.pulumi.com -o "$WORK/get-pulumi.sh" 2>/dev/null &&
    sh "$WORK/get-pulumi.sh" --version "$PULUMI_V" --install-root "$PULUMI_HOME" --no-edit-path >"$WORK/get-pulumi.log" 2>&1; then
    log "pulumi CLI: installed $("$BIN/pulumi" version) in $BIN by Pulumi's installer"
    return 0
  fi
  log "pulumi CLI v$PULUMI_V: building from Go modules (installed: ${have:-none}; Pulumi's installer cannot be reached); about 8 min cold on 2 cores"
  dir="$WORK/pulumi-v$PULUMI_V"
  rm -rf "$dir" && mkdir -p "$dir"
  # `go install pkg@version` refuses modules with replace directives: build in a wrapper module
  # that requires pkg and sdk at the release and carries pkg's own (non-relative) replaces.
  printf 'module toolchain.local/probe\n\ngo 1.21\n' >"$dir/go.mod"
  upstream_gomod="$(cd "$dir" && GOFLAGS=-mod=mod go mod download -json "$PKG_MOD@v$PULUMI_V" |
    node -e 'let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => console.log(JSON.parse(s).GoMod || ""))')" || true
  if [[ -z "$upstream_gomod" ]]; then
    missing "pulumi CLI v$PULUMI_V: the Go module proxy does not serve $PKG_MOD@v$PULUMI_V"
    return 0
  fi
  {
    printf 'module toolchain.local/pulumi\n\ngo %s\n\n' "$(awk '$1 == "go" { print $2; exit }' "$upstream_gomod")"
    printf 'require (\n\t%s v%s\n\t%s v%s\n)\n\n' "$PKG_MOD" "$PULUMI_V" "$SDK_MOD" "$PULUMI_V"
    absolute_replaces "$upstream_gomod" | sed 's/^/replace /'
  } >"$dir/go.mod"
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s/cmd/pulumi"\n' "$PKG_MOD" >"$dir/tools.go"
  if ! run_logged "pulumi CLI: resolve modules" "$dir/tidy.log" bash -c "cd '$dir' && go mod tidy" ||
    ! run_logged "pulumi CLI: compile" "$dir/build.log" bash -c "cd '$dir' && go build -trimpath \
      -ldflags '-s -w -X $SDK_MOD/go/common/version.Version=v$PULUMI_V' -o '$dir/pulumi' '$PKG_MOD/cmd/pulumi'"; then
    missing "pulumi CLI v$PULUMI_V: the Go build failed (logs in $dir)"
    return 0
  fi
  mkdir -p "$BIN"
  install -m 0755 "$dir/pulumi" "$BIN/pulumi" && rm -f "$dir/pulumi"
  log "pulumi CLI: installed $("$BIN/pulumi" version) in $BIN"
}

# ---------------------------------------------------------------- resource plugins
plugin_installed() { # name version
  "$BIN/pulumi" plugin ls --json 2>/dev/null | node -e '
    let s = ""; process.stdin.on("data", (d) => (s += d)).on("end", () => {
      const [name, version] = process.argv.slice(1);
      const found = JSON.parse(s || "[]").some((p) => p.kind === "resource" && p.name === name && String(p.version).replace(/^v/, "") === version);
      process.exit(found ? 0 : 1);
    })' "$1" "$2"
}

step_plugin() { # name
  local name="$1" version
  version="$(pinned "@pulumi/$name")"
  if [[ ! -x "$BIN/pulumi" ]]; then
    missing "resource plugin $name v$version: needs the pulumi CLI (scripts/toolchain.sh cli)"
    return 0
  fi
  if plugin_installed "$name" "$version"; then
    log "resource plugin $name v$version: installed"
    return 0
  fi
  log "resource plugin $name v$version: pulumi plugin install resource $name $version"
  if "$BIN/pulumi" plugin install resource "$name" "$version" >"$WORK/plugin-$name.log" 2>&1; then
    log "resource plugin $name v$version: installed"
  else
    missing "resource plugin $name v$version: not installed, and the download failed ($(grep -m 1 -i 'error' "$WORK/plugin-$name.log" | sed 's/.*: //')). With internet access, \`pulumi plugin install resource $name $version\` gets it from Pulumi; offline, install a binary with \`pulumi plugin install resource $name $version --file BINARY\`"
  fi
}

# ---------------------------------------------------------------- actionlint
step_actionlint() {
  local bin="$WORK/bin/actionlint"
  if [[ "$("$bin" -version 2>/dev/null | head -n 1)" != "v$ACTIONLINT_V" ]]; then
    if ! command -v go >/dev/null; then
      missing "actionlint v$ACTIONLINT_V: not installed, and no Go toolchain to build it (install Go 1.26+)"
      return 0
    fi
    if ! run_logged "actionlint v$ACTIONLINT_V: build" "$WORK/actionlint.log" \
      env GOBIN="$WORK/bin" go install "github.com/rhysd/actionlint/cmd/actionlint@v$ACTIONLINT_V"; then
      missing "actionlint v$ACTIONLINT_V: the Go build failed (log in $WORK/actionlint.log)"
      return 0
    fi
  fi
  printf '%s\n' "$bin"
}

# ---------------------------------------------------------------- main
mkdir -p "$WORK"
want=("$@")
[[ ${#want[@]} -gt 0 ]] || want=(cli plugins)
for component in "${want[@]}"; do
  case "$component" in
    cli) step_cli ;;
    plugins)
      step_plugin postgresql
      step_plugin random
      ;;
    actionlint) step_actionlint ;;
    *)
      echo "toolchain: unknown component '$component' (use: cli plugins actionlint)" >&2
      exit 2
      ;;
  esac
done
if ((MISSING > 0)); then
  log "$MISSING missing (see the MISSING lines)"
  exit 1
fi
log "ready"
