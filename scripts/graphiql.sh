#!/usr/bin/env bash
# Refreshes the GraphiQL assets the gateway embeds (gateway/graphiql/assets) from npm:
# GraphiQL's UMD build (it bundles graphql-js and its editors) and the React UMD builds it
# runs on. The assets are committed so a fresh clone builds and serves GraphiQL offline;
# run `make graphiql` after changing a version here, then commit the result.
set -euo pipefail
GRAPHIQL_VERSION=4.1.2
REACT_VERSION=18.3.1 # the last React with UMD builds; GraphiQL 4 supports React 18 and 19

root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/gateway/graphiql/assets"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$work"
for pkg in "graphiql@$GRAPHIQL_VERSION" "react@$REACT_VERSION" "react-dom@$REACT_VERSION"; do
  name=${pkg%@*}
  mkdir -p "$name"
  tar -xzf "$(npm pack --silent "$pkg")" -C "$name" --strip-components=1
done

mkdir -p "$out"
cp graphiql/graphiql.min.js graphiql/graphiql.min.css "$out/"
cp react/umd/react.production.min.js react-dom/umd/react-dom.production.min.js "$out/"
cp graphiql/LICENSE "$out/LICENSE.graphiql"
cp react/LICENSE "$out/LICENSE.react"
cp react-dom/LICENSE "$out/LICENSE.react-dom"
cat >"$out/VERSIONS" <<VERSIONS
graphiql $GRAPHIQL_VERSION (graphiql.min.js, graphiql.min.css; bundles graphql-js, CodeMirror 5 and the GraphiQL plugins; MIT)
react $REACT_VERSION (umd/react.production.min.js; MIT)
react-dom $REACT_VERSION (umd/react-dom.production.min.js; MIT)
VERSIONS
du -sh "$out"
