#!/usr/bin/env bash
# The README's test command (`npm test`): sets up everything the tests need on a fresh machine, then runs
# every check and every test layer: lint, types, format, unit, host (a real VS Code: code-server) and
# end-to-end (code-server driven through Debian's Chromium). Ends with one line: "N passed, N failed".
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
logs="$root/.test-runs/logs"
mkdir -p "$logs"

step() { printf '\n=== %s\n' "$*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }

step "System packages (Chromium, build tools, PostgreSQL)"
bash scripts/install-system-deps.sh || fail "installing system packages"

step "npm dependencies"
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund || fail "npm ci"
fi

step "code-server (the real VS Code host)"
bash scripts/install-code-server.sh || fail "installing code-server"

step "Build"
npm run --silent build || fail "build"

step "Lint, types, format"
npm run --silent lint || fail "eslint"
npm run --silent typecheck || fail "tsc"
npm run --silent format:check || fail "prettier"

passed=0
failed=0
# Runs one test layer, keeps its output, and adds its counts from the "N passing"/"N failing" lines
# (mocha) or a "<layer>: N passed, N failed" line (the host and e2e runners).
layer() {
  local name="$1"
  shift
  step "Tests: $name"
  "$@" 2>&1 | tee "$logs/$name.log"
  local rc=${PIPESTATUS[0]}
  local p f
  p=$(grep -Eo '^ *[0-9]+ passing' "$logs/$name.log" | tail -1 | grep -Eo '[0-9]+')
  f=$(grep -Eo '^ *[0-9]+ failing' "$logs/$name.log" | tail -1 | grep -Eo '[0-9]+')
  if [ -z "$p" ]; then
    p=$(grep -Eo "^$name: [0-9]+ passed" "$logs/$name.log" | tail -1 | grep -Eo '[0-9]+ passed' | grep -Eo '[0-9]+')
    f=$(grep -Eo "^$name: [0-9]+ passed, [0-9]+ failed" "$logs/$name.log" | tail -1 | grep -Eo '[0-9]+ failed' | grep -Eo '[0-9]+')
  fi
  passed=$((passed + ${p:-0}))
  failed=$((failed + ${f:-0}))
  if [ "$rc" -ne 0 ] && [ "${f:-0}" -eq 0 ]; then failed=$((failed + 1)); fi
  return "$rc"
}

status=0
layer unit npm run --silent test:unit || status=1

step "Package the .vsix"
npm run --silent package || fail "packaging the .vsix"

layer host bash scripts/test-host.sh || status=1
layer e2e bash scripts/test-e2e.sh || status=1

echo
echo "${passed} passed, ${failed} failed"
exit "$status"
