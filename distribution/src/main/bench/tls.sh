#!/bin/sh
# tls.sh: what the process model costs over TLS, and what it saves against the usual
# alternative. Two tenants, t1.localhost as #40001 and t2.localhost as #40002, each with the
# shipped whoami WAR as ROOT.war and a self-signed certificate of its own (made with openssl),
# on three servers, up at once, the default ChildJavaOptions on every JVM:
#   x      perchild -X, started as #40001: one JVM terminating TLS for both hosts itself
#   pm     the process model: the acceptor routes each connection by its SNI, untouched, to
#          the tenant's one child (ChildPerUserID ... 1 each), which terminates TLS with a key
#          that only it can read
#   nginx  nginx terminating TLS for both hosts (by SNI, their certificates, TLS 1.2 and 1.3)
#          and proxying with upstream keep-alive to one plain-HTTP perchild -X per tenant, each
#          started as that tenant's uid: the usual alternative, a JVM per tenant behind a proxy
#          that holds every key
# measured three ways, after a warm-up:
#   keepalive  wrk, HTTP/1.1 over TLS on keep-alive connections
#   close      wrk with Connection: close, a new TLS connection per request. wrk keeps one
#              OpenSSL object per connection and SSL_clear()s it between connections, which
#              keeps its session: each new connection offers the session of the one before,
#              so servers that can resume it do (the script checks which can, and counts what
#              nginx resumed): abbreviated handshakes, not full ones
#   h2         h2load, HTTP/2 (ALPN h2) on keep-alive connections, BENCH_STREAMS streams each
# Each run is two clients at once, one per tenant, each with half of the threads and of the
# connections: a TLS connection names one host (its SNI, which is wrk's and h2load's URL host),
# and on it the process model answers 421 to another tenant's Host, so requests cannot
# alternate between tenants on one connection. Requests/s are the two clients' sum, errors too;
# p99 is the higher of wrk's two, or that of every h2load response (from its --log-file).
# Each round starts every server anew and checks that each host answers over TLS, with its own
# certificate, from its own uid (and over HTTP/2 when h2 is measured); then warms every case up
# on every server and measures each case on the servers one after the other: -X first in odd
# rounds, nginx first in even ones, the process model always between them, so that the two
# runs of a ratio are one DURATION apart. It prints requests/s and p99 of every run, their
# medians, the ratios of the medians (process model / -X, process model / nginx), each round's
# ratio as "median (lowest-highest)" over the rounds, and every round's ratio.
#
# Needs, besides root: wrk, h2load (Debian's nghttp2-client), nginx (nginx-light or nginx,
#   with ssl and http2), openssl, curl and setpriv (util-linux).
# Usage: bench/tls.sh [keepalive] [close] [h2] [x] [pm] [nginx]     (as root)
#   the cases and the servers to measure, all of them by default; ratios need pm and another
# Environment: BENCH_ROUNDS (3), BENCH_DURATION (20s), BENCH_WARMUP (10s), BENCH_THREADS (2),
#   BENCH_CONNECTIONS (32), BENCH_STREAMS (4, h2load's streams at once per connection),
#   BENCH_PORT (18443: -X; the process model, nginx and nginx's two backends on the next four),
#   BENCH_UID (40001: the first tenant and -X; the second tenant is the next uid),
#   BENCH_KEY (ec: P-256 keys; rsa: 2048-bit RSA), BENCH_NGINX_WORKERS (auto: one per CPU),
#   BENCH_PM_TENANTS (2; 1: both hosts of the process model belong to the first tenant and
#   one child serves them, one serving JVM as with -X: what the hand-off and the child's TLS
#   cost, without a second JVM's), BENCH_PROVIDER (Conscrypt: SSLProvider of -X and the process
#   model; JDK for the JDK's TLS)
set -eu

PRG="$0"
while [ -h "$PRG" ]; do
  link=$(ls -ld "$PRG" | sed 's/.*-> //')
  case "$link" in
    /*) PRG="$link" ;;
    *) PRG=$(dirname "$PRG")/"$link" ;;
  esac
done
BENCH_DIR=$(cd "$(dirname "$PRG")" && pwd)
PERCHILD_HOME=$(cd "$BENCH_DIR/.." && pwd)
BENCH_NAME=tls.sh
. "$BENCH_DIR/common.sh"

ROUNDS=${BENCH_ROUNDS:-3}
DURATION=${BENCH_DURATION:-20s}
WARMUP=${BENCH_WARMUP:-10s}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
STREAMS=${BENCH_STREAMS:-4}
PORT=${BENCH_PORT:-18443}
TENANT=${BENCH_UID:-40001}
KEY=${BENCH_KEY:-ec}
NGINX_WORKERS=${BENCH_NGINX_WORKERS:-auto}
PM_TENANTS=${BENCH_PM_TENANTS:-2}
PROVIDER=${BENCH_PROVIDER:-Conscrypt}
SCHEME=https
MODES=
SIDES=
for arg in "$@"; do
  case "$arg" in
    keepalive | close | h2) MODES="$MODES $arg" ;;
    x | pm | nginx) SIDES="$SIDES $arg" ;;
    -h | --help) sed -n '2,47p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown argument $arg (try --help)" ;;
  esac
done
MODES=${MODES:-keepalive close h2}
SIDES=${SIDES:-x pm nginx}

check_rounds
for n in "$THREADS" "$CONNECTIONS" "$STREAMS" "$PORT" "$TENANT"; do
  case "$n" in
    '' | *[!0-9]* | 0) fail "BENCH_THREADS, BENCH_CONNECTIONS, BENCH_STREAMS, BENCH_PORT and BENCH_UID are positive numbers: $n" ;;
  esac
done
case "$PM_TENANTS" in
  1 | 2) ;;
  *) fail "BENCH_PM_TENANTS is 1 or 2: $PM_TENANTS" ;;
esac
case "$PROVIDER" in
  Conscrypt | JDK) ;;
  *) fail "BENCH_PROVIDER is Conscrypt or JDK: $PROVIDER" ;;
esac
# Over TLS 1.3 BoringSSL takes the client's order of suites, the JDK its own: nginx is given
# the same rule, so that all three encrypt with the same suite.
if [ "$PROVIDER" = Conscrypt ]; then NGINX_PREFER=off; else NGINX_PREFER=on; fi
case "$KEY" in
  ec) NEWKEY="ec -pkeyopt ec_paramgen_curve:P-256" ;;
  rsa) NEWKEY="rsa:2048" ;;
  *) fail "BENCH_KEY is ec or rsa: $KEY" ;;
esac
has() { case " $1 " in *" $2 "*) return 0 ;; *) return 1 ;; esac; }
TOOLS="openssl"
if has "$MODES" keepalive || has "$MODES" close; then TOOLS="$TOOLS wrk"; fi
if has "$MODES" h2; then TOOLS="$TOOLS h2load"; fi
if has "$SIDES" nginx; then TOOLS="$TOOLS nginx"; fi
# shellcheck disable=SC2086
require_tools $TOOLS
WAR="$PERCHILD_HOME/webapps/localhost/whoami.war"
[ -f "$WAR" ] || fail "no $WAR: build the distribution first"

# Each client of a run gets half the threads and connections (at least one).
HALF_THREADS=$((THREADS / 2 > 0 ? THREADS / 2 : 1))
HALF_CONNECTIONS=$((CONNECTIONS / 2 > HALF_THREADS ? CONNECTIONS / 2 : HALF_THREADS))
CLIENT="SSLProvider $PROVIDER, two clients at once, one per tenant, each wrk -t$HALF_THREADS -c$HALF_CONNECTIONS -d$DURATION or h2load -t$HALF_THREADS -c$HALF_CONNECTIONS -m$STREAMS -D $DURATION"

# seconds DURATION: wrk's and h2load's 20s, 2m or 20 in seconds.
seconds() {
  case "$1" in
    *m) echo $((${1%m} * 60)) ;;
    *s) echo "${1%s}" ;;
    *) echo "$1" ;;
  esac
}
for d in "$DURATION" "$WARMUP"; do
  case "$(seconds "$d")" in
    '' | *[!0-9]* | 0) fail "BENCH_DURATION and BENCH_WARMUP are seconds (20 or 20s) or minutes (1m): $d" ;;
  esac
done

uid_of() { echo $((TENANT + $1 - 1)); }
# pm_uid_of N: the uid that serves host N in the process model.
pm_uid_of() { if [ "$PM_TENANTS" = 1 ]; then uid_of 1; else uid_of "$1"; fi; }
host_of() { echo "t$1.localhost"; }
BASE_PORT=$PORT
port_of() {
  case "$1" in
    x) echo "$BASE_PORT" ;;
    pm) echo $((BASE_PORT + 1)) ;;
    nginx) echo $((BASE_PORT + 2)) ;;
    b1) echo $((BASE_PORT + 3)) ;;
    b2) echo $((BASE_PORT + 4)) ;;
  esac
}
label() {
  case "$1" in
    x) echo "-X (one process)" ;;
    pm) if [ "$PM_TENANTS" = 1 ]; then echo "process model, 1 child"; else echo "process model"; fi ;;
    nginx) echo "nginx + -X per tenant" ;;
  esac
}

for s in x pm nginx b1 b2; do
  PORT=$(port_of "$s")
  require_free_port
done

# The servers' roots under the temporary one: x/, pm/, and for nginx nginx/ (its prefix) with
# b1/ and b2/ (its backends); tls/ holds the certificates and keys that each side gets a copy
# of: owned by #40001 for -X, by each tenant for the process model, by root for nginx, 0600.
PIDS=
stop_all() {
  for pid in $PIDS; do
    SERVER_PID=$pid
    stop_server
  done
  PIDS=
}
CLIENT_PIDS=
cleanup() {
  for pid in $CLIENT_PIDS; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  stop_all
  rm -rf "${TOP:-$ROOT}"
}
make_root
TOP=$ROOT
mkdir -p "$TOP/tls"
for t in 1 2; do
  # shellcheck disable=SC2086
  openssl req -x509 -newkey $NEWKEY -nodes -days 2 -subj "/CN=$(host_of $t)" \
    -addext "subjectAltName=DNS:$(host_of $t)" \
    -keyout "$TOP/tls/t$t.key" -out "$TOP/tls/t$t.crt" >"$RESULTS/openssl.log" 2>&1 ||
    fail "openssl could not make a certificate: $(cat "$RESULTS/openssl.log")"
done
for s in x pm nginx b1 b2; do
  mkdir -p "$TOP/$s/conf" "$TOP/$s/logs" "$TOP/$s/tls"
  [ "$s" != nginx ] || mkdir -p "$TOP/nginx/tmp"
done
for s in x pm; do
  for t in 1 2; do
    mkdir -p "$TOP/$s/webapps/t$t"
    cp "$WAR" "$TOP/$s/webapps/t$t/ROOT.war"
  done
done
for t in 1 2; do
  mkdir -p "$TOP/b$t/webapps/bench"
  cp "$WAR" "$TOP/b$t/webapps/bench/ROOT.war"
done
chmod -R a+rX "$TOP"
for t in 1 2; do
  for s in x pm nginx; do
    cp "$TOP/tls/t$t.crt" "$TOP/tls/t$t.key" "$TOP/$s/tls/"
    chmod 644 "$TOP/$s/tls/t$t.crt"
    chmod 600 "$TOP/$s/tls/t$t.key"
  done
  chown "$(uid_of 1):$(uid_of 1)" "$TOP/x/tls/t$t.key"
  chown "$(pm_uid_of $t):$(pm_uid_of $t)" "$TOP/pm/tls/t$t.key"
done

# wrk takes its TLS server name from its URL's host, and resolves it: this script of its makes
# every host name resolve to 127.0.0.1, so that the URL can name the tenant.
cat >"$RESULTS/localhost.lua" <<'EOF'
local lookup = wrk.lookup
wrk.lookup = function(host, service) return lookup("127.0.0.1", service) end
EOF

# The configuration of -X and of the process model: one https listener, both tenants' hosts
# with SSLEngine on and their own files, a child for each tenant.
write_tls_config() {
  {
    echo "ChildJavaOptions $CHILD_JAVA_OPTIONS"
    echo "Listen 127.0.0.1:$PORT https"
    echo "User #65534"
    echo "Group #65534"
    echo "NumServers $PM_TENANTS"
    echo "ChildPerUserID #$(uid_of 1) #$(uid_of 1) 1"
    [ "$PM_TENANTS" = 1 ] || echo "ChildPerUserID #$(uid_of 2) #$(uid_of 2) 1"
    echo "# Retiring children would measure respawns, not serving."
    echo "MaxRequestsPerChild 0"
    echo "SSLProvider $PROVIDER"
    for t in 1 2; do
      echo "<VirtualHost *:$PORT>"
      echo "  ServerName $(host_of $t)"
      echo "  AssignUserID #$(pm_uid_of $t) #$(pm_uid_of $t)"
      echo "  AppBase webapps/t$t"
      echo "  SSLEngine on"
      echo "  SSLCertificateFile $ROOT/tls/t$t.crt"
      echo "  SSLCertificateKeyFile $ROOT/tls/t$t.key"
      echo "</VirtualHost>"
    done
  } >"$ROOT/conf/perchild.conf"
  chmod 644 "$ROOT/conf/perchild.conf"
}

# nginx: TLS for both hosts as the current nginx.org defaults have it (TLS 1.2 and 1.3; this
# nginx may still default to older ones) and with the cipher suite that Perchild's TLS chooses
# (the client's first with Conscrypt, AES-128-GCM with the JDK; the probe shows what each
# server chose), each host proxied to its tenant's -X with keep-alive
# both ways, no access log but one line per Connection: close request saying whether its TLS
# session was resumed.
write_nginx_config() {
  dir=$TOP/nginx
  cat >"$dir/conf/nginx.conf" <<EOF
worker_processes $NGINX_WORKERS;
user nobody nogroup;
pid logs/nginx.pid;
error_log logs/error_log warn;
events {
  worker_connections 4096;
}
http {
  client_body_temp_path tmp/body;
  proxy_temp_path tmp/proxy;
  fastcgi_temp_path tmp/fastcgi;
  uwsgi_temp_path tmp/uwsgi;
  scgi_temp_path tmp/scgi;
  # Keep-alive connections are not retired after 1000 requests (nginx's default), as Jetty's
  # are not.
  keepalive_requests 1000000;
  map \$http_connection \$close_case {
    ~*^close\$ 1;
    default 0;
  }
  log_format reused '\$ssl_session_reused';
  access_log logs/reused.log reused buffer=64k flush=1s if=\$close_case;
EOF
  for t in 1 2; do
    cat >>"$dir/conf/nginx.conf" <<EOF
  upstream t$t {
    server 127.0.0.1:$(port_of "b$t");
    keepalive 32;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:$(port_of nginx) ssl http2;
    server_name $(host_of $t);
    ssl_certificate $dir/tls/t$t.crt;
    ssl_certificate_key $dir/tls/t$t.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    # The TLS 1.3 suite that Perchild chooses: the client's first (openssl's clients put
    # AES-256 first) with Conscrypt, the first of these with the JDK.
    ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256;
    ssl_prefer_server_ciphers $NGINX_PREFER;
    location / {
      proxy_pass http://t$t;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
    }
  }
EOF
  done
  echo "}" >>"$dir/conf/nginx.conf"
  nginx -p "$dir" -e logs/error_log -c conf/nginx.conf -t >"$RESULTS/nginx-t.log" 2>&1 ||
    fail "nginx refuses its configuration: $(cat "$RESULTS/nginx-t.log")"
}

# start_side SIDE ROUND: starts SIDE (for nginx: its two backends, then nginx) and waits until
# both hosts answer; the PIDs go to PIDS.
start_side() {
  case "$1" in
    x | pm)
      ROOT=$TOP/$1
      PORT=$(port_of "$1")
      HOST=$(host_of 1)
      write_tls_config
      start_server "$1" "$RESULTS/$1-$2.log"
      PIDS="$PIDS $SERVER_PID"
      HOST=$(host_of 2)
      wait_ready "$1" "$RESULTS/$1-$2.log"
      ;;
    nginx)
      SCHEME=http
      for t in 1 2; do
        ROOT=$TOP/b$t
        PORT=$(port_of "b$t")
        HOST=$(host_of $t)
        TENANT_OF_SIDES=$TENANT
        TENANT=$(uid_of $t)
        write_config 1
        start_server x "$RESULTS/b$t-$2.log"
        TENANT=$TENANT_OF_SIDES
        PIDS="$PIDS $SERVER_PID"
      done
      SCHEME=https
      ROOT=$TOP/nginx
      PORT=$(port_of nginx)
      write_nginx_config
      nginx -p "$ROOT" -e logs/error_log -c conf/nginx.conf -g 'daemon off;' \
        >"$RESULTS/nginx-$2.log" 2>&1 &
      SERVER_PID=$!
      PIDS="$PIDS $SERVER_PID"
      for t in 1 2; do
        HOST=$(host_of $t)
        wait_ready nginx "$RESULTS/nginx-$2.log"
      done
      ;;
  esac
}

# tls_get SIDE TENANT [curl option ...]: the whoami page of the tenant's host on SIDE, over TLS,
# the certificate checked against the tenant's own.
tls_get() {
  port=$(port_of "$1")
  host=$(host_of "$2")
  cert=$TOP/tls/t$2.crt
  shift 2
  curl -s --max-time 10 --cacert "$cert" --connect-to "$host:$port:127.0.0.1:$port" \
    "$@" "https://$host:$port/"
}

# check SIDE: each host answers its whoami page over TLS with its own certificate, from the uid
# that SIDE serves it from, over HTTP/1.1 (and HTTP/2 when h2 is measured).
check() {
  for t in 1 2; do
    if [ "$1" = x ]; then uid=$(uid_of 1); else uid=$(pm_uid_of $t); fi
    host=$(host_of $t)
    page=$(tls_get "$1" $t --http1.1) ||
      fail "$(label "$1"): $host does not answer over TLS with its own certificate (curl: $?)"
    case "$page" in
      *"\"vhost\":\"$host\""*"\"uid\":$uid,"*) ;;
      *) fail "$(label "$1"): $host is not served as uid $uid: $page" ;;
    esac
    if has "$MODES" h2; then
      version=$(tls_get "$1" $t --http2 -o /dev/null -w '%{http_version}') || true
      [ "$version" = 2 ] || fail "$(label "$1"): $host does not answer over HTTP/2 (curl: HTTP/$version)"
    fi
  done
}

# tls_probe SIDE: the protocol and cipher that openssl's defaults (wrk's too) get from SIDE for
# the first tenant, and whether a second connection offering the first one's session resumes it.
tls_probe() {
  port=$(port_of "$1")
  host=$(host_of 1)
  request="GET / HTTP/1.1\r\nHost: $host\r\nConnection: close\r\n\r\n"
  # shellcheck disable=SC2059
  first=$(printf "$request" | openssl s_client -connect "127.0.0.1:$port" -servername "$host" \
    -ign_eof -sess_out "$RESULTS/$1.session" 2>/dev/null |
    sed -n 's/^New, \([^ ]*\), Cipher is \(.*\)/\1 \2/p' | head -1)
  # shellcheck disable=SC2059
  if printf "$request" | openssl s_client -connect "127.0.0.1:$port" -servername "$host" \
    -ign_eof -sess_in "$RESULTS/$1.session" 2>/dev/null | grep -q '^Reused,'; then
    resumed="resumes a session"
  else
    resumed="does not resume a session"
  fi
  printf '%-30s %s, %s\n' "$(label "$1")" "${first:-no TLS handshake}" "$resumed"
}

# clients NAME DURATION MODE: the run of MODE, one client per tenant at once, against SIDE's
# PORT; their outputs one after the other in results/NAME, or nowhere when NAME is empty (a
# warm-up).
clients() {
  out=${1:-warmup}
  for t in 1 2; do
    url="https://$(host_of $t):$PORT/"
    case "$3" in
      keepalive)
        wrk -t"$HALF_THREADS" -c"$HALF_CONNECTIONS" -d"$2" --latency -s "$RESULTS/localhost.lua" \
          "$url" >"$RESULTS/$out.$t" 2>&1 &
        ;;
      close)
        wrk -t"$HALF_THREADS" -c"$HALF_CONNECTIONS" -d"$2" --latency -s "$RESULTS/localhost.lua" \
          -H 'Connection: close' "$url" >"$RESULTS/$out.$t" 2>&1 &
        ;;
      h2)
        # h2load can hang once its time is up, waiting for a connection that never got going
        # (seen with a JVM that served its first HTTP/2 then): a minute later it is stopped.
        timeout -k 5 $(($(seconds "$2") + 60)) \
          h2load -t"$HALF_THREADS" -c"$HALF_CONNECTIONS" -m"$STREAMS" -D "$2" \
          --connect-to="127.0.0.1:$PORT" --log-file="$RESULTS/$out.$t.times" \
          "$url" >"$RESULTS/$out.$t" 2>&1 &
        ;;
    esac
    eval "client_$t=\$!"
  done
  # shellcheck disable=SC2154
  CLIENT_PIDS="$client_1 $client_2"
  wait "$client_1" || true
  # shellcheck disable=SC2154
  wait "$client_2" || true
  CLIENT_PIDS=
  if [ "$3" = h2 ]; then
    for t in 1 2; do
      grep -q '^Application protocol: h2$' "$RESULTS/$out.$t" ||
        fail "h2load did not speak HTTP/2 to $(label "$SIDE"): $(cat "$RESULTS/$out.$t")"
    done
  fi
  if [ -n "$1" ]; then
    cat "$RESULTS/$out.1" "$RESULTS/$out.2" >"$RESULTS/$out"
    if [ "$3" = h2 ]; then
      h2load_p99 "$RESULTS/$out.1.times" "$RESULTS/$out.2.times" >>"$RESULTS/$out"
    fi
  fi
  rm -f "$RESULTS/$out.1" "$RESULTS/$out.2" "$RESULTS/$out.1.times" "$RESULTS/$out.2.times"
}

# on SIDE: the port the clients use becomes SIDE's (SIDE says which).
on() {
  SIDE=$1
  PORT=$(port_of "$1")
}

# One round: every server started and checked, every case warmed up on each; then each case on
# each server, back to back in ORDER; kept in results/SIDE-ROUND-CASE.
bench_round() {
  order=$1
  echo "== round $round/$ROUNDS: starting$(for s in $SIDES; do printf ' %s,' "$(label "$s")"; done | sed 's/,$//')" >&2
  for s in $SIDES; do
    start_side "$s" "$round"
    check "$s"
    if [ "$round" = 1 ]; then tls_probe "$s" >>"$RESULTS/probe"; fi
  done
  echo "== round $round/$ROUNDS: warm-up ($WARMUP each case and server), then $DURATION each:$MODES; in turn:$(for s in $order; do printf ' %s,' "$(label "$s")"; done | sed 's/,$//')" >&2
  for mode in $MODES; do
    for s in $order; do
      on "$s"
      clients "" "$WARMUP" "$mode"
    done
  done
  for mode in $MODES; do
    for s in $order; do
      on "$s"
      load >"$RESULTS/$s-$round-$mode.load"
      clients "$s-$round-$mode" "$DURATION" "$mode"
    done
  done
  stop_all
}

# The servers of SIDES in a round's order: -X, the process model, nginx in odd rounds, the
# other way round in even ones.
in_order() {
  if [ $(($1 % 2)) = 1 ]; then list="x pm nginx"; else list="nginx pm x"; fi
  for s in $list; do
    if has "$SIDES" "$s"; then printf '%s ' "$s"; fi
  done
}

round=1
while [ $round -le "$ROUNDS" ]; do
  bench_round "$(in_order $round)"
  round=$((round + 1))
done

header server case
for mode in $MODES; do
  for s in $(in_order 1); do
    report "$(label "$s")" "$s" "$mode"
  done
done
echo "(load: the 1-minute load average as each run started; above $(nproc), other work shared the CPUs)"
echo
echo "TLS with openssl's defaults (as wrk has them), first tenant, round 1:"
cat "$RESULTS/probe"
if has "$SIDES" nginx && has "$MODES" close; then
  reused=$(grep -c '^r$' "$TOP/nginx/logs/reused.log" 2>/dev/null || true)
  all=$(wc -l <"$TOP/nginx/logs/reused.log" 2>/dev/null || echo 0)
  firsts=$((2 * HALF_CONNECTIONS * 2 * ROUNDS))
  echo "nginx, all rounds: ${reused:-0} of $all Connection: close requests came on a resumed TLS session ($firsts were the first of a wrk connection, which offers none)"
fi
pairs=
if has "$SIDES" pm && has "$SIDES" x; then pairs="x"; fi
if has "$SIDES" pm && has "$SIDES" nginx; then pairs="$pairs nginx"; fi
for other in $pairs; do
  echo
  if [ "$other" = x ]; then
    echo "process model / -X, medians (requests/s; targets: keepalive >= 0.95, close >= 0.9; p99: lower is better)"
  else
    echo "process model / nginx + -X per tenant, medians (requests/s; target: keepalive and close >= 1.3; p99: lower is better)"
  fi
  ratios pm "$other"
  echo
  echo "the same, round by round: median (lowest-highest) of the rounds' ratios"
  paired_ratios pm "$other"
  echo
  echo "the same, requests/s, each round's ratio from round 1 on ($(label "$other") first in $([ "$other" = x ] && echo odd || echo even) rounds)"
  for mode in $MODES; do
    printf '%-10s %s\n' "$mode" "$(round_ratios requests pm "$other" "$mode")"
  done
done
