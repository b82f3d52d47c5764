#!/bin/sh
# start.sh: check the configuration, then run Perchild in the foreground with it.
# Usage: bin/start.sh [-f conf/perchild.conf] [other perchild flags]
# Stop it with Ctrl-C (or SIGTERM to the pid in logs/perchild.pid).
#
# As root, every tenant's children run as that tenant's user. Started by an
# ordinary user, Perchild can only run everything as that user: start.sh then
# asks for single-user mode, and says loudly that tenants are not isolated.
HOME_DIR=$(cd "$(dirname "$0")/.." && pwd)
PERCHILD="$HOME_DIR/bin/perchild"

"$PERCHILD" -t "$@" || exit $?
if [ "$(id -u)" -ne 0 ]; then
  cat >&2 <<WARNING
**********************************************************************
* start.sh: not root, so Perchild runs in SINGLE-USER mode: the      *
* acceptor and every child run as $(id -un), and tenants are NOT     *
* isolated from each other.  Start it as root for the real thing.    *
**********************************************************************
WARNING
  exec "$PERCHILD" -D FOREGROUND -D SINGLE_USER "$@"
fi
exec "$PERCHILD" -D FOREGROUND "$@"
