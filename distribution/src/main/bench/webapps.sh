#!/bin/sh
# webapps.sh: what the process model costs a web application's own requests, measured with wrk
# against the same server in one process (perchild -X, started as #40001) and in the process
# model (launcher, acceptor, hand-off to one child running as #40001, NumServers 1), both with
# the shipped whoami WAR at /whoami and the default ChildJavaOptions, on keep-alive connections:
#   servlet  /whoami/           the whoami servlet (JSON about the process that serves it)
#   jsp      /whoami/hello.jsp  a JSP page, compiled by Jasper on its first request
#   session  /whoami/session    a servlet that adds one to a session attribute, every request
#                               with the same JSESSIONID cookie, asked for before the runs
#   sessions /whoami/session    the same with BENCH_CONNECTIONS sessions, each request with the
#                               next one's cookie (a wrk script), so that requests of one
#                               session seldom meet
# Each round starts both servers anew (-X on BENCH_PORT, the process model on the port after
# it), checks and warms up every case on both, then measures each case on one and at once on
# the other (-X first in odd rounds, the process model first in even ones), so that the two
# runs of a pair are DURATION apart on a machine whose load changes. It prints requests/s and
# p99 of every run, their medians, the ratios of the medians, each round's ratio as
# "median (lowest-highest)" over the rounds, and every round's ratio.
#
# Usage: bench/webapps.sh [servlet] [jsp] [session] [sessions]     (as root; all by default)
# Environment: BENCH_ROUNDS (3), BENCH_DURATION (20s), BENCH_WARMUP (10s), BENCH_THREADS (2),
#   BENCH_CONNECTIONS (32), BENCH_PORT (18181; and the next one), BENCH_UID (40001: -X and the
#   child run as it)
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
BENCH_NAME=webapps.sh
. "$BENCH_DIR/common.sh"

ROUNDS=${BENCH_ROUNDS:-3}
DURATION=${BENCH_DURATION:-20s}
WARMUP=${BENCH_WARMUP:-10s}
THREADS=${BENCH_THREADS:-2}
CONNECTIONS=${BENCH_CONNECTIONS:-32}
PORT=${BENCH_PORT:-18181}
TENANT=${BENCH_UID:-40001}
HOST=bench.localhost
READY_PATH=/whoami/
MODES=
for arg in "$@"; do
  case "$arg" in
    servlet | jsp | session | sessions) MODES="$MODES $arg" ;;
    -h | --help) sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown argument $arg (try --help)" ;;
  esac
done
MODES=${MODES:-servlet jsp session sessions}

check_rounds
require_tools wrk
WAR="$PERCHILD_HOME/webapps/localhost/whoami.war"
[ -f "$WAR" ] || fail "no $WAR: build the distribution first"
X_PORT=$PORT
PM_PORT=$((PORT + 1))
require_free_port
PORT=$PM_PORT
require_free_port

# Two server roots under the temporary one, x/ and pm/, each with its configuration and a copy
# of the WAR; the results beside them.
X_PID=
PM_PID=
stop_both() {
  SERVER_PID=$X_PID
  stop_server
  X_PID=
  SERVER_PID=$PM_PID
  stop_server
  PM_PID=
}
cleanup() {
  stop_both
  rm -rf "${TOP:-$ROOT}"
}
make_root
TOP=$ROOT
for s in x pm; do
  mkdir -p "$TOP/$s/conf" "$TOP/$s/logs" "$TOP/$s/webapps/bench"
  cp "$WAR" "$TOP/$s/webapps/bench/whoami.war"
done
chmod -R a+rX "$TOP"

# side x|pm: the server root, port and session cookie that the helpers use become that side's
# (SIDE says which).
side() {
  SIDE=$1
  ROOT=$TOP/$1
  if [ "$1" = x ]; then PORT=$X_PORT; else PORT=$PM_PORT; fi
  eval "COOKIE=\${COOKIE_$1:-}"
}

path_of() {
  case "$1" in
    servlet) echo /whoami/ ;;
    jsp) echo /whoami/hello.jsp ;;
    session | sessions) echo /whoami/session ;;
  esac
}

get() { curl -s --max-time 10 -H "Host: $HOST" "$@"; }

# new_session URL LABEL: the JSESSIONID cookie of a new session that has counted two requests.
new_session() {
  cookie=$(get -D - -o /dev/null "$1" | tr -d '\r' |
    sed -n 's/^[Ss]et-[Cc]ookie: *\(JSESSIONID=[^;]*\).*/\1/p' | head -1)
  [ -n "$cookie" ] || fail "$2: $1 set no JSESSIONID cookie"
  get -H "Cookie: $cookie" "$1" | grep -q '"count":2,' ||
    fail "$2: $1 did not keep its session with $cookie"
  echo "$cookie"
}

# check x|pm LABEL: each case answers what it should before it is measured (a 404 or a page
# without its session would be measured as fast as any other); for the session case, the side's
# cookie becomes the JSESSIONID of a new session, for the sessions case its wrk script gets
# BENCH_CONNECTIONS of them.
check() {
  side "$1"
  for mode in $MODES; do
    url="http://127.0.0.1:$PORT$(path_of "$mode")"
    case "$mode" in
      servlet)
        get "$url" | grep -q '"pid":' || fail "$2: $url does not answer whoami's JSON"
        ;;
      jsp)
        get "$url" | grep -q '(JSP)$' ||
          fail "$2: $url does not answer the JSP page: $(get "$url" | head -3)"
        ;;
      session)
        COOKIE=$(new_session "$url" "$2")
        eval "COOKIE_$1=\$COOKIE"
        ;;
      sessions)
        {
          echo "-- $CONNECTIONS sessions of $2, a request for each in turn"
          echo "local cookies = {"
          n=0
          while [ $n -lt "$CONNECTIONS" ]; do
            echo "  \"$(new_session "$url" "$2")\","
            n=$((n + 1))
          done
          echo "}"
          echo "local n = 0"
          echo "request = function()"
          echo "  n = n + 1"
          echo "  local headers = {}"
          echo "  for name, value in pairs(wrk.headers) do headers[name] = value end"
          echo "  headers[\"Cookie\"] = cookies[n % #cookies + 1]"
          echo "  return wrk.format(nil, nil, headers)"
          echo "end"
        } >"$RESULTS/$1-sessions.lua"
        ;;
    esac
  done
}

warm_up() {
  path=$(path_of "$1")
  shift
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$WARMUP" -H "Host: $HOST" "$@" \
    "http://127.0.0.1:$PORT$path" >/dev/null
}

# with_cookie CASE COMMAND ...: runs COMMAND with -H "Cookie: $COOKIE" last for the session
# case, with the side's wrk script for the sessions case, as it is for the others (Jetty looks
# up a requested session on any request, so they go without).
with_cookie() {
  case "$1" in
    session)
      shift
      "$@" -H "Cookie: $COOKIE"
      ;;
    sessions)
      shift
      "$@" -s "$RESULTS/$SIDE-sessions.lua"
      ;;
    *)
      shift
      "$@"
      ;;
  esac
}

label() { if [ "$1" = x ]; then echo "-X (one process)"; else echo "process model, NumServers 1"; fi; }

# One round: both servers started, checked and warmed up; then each case on both, back to back,
# FIRST then SECOND; kept in results/x|pm-ROUND-CASE.
bench_round() {
  first=$1
  second=$2
  echo "== round $round/$ROUNDS: starting -X and the process model" >&2
  for s in x pm; do
    side "$s"
    write_config 1
    start_server "$s" "$RESULTS/$s-$round.log"
    if [ "$s" = x ]; then X_PID=$SERVER_PID; else PM_PID=$SERVER_PID; fi
    SERVER_PID=
    eval "COOKIE_$s="
    check "$s" "$(label "$s")"
  done
  echo "== round $round/$ROUNDS: warm-up ($WARMUP each case and server), then $DURATION each:$MODES; $(label "$first") first" >&2
  for mode in $MODES; do
    for s in "$first" "$second"; do
      side "$s"
      with_cookie "$mode" warm_up "$mode"
    done
  done
  for mode in $MODES; do
    for s in "$first" "$second"; do
      side "$s"
      with_cookie "$mode" measure "$s-$round-$mode" "$(path_of "$mode")"
    done
  done
  # Where the sessions were: files in the tenant's session directory, if it has one.
  for s in x pm; do
    find "$TOP/$s/sessions/$TENANT" -type f 2>/dev/null | wc -l >"$RESULTS/$s-$round-files"
  done
  stop_both
}

round=1
while [ $round -le "$ROUNDS" ]; do
  if [ $((round % 2)) = 1 ]; then
    bench_round x pm
  else
    bench_round pm x
  fi
  round=$((round + 1))
done

header server case
for mode in $MODES; do
  report "-X" x "$mode"
  report "process model (NumServers 1)" pm "$mode"
done
echo "(load: the 1-minute load average as each run started; above $(nproc), other work shared the CPUs)"
case "$MODES" in
  *session*)
    files() {
      i=1
      while [ $i -le "$ROUNDS" ]; do
        printf '%s ' "$(cat "$RESULTS/$1-$i-files")"
        i=$((i + 1))
      done
    }
    echo "(files in sessions/$TENANT/ after each round, -X: $(files x)process model: $(files pm)(0: the sessions were in memory)"
    ;;
esac
echo
echo "process model / -X, medians (requests/s; targets: servlet and jsp >= 0.95, session >= 0.8; p99: lower is better)"
ratios pm x
echo
echo "process model / -X, round by round: median (lowest-highest) of the rounds' ratios"
paired_ratios pm x
echo
echo "process model / -X, requests/s, each round's ratio from round 1 on (-X ran first in odd rounds)"
for mode in $MODES; do
  printf '%-10s %s\n' "$mode" "$(round_ratios requests pm x "$mode")"
done
