#!/bin/sh
# coldstart.sh: what a cold start and an idle child cost. Starts the process model with
# BENCH_TENANTS tenants (3), each a virtual host tenantN.localhost served by one child of its
# own (ChildPerUserID #uid #uid 1, uids from BENCH_FIRST_UID, 45001, on) with the whoami WAR in
# its AppBase and the default ChildJavaOptions (none written: the defaults are measured), on the
# JVM that JAVA_HOME names (or the java on PATH). Then BENCH_COLD rounds (20), taking the
# tenants in turn: kill -9 the tenant's only child and at once send a request for
# BENCH_PATH (/whoami/); the acceptor holds the connection (ChildWaitTimeout) until the
# replacement is READY, and the launcher starts it at once (RespawnBackoff: a child that ran
# 10 s or more is replaced without delay, so each kill waits until its child is that old).
# The cold start is curl's time from the start of the request to its first response byte: the
# connection arrives when the tenant has no running child and is answered by a child started
# after it. It prints each round, the p50 and p95, and where the time went by the log's
# timestamps (the launcher's "started", a spawn or a spare's assignment, to the child's
# "ready"; ready to the first byte), and whether the child came from a spare. Then it
# lets the children idle BENCH_IDLE seconds (30) and prints each child's PSS from
# /proc/PID/smaps_rollup (shared pages, such as a class archive every child maps read-only,
# are divided among the processes that map them) with its anonymous and file parts, and the
# mean. The first start of the launcher makes the class archive (a training run as User):
# the script waits for it (BENCH_ARCHIVE_WAIT, 120 s) before the measured rounds, and says
# whether the children use it. The server keeps BENCH_SPARES spare JVMs (ChildSpares, 1): a
# replacement starts from one, and BENCH_SPARES=0 measures a spawn; each round waits until the
# spares are ready and then BENCH_SETTLE seconds (3). The accounts of the uids are made (useradd,
# no home, no shell) if missing, and kept.
#
# Usage: bench/coldstart.sh     (as root)
# Environment: JAVA_HOME, BENCH_TENANTS (3), BENCH_COLD (20), BENCH_IDLE (30), BENCH_PORT
#   (18191), BENCH_FIRST_UID (45001), BENCH_WAR (webapps/localhost/whoami.war), BENCH_PATH
#   (/whoami/), BENCH_ARCHIVE_WAIT (120), BENCH_JAVA_OPTIONS (ChildJavaOptions to write
#   instead of the defaults, e.g. to measure the old ones), BENCH_SPARES (1), BENCH_SETTLE (3)
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
BENCH_NAME=coldstart.sh
. "$BENCH_DIR/common.sh"

TENANTS=${BENCH_TENANTS:-3}
COLD=${BENCH_COLD:-20}
IDLE=${BENCH_IDLE:-30}
PORT=${BENCH_PORT:-18191}
FIRST_UID=${BENCH_FIRST_UID:-45001}
TENANT=$FIRST_UID
WAR=${BENCH_WAR:-$PERCHILD_HOME/webapps/localhost/whoami.war}
URL_PATH=${BENCH_PATH:-/whoami/}
ARCHIVE_WAIT=${BENCH_ARCHIVE_WAIT:-120}
JAVA_OPTIONS=${BENCH_JAVA_OPTIONS:-}
SPARES=${BENCH_SPARES:-1}
SETTLE=${BENCH_SETTLE:-3}
for arg in "$@"; do
  case "$arg" in
    -h | --help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown argument $arg (try --help)" ;;
  esac
done
for n in "$TENANTS" "$COLD" "$IDLE" "$FIRST_UID" "$ARCHIVE_WAIT" "$SPARES" "$SETTLE"; do
  case "$n" in
    '' | *[!0-9]*) fail "BENCH_TENANTS, BENCH_COLD, BENCH_IDLE, BENCH_FIRST_UID, BENCH_ARCHIVE_WAIT, BENCH_SPARES and BENCH_SETTLE are numbers: $n" ;;
  esac
done
[ "$TENANTS" -gt 0 ] && [ "$COLD" -gt 0 ] || fail "BENCH_TENANTS and BENCH_COLD must be at least 1"
require_tools
[ -f "$WAR" ] || fail "no $WAR: build the distribution first (or set BENCH_WAR)"
[ -r /proc/self/smaps_rollup ] || fail "no /proc/self/smaps_rollup: Linux 4.14 or newer is needed"
require_free_port
if [ -n "${JAVA_HOME:-}" ]; then
  export JAVA_HOME
  JAVA=$JAVA_HOME/bin/java
else
  JAVA=java
fi

last_uid=$((FIRST_UID + TENANTS - 1))
tenant_accounts "$FIRST_UID" "$last_uid"

make_root
{
  [ -z "$JAVA_OPTIONS" ] || echo "ChildJavaOptions $JAVA_OPTIONS"
  echo "ChildSpares $SPARES"
  echo "Listen 127.0.0.1:$PORT"
  echo "User #65534"
  echo "Group #65534"
  echo "NumServers $TENANTS"
  [ "$TENANTS" -le 8 ] || echo "ServerLimit $TENANTS"
  echo "MaxRequestsPerChild 0"
  echo "LogLevel info"
  uid=$FIRST_UID
  while [ $uid -le $last_uid ]; do
    echo "ChildPerUserID #$uid #$uid 1"
    uid=$((uid + 1))
  done
  n=1
  uid=$FIRST_UID
  while [ $uid -le $last_uid ]; do
    echo "<VirtualHost *:$PORT>"
    echo "  ServerName tenant$n.localhost"
    echo "  AssignUserID #$uid #$uid"
    echo "  AppBase webapps/tenant$n"
    echo "</VirtualHost>"
    mkdir -p "$ROOT/webapps/tenant$n"
    cp "$WAR" "$ROOT/webapps/tenant$n/$(basename "$WAR")"
    n=$((n + 1))
    uid=$((uid + 1))
  done
} >"$ROOT/conf/perchild.conf"
chmod -R a+rX "$ROOT"

status() { "$PERCHILD_HOME/bin/perchild" -d "$ROOT" status 2>/dev/null || true; }
LOG=$ROOT/logs/error_log
# The log's timestamp of a line (slf4j's yyyy-MM-ddTHH:mm:ss.SSS+zone), in seconds since 1970.
stamp() { date -d "$(echo "$1" | cut -c1-23 | tr T ' ')" +%s.%N 2>/dev/null; }
# The pid of the READY child that runs as uid UID, from the scoreboard's rows (slot pid
# user/group gen state ...) and /proc.
child_pid() {
  for p in $(status | awk '$1 ~ /^[0-9]+$/ && $5 == "READY" { print $2 }'); do
    if [ "$(awk '$1 == "Uid:" { print $2 }' "/proc/$p/status" 2>/dev/null)" = "$1" ]; then
      echo "$p"
      return
    fi
  done
}

"$PERCHILD_HOME/bin/perchild" -d "$ROOT" -D FOREGROUND >"$RESULTS/server.log" 2>&1 &
SERVER_PID=$!
waited=0
until status | grep -q "^Children: $TENANTS of $TENANTS ready"; do
  waited=$((waited + 1))
  if ! kill -0 "$SERVER_PID" 2>/dev/null || [ $waited -gt 300 ]; then
    tail -40 "$RESULTS/server.log" "$LOG" >&2 2>/dev/null || true
    fail "the children did not all become ready"
  fi
  sleep 1
done
echo "== all $TENANTS children ready; waiting for the class archive (at most ${ARCHIVE_WAIT}s)" >&2
waited=0
ARCHIVE="none"
while [ $waited -lt "$ARCHIVE_WAIT" ]; do
  if grep -q "class archive .* installed\|class archive .* in place" "$LOG" 2>/dev/null; then
    ARCHIVE=$(grep -o "class archive [^ ]*" "$LOG" | tail -1 | cut -d' ' -f3)
    break
  fi
  if grep -q "class archive .*: training failed\|class archives are off" "$LOG" 2>/dev/null; then
    ARCHIVE="none ($(grep -o "class archive.*" "$LOG" | tail -1))"
    break
  fi
  waited=$((waited + 1))
  sleep 1
done

echo
echo "cold start: $TENANTS tenants, one child each, $(basename "$WAR") in each AppBase, GET $URL_PATH; $("$JAVA" -version 2>&1 | head -1); $(nproc) CPUs, load $(load)"
echo "ChildJavaOptions: ${JAVA_OPTIONS:-the defaults}; class archive: $ARCHIVE"
printf '%-6s %-8s %-8s %12s %12s %12s %s\n' round tenant "old pid" "first byte s" "start-ready" "ready-byte" from
: >"$RESULTS/cold"
round=1
while [ $round -le "$COLD" ]; do
  n=$(((round - 1) % TENANTS + 1))
  uid=$((FIRST_UID + n - 1))
  pid=
  tries=0
  while [ -z "$pid" ]; do
    pid=$(child_pid "$uid")
    tries=$((tries + 1))
    [ $tries -lt 60 ] || fail "tenant$n has no READY child: $(status)"
    [ -n "$pid" ] || sleep 0.5
  done
  # RespawnBackoff replaces a child at once only if it ran 10 s or more: its uptime in the
  # scoreboard (a child from a spare counts from its assignment, not from its process's start).
  while status | awk -v p="$pid" '$2 == p { print $7 }' | grep -qE '^([0-9]|10)s$'; do
    sleep 0.5
  done
  # An idle server has its spares ready: wait for them (perchild status: Spares: N ready).
  tries=0
  while [ "$SPARES" -gt 0 ] && ! status | grep -q "^Spares: $SPARES ready"; do
    tries=$((tries + 1))
    [ $tries -lt 120 ] || fail "no spare ready after 60 s: $(status | grep '^Spares')"
    sleep 0.5
  done
  # A spare that has just said it is ready may still be compiling what it ran: a cold request
  # on an idle machine finds it quiet.
  sleep "$SETTLE"
  lines=$(wc -l <"$LOG")
  kill -9 "$pid"
  first=$(curl -s -o /dev/null -w '%{http_code} %{time_starttransfer} %{time_total}' --max-time 30 \
    -H "Host: tenant$n.localhost" "http://127.0.0.1:$PORT$URL_PATH" || true)
  done_at=$(date +%s.%N)
  code=${first%% *}
  rest=${first#* }
  seconds=${rest%% *}
  total=${rest#* }
  [ "$code" = 200 ] || fail "round $round: tenant$n answered $first, not 200"
  tail -n +"$((lines + 1))" "$LOG" >"$RESULTS/log-$round"
  started=$(grep -m1 "child [0-9]* started: pid" "$RESULTS/log-$round" || true)
  ready=$(grep -m1 "child [0-9]* ready: pid" "$RESULTS/log-$round" || true)
  spawn_ready=-
  ready_byte=-
  if [ -n "$started" ] && [ -n "$ready" ]; then
    s=$(stamp "$started")
    r=$(stamp "$ready")
    # The first byte's time: curl's start (when it returned, less its total) plus its figure.
    spawn_ready=$(awk -v s="$s" -v r="$r" 'BEGIN { printf "%.3f", r - s }')
    ready_byte=$(awk -v r="$r" -v d="$done_at" -v t="$seconds" -v a="$total" \
      'BEGIN { printf "%.3f", d - a + t - r }')
  fi
  from=spawn
  case "$started" in *"from a spare"*) from=spare ;; esac
  printf '%-6s %-8s %-8s %12s %12s %12s %s\n' "$round" "tenant$n" "$pid" "$seconds" "$spawn_ready" "$ready_byte" "$from"
  echo "$seconds" >>"$RESULTS/cold"
  round=$((round + 1))
done
sort -n "$RESULTS/cold" | awk '{ v[NR] = $1 } END {
  p50 = v[int((NR + 1) / 2)]; i = int(NR * 0.95); if (i < NR * 0.95) i++; if (i < 1) i = 1
  printf "cold start, connection to first byte, %d rounds: p50 %.3f s, p95 %.3f s, lowest %.3f, highest %.3f\n",
    NR, p50, v[i], v[1], v[NR] }'

echo "== idle ${IDLE}s before reading PSS" >&2
sleep "$IDLE"
echo
printf '%-8s %-8s %9s %9s %9s %9s %8s %s\n' tenant pid "PSS MiB" anon file "RSS MiB" threads "archive mapped"
: >"$RESULTS/pss"
n=1
while [ $n -le "$TENANTS" ]; do
  uid=$((FIRST_UID + n - 1))
  pid=$(child_pid "$uid")
  if [ -n "$pid" ]; then
    pss=$(kb Pss "$pid")
    echo "$pss" >>"$RESULTS/pss"
    mapped=$(grep -E '\.(jsa|aot)$' "/proc/$pid/maps" | awk '{ print $6 }' | sort -u | xargs -r -n1 basename | tr '\n' ' ')
    printf '%-8s %-8s %9s %9s %9s %9s %8s %s\n' "tenant$n" "$pid" "$(mib "$pss")" \
      "$(mib "$(kb Pss_Anon "$pid")")" "$(mib "$(kb Pss_File "$pid")")" "$(mib "$(kb Rss "$pid")")" \
      "$(ls "/proc/$pid/task" | wc -l)" "${mapped:-none}"
  fi
  n=$((n + 1))
done
awk '{ s += $1; if (NR == 1 || $1 < lo) lo = $1; if ($1 > hi) hi = $1 }
  END { if (NR) printf "idle child PSS, %d children: mean %.1f MiB, lowest %.1f, highest %.1f\n",
    NR, s / NR / 1024, lo / 1024, hi / 1024 }' "$RESULTS/pss"
# The spares that wait meanwhile (perchild status: Spares: N ready, M starting (pids ...)):
# no tenant, no web application.
for pid in $(status | sed -n 's/^Spares: .*(pids \(.*\))$/\1/p'); do
  printf '%-8s %-8s %9s %9s %9s %9s %8s\n' spare "$pid" "$(mib "$(kb Pss "$pid")")" \
    "$(mib "$(kb Pss_Anon "$pid")")" "$(mib "$(kb Pss_File "$pid")")" "$(mib "$(kb Rss "$pid")")" \
    "$(ls "/proc/$pid/task" | wc -l)"
done
