#!/usr/bin/env bash
# The README's run command (`npm start`): sets up what is missing, builds the extension, packages the .vsix,
# installs it into a real VS Code (code-server) and opens the sample workspace at a printed 127.0.0.1 URL.
# If no model server answers at the default Ollama address, a local demo model (the project's
# OpenAI-compatible test server in demo mode) is started so that ghost text and chat show something.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
port="${AEGIS_PORT:-8080}"
demo_port="${AEGIS_DEMO_MODEL_PORT:-11435}"
state="$root/.aegis-demo"

bash scripts/install-system-deps.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
bash scripts/install-code-server.sh
npm run --silent package
vsix="$(ls -t "$root"/aegis-code-assistant-*.vsix | head -1)"

mkdir -p "$state/home" "$state/user-data/User" "$state/extensions" "$state/workspace"
# A copy of the sample workspace, so that trying the product never edits the project's fixtures.
if [ ! -f "$state/workspace/.aegis-sample" ]; then
  cp -r test/fixtures/workspaces/sample/. "$state/workspace/"
  touch "$state/workspace/.aegis-sample"
fi

base_url="http://localhost:11434/v1"
profile_json='{"id": "ollama-qwen", "baseUrl": "http://localhost:11434/v1", "model": "qwen2.5-coder:7b-base", "apiStyle": "completions", "fimDialect": "qwen"}'
if ! curl -fsS -m 2 "$base_url/models" >/dev/null 2>&1; then
  echo "No model server answers at $base_url: starting the demo model on 127.0.0.1:$demo_port."
  npx tsx test/fixtures/openaiTestServer.ts --port "$demo_port" >"$state/demo-model.log" 2>&1 &
  demo_pid=$!
  trap 'kill $demo_pid 2>/dev/null || true' EXIT
  profile_json="{\"id\": \"demo\", \"baseUrl\": \"http://127.0.0.1:$demo_port/v1\", \"model\": \"aegis-demo\", \"apiStyle\": \"completions\", \"fimDialect\": \"qwen\"}"
fi
profile_id="$(node -e 'console.log(JSON.parse(process.argv[1]).id)' "$profile_json")"
cat >"$state/user-data/User/settings.json" <<JSON
{
  "extensions.autoCheckUpdates": false,
  "extensions.autoUpdate": false,
  "telemetry.telemetryLevel": "off",
  "workbench.startupEditor": "none",
  "security.workspace.trust.enabled": false,
  "aegis.models": [$profile_json],
  "aegis.features.completion": "$profile_id",
  "aegis.features.chat": "$profile_id",
  "aegis.features.tests": "$profile_id",
  "aegis.features.diagnosis": "$profile_id"
}
JSON

export HOME="$state/home" XDG_CONFIG_HOME="$state/home/.config" XDG_DATA_HOME="$state/home/.local/share" \
  XDG_CACHE_HOME="$state/home/.cache"
cs="$root/tools/code-server/node_modules/.bin/code-server"
"$cs" --user-data-dir "$state/user-data" --extensions-dir "$state/extensions" --install-extension "$vsix" --force >/dev/null

echo
echo "Aegis is running in VS Code (code-server): http://127.0.0.1:$port/?folder=$state/workspace"
echo "The desktop package is $vsix (install it with: code --install-extension $(basename "$vsix"))."
echo "Press Ctrl+C to stop."
"$cs" --auth none --bind-addr "127.0.0.1:$port" --user-data-dir "$state/user-data" \
  --extensions-dir "$state/extensions" --disable-telemetry --disable-update-check --disable-workspace-trust \
  --disable-getting-started-override "$state/workspace"
