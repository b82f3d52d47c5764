package org.perchild.config;

import static org.perchild.config.DirectiveDefault.bytes;
import static org.perchild.config.DirectiveDefault.described;
import static org.perchild.config.DirectiveDefault.id;
import static org.perchild.config.DirectiveDefault.none;
import static org.perchild.config.DirectiveDefault.number;
import static org.perchild.config.DirectiveDefault.onOff;
import static org.perchild.config.DirectiveDefault.seconds;
import static org.perchild.config.DirectiveDefault.word;
import static org.perchild.config.DirectiveDefault.words;
import static org.perchild.config.DirectiveSpec.Context.LOCATION;
import static org.perchild.config.DirectiveSpec.Context.SERVER;
import static org.perchild.config.DirectiveSpec.Context.VIRTUAL_HOST;

import java.time.Duration;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.perchild.config.DirectiveSpec.Application;
import org.perchild.config.DirectiveSpec.Context;

/**
 * Every directive Perchild knows, with its syntax, contexts, default, help and application: the
 * second step of parsing checks each {@link Directive} of the tree against this table, then gives
 * it meaning through its row. {@code perchild -L} and the README's directive reference are printed
 * from the same rows, and the defaults the configuration takes are the typed values the rows print,
 * so the reference, {@code -L} and the behaviour cannot disagree. Names are case-insensitive, as in
 * httpd.
 */
public final class DirectiveTable {

  private static final int MANY = Integer.MAX_VALUE;
  private static final Set<Context> SERVER_ONLY = EnumSet.of(SERVER);
  private static final Set<Context> VHOST_ONLY = EnumSet.of(VIRTUAL_HOST);
  private static final Set<Context> BOTH = EnumSet.of(SERVER, VIRTUAL_HOST);
  private static final Set<Context> LOCATION_ONLY = EnumSet.of(LOCATION);

  /** The most children a server may ever run, in all and of one user. */
  static final int HARD_SERVER_LIMIT = 20000;

  /** The most threads of one child. */
  static final int HARD_THREAD_LIMIT = 20000;

  /**
   * The JVM options of every child unless {@code ChildJavaOptions} says otherwise: a bounded heap
   * that starts small, the leanest collector, small stacks; malloc's free memory given back every
   * 30 s (the start's compilers leave 30 MiB and more of it in an idle child); and a heap that a
   * full collection shrinks at once rather than a tenth at a time (an idle child asks for one). The
   * README's "Cold start and memory" has the measurements.
   */
  public static final String DEFAULT_CHILD_JAVA_OPTIONS =
      "-Xms8m -Xmx256m -XX:+UseSerialGC -Xss512k"
          + " -XX:TrimNativeHeapInterval=30000 -XX:-ShrinkHeapInSteps";

  // The defaults the configuration takes when a directive is not written; the rows below print
  // them. Declared before the rows, which read them while the class is initialised.
  static final DirectiveDefault<Integer> NUM_SERVERS = number(2);
  static final DirectiveDefault<Integer> START_THREADS = number(5);
  static final DirectiveDefault<Integer> MIN_SPARE_THREADS = number(5);
  static final DirectiveDefault<Integer> MAX_SPARE_THREADS = number(10);
  static final DirectiveDefault<Integer> MAX_THREADS_PER_CHILD = number(64);
  static final DirectiveDefault<Integer> THREAD_LIMIT = number(64);
  static final DirectiveDefault<Integer> SERVER_LIMIT = number(8);
  static final DirectiveDefault<Integer> MAX_REQUESTS_PER_CHILD = number(10000);
  static final DirectiveDefault<Integer> USER = id(65534);
  static final DirectiveDefault<Integer> GROUP = id(65534);
  static final DirectiveDefault<List<String>> CHILD_JAVA_OPTIONS =
      words(List.of(DEFAULT_CHILD_JAVA_OPTIONS.split(" ")));
  static final DirectiveDefault<String> SERVER_NAME = word("localhost");
  static final DirectiveDefault<String> PID_FILE = word("logs/perchild.pid");
  static final DirectiveDefault<String> SESSION_DIRECTORY = word("sessions");
  static final DirectiveDefault<String> ERROR_LOG = word("logs/error_log");
  static final DirectiveDefault<String> LOG_LEVEL = word("warn");
  static final DirectiveDefault<Duration> GRACEFUL_SHUTDOWN_TIMEOUT = seconds(Duration.ZERO);
  static final DirectiveDefault<Duration> CHILD_WAIT_TIMEOUT = seconds(Duration.ofSeconds(10));
  static final DirectiveDefault<Duration> CHILD_IDLE_TIMEOUT = seconds(Duration.ofSeconds(300));

  /** Not written: one spare with an on-demand group ({@link ConfigBuilder}), none without. */
  static final DirectiveDefault<Void> CHILD_SPARES =
      DirectiveDefault.described("1 with an on-demand group, else 0");

  /** The most spare JVMs {@code ChildSpares} may ask for. */
  static final int MAX_CHILD_SPARES = 16;

  /** httpd's connection defaults, which {@link HostScope#connection} starts from. */
  private static final ConnectionSettings CONNECTION = ConnectionSettings.DEFAULTS;

  /** Include and IncludeOptional: {@link DirectiveReader} reads them in place of the tree. */
  private static final Application READ_BY_THE_READER =
      (b, h, d) -> {
        throw new IllegalStateException("directive in the table but not applied: " + d.name());
      };

  private static final List<DirectiveSpec> SPECS =
      List.of(
          // perchild's own
          server(
              "NumServers number",
              NUM_SERVERS,
              serverNumber(NUM_SERVERS, 1, HARD_SERVER_LIMIT),
              "Number of child processes that always run: the fixed ChildPerUserID counts and"
                  + " the minimums of ranged ones, and the rest run as User/Group."),
          server(
                  "ChildPerUserID user group number|min-max",
                  none(),
                  (b, h, d) -> b.children().childPerUserId(d),
                  "Runs this many of the NumServers children as this user and group (by name or"
                      + " #number; never uid or gid 0); min-max (e.g. 0-4) starts children on"
                      + " demand: at least min, at most max.")
              .arguments(3, 3),
          vhost(
                  "AssignUserID user group",
                  described("User Group"),
                  (b, h, d) -> h.assignUserId(d, b.values()),
                  "Serves this virtual host from the children of the ChildPerUserID line with the"
                      + " same user and group.")
              .arguments(2, 2),
          server(
              "StartThreads number",
              START_THREADS,
              serverNumber(START_THREADS, 1, HARD_THREAD_LIMIT),
              "Threads each child starts with."),
          server(
              "MinSpareThreads number",
              MIN_SPARE_THREADS,
              serverNumber(MIN_SPARE_THREADS, 1, HARD_THREAD_LIMIT),
              "Fewest idle threads a child keeps; below it, the child starts threads."),
          server(
              "MaxSpareThreads number",
              MAX_SPARE_THREADS,
              serverNumber(MAX_SPARE_THREADS, 1, HARD_THREAD_LIMIT),
              "Most idle threads a child keeps; above it, the child ends threads."),
          server(
              "MaxThreadsPerChild number",
              MAX_THREADS_PER_CHILD,
              serverNumber(MAX_THREADS_PER_CHILD, 1, HARD_THREAD_LIMIT),
              "Most requests one child serves at once; NumServers x MaxThreadsPerChild is the"
                  + " server's capacity."),
          server(
              "ThreadLimit number",
              THREAD_LIMIT,
              serverNumber(THREAD_LIMIT, 1, HARD_THREAD_LIMIT),
              "Ceiling of MaxThreadsPerChild for the server's life (a graceful restart cannot"
                  + " raise it)."),
          server(
              "ServerLimit number",
              SERVER_LIMIT,
              serverNumber(SERVER_LIMIT, 1, HARD_SERVER_LIMIT),
              "Most child processes alive at once, on-demand and draining ones included, and"
                  + " the ceiling of NumServers, for the server's life (a graceful restart cannot"
                  + " raise it)."),
          server(
              "MaxRequestsPerChild number",
              MAX_REQUESTS_PER_CHILD,
              serverNumber(MAX_REQUESTS_PER_CHILD, 0, MANY),
              "Connections a child serves before it is replaced, 0 for no limit (counted as"
                  + " httpd 2.4 counts them)."),
          server(
              "MaxConnectionsPerChild number",
              MAX_REQUESTS_PER_CHILD,
              serverNumber(MAX_REQUESTS_PER_CHILD, 0, MANY),
              "httpd 2.4's name for MaxRequestsPerChild."),
          server(
              "User unix-user",
              USER,
              (b, h, d) -> b.server().user(d),
              "The user of the acceptor and of the children that no ChildPerUserID claims"
                  + " (never root)."),
          server(
              "Group unix-group",
              GROUP,
              (b, h, d) -> b.server().group(d),
              "The group of the acceptor and of the children that no ChildPerUserID claims"
                  + " (never gid 0)."),
          server(
              "NameVirtualHost addr[:port]",
              none(),
              (b, h, d) ->
                  b.problems()
                      .warning(
                          d,
                          "NameVirtualHost has no effect and will be removed in the next release"),
              "Accepted for old configurations; it has no effect, as in httpd 2.4."),
          server(
                  "ChildJavaOptions option ...",
                  CHILD_JAVA_OPTIONS,
                  (b, h, d) -> b.children().childJavaOptions(d),
                  "JVM options of every child; the default bounds each child's heap and starts it"
                      + " small, gives the native memory malloc keeps back to the machine every"
                      + " 30 s, and lets an idle child's heap shrink at once (see \"Cold start and"
                      + " memory\").")
              .arguments(1, MANY),
          server(
                  "ChildPerUserJavaOptions user group option ...",
                  none(),
                  (b, h, d) -> b.children().childPerUserJavaOptions(d),
                  "More JVM options for the children of one ChildPerUserID group, after"
                      + " ChildJavaOptions (a later -Xmx wins).")
              .arguments(3, MANY),
          // the server's
          server(
              "ServerRoot directory",
              described("the installation directory, or -d"),
              (b, h, d) -> b.server().serverRoot(d),
              "The directory that relative paths in the configuration start from."),
          server(
                  "Listen [addr:]port [protocol]",
                  none(),
                  (b, h, d) -> b.server().listen(d),
                  "A socket to accept connections on; without addr, on every IPv4 and IPv6"
                      + " address; protocol is http or https.")
              .arguments(1, 2),
          host(
              "ServerName [scheme://]hostname[:port]",
              SERVER_NAME,
              (b, h, d) -> h.serverName(d, b.values()),
              "The name a host answers to; a virtual host without one takes the main server's."),
          vhost(
                  "ServerAlias hostname ...",
                  none(),
                  (b, h, d) -> h.aliases.addAll(d.args()),
                  "More names of a virtual host; * and ? are wildcards.")
              .arguments(1, MANY),
          server(
                  "<VirtualHost addr[:port] ...> ... </VirtualHost>",
                  none(),
                  (b, h, d) -> b.virtualHost(d),
                  "A virtual host on these addresses (* for any); the first on an address is its"
                      + " default.")
              .arguments(1, MANY),
          host(
              "Include file-path|directory-path|wildcard",
              none(),
              READ_BY_THE_READER,
              "Reads other configuration files here; a wildcard that matches nothing is an error."),
          host(
              "IncludeOptional file-path|directory-path|wildcard",
              none(),
              READ_BY_THE_READER,
              "Like Include, but a path or wildcard that matches nothing is ignored."),
          server(
              "PidFile file",
              PID_FILE,
              (b, h, d) -> b.server().pidFile = b.values().path(d.args().get(0)),
              "Where the launcher writes its process id."),
          host(
              "ErrorLog file",
              ERROR_LOG,
              (b, h, d) -> h.errorLog(d, b.values(), b.problems()),
              "The error log of the server, or of one virtual host."),
          host(
              "LogLevel level",
              LOG_LEVEL,
              (b, h, d) -> h.logLevel(d, b.values()),
              "Least severity logged: emerg, alert, crit, error, warn, notice, info, debug,"
                  + " trace1 to trace8."),
          host(
                  "LogFormat format [nickname]",
                  none(),
                  (b, h, d) -> h.logFormat(d, b.values(), b.problems()),
                  "An access-log format in httpd's % notation, named for CustomLog; common and"
                      + " combined are predefined.")
              .arguments(1, 2),
          host(
                  "CustomLog file format|nickname [env=[!]variable]",
                  none(),
                  (b, h, d) -> h.customLog(d, b.values(), b.problems()),
                  "An access log of the server, or of one virtual host.")
              .arguments(2, 3),
          host(
              "Timeout seconds",
              seconds(CONNECTION.timeout()),
              (b, h, d) -> h.timeout = b.values().duration(d),
              "How long to wait for a client: the request head, then each read and write."),
          host(
              "KeepAlive On|Off",
              onOff(CONNECTION.keepAlive()),
              (b, h, d) -> h.keepAlive = b.values().onOff(d),
              "Whether a connection may carry more than one request."),
          host(
              "KeepAliveTimeout seconds[ms]",
              seconds(CONNECTION.keepAliveTimeout()),
              (b, h, d) -> h.keepAliveTimeout = b.values().duration(d),
              "How long an idle keep-alive connection waits for its next request."),
          host(
              "MaxKeepAliveRequests number",
              number(CONNECTION.maxKeepAliveRequests()),
              (b, h, d) -> h.maxKeepAliveRequests = b.values().integer(d, 0, MANY),
              "Requests one connection may carry, 0 for no limit."),
          host(
              "LimitRequestLine bytes",
              number(CONNECTION.limitRequestLine()),
              (b, h, d) -> h.limitRequestLine = b.values().integer(d, 1, 1024 * 1024),
              "Longest request line; a longer one is answered 414."),
          host(
              "LimitRequestFieldSize bytes",
              number(CONNECTION.limitRequestFieldSize()),
              (b, h, d) -> h.limitRequestFieldSize = b.values().integer(d, 1, 1024 * 1024),
              "Longest request header field; a longer one is answered 431."),
          host(
              "LimitRequestFields number",
              number(CONNECTION.limitRequestFields()),
              (b, h, d) -> h.limitRequestFields = b.values().integer(d, 1, 32767),
              "Most request header fields; more are answered 431."),
          host(
              "LimitRequestBody bytes",
              bytes(CONNECTION.limitRequestBody()),
              (b, h, d) -> h.limitRequestBody = b.values().bytes(d),
              "Largest request body, 0 for no limit; a larger one is answered 413."),
          server(
              "GracefulShutdownTimeout seconds",
              GRACEFUL_SHUTDOWN_TIMEOUT,
              (b, h, d) -> b.server().gracefulShutdownTimeout(d),
              "How long a graceful stop or restart waits for requests in progress, 0 for no"
                  + " limit."),
          server(
              "ChildWaitTimeout seconds",
              CHILD_WAIT_TIMEOUT,
              (b, h, d) -> b.server().childWaitTimeout(d),
              "How long the acceptor holds a connection for a tenant with no READY child"
                  + " (starting, or being replaced), then 503 with Retry-After; 0 for 503 at"
                  + " once (at most 3600)."),
          server(
              "ChildIdleTimeout seconds",
              CHILD_IDLE_TIMEOUT,
              (b, h, d) -> b.server().childIdleTimeout(d),
              "How long a child of an on-demand group (ChildPerUserID min-max) above its minimum"
                  + " may go without a connection before it is stopped; 0 for never."),
          server(
              "ChildSpares number",
              CHILD_SPARES,
              (b, h, d) -> b.server().childSpares(d),
              "JVMs the launcher keeps started ahead, with no tenant, as root, running nothing"
                  + " of a tenant's: a group's next child (a cold start, a respawn) starts from"
                  + " one, if it has the server's ChildJavaOptions (at most 16)."),
          // the container's own
          host(
              "AppBase directory",
              none(),
              (b, h, d) -> h.appBase(d, b.values()),
              "The directory whose WAR files and exploded WARs a host serves: ROOT.war or"
                  + " ROOT/ at /, name.war at /name."),
          host(
              "DocumentRoot directory",
              none(),
              (b, h, d) -> h.documentRoot(d, b.values()),
              "The directory whose static files a host serves at / (no directory listings); a"
                  + " ROOT webapp in the AppBase wins over it."),
          vhost(
                  "WebAppRealm realm-name file",
                  none(),
                  (b, h, d) -> h.webAppRealm(d, b.values(), b.problems()),
                  "A login realm the host's webapps name in web.xml (login-config, realm-name):"
                      + " a Jetty HashLoginService file of user: password[, role ...] lines, the"
                      + " tenant's own, read by its children; one line per realm name.")
              .arguments(2, 2),
          // TLS, HTTP/2 and the PROXY protocol: mod_ssl's, mod_http2's and mod_remoteip's
          host(
              "SSLEngine On|Off",
              onOff(false),
              (b, h, d) -> h.sslEngine(d, b.values()),
              "TLS for the host's connections, terminated in the tenant's own children (the"
                  + " acceptor routes by SNI and never decrypts); its addresses need Listen ... https."),
          host(
              "SSLCertificateFile file",
              none(),
              (b, h, d) -> h.sslCertificateFile(d, b.values()),
              "The host's certificate, PEM, the leaf first and its chain after it; the tenant's"
                  + " own file, read by its children."),
          host(
              "SSLCertificateKeyFile file",
              none(),
              (b, h, d) -> h.sslCertificateKeyFile(d, b.values()),
              "The certificate's private key, PEM (PKCS#8, PKCS#1 RSA or SEC1 EC, not encrypted),"
                  + " mode 0600 owned by the tenant; without it the key is read from the"
                  + " certificate file."),
          host(
                  "SSLProtocol [+|-]protocol ...",
                  DirectiveDefault.writtenAs(
                      TlsSettings.DEFAULT_PROTOCOLS, "all -SSLv3 -TLSv1 -TLSv1.1"),
                  (b, h, d) -> h.sslProtocol(d, b.problems()),
                  "The TLS versions offered: all, TLSv1.2, TLSv1.3 (TLSv1 and TLSv1.1 only where the"
                      + " JDK allows them), each added with + or removed with -.")
              .arguments(1, MANY),
          host(
                  "SSLCipherSuite [protocol] cipher-spec",
                  none(),
                  (b, h, d) -> h.sslCipherSuite(d),
                  "The cipher suites offered, ':'-separated IANA or OpenSSL names; without it, the"
                      + " modern suites (AEAD with forward secrecy).")
              .arguments(1, 2),
          host(
              "SSLProvider Conscrypt|JDK",
              word(SslProvider.DEFAULT.word()),
              (b, h, d) -> h.sslProvider(d, b.problems()),
              "The implementation of TLS in the host's children: Conscrypt (BoringSSL; the JDK's"
                  + " where it does not load) or JDK (JSSE). A SSLCipherSuite that leaves out one"
                  + " of TLS 1.3's suites is served by JDK."),
          host(
                  "Protocols protocol ...",
                  words(VirtualHost.DEFAULT_PROTOCOLS),
                  (b, h, d) -> h.protocols(d, b.problems()),
                  "The protocols a host speaks, in order of preference: h2 (HTTP/2 over TLS, by"
                      + " ALPN), h2c (HTTP/2 without TLS, by prior knowledge or Upgrade), http/1.1.")
              .arguments(1, MANY),
          host(
              "RemoteIPProxyProtocol On|Off",
              onOff(false),
              (b, h, d) -> h.proxyProtocol = b.values().onOff(d),
              "Every connection to the host's addresses starts with a PROXY protocol header (v1"
                  + " or v2) whose client address the logs and webapps see; one without it is"
                  + " closed. It applies per address:port, to every host there; the last written"
                  + " wins."),
          host(
                  "RemoteIPProxyProtocolExceptions addr|cidr ...",
                  none(),
                  (b, h, d) -> h.proxyProtocolExceptions(d, b.problems()),
                  "Clients (addresses, CIDR networks) that connect without a PROXY header where"
                      + " RemoteIPProxyProtocol is On; those of every host of the address count.")
              .arguments(1, MANY),
          server(
              "SessionDirectory directory",
              SESSION_DIRECTORY,
              (b, h, d) -> b.server().sessionDirectory(d),
              "Where the web applications' HTTP sessions are kept, one directory per tenant"
                  + " (mode 0700) that every child of that tenant reads."),
          // monitoring: answered by the acceptor itself
          host(
              "<Location URL-path> ... </Location>",
              none(),
              LocationSection::read,
              "A URL path (and what lies below it) that the acceptor answers itself: it must"
                  + " hold SetHandler server-status or metrics."),
          location(
              "SetHandler server-status|metrics",
              none(),
              (b, h, d) -> b.location().setHandler(d),
              "What a Location serves: mod_status's page (HTML, ?auto, ?json) or the"
                  + " Prometheus metrics; other handlers are refused."),
          location(
                  "Require all granted|all denied|local|ip addr|cidr ...",
                  described("all granted"),
                  (b, h, d) -> b.location().require(d),
                  "Who may read a Location: any Require line that matches lets the client in"
                      + " (httpd's RequireAny); others get 403. local is 127.0.0.0/8 and ::1.")
              .arguments(1, MANY));

  private static final Map<String, DirectiveSpec> BY_NAME = new LinkedHashMap<>();

  static {
    for (DirectiveSpec spec : SPECS) {
      BY_NAME.put(spec.name().toLowerCase(Locale.ROOT), spec);
    }
  }

  private DirectiveTable() {}

  // A row takes one argument unless DirectiveSpec.arguments says otherwise.

  /** A directive of the main server only. */
  private static DirectiveSpec server(
      String syntax, DirectiveDefault<?> dflt, Application apply, String help) {
    return row(syntax, SERVER_ONLY, 1, 1, dflt, apply, help);
  }

  /** A directive of {@code <VirtualHost>} only. */
  private static DirectiveSpec vhost(
      String syntax, DirectiveDefault<?> dflt, Application apply, String help) {
    return row(syntax, VHOST_ONLY, 1, 1, dflt, apply, help);
  }

  /** A directive of the main server and of each virtual host. */
  private static DirectiveSpec host(
      String syntax, DirectiveDefault<?> dflt, Application apply, String help) {
    return row(syntax, BOTH, 1, 1, dflt, apply, help);
  }

  /** A directive of {@code <Location>} only. */
  private static DirectiveSpec location(
      String syntax, DirectiveDefault<?> dflt, Application apply, String help) {
    return row(syntax, LOCATION_ONLY, 1, 1, dflt, apply, help);
  }

  /** A row whose name is the syntax's first word; a syntax that starts with {@code <} a section. */
  private static DirectiveSpec row(
      String syntax,
      Set<Context> contexts,
      int min,
      int max,
      DirectiveDefault<?> dflt,
      Application apply,
      String help) {
    boolean section = syntax.startsWith("<");
    String first = syntax.split("[ >]", 2)[0];
    String name = section ? first.substring(1) : first;
    return new DirectiveSpec(name, syntax, dflt, contexts, min, max, section, help, apply);
  }

  /** A number of the whole server, kept as {@code setting} when from {@code min} to {@code max}. */
  private static Application serverNumber(DirectiveDefault<Integer> setting, int min, int max) {
    return (b, h, d) -> b.server().number(setting, d, min, max);
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
