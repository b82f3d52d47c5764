package org.perchild.config;

import static org.perchild.config.DirectiveSpec.Context.LOCATION;
import static org.perchild.config.DirectiveSpec.Context.SERVER;
import static org.perchild.config.DirectiveSpec.Context.VIRTUAL_HOST;

import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.perchild.config.DirectiveSpec.Context;

/**
 * Every directive Perchild knows, with its syntax, contexts, default and help: the second step of
 * parsing checks each {@link Directive} of the tree against this table before it gives it meaning.
 * Names are case-insensitive, as in httpd.
 */
public final class DirectiveTable {

  private static final int MANY = Integer.MAX_VALUE;
  private static final Set<Context> SERVER_ONLY = EnumSet.of(SERVER);
  private static final Set<Context> VHOST_ONLY = EnumSet.of(VIRTUAL_HOST);
  private static final Set<Context> BOTH = EnumSet.of(SERVER, VIRTUAL_HOST);
  private static final Set<Context> LOCATION_ONLY = EnumSet.of(LOCATION);

  /** The JVM options of every child unless {@code ChildJavaOptions} says otherwise. */
  public static final String DEFAULT_CHILD_JAVA_OPTIONS = "-Xmx256m -XX:+UseSerialGC -Xss512k";

  private static final List<DirectiveSpec> SPECS =
      List.of(
          // perchild's own
          spec(
              "NumServers",
              "NumServers number",
              "2",
              SERVER_ONLY,
              1,
              1,
              "Number of child processes in all: the ChildPerUserID children, and the rest run"
                  + " as User/Group."),
          spec(
              "ChildPerUserID",
              "ChildPerUserID user group number",
              "",
              SERVER_ONLY,
              3,
              3,
              "Runs this many of the NumServers children as this user and group (by name or"
                  + " #number; never uid or gid 0)."),
          spec(
              "AssignUserID",
              "AssignUserID user group",
              "User Group",
              VHOST_ONLY,
              2,
              2,
              "Serves this virtual host from the children of the ChildPerUserID line with the same"
                  + " user and group."),
          spec(
              "StartThreads",
              "StartThreads number",
              "5",
              SERVER_ONLY,
              1,
              1,
              "Threads each child starts with."),
          spec(
              "MinSpareThreads",
              "MinSpareThreads number",
              "5",
              SERVER_ONLY,
              1,
              1,
              "Fewest idle threads a child keeps; below it, the child starts threads."),
          spec(
              "MaxSpareThreads",
              "MaxSpareThreads number",
              "10",
              SERVER_ONLY,
              1,
              1,
              "Most idle threads a child keeps; above it, the child ends threads."),
          spec(
              "MaxThreadsPerChild",
              "MaxThreadsPerChild number",
              "64",
              SERVER_ONLY,
              1,
              1,
              "Most requests one child serves at once; NumServers x MaxThreadsPerChild is the"
                  + " server's capacity."),
          spec(
              "ThreadLimit",
              "ThreadLimit number",
              "64",
              SERVER_ONLY,
              1,
              1,
              "Ceiling of MaxThreadsPerChild for the server's life (a graceful restart cannot"
                  + " raise it)."),
          spec(
              "ServerLimit",
              "ServerLimit number",
              "8",
              SERVER_ONLY,
              1,
              1,
              "Ceiling of NumServers for the server's life (a graceful restart cannot raise it)."),
          spec(
              "MaxRequestsPerChild",
              "MaxRequestsPerChild number",
              "10000",
              SERVER_ONLY,
              1,
              1,
              "Connections a child serves before it is replaced, 0 for no limit (counted as httpd"
                  + " 2.4 counts them)."),
          spec(
              "MaxConnectionsPerChild",
              "MaxConnectionsPerChild number",
              "10000",
              SERVER_ONLY,
              1,
              1,
              "httpd 2.4's name for MaxRequestsPerChild."),
          spec(
              "User",
              "User unix-user",
              "#65534",
              SERVER_ONLY,
              1,
              1,
              "The user of the acceptor and of the children that no ChildPerUserID claims (never"
                  + " root)."),
          spec(
              "Group",
              "Group unix-group",
              "#65534",
              SERVER_ONLY,
              1,
              1,
              "The group of the acceptor and of the children that no ChildPerUserID claims (never"
                  + " gid 0)."),
          spec(
              "NameVirtualHost",
              "NameVirtualHost addr[:port]",
              "",
              SERVER_ONLY,
              1,
              1,
              "Accepted for old configurations; it has no effect, as in httpd 2.4."),
          spec(
              "ChildJavaOptions",
              "ChildJavaOptions option ...",
              DEFAULT_CHILD_JAVA_OPTIONS,
              SERVER_ONLY,
              1,
              MANY,
              "JVM options of every child; the default bounds each child's heap."),
          spec(
              "ChildPerUserJavaOptions",
              "ChildPerUserJavaOptions user group option ...",
              "",
              SERVER_ONLY,
              3,
              MANY,
              "More JVM options for the children of one ChildPerUserID group, after"
                  + " ChildJavaOptions (a later -Xmx wins)."),
          // the server's
          spec(
              "ServerRoot",
              "ServerRoot directory",
              "the installation directory, or -d",
              SERVER_ONLY,
              1,
              1,
              "The directory that relative paths in the configuration start" + " from."),
          spec(
              "Listen",
              "Listen [addr:]port [protocol]",
              "",
              SERVER_ONLY,
              1,
              2,
              "A socket to accept connections on; without addr, on every IPv4 and IPv6"
                  + " address; protocol is http or https."),
          spec(
              "ServerName",
              "ServerName [scheme://]hostname[:port]",
              "localhost",
              BOTH,
              1,
              1,
              "The name a host answers to; a virtual host without one takes the main"
                  + " server's."),
          spec(
              "ServerAlias",
              "ServerAlias hostname ...",
              "",
              VHOST_ONLY,
              1,
              MANY,
              "More names of a virtual host; * and ? are wildcards."),
          new DirectiveSpec(
              "VirtualHost",
              "<VirtualHost addr[:port] ...> ... </VirtualHost>",
              "",
              SERVER_ONLY,
              1,
              MANY,
              true,
              "A virtual host on these addresses (* for any); the first on an address is its"
                  + " default."),
          spec(
              "Include",
              "Include file-path|directory-path|wildcard",
              "",
              BOTH,
              1,
              1,
              "Reads other configuration files here; a wildcard that matches nothing is an"
                  + " error."),
          spec(
              "IncludeOptional",
              "IncludeOptional file-path|directory-path|wildcard",
              "",
              BOTH,
              1,
              1,
              "Like Include, but a path or wildcard that matches nothing is ignored."),
          spec(
              "PidFile",
              "PidFile file",
              "logs/perchild.pid",
              SERVER_ONLY,
              1,
              1,
              "Where the launcher writes its process id."),
          spec(
              "ErrorLog",
              "ErrorLog file",
              "logs/error_log",
              BOTH,
              1,
              1,
              "The error log of the server, or of one virtual host."),
          spec(
              "LogLevel",
              "LogLevel level",
              "warn",
              BOTH,
              1,
              1,
              "Least severity logged: emerg, alert, crit, error, warn, notice, info, debug,"
                  + " trace1 to trace8."),
          spec(
              "LogFormat",
              "LogFormat format [nickname]",
              "",
              BOTH,
              1,
              2,
              "An access-log format in httpd's % notation, named for CustomLog; common and"
                  + " combined are predefined."),
          spec(
              "CustomLog",
              "CustomLog file format|nickname [env=[!]variable]",
              "",
              BOTH,
              2,
              3,
              "An access log of the server, or of one virtual host."),
          spec(
              "Timeout",
              "Timeout seconds",
              "60",
              BOTH,
              1,
              1,
              "How long to wait for a client: the request head, then each read and write."),
          spec(
              "KeepAlive",
              "KeepAlive On|Off",
              "On",
              BOTH,
              1,
              1,
              "Whether a connection may carry more than one request."),
          spec(
              "KeepAliveTimeout",
              "KeepAliveTimeout seconds[ms]",
              "5",
              BOTH,
              1,
              1,
              "How long an idle keep-alive connection waits for its next request."),
          spec(
              "MaxKeepAliveRequests",
              "MaxKeepAliveRequests number",
              "100",
              BOTH,
              1,
              1,
              "Requests one connection may carry, 0 for no limit."),
          spec(
              "LimitRequestLine",
              "LimitRequestLine bytes",
              "8190",
              BOTH,
              1,
              1,
              "Longest request line; a longer one is answered 414."),
          spec(
              "LimitRequestFieldSize",
              "LimitRequestFieldSize bytes",
              "8190",
              BOTH,
              1,
              1,
              "Longest request header field; a longer one is answered 431."),
          spec(
              "LimitRequestFields",
              "LimitRequestFields number",
              "100",
              BOTH,
              1,
              1,
              "Most request header fields; more are answered 431."),
          spec(
              "LimitRequestBody",
              "LimitRequestBody bytes",
              "1073741824",
              BOTH,
              1,
              1,
              "Largest request body, 0 for no limit; a larger one is answered 413."),
          spec(
              "GracefulShutdownTimeout",
              "GracefulShutdownTimeout seconds",
              "0",
              SERVER_ONLY,
              1,
              1,
              "How long a graceful stop or restart waits for requests in progress, 0 for no"
                  + " limit."),
          // the container's own
          spec(
              "AppBase",
              "AppBase directory",
              "",
              BOTH,
              1,
              1,
              "The directory whose WAR files and exploded WARs a host serves: ROOT.war or ROOT/"
                  + " at /, name.war at /name."),
          spec(
              "DocumentRoot",
              "DocumentRoot directory",
              "",
              BOTH,
              1,
              1,
              "The directory whose static files a host serves at / (no directory listings); a"
                  + " ROOT webapp in the AppBase wins over it."),
          // monitoring: answered by the acceptor itself
          new DirectiveSpec(
              "Location",
              "<Location URL-path> ... </Location>",
              "",
              BOTH,
              1,
              1,
              true,
              "A URL path (and what lies below it) that the acceptor answers itself: it must hold"
                  + " SetHandler server-status or metrics."),
          spec(
              "SetHandler",
              "SetHandler server-status|metrics",
              "",
              LOCATION_ONLY,
              1,
              1,
              "What a Location serves: mod_status's page (HTML, ?auto, ?json) or the Prometheus"
                  + " metrics; other handlers are refused."),
          spec(
              "Require",
              "Require all granted|all denied|local|ip addr|cidr ...",
              "all granted",
              LOCATION_ONLY,
              1,
              MANY,
              "Who may read a Location: any Require line that matches lets the client in (httpd's"
                  + " RequireAny); others get 403. local is 127.0.0.0/8 and ::1."));

  private static final Map<String, DirectiveSpec> BY_NAME = new LinkedHashMap<>();

  static {
    for (DirectiveSpec spec : SPECS) {
      BY_NAME.put(spec.name().toLowerCase(Locale.ROOT), spec);
    }
  }

  private DirectiveTable() {}

  private static DirectiveSpec spec(
      String name,
      String syntax,
      String dflt,
      Set<Context> contexts,
      int min,
      int max,
      String help) {
    return new DirectiveSpec(name, syntax, dflt, contexts, min, max, false, help);
  }

  /** Every directive, in the order of the reference. */
  public static List<DirectiveSpec> all() {
    return SPECS;
  }

  /** The directive of this name, case-insensitive. */
  public static Optional<DirectiveSpec> find(String name) {
    return Optional.ofNullable(BY_NAME.get(name.toLowerCase(Locale.ROOT)));
  }

  /** The known name nearest to a misspelled one, if one is near enough to be a likely typo. */
  public static Optional<String> nearest(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    String best = null;
    int bestDistance = Integer.MAX_VALUE;
    for (DirectiveSpec spec : SPECS) {
      int distance = distance(lower, spec.name().toLowerCase(Locale.ROOT));
      if (distance < bestDistance) {
        bestDistance = distance;
        best = spec.name();
      }
    }
    int allowed = Math.max(2, lower.length() / 3);
    return bestDistance <= allowed ? Optional.of(best) : Optional.empty();
  }

  /** Levenshtein distance: small tables, short names, no need for anything cleverer. */
  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        current[j] =
            Math.min(Math.min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
