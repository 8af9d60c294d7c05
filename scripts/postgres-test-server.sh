#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for the team-database tests and benchmark, listening only on 127.0.0.1.
#
#   postgres-test-server.sh start [DIR]   create the cluster in DIR if needed, start it if it is not running,
#                                         and print its superuser connection string (idempotent)
#   postgres-test-server.sh url [DIR]     print the connection string of a running cluster
#   postgres-test-server.sh stop [DIR]    stop the cluster (a stopped or missing cluster is not an error)
#
# DIR defaults to $AEGIS_PG_DIR, else aegis-postgres-test in the temp folder. PostgreSQL refuses to run as
# root, so as root the cluster belongs to the `postgres` system user (Debian's package creates it); DIR's
# parent must then be reachable by that user. Password authentication (SCRAM) is required on TCP so that
# tests can check what a wrong password does; the superuser password is kept in DIR/superuser-password.
set -euo pipefail

command="${1:-}"
dir="${2:-${AEGIS_PG_DIR:-${TMPDIR:-/tmp}/aegis-postgres-test}}"
data="$dir/data"

find_bin() {
  if [ -n "${PG_BIN:-}" ] && [ -x "$PG_BIN/initdb" ]; then echo "$PG_BIN"; return; fi
  local candidate
  for candidate in /usr/lib/postgresql/*/bin; do
    if [ -x "$candidate/initdb" ]; then echo "$candidate"; return; fi
  done
  if command -v initdb > /dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
  echo "postgres-test-server: PostgreSQL server binaries (initdb, pg_ctl) not found; install postgresql" >&2
  exit 3
}

# Runs a command as the cluster's owner.
as_owner() {
  if [ "$(id -u)" = "0" ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

port_free() {
  ! (exec 3<> "/dev/tcp/127.0.0.1/$1") 2> /dev/null
}

url() {
  local port password
  port="$(cat "$dir/port")"
  password="$(cat "$dir/superuser-password")"
  echo "postgres://postgres:${password}@127.0.0.1:${port}/postgres"
}

running() {
  [ -f "$data/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$data" status > /dev/null 2>&1
}

bin="$(find_bin)"

case "$command" in
  start)
    mkdir -p "$dir"
    if [ "$(id -u)" = "0" ]; then
      if ! id postgres > /dev/null 2>&1; then
        echo "postgres-test-server: running as root needs the 'postgres' system user" >&2
        exit 3
      fi
      chown postgres: "$dir"
      if ! runuser -u postgres -- test -w "$dir"; then
        echo "postgres-test-server: the postgres user cannot write $dir (check its parent folders)" >&2
        exit 3
      fi
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
      head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$dir/superuser-password"
      chmod 600 "$dir/superuser-password"
      [ "$(id -u)" = "0" ] && chown postgres: "$dir/superuser-password"
      as_owner "$bin/initdb" -D "$data" -U postgres --pwfile="$dir/superuser-password" \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 > "$dir/initdb.log"
    fi
    if running; then
      url
      exit 0
    fi
    port="${AEGIS_PG_PORT:-}"
    # A restarted cluster keeps its port when it is still free, so clients can reconnect to the same address.
    if [ -z "$port" ] && [ -f "$dir/port" ] && port_free "$(cat "$dir/port")"; then
      port="$(cat "$dir/port")"
    fi
    if [ -z "$port" ]; then
      port=$((54330 + RANDOM % 2000))
      while ! port_free "$port"; do port=$((port + 1)); done
    fi
    echo "$port" > "$dir/port"
    # Settings for a disposable cluster: no fsync (a crash loses only test data), a socket only in DIR.
    as_owner "$bin/pg_ctl" -D "$data" -w -t 60 -l "$dir/server.log" start -o \
      "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories='$dir' -c fsync=off \
       -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 -c shared_buffers=256MB \
       -c password_encryption=scram-sha-256" > /dev/null
    url
    ;;
  url)
    running || { echo "postgres-test-server: no cluster running in $dir" >&2; exit 1; }
    url
    ;;
  stop)
    if running; then
      as_owner "$bin/pg_ctl" -D "$data" -w -t 60 -m fast stop > /dev/null
    fi
    ;;
  *)
    echo "usage: $0 start|url|stop [DIR]" >&2
    exit 2
    ;;
esac
