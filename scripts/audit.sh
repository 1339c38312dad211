#!/usr/bin/env bash
# Run the public Federation Gateway Audit (graphql-hive/federation-gateway-audit)
# against our gateway and print the score.
#
#   bash scripts/audit.sh                 # every suite
#   SUITE=requires-requires bash scripts/audit.sh   # one suite
#
# Everything generated lives under .data/ (git-ignored).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DATA="$ROOT/.data"
AUDIT="$DATA/audit"
MIRROR="${AUDIT_MIRROR:-/work/.mirror/graphql-hive+federation-gateway-audit/repo}"
PORT="${GATEWAY_PORT:-4044}"
SUITE="${SUITE:-}"

mkdir -p "$DATA"

if [ ! -f "$AUDIT/package.json" ]; then
  rm -rf "$AUDIT" && mkdir -p "$AUDIT"
  if [ -d "$MIRROR" ]; then
    git -C "$MIRROR" archive HEAD | tar -x -C "$AUDIT"
  else
    git clone --depth 1 https://github.com/graphql-hive/federation-gateway-audit "$AUDIT"
  fi
fi

if [ ! -d "$AUDIT/node_modules/tsx" ]; then
  # Only the runtime dependencies and tsx are needed; the other gateways'
  # devDependencies are large and some are no longer published.
  (cd "$AUDIT" && node -e '
    const fs = require("fs");
    const p = JSON.parse(fs.readFileSync("package.json", "utf8"));
    const keep = ["tsx", "graphql", "@types/node"];
    p.devDependencies = Object.fromEntries(Object.entries(p.devDependencies || {}).filter(([k]) => keep.includes(k)));
    fs.writeFileSync("package.json", JSON.stringify(p, null, 2));
  ' && rm -f package-lock.json && npm install --no-audit --no-fund --loglevel=error)
fi

# Node 20 lacks Promise.withResolvers, which the audit uses.
cat > "$DATA/promise-polyfill.cjs" <<'JS'
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function () {
    let resolve, reject;
    const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
    return { promise, resolve, reject };
  };
}
JS
export NODE_OPTIONS="--require $DATA/promise-polyfill.cjs ${NODE_OPTIONS:-}"

GW="$AUDIT/gateways/shopgraph"
mkdir -p "$GW"
(cd "$ROOT" && go build -o "$GW/shopgraph" ./cmd/shopgraph)

cat > "$GW/gateway.json" <<JSON
{
  "name": "ShopGraph",
  "graphql": "http://127.0.0.1:$PORT/graphql",
  "health": "http://127.0.0.1:$PORT/health"
}
JSON

# The audit runs run.sh with the suite id from the gateway directory; the
# supergraph comes from the audit's own server (port 4200).
cat > "$GW/run.sh" <<SH
rm -f ./supergraph.graphql
# the audit server may still be registering its routes: retry for a while
for i in 1 2 3 4 5 6 7 8 9 10; do
  curl -fsS "http://localhost:4200/\$1/supergraph" -o ./supergraph.graphql 2>/dev/null && break
  sleep 0.5
done
[ -s ./supergraph.graphql ] || { echo "no supergraph for \$1" >&2; exit 1; }
exec ./shopgraph gateway --supergraph ./supergraph.graphql --listen 127.0.0.1:$PORT
SH
export GATEWAY_TIMEOUT="${GATEWAY_TIMEOUT:-20000}"

cd "$AUDIT"
if [ -n "$SUITE" ]; then
  npm start --silent -- test-suite --test "$SUITE" --cwd "$GW" --run-script ./run.sh \
    --graphql "http://127.0.0.1:$PORT/graphql" --healthcheck "http://127.0.0.1:$PORT/health" || true
  cat "$GW/logs/$SUITE-tests.log" | grep -E "^(not ok|ok)" || true
else
  # kill-port-process prints kill(1) usage when the port is free; hide that noise
  npm start --silent -- test --cwd "$GW" --run-script ./run.sh --reporter dot \
    --graphql "http://127.0.0.1:$PORT/graphql" --healthcheck "http://127.0.0.1:$PORT/health" 2>&1 |
    grep -v -E '^(xargs - *)?$|^xargs - |kill \[options\]|^ *-[a-zA-Z<]|^ +<pid>|^ +specify|^Options:|^Usage:|For more details see kill' || true
  echo
  cat "$GW/results.txt"
fi

# A markdown table of suites for docs/federation.md.
if [ -z "$SUITE" ] && [ -f "$GW/results.txt" ]; then
  awk 'BEGIN { print "| Suite | Passed |"; print "|---|---|" }
       /^---$/ { exit }
       NF == 0 { next }
       id == "" { id = $0; next }
       { n = length($0); p = gsub(/\./, "."); printf "| %s | %d/%d |\n", id, p, n; id = "" }' \
    "$GW/results.txt" > "$DATA/audit-table.md"
  echo "table written to .data/audit-table.md"
fi
