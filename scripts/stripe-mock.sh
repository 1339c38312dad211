#!/usr/bin/env bash
# Ensures stripe-mock (Stripe's API simulator) runs on loopback for the Stripe adapter's tests:
# installs the pinned version from the Go module proxy into .data/bin, starts it in the
# background if nothing answers on its port, and adds STRIPE_MOCK_URL to .data/env.
# Idempotent: a second run finds it up and returns. `bash scripts/stripe-mock.sh stop` stops it.
set -euo pipefail

version=v0.203.0
root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/.data"
port=${SHOPGRAPH_STRIPE_MOCK_PORT:-12111}
bin="$data/bin/stripe-mock"
pidfile="$data/stripe-mock.pid"
url="http://127.0.0.1:$port"
mkdir -p "$data/bin"

log() { printf 'stripe-mock: %s\n' "$*" >&2; }

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; }

if [ "${1:-}" = stop ]; then
  if [ -s "$pidfile" ] && kill "$(cat "$pidfile")" 2>/dev/null; then log "stopped"; fi
  rm -f "$pidfile"
  exit 0
fi

# The version is part of the binary's name, so bumping it above installs the new one.
if [ ! -x "$bin-$version" ]; then
  log "installing $version"
  GOBIN="$data/bin" go install "github.com/stripe/stripe-mock@$version"
  mv "$bin" "$bin-$version"
fi

if ! listening; then
  log "starting on $url"
  nohup "$bin-$version" -http-addr "127.0.0.1:$port" -https-addr "127.0.0.1:$((port + 1))" >"$data/stripe-mock.log" 2>&1 &
  echo $! >"$pidfile"
  for _ in $(seq 100); do
    listening && break
    sleep 0.1
  done
  listening || { log "did not start; see $data/stripe-mock.log"; exit 1; }
fi

touch "$data/env"
grep -q '^export STRIPE_MOCK_URL=' "$data/env" || echo "export STRIPE_MOCK_URL=$url" >>"$data/env"
