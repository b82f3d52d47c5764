#!/bin/sh
# webapps.sh: what the process model costs a web application's own requests, measured with wrk
# against the same server in one process (perchild -X, started as #40001) and in the process
# model (launcher, acceptor, hand-off to one child running as #40001, NumServers 1), both with
# the shipped whoami WAR at /whoami and the default ChildJavaOptions, on keep-alive connections:
#   servlet  /whoami/           the whoami servlet (JSON about the process that serves it)
#   jsp      /whoami/hello.jsp  a JSP page, compiled by Jasper on its first request
#   session  /whoami/session    a servlet that adds one to a session attribute, every request
#                               with the same JSESSIONID cookie, asked for before the runs
# Each server is measured after a warm-up run of each case, in BENCH_ROUNDS rounds that take
# the servers in turn, -X first in odd rounds and the process model first in even ones; the
# script prints requests/s and p99 of every run, their medians, the ratios of the medians,
# each round's ratio as "median (lowest-highest)" over the rounds, and every round's ratio.
#
# Usage: bench/webapps.sh [servlet] [jsp] [session]     (as root; all three by default)
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
    servlet | jsp | session) MODES="$MODES $arg" ;;
    -h | --help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) fail "unknown argument $arg (try --help)" ;;
  esac
done
MODES=${MODES:-servlet jsp session}

check_rounds
require_tools wrk
WAR="$PERCHILD_HOME/webapps/localhost/whoami.war"
[ -f "$WAR" ] || fail "no $WAR: build the distribution first"
require_free_port

make_root
mkdir -p "$ROOT/webapps/bench"
cp "$WAR" "$ROOT/webapps/bench/whoami.war"
chmod -R a+rX "$ROOT"

path_of() {
  case "$1" in
    servlet) echo /whoami/ ;;
    jsp) echo /whoami/hello.jsp ;;
    session) echo /whoami/session ;;
  esac
}

get() { curl -s --max-time 10 -H "Host: $HOST" "$@"; }

# check SIDE: each case answers what it should before it is measured (a 404 or a page without
# its session would be measured as fast as any other); for the session case, COOKIE becomes
# the JSESSIONID cookie of a new session that counted two requests.
check() {
  for mode in $MODES; do
    url="http://127.0.0.1:$PORT$(path_of "$mode")"
    case "$mode" in
      servlet)
        get "$url" | grep -q '"pid":' || fail "$1: $url does not answer whoami's JSON"
        ;;
      jsp)
        get "$url" | grep -q '(JSP)$' || fail "$1: $url does not answer the JSP page: $(get "$url" | head -3)"
        ;;
      session)
        COOKIE=$(get -D - -o /dev/null "$url" | tr -d '\r' |
          sed -n 's/^[Ss]et-[Cc]ookie: *\(JSESSIONID=[^;]*\).*/\1/p' | head -1)
        [ -n "$COOKIE" ] || fail "$1: $url set no JSESSIONID cookie"
        get -H "Cookie: $COOKIE" "$url" | grep -q '"count":2,' ||
          fail "$1: $url did not keep its session with $COOKIE"
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
# case only (Jetty looks up a requested session on any request, so the others go without).
with_cookie() {
  if [ "$1" = session ]; then
    shift
    "$@" -H "Cookie: $COOKIE"
  else
    shift
    "$@"
  fi
}

# bench x|pm LABEL: one round of one server, kept in results/x|pm-ROUND-CASE.
bench() {
  write_config 1
  echo "== round $round/$ROUNDS, $2: warm-up ($WARMUP each), then $DURATION each:$MODES" >&2
  start_server "$1" "$ROOT/results/$1-$round.log"
  COOKIE=
  check "$2"
  for mode in $MODES; do
    with_cookie "$mode" warm_up "$mode"
  done
  for mode in $MODES; do
    with_cookie "$mode" measure "$1-$round-$mode" "$(path_of "$mode")"
  done
  # Where the sessions were: files in the tenant's session directory, if it has one.
  find "$ROOT/sessions/$TENANT" -type f 2>/dev/null | wc -l >"$ROOT/results/$1-$round-files"
  stop_server
}

round=1
while [ $round -le "$ROUNDS" ]; do
  if [ $((round % 2)) = 1 ]; then
    bench x "-X (one process)"
    bench pm "process model, NumServers 1"
  else
    bench pm "process model, NumServers 1"
    bench x "-X (one process)"
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
        printf '%s ' "$(cat "$ROOT/results/$1-$i-files")"
        i=$((i + 1))
      done
    }
    echo "(files in sessions/$TENANT/ after each round of -X: $(files x)and of the process model: $(files pm)(0: sessions in memory only)"
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
