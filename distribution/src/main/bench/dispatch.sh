#!/bin/sh
# dispatch.sh: JMH microbenchmarks of the child's thread pool alone, perchild's spare-thread pool
# (pool=spare) against Jetty's QueuedThreadPool (pool=queued), in JVMs of their own: no server,
# no sockets, no root needed.
#
#   roundTrip            one caller, one job at a time: execute() to a pool thread and back
#   tryExecuteRoundTrip  the same through tryExecute() first, as Jetty's selector hands off
#   burst                two callers, each 32 jobs at once then waits for them (ops/s x 32 = jobs/s)
#
# Usage: bench/dispatch.sh [JMH options]   e.g. bench/dispatch.sh roundTrip -f 1
#   JMH's own options (-h lists them) choose benchmarks (a regular expression), forks (-f),
#   iterations (-wi, -i), and output (-rf json -rff result.json). Without any it runs all
#   three for both pools: about 4 minutes.
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

case "${1:-}" in
  --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
esac

if [ -n "${JAVA_HOME:-}" ]; then
  JAVA="$JAVA_HOME/bin/java"
else
  JAVA=java
fi
exec "$JAVA" -cp "$PERCHILD_HOME/bench/lib/*:$PERCHILD_HOME/lib/*" org.openjdk.jmh.Main "$@"
