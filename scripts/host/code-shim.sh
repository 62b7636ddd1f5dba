#!/usr/bin/env bash
# Stands in for the VS Code executable so @vscode/test-electron's runTests({ vscodeExecutablePath }) (and
# @vscode/test-cli's useInstallation.fromPath) run the extension tests in code-server + headless Chromium.
# Takes --extensionDevelopmentPath=, --extensionTestsPath= and a positional workspace folder; ignores the other
# flags those runners pass (--no-sandbox, --user-data-dir=..., ...). Env vars VSCODE_TEST* and BOX_PULL_* become
# the extension host's environment. Exits with the test result (see out/test/host/driver.js for the codes).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DRIVER="$ROOT/out/test/host/driver.js"

dev_path='' tests_path='' folder=''
for arg in "$@"; do
  case "$arg" in
    --extensionDevelopmentPath=*) dev_path="${arg#*=}" ;;
    --extensionTestsPath=*) tests_path="${arg#*=}" ;;
    --*) ;; # every other VS Code flag is irrelevant to code-server
    *) folder="$arg" ;;
  esac
done

if [ -z "$dev_path" ] || [ -z "$tests_path" ]; then
  echo "code-shim: need --extensionDevelopmentPath= and --extensionTestsPath= (got: $*)" >&2
  exit 2
fi
if [ ! -f "$DRIVER" ]; then
  echo "code-shim: $DRIVER missing; run: npm run compile-tests" >&2
  exit 2
fi
if [ -z "$folder" ]; then
  folder="$(mktemp -d "${TMPDIR:-/tmp}/box-pull-workspace-XXXXXX")"
  trap 'rm -rf "$folder"' EXIT
fi

# Passed through the environment, not argv: it may hold a token, and argv is visible to every user in `ps`.
BOX_PULL_HOST_EXTENSION_ENV="$(node -e '
  const picked = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(VSCODE_TEST|BOX_PULL_)/.test(name)) picked[name] = value;
  }
  process.stdout.write(JSON.stringify(picked));
')"
export BOX_PULL_HOST_EXTENSION_ENV

# Without a trap to run, exec hands signals (test-electron sends SIGINT on Ctrl+C) straight to the driver.
if [ -z "$(trap -p EXIT)" ]; then
  exec node "$DRIVER" --extensionDevelopmentPath="$dev_path" --extensionTestsPath="$tests_path" --folder="$folder"
fi
node "$DRIVER" --extensionDevelopmentPath="$dev_path" --extensionTestsPath="$tests_path" \
  --folder="$folder"
