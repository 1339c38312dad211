#!/usr/bin/env bash
# Ensures the local Postgres and Redis servers are running on loopback, with their data under
# .data/, and writes the URLs to .data/env. Idempotent: a second run finds them up and returns.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
data="$root/.data"
pg_port=${SHOPGRAPH_PG_PORT:-54329}
redis_port=${SHOPGRAPH_REDIS_PORT:-63790}
mkdir -p "$data"

log() { printf 'deps: %s\n' "$*" >&2; }

# as_pg runs a Postgres binary as the postgres user when we are root (initdb refuses root).
as_pg() {
  if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

pg_bin() {
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/pg_ctl" ] && { echo "$dir"; return; }
  done
  command -v pg_ctl >/dev/null && { dirname "$(command -v pg_ctl)"; return; }
  return 1
}

# pg_home is where the cluster lives: .data/ of this checkout, unless the postgres user cannot
# reach it (a checkout under a private home such as /root); then a folder of its own under
# /var/lib/shopgraph, one per checkout.
pg_home() {
  if [ "$(id -u)" != 0 ] || runuser -u postgres -- test -x "$data" 2>/dev/null; then
    echo "$data"
    return
  fi
  local dir
  dir="/var/lib/shopgraph/$(printf '%s' "$root" | sha256sum | cut -c1-12)"
  mkdir -p "$dir"
  chown postgres "$dir"
  log "the postgres user cannot reach $data; keeping the cluster in $dir"
  echo "$dir"
}

ensure_postgres() {
  local bin home pgdata run
  home=$(pg_home)
  pgdata="$home/pg"
  run="$home/pg-run"
  bin=$(pg_bin) || {
    log "installing postgresql"
    apt_install postgresql
    bin=$(pg_bin)
  }
  mkdir -p "$run"
  if [ "$(id -u)" = 0 ]; then chown postgres "$home" "$run"; fi
  if [ ! -s "$pgdata/PG_VERSION" ]; then
    log "initdb $pgdata"
    mkdir -p "$pgdata"
    [ "$(id -u)" = 0 ] && chown postgres "$pgdata"
    as_pg "$bin/initdb" -D "$pgdata" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$pgdata/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$run'
max_connections = 300
shared_buffers = 256MB
fsync = on
synchronous_commit = off
log_min_messages = warning
CONF
  fi
  if ! as_pg "$bin/pg_isready" -h 127.0.0.1 -p "$pg_port" -q; then
    log "starting postgres on 127.0.0.1:$pg_port"
    as_pg "$bin/pg_ctl" -D "$pgdata" -l "$home/pg.log" -w -t 60 start >/dev/null
  fi
  as_pg "$bin/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='shopgraph'" | grep -q 1 ||
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$pg_port" -U postgres shopgraph
}

apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

ensure_redis() {
  command -v redis-server >/dev/null || { log "installing redis-server"; apt_install redis-server; }
  mkdir -p "$data/redis"
  if ! redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1; then
    log "starting redis on 127.0.0.1:$redis_port"
    redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$data/redis" \
      --daemonize yes --save "" --appendonly no --protected-mode yes \
      --logfile "$data/redis.log" --pidfile "$data/redis.pid"
    for _ in $(seq 50); do
      redis-cli -h 127.0.0.1 -p "$redis_port" ping >/dev/null 2>&1 && break
      sleep 0.1
    done
  fi
}

ensure_postgres
ensure_redis

cat >"$data/env" <<ENV
export DATABASE_URL=postgres://postgres@127.0.0.1:$pg_port/shopgraph?sslmode=disable
export REDIS_URL=redis://127.0.0.1:$redis_port/0
ENV
cat "$data/env"
