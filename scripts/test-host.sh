#!/usr/bin/env bash
# Runs the host tests (test/host/suites) inside a real VS Code extension host: code-server driven by
# headless Chromium. Assumes `npm ci` and `npm run build` have run. Installs code-server and Chromium if
# missing (both installers are idempotent). Exits non-zero on any failure; the last line is the summary.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bash scripts/install-system-deps.sh
bash scripts/install-code-server.sh

if [ ! -f dist/extension.js ] || [ ! -f dist/host-tests/index.js ]; then
  echo "dist/extension.js or dist/host-tests/index.js is missing: run 'npm run build' first." >&2
  echo "host: 0 passed, 1 failed"
  exit 1
fi

mkdir -p .test-runs/host
out=".test-runs/host/output-$$.txt"
trap 'rm -f "$out"' EXIT
set +e
npx tsx test/host/runInCodeServer.ts 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}
set -e
summary="$(grep -E '^host: [0-9]+ passed, [0-9]+ failed$' "$out" | tail -n 1 || true)"
echo "(host tests took ${SECONDS}s; logs in .test-runs/logs)"
echo "${summary:-host: 0 passed, 1 failed}"
exit "$rc"
