#!/bin/sh
# start.sh: check the configuration, then run Perchild in the foreground with it.
# Usage: bin/start.sh [-f conf/perchild.conf] [other perchild flags]
# Stop it with Ctrl-C (or "bin/perchild -k stop" from another terminal).
HOME_DIR=$(cd "$(dirname "$0")/.." && pwd)
PERCHILD="$HOME_DIR/bin/perchild"

"$PERCHILD" -t "$@" || exit $?
exec "$PERCHILD" -D FOREGROUND "$@"
