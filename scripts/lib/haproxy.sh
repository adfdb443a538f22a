# haproxy_ensure: makes HAPROXY_BIN point at Debian's HAProxy, installing the
# package when it is missing and we are root (as pg.sh does for PostgreSQL).
haproxy_ensure() {
  if [ -n "${HAPROXY_BIN:-}" ] && [ -x "$HAPROXY_BIN" ]; then return 0; fi
  if HAPROXY_BIN=$(command -v haproxy 2>/dev/null || ls /usr/sbin/haproxy 2>/dev/null); then
    export HAPROXY_BIN
    return 0
  fi
  if [ "$(id -u)" != 0 ]; then
    echo "HAProxy is not installed and I am not root: install Debian's 'haproxy' package." >&2
    return 1
  fi
  echo "[haproxy] installing Debian's haproxy" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends haproxy >/dev/null
  # The package enables a system-wide service on port 80 in some setups; we run our own.
  if command -v systemctl >/dev/null 2>&1; then systemctl disable --now haproxy >/dev/null 2>&1 || true; fi
  HAPROXY_BIN=$(command -v haproxy 2>/dev/null || echo /usr/sbin/haproxy)
  [ -x "$HAPROXY_BIN" ] || { echo "haproxy installed but not found" >&2; return 1; }
  export HAPROXY_BIN
}

# haproxy_config FRONT_PORT STATS_SOCKET PORT...: a configuration for HAProxy in
# front of examdrill instances on 127.0.0.1:PORT..., printed on stdout.
haproxy_config() {
  local front=$1 sock=$2; shift 2
  cat <<CFG
global
    # maxconn follows the file-descriptor limit the caller raised (ulimit -n).
    stats socket $sock mode 600 level admin

defaults
    mode http
    timeout connect 2s
    timeout client 120s
    timeout server 120s
    timeout http-keep-alive 75s
    timeout queue 30s
    # A request that could not reach an instance (one that is restarting) is
    # sent to another; it never reached the first, so this is safe for POSTs.
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response response-timeout

frontend web
    bind 127.0.0.1:$front
    # The instances take the client address from X-Forwarded-For because
    # their --trusted-proxies names this proxy.
    option forwardfor
    default_backend app

backend app
    balance roundrobin
    # An instance that is draining answers 503 here while it still finishes
    # requests; two failed checks (1 s) take it out of the rotation.
    option httpchk GET /healthz
    http-check expect status 200
    default-server inter 500ms fall 2 rise 2 maxconn 2000
CFG
  local i=1 p
  for p in "$@"; do
    echo "    server i$i 127.0.0.1:$p check"
    i=$((i + 1))
  done
}
