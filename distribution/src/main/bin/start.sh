#!/bin/sh
# start.sh: check the configuration, then run Perchild in the foreground with it,
# and once every child is ready, say which URLs it serves.
# Usage: bin/start.sh [-f conf/perchild.conf] [other perchild flags]
# Stop it with Ctrl-C (or SIGTERM to the pid in logs/perchild.pid).
#
# As root, every tenant's children run as that tenant's user. Started by an
# ordinary user, Perchild can only run everything as that user: start.sh then
# asks for single-user mode, and says loudly that tenants are not isolated.
HOME_DIR=$(cd "$(dirname "$0")/.." && pwd)
PERCHILD="$HOME_DIR/bin/perchild"
# How long the server may take until every child is ready before start.sh stops
# waiting to print its URLs (the server itself goes on, whatever it takes).
READY_WAIT=${PERCHILD_READY_WAIT:-120}

# -S is -t that also prints the layout: the virtual hosts with their ports and
# users, the listeners and the PidFile. Its errors and warnings go to stderr.
LAYOUT=$("$PERCHILD" -S "$@") || exit $?
printf '%s\n' "${LAYOUT##*
}"

# Not root: single-user mode, where every process runs as the caller, whatever
# the configuration names.
if [ "$(id -u)" -ne 0 ]; then
  CALLER="$(id -un) group $(id -gn)"
fi

# One line per virtual host: its ServerName on each port it is served on, with
# the scheme of that port's Listen and the user its children run as. A host on
# every port (<VirtualHost *>) gets every listened port; the main server gets
# the ports no virtual host names.
URLS=$(printf '%s\n' "$LAYOUT" | awk -v caller="$CALLER" '
  function add(name, port) { n++; names[n] = name; ports[n] = port }
  /^VirtualHost configuration:$/ { section = "vhosts"; next }
  /^ServerRoot: / { section = "" }
  /^Main server: / { section = "main"; main = $3; next }
  /^Main ErrorLog: / { section = "" }
  /^Listeners:$/ { section = "listeners"; next }
  /^Child processes: / { section = "" }
  section == "vhosts" && /^[^ ]/ {
    # "*:8080  is a NameVirtualHost", or "addr:port  name (file:line)" for a lone host.
    port = $1; sub(/.*:/, "", port)
    if ($2 != "is") add($2, port)
    next
  }
  section == "vhosts" && $1 == "port" && $3 == "namevhost" { add($4, $2); next }
  (section == "vhosts" || section == "main") && $1 == "user" && $3 == "group" {
    group = $4; sub(/,$/, "", group)
    if (section == "main") { mainuser = $2 " group " group } else { users[n] = $2 " group " group }
    next
  }
  section == "listeners" && NF >= 2 {
    port = $1; sub(/.*:/, "", port)
    if (!(port in scheme)) { listened[++l] = port; scheme[port] = $2 }
    next
  }
  function url(name, port) {
    if ((scheme[port] == "http" && port == 80) || (scheme[port] == "https" && port == 443))
      return scheme[port] "://" name "/"
    return scheme[port] "://" name ":" port "/"
  }
  function say(name, port, user) {
    line = "Perchild is serving: " url(name, port) " (user " (caller != "" ? caller : user) ")"
    if (!(line in said)) { said[line] = 1; print line }
  }
  END {
    for (i = 1; i <= n; i++) {
      if (ports[i] == "*") {
        for (j = 1; j <= l; j++) say(names[i], listened[j], users[i])
      } else if (ports[i] in scheme) {
        say(names[i], ports[i], users[i])
        named[ports[i]] = 1
      }
      if (ports[i] == "*") for (j = 1; j <= l; j++) named[listened[j]] = 1
    }
    for (j = 1; j <= l; j++) if (!(listened[j] in named)) say(main, listened[j], mainuser)
  }')
# The launcher's control socket: its PidFile with .sock for the extension.
SOCKET=$(printf '%s\n' "$LAYOUT" | sed -n 's/^PidFile: "\(.*\)"$/\1/p' |
  sed 's,\(/[^/][^/]*\)\.[^./]*$,\1,; s,$,.sock,')

# exec keeps this pid, so the server start.sh runs is this very process.
SERVER_PID=$$

# Polls perchild status until the launcher with SERVER_PID reports its acceptor
# and every child READY, then prints URLS. Gives up silently when the server has
# gone (it failed: nothing to announce), and with a warning after READY_WAIT s.
announce_when_ready() {
  deadline=$(($(date +%s) + READY_WAIT))
  while kill -0 "$SERVER_PID" 2>/dev/null; do
    # The socket appears early; until then a status JVM would only say "no server".
    # nice: the children starting up need the CPU more than this question.
    if [ -S "$SOCKET" ] && status=$(nice "$PERCHILD" "$@" status 2>/dev/null); then
      # Another launcher may answer on a socket of the same name until this one has
      # taken it over (or refused to start): only this server's READY counts.
      if printf '%s\n' "$status" | grep -q "^Launcher: pid $SERVER_PID\$" &&
        printf '%s\n' "$status" | grep -q '^Acceptor: pid [0-9]*, READY,' &&
        printf '%s\n' "$status" | grep -q '^Children: \([1-9][0-9]*\) of \1 ready$'; then
        kill -0 "$SERVER_PID" 2>/dev/null && printf '%s\n' "$URLS"
        return
      fi
    fi
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "start.sh: not every child is ready after $READY_WAIT s;" \
        "see bin/perchild status and the error log" >&2
      return
    fi
    sleep 1
  done
}

# The waiter runs beside the server, never in its way: started twice removed,
# so that it is not the launcher's child (the launcher reaps every child with
# waitpid(-1) and would take its exit for one of its own processes'), reading
# nothing from the terminal, and ending by itself once it has printed, once
# the server has gone, or after READY_WAIT seconds.
if [ -n "$URLS" ]; then
  (announce_when_ready "$@" </dev/null &)
fi

if [ -n "$CALLER" ]; then
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
