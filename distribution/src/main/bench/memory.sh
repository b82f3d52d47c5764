#!/bin/sh
# memory.sh: how much memory an idle child costs. Starts the process model with BENCH_TENANTS
# tenants (10), each a virtual host tenantN.localhost served by one child of its own
# (ChildPerUserID #uid #uid 1, uids from BENCH_FIRST_UID, 45001, on), each with the whoami WAR
# in its AppBase (or, with --no-wars, no AppBase at all), the default ChildJavaOptions;
# waits until every child is ready (bin/perchild status), lets them idle BENCH_IDLE seconds
# (30) without a request, then reads each child's PSS from /proc/PID/smaps_rollup (its share
# of every page it maps: the JDK's and the jars' pages shared with the other JVMs are divided
# among them) and prints it with its anonymous and file parts and its RSS, and the children's
# mean, lowest and highest, in MiB, with the launcher's and the acceptor's. BENCH_ROUNDS
# rounds (3), each a new start; last, the median (lowest-highest) of the rounds' means.
# The accounts of the uids are made (useradd, no home, no shell) if missing, and kept.
# Works on trees with the servlet environments in lib/<name>/ and on older ones with ee10 on
# the children's class path; it says which.
#
# Usage: bench/memory.sh [--no-wars]     (as root)
# Environment: BENCH_TENANTS (10), BENCH_IDLE (30), BENCH_ROUNDS (3), BENCH_PORT (18181),
#   BENCH_FIRST_UID (45001), BENCH_WAR (webapps/localhost/whoami.war), BENCH_READY_WAIT (300)
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
BENCH_NAME=memory.sh
. "$BENCH_DIR/common.sh"

TENANTS=${BENCH_TENANTS:-10}
IDLE=${BENCH_IDLE:-30}
ROUNDS=${BENCH_ROUNDS:-3}
PORT=${BENCH_PORT:-18181}
FIRST_UID=${BENCH_FIRST_UID:-45001}
TENANT=$FIRST_UID
WAR=${BENCH_WAR:-$PERCHILD_HOME/webapps/localhost/whoami.war}
READY_WAIT=${BENCH_READY_WAIT:-300}
WARS=1
for arg in "$@"; do
  case "$arg" in
    --no-wars) WARS= ;;
    -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown argument $arg (try --help)" ;;
  esac
done

check_rounds
for n in "$TENANTS" "$IDLE" "$FIRST_UID" "$READY_WAIT"; do
  case "$n" in
    '' | *[!0-9]*) fail "BENCH_TENANTS, BENCH_IDLE, BENCH_FIRST_UID and BENCH_READY_WAIT are numbers: $n" ;;
  esac
done
[ "$TENANTS" -gt 0 ] || fail "BENCH_TENANTS must be at least 1"
require_tools
[ -z "$WARS" ] || [ -f "$WAR" ] || fail "no $WAR: build the distribution first (or set BENCH_WAR)"
[ -r /proc/self/smaps_rollup ] || fail "no /proc/self/smaps_rollup: Linux 4.14 or newer is needed"
require_free_port

last_uid=$((FIRST_UID + TENANTS - 1))
tenant_accounts "$FIRST_UID" "$last_uid"

make_root

# The configuration: one child and one virtual host per tenant; their AppBases.
write_tenants() {
  {
    echo "ChildJavaOptions $CHILD_JAVA_OPTIONS"
    echo "Listen 127.0.0.1:$PORT"
    echo "User #65534"
    echo "Group #65534"
    echo "NumServers $TENANTS"
    # The default ServerLimit is 8.
    [ "$TENANTS" -le 8 ] || echo "ServerLimit $TENANTS"
    echo "MaxRequestsPerChild 0"
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
      [ -z "$WARS" ] || echo "  AppBase webapps/tenant$n"
      echo "</VirtualHost>"
      if [ -n "$WARS" ]; then
        mkdir -p "$ROOT/webapps/tenant$n"
        cp "$WAR" "$ROOT/webapps/tenant$n/$(basename "$WAR")"
      fi
      n=$((n + 1))
      uid=$((uid + 1))
    done
  } >"$ROOT/conf/perchild.conf"
  chmod -R a+rX "$ROOT"
}

status() { "$PERCHILD_HOME/bin/perchild" -d "$ROOT" status 2>/dev/null || true; }

# start LOGFILE: the process model in the background; waits until every child is READY.
start() {
  "$PERCHILD_HOME/bin/perchild" -d "$ROOT" -D FOREGROUND >"$1" 2>&1 &
  SERVER_PID=$!
  waited=0
  until status | grep -q "^Children: $TENANTS of $TENANTS ready"; do
    waited=$((waited + 1))
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      cat "$1" "$ROOT/logs/error_log" 2>/dev/null | tail -40 >&2 || true
      fail "the server exited before its children were ready"
    fi
    if [ $waited -gt "$READY_WAIT" ]; then
      cat "$1" "$ROOT/logs/error_log" 2>/dev/null | tail -40 >&2 || true
      status >&2
      fail "the children were not all ready within ${READY_WAIT}s (BENCH_READY_WAIT)"
    fi
    sleep 1
  done
  # Each child says how many webapps it deployed when it is ready.
  expect=0
  [ -z "$WARS" ] || expect=1
  deployed=$(cat "$1" "$ROOT/logs/error_log" 2>/dev/null |
    grep -c "child [0-9]* ready: .* $expect webapp(s)" || true)
  [ "$deployed" -ge "$TENANTS" ] ||
    fail "only $deployed of $TENANTS children say they are ready with $expect webapp(s): see the log"
}


if [ -d "$PERCHILD_HOME/lib/ee10" ]; then
  LAYOUT="servlet environments in lib/<name>/, each loaded only by a child with a WAR for it"
else
  LAYOUT="ee10 on every child's class path (lib/)"
fi
JETTY=$(ls "$PERCHILD_HOME/lib" | sed -n 's/^jetty-server-\(.*\)\.jar$/\1/p')
if [ -n "$WARS" ]; then
  WHAT="each with $(basename "$WAR") in its AppBase"
else
  WHAT="no AppBase, no WAR"
fi

echo
echo "$TENANTS tenants, one child each, $WHAT; idle ${IDLE}s; ChildJavaOptions $CHILD_JAVA_OPTIONS"
echo "$PERCHILD_HOME: $LAYOUT; Jetty $JETTY; $(nproc) CPUs; $("${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | head -1)"
printf '%-5s %-8s %-8s %-6s %9s %9s %9s %9s\n' round process pid uid "PSS MiB" "anon" "file" "RSS MiB"

# One line per process, and a summary line per round into results/means.
write_tenants
round=1
while [ $round -le "$ROUNDS" ]; do
  echo "== round $round/$ROUNDS: starting $TENANTS children" >&2
  start "$RESULTS/server-$round.log"
  echo "== round $round/$ROUNDS: all ready, idle ${IDLE}s" >&2
  sleep "$IDLE"
  status >"$RESULTS/status-$round"
  launcher=$(sed -n 's/^Launcher: pid \([0-9]*\).*/\1/p' "$RESULTS/status-$round")
  acceptor=$(sed -n 's/^Acceptor: pid \([0-9]*\),.*/\1/p' "$RESULTS/status-$round")
  awk '$1 ~ /^[0-9]+$/ && $5 == "READY" { print $1, $2 }' "$RESULTS/status-$round" >"$RESULTS/children-$round"
  [ "$(wc -l <"$RESULTS/children-$round")" -eq "$TENANTS" ] ||
    fail "round $round: not $TENANTS children READY after the idle time: $(cat "$RESULTS/status-$round")"
  : >"$RESULTS/pss-$round"
  while read -r slot pid; do
    pss=$(kb Pss "$pid")
    echo "$pss" >>"$RESULTS/pss-$round"
    printf '%-5s %-8s %-8s %-6s %9s %9s %9s %9s\n' "$round" "child $slot" "$pid" \
      "$(awk '$1 == "Uid:" { print $2 }' "/proc/$pid/status")" "$(mib "$pss")" \
      "$(mib "$(kb Pss_Anon "$pid")")" "$(mib "$(kb Pss_File "$pid")")" "$(mib "$(kb Rss "$pid")")"
  done <"$RESULTS/children-$round"
  for p in launcher acceptor; do
    eval "pid=\$$p"
    printf '%-5s %-8s %-8s %-6s %9s %9s %9s %9s\n' "$round" "$p" "$pid" \
      "$(awk '$1 == "Uid:" { print $2 }' "/proc/$pid/status")" "$(mib "$(kb Pss "$pid")")" \
      "$(mib "$(kb Pss_Anon "$pid")")" "$(mib "$(kb Pss_File "$pid")")" "$(mib "$(kb Rss "$pid")")"
  done
  awk -v r="$round" '{ s += $1; if (NR == 1 || $1 < lo) lo = $1; if ($1 > hi) hi = $1 }
    END { printf "round %s: children PSS mean %.1f MiB, lowest %.1f, highest %.1f\n", r,
      s / NR / 1024, lo / 1024, hi / 1024 }' "$RESULTS/pss-$round"
  awk '{ s += $1 } END { printf "%.1f\n", s / NR / 1024 }' "$RESULTS/pss-$round" >>"$RESULTS/means"
  stop_server
  round=$((round + 1))
done

echo
cat "$RESULTS"/pss-* | awk -v r="$ROUNDS" -v n="$TENANTS" -v what="$WHAT" '
  { if (NR == 1 || $1 < lo) lo = $1; if ($1 > hi) hi = $1 }
  END { printf "idle child PSS over %d rounds of %d children (%s): lowest %.1f MiB, highest %.1f MiB\n",
    r, n, what, lo / 1024, hi / 1024 }'
sort -n "$RESULTS/means" | awk '{ v[NR] = $1 } END {
  m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
  printf "mean child PSS of each round: median %.1f MiB (%.1f-%.1f)\n", m, v[1], v[NR] }'
