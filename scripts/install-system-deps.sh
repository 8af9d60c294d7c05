#!/usr/bin/env bash
# Installs the Debian packages the tests need (Chromium for e2e, Kerberos headers and ripgrep for
# code-server's native build, PostgreSQL for the team store). Idempotent: does nothing when all are present.
set -euo pipefail

packages=(chromium libkrb5-dev ripgrep postgresql)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  SUDO="sudo"
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
