#!/usr/bin/env bash
# Installs the peer gateways (pinned in bench/peers/package.json) into .data/bench-peers,
# a git-ignored folder, with their config files beside node_modules so imports resolve.
set -euo pipefail
cd "$(dirname "$0")/../.."
dest=.data/bench-peers
mkdir -p "$dest"
cp bench/peers/package.json bench/peers/*.mjs bench/peers/*.cjs "$dest/"
if [ -f bench/peers/package-lock.json ]; then cp bench/peers/package-lock.json "$dest/"; fi
cd "$dest"
if [ -d node_modules ] && cmp -s package.json .installed-package.json; then exit 0; fi
npm install --no-audit --no-fund --loglevel=error
cp package.json .installed-package.json
