#!/usr/bin/env bash
# Runs the end-to-end tests (test/e2e): the packaged extension installed from a .vsix into code-server,
# driven like a person in headless Chromium. Assumes `npm ci` and `npm run build` have run. The .vsix is
# $AEGIS_VSIX when set; else the newest aegis-code-assistant-*.vsix at the root (from `npm run package`)
# if it is newer than dist/; else the current dist/ packaged with vsce into .test-runs/ (no rebuild).
# Extra arguments go to mocha (e.g. --grep 'status bar'). Exits non-zero on failure; the last line is
# the summary "e2e: N passed, N failed".
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/install-system-deps.sh
bash scripts/install-code-server.sh

mkdir -p .test-runs/e2e
# Per-run file names: two runs at once (a developer and a CI-like script) must not share a .vsix.
out=".test-runs/e2e/output-$$.txt"
own_vsix=""
trap 'rm -f "$out" ${own_vsix:+"$own_vsix"}' EXIT
if [ -z "${AEGIS_VSIX:-}" ]; then
  if [ ! -f dist/extension.js ]; then
    echo "dist/extension.js is missing: run 'npm run build' first (or set AEGIS_VSIX)." >&2
    echo "e2e: 0 passed, 1 failed"
    exit 1
  fi
  newest="$(ls -t aegis-code-assistant-*.vsix 2>/dev/null | head -n 1 || true)"
  if [ -n "$newest" ] && [ "$newest" -nt dist/extension.js ]; then
    export AEGIS_VSIX="$root/$newest"
  else
    own_vsix="$root/.test-runs/e2e/aegis-code-assistant-$$.vsix"
    export AEGIS_VSIX="$own_vsix"
    if ! npx vsce package --no-dependencies --skip-license --no-rewrite-relative-links -o "$AEGIS_VSIX" >"$out" 2>&1; then
      cat "$out" >&2
      echo "e2e: 0 passed, 1 failed"
      exit 1
    fi
  fi
fi
echo "Testing $AEGIS_VSIX"

set +e
# Files named on the command line run alone; without any, every suite runs. Other arguments (--grep …) go to mocha.
specs=()
for arg in "$@"; do
  case "$arg" in *.test.ts) specs+=("$arg") ;; esac
done
[ ${#specs[@]} -eq 0 ] && set -- "$@" 'test/e2e/**/*.test.ts'
npx mocha --config test/e2e/.mocharc.json --color=false "$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
set -e
passed="$(grep -oE '^ *[0-9]+ passing' "$out" | grep -oE '[0-9]+' | tail -n 1 || true)"
failed="$(grep -oE '^ *[0-9]+ failing' "$out" | grep -oE '[0-9]+' | tail -n 1 || true)"
passed="${passed:-0}"
failed="${failed:-0}"
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1
fi
echo "(e2e tests took ${SECONDS}s; screenshots in .test-runs/screenshots, logs in .test-runs/logs)"
echo "e2e: $passed passed, $failed failed"
exit "$rc"
