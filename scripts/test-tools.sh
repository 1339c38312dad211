#!/usr/bin/env bash
# Installs the tools some tests compare against, into .data/ (ignored): the reference
# federation composition from npm. Idempotent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/.data/compose"
if [ ! -d "$dir/node_modules/@theguild/federation-composition" ]; then
  mkdir -p "$dir"
  echo '{"private":true}' >"$dir/package.json"
  npm install --prefix "$dir" --silent --no-audit --no-fund \
    @theguild/federation-composition@0.27.0 graphql@16.11.0 >/dev/null
fi
echo "export COMPOSE_TOOLS=$dir" >>"$root/.data/env"
