#!/usr/bin/env bash
# Makes the Pulumi toolchain available in Pulumi's standard places, built from
# Go modules (Pulumi's download servers are not reachable here):
#   ${PULUMI_HOME:-$HOME/.pulumi}/bin/pulumi                        CLI
#   ${PULUMI_HOME:-$HOME/.pulumi}/bin/pulumi-language-nodejs        Node language host
#   ${PULUMI_HOME:-$HOME/.pulumi}/bin/pulumi-resource-pulumi-nodejs dynamic-provider shim
#   ${PULUMI_HOME:-$HOME/.pulumi}/plugins/resource-{postgresql,random}-vX
#                          (via `pulumi plugin install resource NAME VERSION --file BINARY`)
# at the versions of @pulumi/pulumi, @pulumi/postgresql and @pulumi/random in
# package.json (env PULUMI_VERSION / POSTGRESQL_VERSION / RANDOM_VERSION are
# used only while package.json lacks them).
#
# Usage: scripts/toolchain.sh [cli] [nodejs] [postgresql] [random]   (default: all)
#
# What is already installed at the wanted version is kept as is. Builds run
# in a throwaway wrapper module per component under
# ${TOOLCHAIN_WORK_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/whaly-postgres-toolchain};
# Go's module and build caches (GOMODCACHE, GOCACHE) are reused between runs.
# Each component that cannot be had prints one line "toolchain: MISSING ..."
# and the script then exits 1.
#
# Module-version overrides (for when the default version is not served):
#   PULUMI_LANGUAGE_NODEJS_MODULE_VERSION  pseudo-version of
#       github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
#       (default: v3.0.0-<time>-<commit> of the pkg/v3 release commit)
#   POSTGRESQL_PROVIDER_MODULE_VERSION     default v$POSTGRESQL_VERSION
#   POSTGRESQL_UPSTREAM                    module@version standing in for the
#       provider's ../upstream submodule (terraform-provider-postgresql source)
#   RANDOM_PROVIDER_MODULE_VERSION         default v$RANDOM_VERSION
set -euo pipefail

export PULUMI_SKIP_UPDATE_CHECK=true
export PULUMI_HOME="${PULUMI_HOME:-$HOME/.pulumi}"
BIN="$PULUMI_HOME/bin"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${TOOLCHAIN_WORK_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/whaly-postgres-toolchain}"
T0=$SECONDS
MISSING=()

log() { printf 'toolchain [%4ds] %s\n' "$((SECONDS - T0))" "$*" >&2; }
missing() { printf 'toolchain: MISSING %s\n' "$*" >&2; MISSING+=("$1"); }

# ---------------------------------------------------------------- versions
dep_version() { # npm-name env-var default
  local v=""
  if [[ -f "$ROOT/package.json" ]] && command -v node >/dev/null; then
    v="$(cd "$ROOT" && node -p "const p=require('./package.json');
      (p.dependencies||{})['$1']||(p.devDependencies||{})['$1']||''")"
  fi
  [[ -n "$v" ]] || v="${!2:-$3}"
  v="${v#[\^~=v]}"
  if [[ ! "$v" =~ ^[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    echo "toolchain: $1 must be pinned to an exact version x.y.z, got '$v'" >&2
    exit 1
  fi
  printf '%s\n' "$v"
}
PULUMI_V="$(dep_version @pulumi/pulumi PULUMI_VERSION 3.259.0)"
POSTGRESQL_V="$(dep_version @pulumi/postgresql POSTGRESQL_VERSION 3.18.1)"
RANDOM_V="$(dep_version @pulumi/random RANDOM_VERSION 4.21.2)"

# ---------------------------------------------------------------- helpers
export GOFLAGS="${GOFLAGS:-} -mod=mod"

# Runs "$@" in the background with its output in $logfile, printing a
# heartbeat every 30 s; on failure prints the last lines of the log.
run_logged() { # step-name logfile cmd...
  local name="$1" logfile="$2" t=$SECONDS next=$((SECONDS + 30)) pid rc=0
  shift 2
  log "$name ..."
  "$@" >"$logfile" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 1
    if ((SECONDS >= next)); then
      log "  $name: still running ($((SECONDS - t))s)"
      next=$((next + 30))
    fi
  done
  wait "$pid" || rc=$?
  if ((rc != 0)); then
    tail -n 15 "$logfile" | sed 's/^/    /' >&2
    return "$rc"
  fi
  log "$name: done in $((SECONDS - t))s"
}

# `go mod download -json` of one module version: sets MF to the field $2 of
# its answer, or MF="" and DL_ERROR to the error when it is not served.
MF="" DL_ERROR=""
mod_field() { # module@version field
  local out
  out="$(cd "$WORK" && go mod download -json "$1" 2>/dev/null || true)"
  DL_ERROR="$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"Error": "\(.*\)",\{0,1\}$/\1/p' \
    | sed 's/\\n.*//; s/\\t/ /g' | head -n 1)"
  MF=""
  [[ -n "$DL_ERROR" ]] && return 0
  MF="$(printf '%s\n' "$out" | sed -n "s/^[[:space:]]*\"$2\": \"\(.*\)\",\{0,1\}\$/\1/p" | head -n 1)"
  [[ -n "$MF" ]] || DL_ERROR="go mod download gave no $2"
}

# replace directives of a go.mod file, one per line: "old [ver] => new [ver]"
go_replaces() {
  awk '
    /^replace[ \t]*\(/ { inblk = 1; next }
    inblk && /^\)/     { inblk = 0; next }
    inblk && /=>/      { sub(/\/\/.*/, ""); print; next }
    /^replace[ \t]/    { sub(/^replace[ \t]+/, ""); sub(/\/\/.*/, ""); print }
  ' "$1" | sed 's/^[[:space:]]*//; s/[[:space:]]*$//'
}

go_directive() { awk '$1 == "go" { print $2; exit }' "$1"; }

installed_plugin_version() { # name -> version of installed resource plugin(s)
  [[ -x "$BIN/pulumi" ]] || return 0
  "$BIN/pulumi" plugin ls --json 2>/dev/null | node -e '
    let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
      for (const p of JSON.parse(s || "[]"))
        if (p.kind === "resource" && p.name === process.argv[1]) console.log(String(p.version).replace(/^v/, ""));
    })' "$1" 2>/dev/null || true
}

# Builds package $pkg from a wrapper module in $dir whose go.mod is already
# written; output binary $out.
wrapper_build() { # label dir pkg out ldflags
  local label="$1" dir="$2" pkg="$3" out="$4" ldflags="$5"
  printf '//go:build tools\n\npackage tools\n\nimport _ "%s"\n' "$pkg" >"$dir/tools.go"
  run_logged "$label: resolve modules (go mod tidy)" "$dir/tidy.log" \
    bash -c "cd '$dir' && go mod tidy" || return 1
  run_logged "$label: compile" "$dir/build.log" \
    bash -c "cd '$dir' && go build -trimpath -ldflags '-s -w $ldflags' -o '$out' '$pkg'" || return 1
}

mkdir -p "$WORK" "$BIN"
[[ -f "$WORK/go.mod" ]] || printf 'module toolchain.local/probe\n\ngo 1.21\n' >"$WORK/go.mod"

PKG_MOD=github.com/pulumi/pulumi/pkg/v3
SDK_MOD=github.com/pulumi/pulumi/sdk/v3
VERSION_PKG=github.com/pulumi/pulumi/sdk/v3/go/common/version

# ---------------------------------------------------------------- pulumi CLI
step_cli() {
  local have dir gomod
  have="$("$BIN/pulumi" version 2>/dev/null || true)"
  if [[ "$have" == "v$PULUMI_V" ]]; then
    log "pulumi CLI v$PULUMI_V: already installed"
    return 0
  fi
  log "pulumi CLI v$PULUMI_V: building (installed: ${have:-none}); a cold build takes about 8 min on 2 cores"
  mod_field "$PKG_MOD@v$PULUMI_V" GoMod && gomod="$MF"
  if [[ -z "$gomod" ]]; then
    missing "pulumi CLI v$PULUMI_V: Go module $PKG_MOD@v$PULUMI_V not served: $DL_ERROR"
    return 0
  fi
  dir="$WORK/pulumi-v$PULUMI_V"
  rm -rf "$dir" && mkdir -p "$dir"
  {
    printf 'module toolchain.local/pulumi\n\ngo %s\n\n' "$(go_directive "$gomod")"
    printf 'require (\n\t%s v%s\n\t%s v%s\n)\n\n' "$PKG_MOD" "$PULUMI_V" "$SDK_MOD" "$PULUMI_V"
    # upstream: sdk/v3 => ../sdk (same commit: covered by the require above)
    go_replaces "$gomod" | { grep -v '=>[[:space:]]*\.' || true; } | sed 's/^/replace /'
  } >"$dir/go.mod"
  if ! wrapper_build "pulumi CLI" "$dir" "$PKG_MOD/cmd/pulumi" "$dir/pulumi" \
    "-X $VERSION_PKG.Version=v$PULUMI_V"; then
    missing "pulumi CLI v$PULUMI_V: go build failed (log: $dir/build.log, $dir/tidy.log)"
    return 0
  fi
  install -m 0755 "$dir/pulumi" "$BIN/pulumi" && rm -f "$dir/pulumi"
  log "pulumi CLI: installed $("$BIN/pulumi" version) in $BIN"
}

# dynamic-provider shim, installed next to the CLI as the official installer does
step_dynamic_shim() {
  local src="" cand
  [[ -x "$BIN/pulumi-resource-pulumi-nodejs" ]] && return 0
  for cand in "$ROOT/node_modules/@pulumi/pulumi/pulumi-resource-pulumi-nodejs" \
    "$(go env GOMODCACHE)/$SDK_MOD@v$PULUMI_V/nodejs/dist/pulumi-resource-pulumi-nodejs"; do
    if [[ -f "$cand" ]]; then src="$cand" && break; fi
  done
  if [[ -n "$src" ]]; then
    install -m 0755 "$src" "$BIN/pulumi-resource-pulumi-nodejs"
    log "pulumi-resource-pulumi-nodejs: installed"
  fi
}

# ---------------------------------------------------------------- language host
step_nodejs() {
  local mod=github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3
  local mv="${PULUMI_LANGUAGE_NODEJS_MODULE_VERSION:-}" have dir gomod info t h
  have="$("$BIN/pulumi-language-nodejs" -version 2>/dev/null || true)"
  if [[ "$have" == "$PULUMI_V" || "$have" == "v$PULUMI_V" ]]; then
    log "pulumi-language-nodejs v$PULUMI_V: already installed"
    return 0
  fi
  if [[ -z "$mv" ]]; then
    # The language host is its own untagged module: pseudo-version at the release commit.
    mod_field "$PKG_MOD@v$PULUMI_V" Info && info="$MF"
    if [[ -n "$info" && -f "$info" ]]; then
      t="$(sed -n 's/.*"Time":"\([^"]*\)".*/\1/p' "$info" | tr -d ':TZ-')"
      h="$(sed -n 's/.*"Hash":"\([0-9a-f]\{12\}\).*/\1/p' "$info")"
      [[ -n "$t" && -n "$h" ]] && mv="v3.0.0-$t-$h"
    fi
  fi
  log "pulumi-language-nodejs v$PULUMI_V: building from $mod@${mv:-?}"
  gomod=""
  if [[ -n "$mv" ]]; then mod_field "$mod@$mv" GoMod && gomod="$MF"; fi
  if [[ -z "$gomod" ]]; then
    missing "pulumi-language-nodejs v$PULUMI_V: Go module $mod@${mv:-?} not served (${DL_ERROR:-no release commit known}); set PULUMI_LANGUAGE_NODEJS_MODULE_VERSION to a served pseudo-version. Inline Automation API programs do not need it."
    return 0
  fi
  dir="$WORK/pulumi-language-nodejs-v$PULUMI_V"
  rm -rf "$dir" && mkdir -p "$dir"
  {
    printf 'module toolchain.local/langnodejs\n\ngo %s\n\n' "$(go_directive "$gomod")"
    printf 'require (\n\t%s %s\n\t%s v%s\n\t%s v%s\n)\n\n' "$mod" "$mv" \
      "$PKG_MOD" "$PULUMI_V" "$SDK_MOD" "$PULUMI_V"
    # upstream: pkg/v3 and sdk/v3 => relative dirs (same commit: covered above)
    go_replaces "$gomod" | { grep -v '=>[[:space:]]*\.' || true; } | sed 's/^/replace /'
  } >"$dir/go.mod"
  if ! wrapper_build "pulumi-language-nodejs" "$dir" "$mod" "$dir/pulumi-language-nodejs" \
    "-X $VERSION_PKG.Version=v$PULUMI_V"; then
    missing "pulumi-language-nodejs v$PULUMI_V: go build failed (log: $dir/build.log, $dir/tidy.log)"
    return 0
  fi
  install -m 0755 "$dir/pulumi-language-nodejs" "$BIN/pulumi-language-nodejs" && rm -f "$dir/pulumi-language-nodejs"
  log "pulumi-language-nodejs: installed in $BIN"
}

# ---------------------------------------------------------------- providers
# Writes the replace lines for the wrapper of provider $name from the
# upstream go.mod; relative (submodule/nested-module) replaces are mapped here.
provider_replaces() { # name gomod dir
  local name="$1" gomod="$2" dir="$3" line old target up
  while IFS= read -r line; do
    [[ -n "$line" ]] || continue
    old="${line%%=>*}" && old="$(echo $old)"
    target="$(echo ${line#*=>})"
    if [[ "$target" != .* ]]; then
      printf 'replace %s\n' "$line"
      continue
    fi
    case "$name:${old%% *}" in
      postgresql:github.com/cyrilgdn/terraform-provider-postgresql)
        # ../upstream is a git submodule, absent from the module zip
        up="${POSTGRESQL_UPSTREAM:-}"
        if [[ -z "$up" ]]; then
          echo "ERROR: $old => $target (git submodule) needs POSTGRESQL_UPSTREAM=module@version"
          return 0
        fi
        printf 'replace %s => %s %s\n' "${old%% *}" "${up%@*}" "${up#*@}"
        ;;
      random:github.com/terraform-providers/terraform-provider-random/shim)
        # nested one-file module returning the upstream framework provider
        mkdir -p "$dir/shim"
        printf 'module github.com/terraform-providers/terraform-provider-random/shim\n\ngo 1.21\n' \
          >"$dir/shim/go.mod"
        cat >"$dir/shim/shim.go" <<'EOF'
// Package shim exposes the upstream random provider to the Pulumi bridge.
package shim

import (
	"github.com/hashicorp/terraform-plugin-framework/provider"
	upstream "github.com/terraform-providers/terraform-provider-random/internal/provider"
)

// NewProvider returns the upstream terraform-plugin-framework provider.
func NewProvider() provider.Provider { return upstream.New() }
EOF
        printf 'replace %s => ./shim\n' "${old%% *}"
        ;;
      *)
        echo "ERROR: no mapping for relative replace '$line'"
        return 0
        ;;
    esac
  done < <(go_replaces "$gomod")
}

step_provider() { # name version module cmd-package
  local name="$1" v="$2" mod="$3" pkg="$4" envv mv have gomod dir repl
  envv="$(echo "$name" | tr '[:lower:]' '[:upper:]')_PROVIDER_MODULE_VERSION"
  mv="${!envv:-v$v}"
  have="$(installed_plugin_version "$name")"
  if grep -qx "$v" <<<"$have"; then
    log "resource plugin $name v$v: already installed"
    return 0
  fi
  log "resource plugin $name v$v: building from $mod@$mv"
  mod_field "$mod@$mv" GoMod && gomod="$MF"
  if [[ -z "$gomod" ]]; then
    missing "resource plugin $name v$v: Go module $mod@$mv not served: $DL_ERROR"
    return 0
  fi
  if [[ ! -x "$BIN/pulumi" ]]; then
    missing "resource plugin $name v$v: needs the pulumi CLI to install it"
    return 0
  fi
  dir="$WORK/$name-v$v"
  rm -rf "$dir" && mkdir -p "$dir"
  repl="$(provider_replaces "$name" "$gomod" "$dir")"
  if grep -q '^ERROR: ' <<<"$repl"; then
    missing "resource plugin $name v$v: $(grep '^ERROR: ' <<<"$repl" | head -n 1 | sed 's/^ERROR: //')"
    return 0
  fi
  {
    printf 'module toolchain.local/%s\n\ngo %s\n\n' "$name" "$(go_directive "$gomod")"
    printf 'require %s %s\n\n' "$mod" "$mv"
    printf '%s\n' "$repl"
  } >"$dir/go.mod"
  if ! wrapper_build "resource plugin $name" "$dir" "$mod/$pkg" "$dir/pulumi-resource-$name" \
    "-X $mod/pkg/version.Version=$v"; then
    missing "resource plugin $name v$v: go build failed (log: $dir/build.log, $dir/tidy.log)"
    return 0
  fi
  run_logged "resource plugin $name: pulumi plugin install" "$dir/install.log" \
    "$BIN/pulumi" plugin install resource "$name" "$v" --file "$dir/pulumi-resource-$name" || {
    missing "resource plugin $name v$v: pulumi plugin install failed (log: $dir/install.log)"
    return 0
  }
}

# ---------------------------------------------------------------- main
want=("$@")
[[ ${#want[@]} -gt 0 ]] || want=(cli nodejs postgresql random)
if ! command -v go >/dev/null && [[ "$("$BIN/pulumi" version 2>/dev/null || true)" != "v$PULUMI_V" ]]; then
  echo "toolchain: MISSING go (Go toolchain needed to build pulumi v$PULUMI_V)" >&2
  exit 1
fi
log "versions: pulumi $PULUMI_V, postgresql $POSTGRESQL_V, random $RANDOM_V; PULUMI_HOME=$PULUMI_HOME"
for c in "${want[@]}"; do
  case "$c" in
    cli)
      step_cli
      step_dynamic_shim
      ;;
    nodejs) step_nodejs ;;
    postgresql)
      step_provider postgresql "$POSTGRESQL_V" github.com/pulumi/pulumi-postgresql/provider/v3 \
        cmd/pulumi-resource-postgresql
      ;;
    random)
      step_provider random "$RANDOM_V" github.com/pulumi/pulumi-random/provider/v4 \
        cmd/pulumi-resource-random
      ;;
    *)
      echo "toolchain: unknown component '$c' (use: cli nodejs postgresql random)" >&2
      exit 2
      ;;
  esac
done

if ((${#MISSING[@]} > 0)); then
  log "finished with ${#MISSING[@]} component(s) missing (see MISSING lines above)"
  exit 1
fi
log "all done"
