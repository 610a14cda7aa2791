#!/usr/bin/env bash
# Start or stop PostgreSQL and Redis on loopback for the production profile and its tests.
#   scripts/services.sh start|stop|status [DIR]
# Ports: PGPORT (default 55432), REDIS_PORT (default 56379). Data lives in DIR
# (default /tmp/iar-services-$PGPORT). Installs the Debian packages when missing.
# Databases created: iar_tracker (Rasa tracker store) and iar_users (reports, quiz); user iar.
set -euo pipefail
action=${1:?usage: scripts/services.sh start|stop|status [DIR]}
PGPORT=${PGPORT:-55432}
REDIS_PORT=${REDIS_PORT:-56379}
dir=$(realpath -m "${2:-/tmp/iar-services-$PGPORT}")

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

as_postgres() {
  # PostgreSQL refuses to run as root: use the postgres account when we are root.
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

ensure_installed() {
  if [ -z "$(pg_bin)" ] || ! command -v redis-server >/dev/null; then
    echo "==> Installing PostgreSQL and Redis (Debian packages)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql redis-server >/dev/null
  fi
}

start() {
  ensure_installed
  local bin; bin=$(pg_bin)
  mkdir -p "$dir/pg" "$dir/redis"
  [ "$(id -u)" = 0 ] && chown -R postgres "$dir/pg"
  if [ ! -f "$dir/pg/PG_VERSION" ]; then
    as_postgres "$bin/initdb" -D "$dir/pg" -U iar -A trust >/dev/null
  fi
  if ! as_postgres "$bin/pg_ctl" -D "$dir/pg" status >/dev/null 2>&1; then
    as_postgres "$bin/pg_ctl" -D "$dir/pg" -l "$dir/pg/server.log" -w start \
      -o "-p $PGPORT -k $dir/pg -c listen_addresses=127.0.0.1 -c max_connections=200" >/dev/null
  fi
  for db in iar_tracker iar_users; do
    as_postgres "$bin/psql" -h 127.0.0.1 -p "$PGPORT" -U iar -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$db'" | grep -q 1 ||
      as_postgres "$bin/createdb" -h 127.0.0.1 -p "$PGPORT" -U iar "$db"
  done
  if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --dir "$dir/redis" \
      --pidfile "$dir/redis/redis.pid" --logfile "$dir/redis/redis.log" --save "" >/dev/null
    for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  fi
  echo "PostgreSQL on 127.0.0.1:$PGPORT (databases iar_tracker, iar_users; user iar), Redis on 127.0.0.1:$REDIS_PORT"
}

stop() {
  local bin; bin=$(pg_bin)
  [ -n "$bin" ] && [ -f "$dir/pg/PG_VERSION" ] &&
    as_postgres "$bin/pg_ctl" -D "$dir/pg" -m fast -w stop >/dev/null 2>&1 || true
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  echo "stopped"
}

status() {
  local bin; bin=$(pg_bin)
  as_postgres "$bin/pg_ctl" -D "$dir/pg" status >/dev/null 2>&1 && echo "postgres: up" || echo "postgres: down"
  redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && echo "redis: up" || echo "redis: down"
}

"$action"
