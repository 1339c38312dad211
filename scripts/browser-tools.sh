#!/usr/bin/env bash
# Installs what the GraphiQL browser test drives: Chromium from Debian's packages (when
# missing) and playwright-core from npm into .data/browser (ignored). Idempotent.
set -euo pipefail
PLAYWRIGHT_VERSION=1.65.1
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/.data/browser"
chromium=$(command -v chromium || true)
if [ -z "$chromium" ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends chromium >/dev/null
  chromium=$(command -v chromium)
fi
if [ "$(node -p "try{require('$dir/node_modules/playwright-core/package.json').version}catch{''}" 2>/dev/null)" != "$PLAYWRIGHT_VERSION" ]; then
  mkdir -p "$dir"
  echo '{"private":true}' >"$dir/package.json"
  npm install --prefix "$dir" --silent --no-audit --no-fund "playwright-core@$PLAYWRIGHT_VERSION" >/dev/null
fi
mkdir -p "$root/.data"
{
  echo "export BROWSER_TOOLS=$dir"
  echo "export CHROMIUM=$chromium"
} >>"$root/.data/env"
