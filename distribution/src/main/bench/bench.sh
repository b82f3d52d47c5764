#!/bin/sh
# bench.sh: how much the process model costs, measured with wrk against the same server in one
# process (perchild -X, Jetty listening itself) and in the process model (launcher, acceptor,
# hand-off to a child running as #40001), with the same whoami WAR and the same configuration:
# one virtual host, one serving JVM on each side (NumServers 1), the default ChildJavaOptions.
#
# Each server is measured with keep-alive and with a new connection per request
# (Connection: close), after a warm-up run, in BENCH_ROUNDS rounds that take the servers in
# turn (so that a disturbance of the machine hits both sides); the script prints requests/s
# and p99 latency of every run, their medians, the ratios of the medians, and each round's own
# ratio as "median (lowest-highest)" over the rounds, which shows how far a ratio can be trusted.
#
# Usage: bench/bench.sh [--with-default | --threads]     (as root)
#   --with-default  also measure the process model with the shipped NumServers (2 children)
#   --threads       instead: the same child (process model, NumServers 1) with perchild's
#                   spare-thread pool and with Jetty's QueuedThreadPool; ratios spare / queued
# Environment: BENCH_ROUNDS (3), BENCH_DURATION (20s), BENCH_WARMUP (10s), BENCH_THREADS (2),
#   BENCH_CONNECTIONS (32), BENCH_PORT (18181), BENCH_UID (40001: -X and the child run as it)
set -eu

PRG="$0"
while [ -h "$PRG" ]; do
  link=$(ls -ld "$PRG" | sed 's/.*-> //')
  case "$link" in
    /*) PRG="$link" ;;
    *) PRG=$(dirname "$PRG")/"$link" ;;
  esac
done
PERCHILD_HOME=$(cd "$(dirname "$PRG")/.." && pwd)

ROUNDS=${BENCH_ROUNDS:-3}
DURATION=${BENCH_DURATION:-20s}
WARMUP=${BENCH_WARMUP:-10s}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
PORT=${BENCH_PORT:-18181}
TENANT=${BENCH_UID:-40001}
HOST=bench.localhost
WITH_DEFAULT=
THREAD_POOLS=
for arg in "$@"; do
  case "$arg" in
    --with-default) WITH_DEFAULT=1 ;;
    --threads) THREAD_POOLS=1 ;;
    -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bench.sh: unknown argument $arg (try --help)" >&2; exit 1 ;;
  esac
done

fail() {
  echo "bench.sh: $*" >&2
  exit 1
}

case "$ROUNDS" in
  '' | *[!0-9]* | 0) fail "BENCH_ROUNDS must be a positive number: $ROUNDS" ;;
esac

command -v wrk >/dev/null 2>&1 ||
  fail "wrk is not installed: apt-get install wrk (Debian, Ubuntu), dnf install wrk (Fedora), or build it from https://github.com/wg/wrk"
command -v curl >/dev/null 2>&1 || fail "curl is not installed: apt-get install curl"
command -v setpriv >/dev/null 2>&1 || fail "setpriv is not installed: apt-get install util-linux"
[ "$(id -u)" = 0 ] ||
  fail "run me as root: the process model's launcher must be root to start the acceptor and a child as uid $TENANT (-X is started as uid $TENANT too)"
WAR="$PERCHILD_HOME/webapps/localhost/whoami.war"
[ -f "$WAR" ] || fail "no $WAR: build the distribution first"
if curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/" 2>/dev/null; then
  fail "something already answers on 127.0.0.1:$PORT: set BENCH_PORT"
fi

ROOT=$(mktemp -d /tmp/perchild-bench.XXXXXX)
chmod 755 "$ROOT"
SERVER_PID=
cleanup() {
  stop_server
  rm -rf "$ROOT"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$ROOT/conf" "$ROOT/logs" "$ROOT/webapps/bench" "$ROOT/results"
cp "$WAR" "$ROOT/webapps/bench/ROOT.war"
chmod -R a+rX "$ROOT"

# The configuration: users-free (#numeric ids), one virtual host served by $1 children,
# with $2 as extra ChildJavaOptions.
write_config() {
  cat >"$ROOT/conf/perchild.conf" <<EOF
ChildJavaOptions -Xmx256m -XX:+UseSerialGC -Xss512k ${2:-}
Listen 127.0.0.1:$PORT
User #65534
Group #65534
NumServers $1
ChildPerUserID #$TENANT #$TENANT $1
# Retiring children would measure respawns, not serving.
MaxRequestsPerChild 0
<VirtualHost *:$PORT>
  ServerName $HOST
  AssignUserID #$TENANT #$TENANT
  AppBase webapps/bench
</VirtualHost>
EOF
  chmod 644 "$ROOT/conf/perchild.conf"
}

# start_server x|pm LOGFILE: starts it in the background and waits until the vhost answers.
start_server() {
  if [ "$1" = x ]; then
    setpriv --reuid="$TENANT" --regid="$TENANT" --clear-groups \
      "$PERCHILD_HOME/bin/perchild" -d "$ROOT" -X >"$2" 2>&1 &
  else
    "$PERCHILD_HOME/bin/perchild" -d "$ROOT" -D FOREGROUND >"$2" 2>&1 &
  fi
  SERVER_PID=$!
  tries=0
  until [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H "Host: $HOST" \
    "http://127.0.0.1:$PORT/" 2>/dev/null)" = 200 ]; do
    tries=$((tries + 1))
    if [ $tries -gt 240 ] || ! kill -0 "$SERVER_PID" 2>/dev/null; then
      cat "$2" "$ROOT/logs/error_log" 2>/dev/null >&2 || true
      fail "the server ($1) did not come up"
    fi
    sleep 0.5
  done
}

stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
  fi
}

# The load average when a measured run starts: wrk shares the machine with the servers and
# with whatever else runs there, and the figures mean little when it is busy.
load() { cut -d' ' -f1 /proc/loadavg; }

# measure NAME [wrk option ...]: one wrk run; keeps its output in results/NAME.
measure() {
  name=$1
  shift
  load >"$ROOT/results/$name.load"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Host: $HOST" "$@" \
    "http://127.0.0.1:$PORT/" >"$ROOT/results/$name"
}

warm_up() {
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -H "Host: $HOST" "http://127.0.0.1:$PORT/" >/dev/null
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -H "Host: $HOST" -H 'Connection: close' \
    "http://127.0.0.1:$PORT/" >/dev/null
}

# bench x|pm LABEL NUMSERVERS RESULT-NAME [CHILD-JAVA-OPTIONS]: one round of one server,
# kept in results/RESULT-NAME-ROUND-keepalive and -close.
bench() {
  write_config "$3" "${5:-}"
  echo "== round $round/$ROUNDS, $2: warm-up ($WARMUP keep-alive, $WARMUP close), then $DURATION each" >&2
  start_server "$1" "$ROOT/results/$4-$round.log"
  warm_up
  measure "$4-$round-keepalive"
  measure "$4-$round-close" -H 'Connection: close'
  stop_server
}

requests() { awk '/^Requests\/sec:/ { print $2 }' "$ROOT/results/$1"; }

# p99 in milliseconds (wrk prints us, ms or s).
p99() {
  awk '$1 == "99%" {
    v = $2
    if (v ~ /us$/) { sub(/us$/, "", v); v = v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v) }
    else if (v ~ /s$/) { sub(/s$/, "", v); v = v * 1000 }
    printf "%.2f", v
  }' "$ROOT/results/$1"
}

# Errors wrk saw: socket errors and non-2xx/3xx responses, or 0.
errors() {
  awk '/Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 }
       /Non-2xx or 3xx responses:/ { n += $5 }
       END { print n + 0 }' "$ROOT/results/$1"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'; }

# median FUNCTION NAME MODE: the median over the rounds of FUNCTION (requests or p99).
median() {
  i=1
  while [ $i -le "$ROUNDS" ]; do
    "$1" "$2-$i-$3"
    echo
    i=$((i + 1))
  done | awk 'NF' | sort -n | awk '{ v[NR] = $1 } END {
    if (NR % 2) print v[(NR + 1) / 2]; else printf "%.2f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# report LABEL NAME MODE: a row per round, then the medians.
report() {
  i=1
  while [ $i -le "$ROUNDS" ]; do
    printf '%-30s %-10s %5s %12s %10s %8s %6s\n' "$1" "$3" "$i" "$(requests "$2-$i-$3")" \
      "$(p99 "$2-$i-$3")" "$(errors "$2-$i-$3")" "$(cat "$ROOT/results/$2-$i-$3.load")"
    i=$((i + 1))
  done
  printf '%-30s %-10s %5s %12s %10s\n' "$1" "$3" median "$(median requests "$2" "$3")" \
    "$(median p99 "$2" "$3")"
}

header() {
  echo
  echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION, $ROUNDS rounds, $(nproc) CPUs, $("${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | head -1)"
  printf '%-30s %-10s %5s %12s %10s %8s %6s\n' "$1" connection round "requests/s" "p99 ms" errors load
}

# ratios NAME BASELINE-NAME [NOTE]: the ratios of the medians, NAME / BASELINE-NAME.
ratios() {
  for mode in keepalive close; do
    printf '%-10s requests/s %s   p99 %s%s\n' "$mode" \
      "$(ratio "$(median requests "$1" "$mode")" "$(median requests "$2" "$mode")")" \
      "$(ratio "$(median p99 "$1" "$mode")" "$(median p99 "$2" "$mode")")" "${3:-}"
  done
}

# The ratio of each round's two runs (taken one after the other, so a slow spell of the machine
# tends to hit both), as "median (lowest-highest)" over the rounds.
paired() {
  i=1
  while [ $i -le "$ROUNDS" ]; do
    ratio "$("$1" "$2-$i-$4")" "$("$1" "$3-$i-$4")"
    echo
    i=$((i + 1))
  done | grep -v '^-$' | awk 'NF' | sort -n | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "-"; exit }
    m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
    printf "%.3f (%.3f-%.3f)", m, v[1], v[NR] }'
}

paired_ratios() {
  for mode in keepalive close; do
    printf '%-10s requests/s %s   p99 %s%s\n' "$mode" "$(paired requests "$1" "$2" "$mode")" \
      "$(paired p99 "$1" "$2" "$mode")" "${3:-}"
  done
}

round=1
while [ $round -le "$ROUNDS" ]; do
  if [ -n "$THREAD_POOLS" ]; then
    bench pm "child with the spare-thread pool" 1 spare
    bench pm "child with Jetty's QueuedThreadPool" 1 queued -Dperchild.threadPool=queued
  else
    bench x "-X (one process)" 1 x1
    bench pm "process model, NumServers 1" 1 pm1
    if [ -n "$WITH_DEFAULT" ]; then
      bench pm "process model, NumServers 2" 2 pm2
    fi
  fi
  round=$((round + 1))
done

if [ -n "$THREAD_POOLS" ]; then
  header pool
  for mode in keepalive close; do
    report spare spare "$mode"
    report queued queued "$mode"
  done
  echo "(load: the 1-minute load average as each run started; above $(nproc), other work shared the CPUs)"
  echo
  echo "spare / queued, medians (targets: requests/s >= 0.97, p99 <= 1.1)"
  ratios spare queued
  echo
  echo "spare / queued, round by round: median (lowest-highest) of the rounds' ratios"
  paired_ratios spare queued
  exit 0
fi

header server
for mode in keepalive close; do
  report "-X" x1 "$mode"
  report "process model (NumServers 1)" pm1 "$mode"
  if [ -n "$WITH_DEFAULT" ]; then
    report "process model (NumServers 2)" pm2 "$mode"
  fi
done
echo "(load: the 1-minute load average as each run started; above $(nproc), other work shared the CPUs)"
echo
echo "process model / -X, medians (requests/s; targets: keep-alive >= 0.95, close >= 0.85; p99: lower is better)"
ratios pm1 x1
if [ -n "$WITH_DEFAULT" ]; then
  ratios pm2 x1 "   (NumServers 2)"
fi
echo
echo "process model / -X, round by round: median (lowest-highest) of the rounds' ratios"
paired_ratios pm1 x1
if [ -n "$WITH_DEFAULT" ]; then
  paired_ratios pm2 x1 "   (NumServers 2)"
fi
