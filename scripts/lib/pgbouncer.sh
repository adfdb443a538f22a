# pgbouncer_start DIR PORT DATABASE_URL: runs Debian's PgBouncer (installed when
# missing and root) on 127.0.0.1:PORT in front of DATABASE_URL's server, in
# session pooling mode, and prints the URL to use instead.
#
# Session mode, not transaction mode: Debian 12 ships PgBouncer 1.18, which
# cannot keep prepared statements across transactions, and sqlx prepares and
# caches every statement it runs. Session mode still caps the server's
# connections (default_pool_size per database/user) while the instances' own
# pools keep their connections for a long time.
pgbouncer_start() {
  local dir=$1 port=$2 url=$3
  pgbouncer_ensure || return 1
  local bin=$PGBOUNCER_BIN
  # postgres://user@host:port/db (the private cluster trusts local connections)
  local rest=${url#postgres://} user hostport db
  user=${rest%%@*}; rest=${rest#*@}; hostport=${rest%%/*}; db=${rest#*/}; db=${db%%\?*}
  mkdir -p "$dir"
  echo "\"$user\" \"\"" >"$dir/users.txt"
  cat >"$dir/pgbouncer.ini" <<CFG
[databases]
* = host=${hostport%%:*} port=${hostport##*:}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/users.txt
pool_mode = session
max_client_conn = 2000
default_pool_size = 100
server_reset_query = DISCARD ALL
ignore_startup_parameters = extra_float_digits,options
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
CFG
  if [ "$(id -u)" = 0 ]; then
    chown -R postgres "$dir"
    runuser -u postgres -- "$bin" -d "$dir/pgbouncer.ini" >/dev/null
  else
    "$bin" -d "$dir/pgbouncer.ini" >/dev/null
  fi
  echo "postgres://$user@127.0.0.1:$port/$db"
}

pgbouncer_stop() {
  local dir=$1
  [ -f "$dir/pgbouncer.pid" ] && kill -TERM "$(cat "$dir/pgbouncer.pid")" 2>/dev/null || true
}

# pgbouncer_ensure: makes PGBOUNCER_BIN point at Debian's PgBouncer, installing
# the package when it is missing and we are root (the test suite's cluster
# test runs one).
pgbouncer_ensure() {
  if [ -n "${PGBOUNCER_BIN:-}" ] && [ -x "$PGBOUNCER_BIN" ]; then return 0; fi
  if ! PGBOUNCER_BIN=$(command -v pgbouncer 2>/dev/null || ls /usr/sbin/pgbouncer 2>/dev/null); then
    if [ "$(id -u)" != 0 ]; then echo "PgBouncer is not installed and I am not root: install Debian's 'pgbouncer' package." >&2; return 1; fi
    echo "[pgbouncer] installing Debian's pgbouncer" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null
    if command -v systemctl >/dev/null 2>&1; then systemctl disable --now pgbouncer >/dev/null 2>&1 || true; fi
    PGBOUNCER_BIN=$(command -v pgbouncer 2>/dev/null || echo /usr/sbin/pgbouncer)
  fi
  export PGBOUNCER_BIN
}
