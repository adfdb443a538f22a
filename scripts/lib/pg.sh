# Sourced by scripts/run and scripts/test.
#
# pg_ensure: makes DATABASE_URL point at a usable PostgreSQL server.
#   - DATABASE_URL already set: use that server as it is.
#   - otherwise: a private cluster in target/pg (created on first use, reused
#     afterwards) on a free port, listening on 127.0.0.1 only. Debian's
#     postgresql is installed first when no initdb/pg_ctl exists and we are
#     root; as root the server runs as the `postgres` OS user.
# The cluster is stopped again when the calling script exits, if we started it.

PG_DIR="${EXAMDRILL_PG_DIR:-$ROOT/target/pg}"
PG_DB="${EXAMDRILL_PG_DB:-examdrill}"
_pg_started_here=0

_pg_log() { echo "[pg] $*" >&2; }

_pg_find_bin() {
  if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
    dirname "$(command -v pg_ctl)"
    return 0
  fi
  local d
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  if [ -n "$d" ] && [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then
    echo "$d"
    return 0
  fi
  return 1
}

_pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

_pg_port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

_pg_pick_port() {
  local p
  for _ in $(seq 1 50); do
    p=$(( 20000 + RANDOM % 40000 ))
    if _pg_port_free "$p"; then echo "$p"; return 0; fi
  done
  return 1
}

pg_stop() {
  if [ "$_pg_started_here" = 1 ] && [ -n "${PG_BIN:-}" ]; then
    _pg_log "stopping the private cluster"
    _pg_as_owner "$PG_BIN/pg_ctl" stop -D "$PG_DIR/data" -m fast -w >/dev/null 2>&1 || true
    _pg_started_here=0
  fi
}

pg_ensure() {
  if [ -n "${DATABASE_URL:-}" ]; then
    _pg_log "using DATABASE_URL from the environment"
    return 0
  fi
  if ! PG_BIN=$(_pg_find_bin); then
    if [ "$(id -u)" != 0 ]; then
      echo "PostgreSQL (initdb, pg_ctl) is not installed and I am not root: install Debian's 'postgresql' package or set DATABASE_URL." >&2
      return 1
    fi
    _pg_log "installing Debian's postgresql"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq postgresql >/dev/null
    PG_BIN=$(_pg_find_bin) || { echo "postgresql installed but initdb/pg_ctl not found" >&2; return 1; }
  fi
  export PG_BIN

  if [ "$(id -u)" = 0 ]; then
    id postgres >/dev/null 2>&1 || { echo "no 'postgres' OS user to run the server as" >&2; return 1; }
    mkdir -p "$PG_DIR"
    # The server runs as `postgres`, which must be able to reach the data directory.
    if ! runuser -u postgres -- test -x "$PG_DIR"; then
      PG_DIR="/var/tmp/examdrill-pg-$(echo "$ROOT" | md5sum | cut -c1-12)"
      _pg_log "the checkout is not reachable by the postgres user; using $PG_DIR instead"
      mkdir -p "$PG_DIR"
    fi
    chown postgres "$PG_DIR"
  else
    mkdir -p "$PG_DIR"
  fi

  if [ ! -f "$PG_DIR/data/PG_VERSION" ]; then
    _pg_log "creating a private cluster in $PG_DIR/data"
    _pg_as_owner "$PG_BIN/initdb" -D "$PG_DIR/data" -U postgres --auth=trust -E UTF8 --no-locale >"$PG_DIR/initdb.log" 2>&1 \
      || { cat "$PG_DIR/initdb.log" >&2; return 1; }
  fi

  local port
  if _pg_as_owner "$PG_BIN/pg_ctl" status -D "$PG_DIR/data" >/dev/null 2>&1; then
    port=$(cat "$PG_DIR/port")
    _pg_log "reusing the running private cluster on port $port"
  else
    port=$(cat "$PG_DIR/port" 2>/dev/null || true)
    if [ -z "$port" ] || ! _pg_port_free "$port"; then
      port=$(_pg_pick_port) || { echo "no free port found" >&2; return 1; }
    fi
    echo "$port" >"$PG_DIR/port"
    _pg_log "starting the private cluster on 127.0.0.1:$port"
    # No unix socket: its path length limit would break on deep checkouts.
    _pg_as_owner "$PG_BIN/pg_ctl" start -D "$PG_DIR/data" -w -t 60 -l "$PG_DIR/server.log" \
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories='' -c max_connections=300 -c fsync=on" >/dev/null \
      || { tail -n 30 "$PG_DIR/server.log" >&2; return 1; }
    _pg_started_here=1
    trap pg_stop EXIT
  fi

  local admin_url="postgres://postgres@127.0.0.1:$port/postgres" psql
  if [ -x "$PG_BIN/psql" ]; then psql="$PG_BIN/psql"; else psql=$(command -v psql) || { echo "psql not found" >&2; return 1; }; fi
  if ! "$psql" "$admin_url" -tAc "select 1 from pg_database where datname = '$PG_DB'" | grep -q 1; then
    "$psql" "$admin_url" -qc "create database \"$PG_DB\"" >/dev/null
  fi
  export DATABASE_URL="postgres://postgres@127.0.0.1:$port/$PG_DB"
}
