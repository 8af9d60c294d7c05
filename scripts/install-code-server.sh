#!/usr/bin/env bash
# Installs code-server (a real VS Code, 1.100.3) into tools/code-server/ from the npm registry, offline-safe:
# its ripgrep dependency would download a binary in postinstall, so its cache is seeded with Debian's rg first.
# Idempotent: a second run returns at once.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="$root/tools/code-server"
bin="$dir/node_modules/.bin/code-server"

# code-server writes a default config into $HOME on any start, --version included: keep that out of the user's.
version() {
  local home rc=0
  home="$(mktemp -d)"
  HOME="$home" XDG_CONFIG_HOME="" "$bin" --version || rc=$?
  rm -rf "$home"
  return "$rc"
}

if [ -x "$bin" ] && version >/dev/null 2>&1; then
  exit 0
fi

bash "$root/scripts/install-system-deps.sh"

rg_version="1.15.11"
cache="${TMPDIR:-/tmp}/vscode-ripgrep-cache-$rg_version"
archive="$cache/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [ ! -f "$archive" ]; then
  mkdir -p "$cache"
  stage="$(mktemp -d)"
  cp "$(command -v rg)" "$stage/rg"
  tar -czf "$archive" -C "$stage" rg
  rm -rf "$stage"
fi

echo "Installing code-server into tools/code-server (about two minutes)..."
cd "$dir"
export npm_config_unsafe_perm=true npm_config_yes=true
if [ -f package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
else
  npm install --no-audit --no-fund --loglevel=error
fi
version
