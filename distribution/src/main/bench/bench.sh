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
BENCH_DIR=$(cd "$(dirname "$PRG")" && pwd)
PERCHILD_HOME=$(cd "$BENCH_DIR/.." && pwd)
BENCH_NAME=bench.sh
MODES="keepalive close"
. "$BENCH_DIR/common.sh"

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

check_rounds
require_tools wrk
WAR="$PERCHILD_HOME/webapps/localhost/whoami.war"
[ -f "$WAR" ] || fail "no $WAR: build the distribution first"
require_free_port

make_root
mkdir -p "$ROOT/webapps/bench"
cp "$WAR" "$ROOT/webapps/bench/ROOT.war"
chmod -R a+rX "$ROOT"

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
  start_server "$1" "$RESULTS/$4-$round.log"
  warm_up
  measure "$4-$round-keepalive" /
  measure "$4-$round-close" / -H 'Connection: close'
  stop_server
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
