# common.sh: what bench.sh, webapps.sh, memory.sh, tls.sh and density.sh share, sourced by
# them (not run).
# A script sets BENCH_NAME (its name, for messages) and PERCHILD_HOME before sourcing it, and
# the settings its functions read before calling them: PORT, HOST, TENANT, ROUNDS, THREADS,
# CONNECTIONS, DURATION, MODES (the last part of a run's name: connection modes or cases),
# READY_PATH (the path that answers 200 once the server serves, / if unset), SCHEME (http, or
# https: HOST is then also the TLS server name) and CLIENT (header's description of the load,
# wrk's options if unset); make_root sets ROOT, the temporary server root, and RESULTS, where
# the runs' output is kept.

fail() {
  echo "$BENCH_NAME: $*" >&2
  exit 1
}

check_rounds() {
  case "$ROUNDS" in
    '' | *[!0-9]* | 0) fail "BENCH_ROUNDS must be a positive number: $ROUNDS" ;;
  esac
}

# require_tools [TOOL ...]: each TOOL (wrk, h2load, nginx, openssl), curl and setpriv; and root.
require_tools() {
  for tool in "$@" curl setpriv; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed: $(install_hint "$tool")"
  done
  [ "$(id -u)" = 0 ] ||
    fail "run me as root: the process model's launcher must be root to start the acceptor and a child as uid $TENANT (-X is started as uid $TENANT too)"
}

install_hint() {
  case "$1" in
    wrk) echo "apt-get install wrk (Debian, Ubuntu), dnf install wrk (Fedora), or build it from https://github.com/wg/wrk" ;;
    h2load) echo "apt-get install nghttp2-client (Debian, Ubuntu), dnf install nghttp2 (Fedora)" ;;
    nginx) echo "apt-get install nginx-light or nginx (Debian, Ubuntu), dnf install nginx (Fedora)" ;;
    setpriv) echo "apt-get install util-linux" ;;
    *) echo "apt-get install $1" ;;
  esac
}

# require_free_port: nothing listens on 127.0.0.1:PORT, whatever it speaks (curl's exit status
# 7: it could not connect).
require_free_port() {
  rc=0
  curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$PORT/" 2>/dev/null || rc=$?
  [ "$rc" = 7 ] || fail "something already listens on 127.0.0.1:$PORT: set BENCH_PORT"
}

# make_root: a world-readable temporary server root with conf/, logs/ and results/ (RESULTS),
# removed (after the server is stopped) when the script exits.
make_root() {
  ROOT=$(mktemp -d /tmp/perchild-bench.XXXXXX)
  chmod 755 "$ROOT"
  SERVER_PID=
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  RESULTS=$ROOT/results
  mkdir -p "$ROOT/conf" "$ROOT/logs" "$RESULTS"
}

# tenant_accounts FIRST LAST: the accounts of uids FIRST to LAST, as the process tests make
# theirs (no home, no shell), with the id as both uid and gid; made if missing, and kept.
tenant_accounts() {
  uid=$1
  while [ "$uid" -le "$2" ]; do
    if ! getent passwd "$uid" >/dev/null; then
      getent group "$uid" >/dev/null || groupadd -g "$uid" "pcbench$uid"
      useradd --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin -u "$uid" \
        -g "$uid" "pcbench$uid"
      echo "$BENCH_NAME: made the account pcbench$uid (uid $uid) for a tenant" >&2
    fi
    uid=$((uid + 1))
  done
}

# kb NAME PID: a field of /proc/PID/smaps_rollup, in kB; mib KB: in MiB, one decimal.
kb() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$2/smaps_rollup"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

cleanup() {
  stop_server
  rm -rf "$ROOT"
}

# The shipped configuration's ChildJavaOptions (conf/perchild.conf), on every side.
CHILD_JAVA_OPTIONS="-Xms8m -Xmx256m -XX:+UseSerialGC -Xss512k -XX:TrimNativeHeapInterval=30000 -XX:-ShrinkHeapInSteps"

# write_config NUMSERVERS [CHILD-JAVA-OPTIONS]: users-free (#numeric ids), one virtual host,
# HOST, whose AppBase is webapps/bench, served by NUMSERVERS children of TENANT; the
# shipped ChildJavaOptions, then CHILD-JAVA-OPTIONS.
write_config() {
  cat >"$ROOT/conf/perchild.conf" <<EOF
ChildJavaOptions $CHILD_JAVA_OPTIONS ${2:-}
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

# start_server x|pm LOGFILE: starts it in the background (-X as uid TENANT) and waits until
# it is ready (wait_ready).
start_server() {
  if [ "$1" = x ]; then
    setpriv --reuid="$TENANT" --regid="$TENANT" --clear-groups \
      "$PERCHILD_HOME/bin/perchild" -d "$ROOT" -X >"$2" 2>&1 &
  else
    "$PERCHILD_HOME/bin/perchild" -d "$ROOT" -D FOREGROUND >"$2" 2>&1 &
  fi
  SERVER_PID=$!
  wait_ready "$1" "$2"
}

# http_status PATH: the status HOST answers for PATH on 127.0.0.1:PORT over SCHEME (with https,
# HOST is the TLS server name too, and the certificate is not checked), 000 when none.
http_status() {
  if [ "${SCHEME:-http}" = https ]; then
    curl -sk -o /dev/null -w '%{http_code}' --max-time 2 \
      --connect-to "$HOST:$PORT:127.0.0.1:$PORT" "https://$HOST:$PORT$1" 2>/dev/null
  else
    curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H "Host: $HOST" \
      "http://127.0.0.1:$PORT$1" 2>/dev/null
  fi
}

# wait_ready LABEL LOGFILE: waits until HOST answers READY_PATH with 200 while SERVER_PID
# runs; if it exits first or two minutes pass, shows LOGFILE and ROOT's error log and fails.
wait_ready() {
  tries=0
  until [ "$(http_status "${READY_PATH:-/}")" = 200 ]; do
    tries=$((tries + 1))
    if [ $tries -gt 240 ] || ! kill -0 "$SERVER_PID" 2>/dev/null; then
      cat "$2" "$ROOT/logs/error_log" >&2 2>/dev/null || true
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

# measure NAME PATH [wrk option ...]: one wrk run against PATH; keeps its output in
# results/NAME.
measure() {
  name=$1
  path=$2
  shift 2
  load >"$RESULTS/$name.load"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "Host: $HOST" "$@" \
    "http://127.0.0.1:$PORT$path" >"$RESULTS/$name"
}

# A result file holds the output of one wrk or h2load run, or of several runs at once (one per
# tenant) one after the other: their requests/s add up, and so do their errors; the p99 is the
# highest of theirs. h2load prints no percentiles: the script that runs it appends a line in
# wrk's form ("99%  1.23ms") computed from its --log-file (h2load_p99).
requests() {
  awk '/^Requests\/sec:/ { n += $2; seen = 1 }
       /^finished in / { n += $4; seen = 1 }
       END { if (seen) printf "%.2f\n", n }' "$RESULTS/$1"
}

# p99 in milliseconds (wrk prints us, ms or s).
p99() {
  awk '$1 == "99%" {
    v = $2
    if (v ~ /us$/) { sub(/us$/, "", v); v = v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v) }
    else if (v ~ /s$/) { sub(/s$/, "", v); v = v * 1000 }
    if (!seen || v + 0 > max) max = v + 0
    seen = 1
  }
  END { if (seen) printf "%.2f", max }' "$RESULTS/$1"
}

# Errors: wrk's socket errors and non-2xx/3xx responses, h2load's failed requests; or 0.
errors() {
  awk '/Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 }
       /Non-2xx or 3xx responses:/ { n += $5 }
       /^requests: .* failed,/ { n += $10 }
       END { print n + 0 }' "$RESULTS/$1"
}

# h2load_p99 LOGFILE ...: the p99 of the response times in h2load --log-files (the third
# column, microseconds), all files together, as a wrk-style line for p99.
h2load_p99() {
  cat "$@" | awk -F '\t' 'NF >= 3 { print $3 }' | sort -n | awk '{ v[NR] = $1 } END {
    if (NR == 0) exit
    i = int(NR * 0.99)
    if (i < NR * 0.99) i++
    printf "    99%%   %.2fms   (h2load --log-file, %d responses)\n", v[i] / 1000, NR }'
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
      "$(p99 "$2-$i-$3")" "$(errors "$2-$i-$3")" "$(cat "$RESULTS/$2-$i-$3.load")"
    i=$((i + 1))
  done
  printf '%-30s %-10s %5s %12s %10s\n' "$1" "$3" median "$(median requests "$2" "$3")" \
    "$(median p99 "$2" "$3")"
}

# header WHAT MODE-COLUMN: the settings, then the column heads of report.
header() {
  echo
  echo "${CLIENT:-wrk -t$THREADS -c$CONNECTIONS -d$DURATION}, $ROUNDS rounds, $(nproc) CPUs, $("${JAVA_HOME:+$JAVA_HOME/bin/}java" -version 2>&1 | head -1)"
  printf '%-30s %-10s %5s %12s %10s %8s %6s\n' "$1" "${2:-connection}" round "requests/s" "p99 ms" errors load
}

# ratios NAME BASELINE-NAME [NOTE]: the ratios of the medians, NAME / BASELINE-NAME, for
# each of MODES.
ratios() {
  for mode in $MODES; do
    printf '%-10s requests/s %s   p99 %s%s\n' "$mode" \
      "$(ratio "$(median requests "$1" "$mode")" "$(median requests "$2" "$mode")")" \
      "$(ratio "$(median p99 "$1" "$mode")" "$(median p99 "$2" "$mode")")" "${3:-}"
  done
}

# paired FUNCTION NAME BASELINE-NAME MODE: the ratio of each round's two runs (taken one after
# the other, so a slow spell of the machine tends to hit both), as "median (lowest-highest)"
# over the rounds.
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
  for mode in $MODES; do
    printf '%-10s requests/s %s   p99 %s%s\n' "$mode" "$(paired requests "$1" "$2" "$mode")" \
      "$(paired p99 "$1" "$2" "$mode")" "${3:-}"
  done
}

# round_ratios FUNCTION NAME BASELINE-NAME MODE: each round's ratio, in the order of the rounds.
round_ratios() {
  i=1
  while [ $i -le "$ROUNDS" ]; do
    printf '%s ' "$(ratio "$("$1" "$2-$i-$4")" "$("$1" "$3-$i-$4")")"
    i=$((i + 1))
  done
}
