#!/bin/sh
# density.sh: many mostly idle tenants on one machine. Configures BENCH_TENANTS (200) tenants,
# each a virtual host tenantN.localhost with the whoami WAR, served by an on-demand group
# (ChildPerUserID #uid #uid BENCH_RANGE, 0-1; uids from BENCH_FIRST_UID, 46001, on), with
# NumServers 1 (the User/Group child for the fallback host) and ServerLimit BENCH_SERVER_LIMIT
# (40). Times the server's start (launch to the first 200 of the fallback host: it must not
# grow with the number of tenants), then for BENCH_DURATION seconds (60) puts BENCH_ACTIVE (20)
# tenants under keep-alive load (one wrk per tenant, with its share of BENCH_CONNECTIONS, 40:
# a keep-alive connection stays with its host; BENCH_PACE ms, 0, between a connection's
# requests: 0 is as fast as the server answers, which keeps every CPU busy) while the others
# are touched now and then: one request every BENCH_TOUCH seconds (5) to a tenant not touched
# before, which is a cold start (its group has no process), timed to its first response byte.
# Prints the start time, the cold starts' p50/p95/highest, the
# active tenants' throughput (all of them) and latency (the median of their p50s, the highest of
# their p99s), the child processes alive (highest seen, and at the end), and their PSS (total,
# mean, lowest, highest) at the end, and a waiting spare's (ChildSpares).
# With --fixed, the active tenants get ChildPerUserID ... 1 instead (today's fixed children):
# the baseline for their throughput. The accounts are made (useradd, no home, no shell) if
# missing, and kept.
#
# Usage: bench/density.sh [--fixed]     (as root)
# Environment: BENCH_TENANTS (200), BENCH_ACTIVE (20), BENCH_RANGE (0-1), BENCH_SERVER_LIMIT
#   (40), BENCH_DURATION (60), BENCH_TOUCH (5), BENCH_CONNECTIONS (40), BENCH_PACE (0),
#   BENCH_PORT (18184), BENCH_FIRST_UID (46001), BENCH_WAR (webapps/localhost/whoami.war)
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
BENCH_NAME=density.sh
. "$BENCH_DIR/common.sh"

TENANTS=${BENCH_TENANTS:-200}
ACTIVE=${BENCH_ACTIVE:-20}
RANGE=${BENCH_RANGE:-0-1}
SERVER_LIMIT=${BENCH_SERVER_LIMIT:-40}
DURATION=${BENCH_DURATION:-60}
TOUCH=${BENCH_TOUCH:-5}
CONNECTIONS=${BENCH_CONNECTIONS:-40}
PACE=${BENCH_PACE:-0}
PORT=${BENCH_PORT:-18184}
FIRST_UID=${BENCH_FIRST_UID:-46001}
TENANT=$FIRST_UID
WAR=${BENCH_WAR:-$PERCHILD_HOME/webapps/localhost/whoami.war}
FIXED=
for arg in "$@"; do
  case "$arg" in
    --fixed) FIXED=1 ;;
    -h | --help) sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown argument $arg (try --help)" ;;
  esac
done
for n in "$TENANTS" "$ACTIVE" "$SERVER_LIMIT" "$DURATION" "$CONNECTIONS" "$FIRST_UID" "$PACE"; do
  case "$n" in
    '' | *[!0-9]*) fail "the BENCH_ settings are whole numbers: $n" ;;
  esac
done
[ "$ACTIVE" -lt "$TENANTS" ] || fail "BENCH_ACTIVE must be below BENCH_TENANTS"
[ "$ACTIVE" -lt "$SERVER_LIMIT" ] || fail "BENCH_ACTIVE must be below BENCH_SERVER_LIMIT"
require_tools wrk
[ -f "$WAR" ] || fail "no $WAR: build the distribution first (or set BENCH_WAR)"
require_free_port

last_uid=$((FIRST_UID + TENANTS - 1))
tenant_accounts "$FIRST_UID" "$last_uid"

make_root
{
  echo "ChildJavaOptions $CHILD_JAVA_OPTIONS"
  echo "Listen 127.0.0.1:$PORT"
  echo "User #65534"
  echo "Group #65534"
  echo "NumServers $([ -n "$FIXED" ] && echo $((ACTIVE + 1)) || echo 1)"
  echo "ServerLimit $SERVER_LIMIT"
  echo "MaxRequestsPerChild 0"
  echo "ChildWaitTimeout 60"
  n=1
  while [ $n -le "$TENANTS" ]; do
    uid=$((FIRST_UID + n - 1))
    if [ -n "$FIXED" ] && [ $n -le "$ACTIVE" ]; then
      echo "ChildPerUserID #$uid #$uid 1"
    else
      echo "ChildPerUserID #$uid #$uid $RANGE"
    fi
    n=$((n + 1))
  done
  echo "<VirtualHost *:$PORT>"
  echo "  ServerName fallback.localhost"
  echo "  AppBase webapps/fallback"
  echo "</VirtualHost>"
  mkdir -p "$ROOT/webapps/fallback"
  cp "$WAR" "$ROOT/webapps/fallback/ROOT.war"
  n=1
  while [ $n -le "$TENANTS" ]; do
    uid=$((FIRST_UID + n - 1))
    echo "<VirtualHost *:$PORT>"
    echo "  ServerName tenant$n.localhost"
    echo "  AssignUserID #$uid #$uid"
    echo "  AppBase webapps/tenant$n"
    echo "</VirtualHost>"
    mkdir -p "$ROOT/webapps/tenant$n"
    cp "$WAR" "$ROOT/webapps/tenant$n/ROOT.war"
    n=$((n + 1))
  done
} >"$ROOT/conf/perchild.conf"
chmod -R a+rX "$ROOT"

# first_byte HOST: seconds to the first response byte of GET / with that Host (status after it).
first_byte() {
  curl -s -o /dev/null -w '%{time_starttransfer} %{http_code}\n' --max-time 90 -H "Host: $1" \
    "http://127.0.0.1:$PORT/" 2>/dev/null || echo "- 000"
}

# The child processes (a spare still waiting, root and --spare, is none: ServerLimit does not
# count it), and with an argument the waiting spares.
child_pids() {
  for pid in $(pgrep -f -P "$SERVER_PID" org.perchild.container.ChildMain 2>/dev/null); do
    if [ "$(awk '$1 == "Uid:" { print $2 }' "/proc/$pid/status" 2>/dev/null)" = 0 ] &&
      tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- ' --spare'; then
      [ -z "${1:-}" ] || echo "$pid"
    elif [ -z "${1:-}" ]; then
      echo "$pid"
    fi
  done
}
children() { child_pids | wc -l; }

echo
echo "$TENANTS tenants ($([ -n "$FIXED" ] && echo "the first $ACTIVE fixed at 1, the rest $RANGE" || echo "ChildPerUserID $RANGE")), ServerLimit $SERVER_LIMIT, $ACTIVE active ($CONNECTIONS connections, ${PACE} ms between a connection's requests); ChildJavaOptions $CHILD_JAVA_OPTIONS"
echo "$(nproc) CPUs, $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo); $("${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | head -1); load $(load)"

started=$(date +%s.%N)
"$PERCHILD_HOME/bin/perchild" -d "$ROOT" -D FOREGROUND >"$RESULTS/server.log" 2>&1 &
SERVER_PID=$!
HOST=fallback.localhost
wait_ready pm "$RESULTS/server.log"
echo "server start (launch to the fallback host's first 200): $(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f s", b - a }')"

# The active tenants: each warmed by one request (a cold start, not measured), then wrk.
# (Each wait names its jobs: the server is a job of this shell too.)
warming=
n=1
while [ $n -le "$ACTIVE" ]; do
  first_byte "tenant$n.localhost" >/dev/null &
  warming="$warming $!"
  n=$((n + 1))
done
for job in $warming; do wait "$job"; done
# One wrk per active tenant, its share of the connections: a keep-alive connection stays with
# its host (a request for another tenant's host on it would be answered 421 and closed).
per=$((CONNECTIONS / ACTIVE))
[ "$per" -ge 1 ] || per=1
# wrk's delay(): the pause, in ms, before each request of a connection.
echo "function delay() return $PACE end" >"$RESULTS/pace.lua"
WRKS=
n=1
while [ $n -le "$ACTIVE" ]; do
  wrk -t 1 -c "$per" -d "${DURATION}s" --latency -s "$RESULTS/pace.lua" -H "Host: tenant$n.localhost" \
    "http://127.0.0.1:$PORT/" >"$RESULTS/wrk-$n.txt" 2>&1 &
  WRKS="$WRKS $!"
  n=$((n + 1))
done

# Meanwhile, the idle tenants, each touched once: a cold start each.
most=0
n=$((ACTIVE + 1))
deadline=$(($(date +%s) + DURATION))
: >"$RESULTS/cold"
touches=
while [ "$(date +%s)" -lt $deadline ] && [ $n -le "$TENANTS" ]; do
  first_byte "tenant$n.localhost" >>"$RESULTS/cold" &
  touches="$touches $!"
  sleep "$TOUCH"
  alive=$(children)
  [ "$alive" -le "$most" ] || most=$alive
  n=$((n + 1))
done
for job in $WRKS; do wait "$job" || true; done
for job in $touches; do wait "$job"; done
alive=$(children)
[ "$alive" -le "$most" ] || most=$alive

pss_total=0
: >"$RESULTS/pss"
for pid in $(child_pids); do
  awk '$1 == "Pss:" { print $2 }' "/proc/$pid/smaps_rollup" >>"$RESULTS/pss" 2>/dev/null || true
done

echo "cold starts (first byte, $(wc -l <"$RESULTS/cold") tenants, status not 200: $(awk '$2 != 200' "$RESULTS/cold" | wc -l)):" \
  "$(awk '$2 == 200 { print $1 }' "$RESULTS/cold" | sort -n | awk '{ v[NR] = $1 } END {
    if (NR == 0) { print "none"; exit }
    p50 = v[int((NR + 1) * 0.5)]; i = int(NR * 0.95 + 0.999); if (i > NR) i = NR
    printf "p50 %.2f s, p95 %.2f s, highest %.2f s", p50, v[i], v[NR] }')"
# wrk's latencies in ms (it writes us, ms or s).
ms() { awk '{ v = $1; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v)
  printf "%.2f\n", v * (u == "us" ? 0.001 : u == "s" ? 1000 : u == "m" ? 60000 : 1) }'; }
p50s=$(for f in "$RESULTS"/wrk-*.txt; do awk '$1 == "50%" { print $2 }' "$f" | ms; done | sort -n)
p99s=$(for f in "$RESULTS"/wrk-*.txt; do awk '$1 == "99%" { print $2 }' "$f" | ms; done | sort -n)
echo "active tenants: $(cat "$RESULTS"/wrk-*.txt | awk '/Requests\/sec/ { s += $2 } END { printf "%.0f", s }') requests/s in all," \
  "latency p50 (median of the tenants') $(echo "$p50s" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }') ms," \
  "p99 (highest of the tenants') $(echo "$p99s" | tail -1) ms," \
  "non-2xx: $(cat "$RESULTS"/wrk-*.txt | awk '/Non-2xx/ { s += $NF } END { print s + 0 }')," \
  "wrk runs with socket errors: $(cat "$RESULTS"/wrk-*.txt | grep -c 'Socket errors' || true) of $ACTIVE"
echo "child processes alive: highest seen $most (ServerLimit $SERVER_LIMIT), at the end $alive"
awk '{ s += $1; if (NR == 1 || $1 < lo) lo = $1; if ($1 > hi) hi = $1 }
  END { if (NR) printf "children PSS at the end: total %.1f MiB, mean %.1f, lowest %.1f, highest %.1f (%d children)\n",
    s / 1024, s / NR / 1024, lo / 1024, hi / 1024, NR }' "$RESULTS/pss"
for pid in $(child_pids spares); do
  echo "spare JVM waiting: pid $pid, PSS $(awk '$1 == "Pss:" { printf "%.1f", $2 / 1024 }' "/proc/$pid/smaps_rollup") MiB"
done
