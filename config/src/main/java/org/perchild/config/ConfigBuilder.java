package org.perchild.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.perchild.config.DirectiveSpec.Context;
import org.perchild.posix.Account;
import org.perchild.posix.Accounts;
import org.perchild.posix.GroupAccount;

/**
 * The second step of parsing: walks the directive tree, checks each directive against the {@link
 * DirectiveTable} (name, context, number of arguments), gives it meaning, and finally checks what
 * only the whole configuration can tell (child counts, users, limits) before it builds the
 * immutable {@link ServerConfig}. Every problem is collected with its file and line; nothing stops
 * at the first.
 */
final class ConfigBuilder {

  private static final int HARD_SERVER_LIMIT = 20000;
  private static final int HARD_THREAD_LIMIT = 20000;
  private static final Set<String> LOG_LEVELS =
      Set.of(
          "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug", "trace1", "trace2",
          "trace3", "trace4", "trace5", "trace6", "trace7", "trace8");
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s)?");
  private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*://");

  /** A {@code ChildPerUserID} line before the whole file is known. */
  private record PendingGroup(Directive directive, Account user, GroupAccount group, int count) {}

  /** A {@code ChildPerUserJavaOptions} line, matched to its group at the end. */
  private record PendingOptions(
      Directive directive, Account user, GroupAccount group, List<String> options) {}

  private final Accounts accounts;
  private final List<ConfigProblem> problems;
  private final Path configFile;
  private Path serverRoot;

  private final List<Listener> listeners = new ArrayList<>();
  private final Map<String, Integer> numbers = new HashMap<>();
  private final Map<String, Directive> numberDirectives = new HashMap<>();
  private Account user;
  private Directive userDirective;
  private GroupAccount group;
  private Directive groupDirective;
  private final List<PendingGroup> childPerUser = new ArrayList<>();
  private final List<PendingOptions> perUserOptions = new ArrayList<>();
  private List<String> childJavaOptions =
      List.of(DirectiveTable.DEFAULT_CHILD_JAVA_OPTIONS.split(" "));
  private Path pidFile;
  private Duration gracefulShutdownTimeout = Duration.ZERO;
  private final HostScope main = new HostScope(null);
  private final List<HostScope> vhosts = new ArrayList<>();

  ConfigBuilder(Accounts accounts, Path serverRoot, Path configFile, List<ConfigProblem> problems) {
    this.accounts = accounts;
    this.serverRoot = serverRoot;
    this.configFile = configFile;
    this.problems = problems;
    main.logFormats.put("common", "%h %l %u %t \"%r\" %>s %b");
    main.logFormats.put("combined", "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\"");
  }

  // ---------------------------------------------------------------- walking the tree

  void walk(List<Directive> directives) {
    walk(directives, main, Context.SERVER);
  }

  private void walk(List<Directive> directives, HostScope scope, Context context) {
    for (Directive d : directives) {
      Optional<DirectiveSpec> found = DirectiveTable.find(d.name());
      if (found.isEmpty()) {
        String hint =
            DirectiveTable.nearest(d.name()).map(n -> " (did you mean " + n + "?)").orElse("");
        String kind =
            d.section()
                ? "unknown section <" + d.name() + ">"
                : "unknown directive '" + d.name() + "'";
        error(d, kind + hint);
        continue;
      }
      DirectiveSpec spec = found.get();
      if (spec.section() != d.section()) {
        error(
            d,
            spec.section()
                ? spec.name()
                    + " is a section: write <"
                    + spec.name()
                    + " ...> ... </"
                    + spec.name()
                    + ">"
                : spec.name() + " is a directive, not a section: write it without < >");
        continue;
      }
      if (!spec.contexts().contains(context)) {
        String message;
        if (context == Context.LOCATION) {
          message = spec.displayName() + " is not allowed in <Location>";
        } else if (spec.contexts().contains(Context.LOCATION)) {
          message = spec.displayName() + " is only allowed in <Location>";
        } else if (context == Context.VIRTUAL_HOST) {
          message = spec.displayName() + " is not allowed in <VirtualHost>";
        } else {
          message = spec.displayName() + " is only allowed in <VirtualHost>";
        }
        error(d, message);
        continue;
      }
      int n = d.args().size();
      if (n < spec.minArgs() || n > spec.maxArgs()) {
        error(
            d, spec.displayName() + " takes " + arity(spec) + ", not " + n + ": " + spec.syntax());
        continue;
      }
      apply(spec, d, scope);
    }
  }

  private static String arity(DirectiveSpec spec) {
    if (spec.maxArgs() == Integer.MAX_VALUE) {
      return "at least " + plural(spec.minArgs(), "argument");
    }
    if (spec.minArgs() == spec.maxArgs()) {
      return plural(spec.minArgs(), "argument");
    }
    return spec.minArgs() + " to " + spec.maxArgs() + " arguments";
  }

  private static String plural(int n, String word) {
    return n + " " + word + (n == 1 ? "" : "s");
  }

  private void apply(DirectiveSpec spec, Directive d, HostScope scope) {
    List<String> a = d.args();
    switch (spec.name()) {
      case "NumServers" -> number(d, 1, HARD_SERVER_LIMIT);
      case "StartThreads", "MinSpareThreads", "MaxSpareThreads" -> number(d, 1, HARD_THREAD_LIMIT);
      case "MaxThreadsPerChild", "ThreadLimit" -> number(d, 1, HARD_THREAD_LIMIT);
      case "ServerLimit" -> number(d, 1, HARD_SERVER_LIMIT);
      case "MaxRequestsPerChild", "MaxConnectionsPerChild" -> {
        Integer value = parseInt(d, a.get(0), 0, Integer.MAX_VALUE);
        if (value != null) {
          numbers.put("MaxRequestsPerChild", value);
          numberDirectives.put("MaxRequestsPerChild", d);
        }
      }
      case "ChildPerUserID" -> childPerUserId(d);
      case "AssignUserID" -> {
        scope.assign = d;
        scope.assignUser = resolveUser(d, a.get(0));
        scope.assignGroup = resolveGroup(d, a.get(1));
      }
      case "User" -> {
        userDirective = d;
        user = resolveUser(d, a.get(0));
        if (user != null && user.uid() == 0) {
          error(
              d,
              "User "
                  + a.get(0)
                  + ": the acceptor and the server's children never run as root (uid 0)");
        }
      }
      case "Group" -> {
        groupDirective = d;
        group = resolveGroup(d, a.get(0));
        if (group != null && group.gid() == 0) {
          error(
              d,
              "Group " + a.get(0) + ": the acceptor and the server's children never run as gid 0");
        }
      }
      case "NameVirtualHost" ->
          warning(d, "NameVirtualHost has no effect and will be removed in the next release");
      case "ChildJavaOptions" -> childJavaOptions = List.copyOf(a);
      case "ChildPerUserJavaOptions" -> {
        Account u = resolveUser(d, a.get(0));
        GroupAccount g = resolveGroup(d, a.get(1));
        if (u != null && g != null) {
          perUserOptions.add(new PendingOptions(d, u, g, List.copyOf(a.subList(2, a.size()))));
        }
      }
      case "ServerRoot" -> {
        Path root = Path.of(a.get(0)).toAbsolutePath().normalize();
        if (!Files.isDirectory(root)) {
          error(d, "ServerRoot " + a.get(0) + ": no such directory");
        }
        serverRoot = root;
      }
      case "Listen" -> listen(d);
      case "ServerName" -> serverName(d, scope);
      case "ServerAlias" -> scope.aliases.addAll(a);
      case "VirtualHost" -> virtualHost(d);
      case "PidFile" -> pidFile = path(a.get(0));
      case "ErrorLog" -> {
        if (a.get(0).startsWith("|") || a.get(0).startsWith("syslog")) {
          error(d, "ErrorLog " + a.get(0) + ": only a file is supported");
        } else {
          scope.errorLog = path(a.get(0));
        }
      }
      case "LogLevel" -> {
        String level = a.get(0).toLowerCase(Locale.ROOT);
        if (!LOG_LEVELS.contains(level)) {
          error(
              d,
              "LogLevel "
                  + a.get(0)
                  + ": not a level (emerg, alert, crit, error, warn, notice, info, debug, trace1 to trace8)");
        } else {
          scope.logLevel = level;
        }
      }
      case "LogFormat" -> {
        if (a.size() == 1) {
          warning(d, "LogFormat without a nickname has no effect: name it and use it in CustomLog");
        } else if (checkLogFormat(d, "LogFormat", a.get(0))) {
          scope.logFormats.put(a.get(1), a.get(0));
        }
      }
      case "CustomLog" -> {
        if (a.get(0).startsWith("|")) {
          error(d, "CustomLog " + a.get(0) + ": piped logs are not supported; write to a file");
          return;
        }
        if (a.size() == 3) {
          warning(
              d,
              "CustomLog condition '" + a.get(2) + "' is not supported: every request is logged");
        }
        if (a.get(1).indexOf('%') < 0 || checkLogFormat(d, "CustomLog", a.get(1))) {
          scope.customLogs.add(new HostScope.PendingLog(d, path(a.get(0)), a.get(1)));
        }
      }
      case "Timeout" -> scope.timeout = duration(d);
      case "KeepAlive" -> scope.keepAlive = onOff(d);
      case "KeepAliveTimeout" -> scope.keepAliveTimeout = duration(d);
      case "MaxKeepAliveRequests" ->
          scope.maxKeepAliveRequests = parseInt(d, a.get(0), 0, Integer.MAX_VALUE);
      case "LimitRequestLine" -> scope.limitRequestLine = parseInt(d, a.get(0), 1, 1024 * 1024);
      case "LimitRequestFieldSize" ->
          scope.limitRequestFieldSize = parseInt(d, a.get(0), 1, 1024 * 1024);
      case "LimitRequestFields" -> scope.limitRequestFields = parseInt(d, a.get(0), 1, 32767);
      case "LimitRequestBody" -> scope.limitRequestBody = parseLong(d, a.get(0));
      case "GracefulShutdownTimeout" -> {
        Integer seconds = parseInt(d, a.get(0), 0, Integer.MAX_VALUE);
        if (seconds != null) {
          gracefulShutdownTimeout = Duration.ofSeconds(seconds);
        }
      }
      case "AppBase" -> {
        scope.appBase = path(a.get(0));
        scope.appBaseDirective = d;
      }
      case "DocumentRoot" -> {
        scope.documentRoot = path(a.get(0));
        scope.documentRootDirective = d;
      }
      case "Location" -> location(d, scope);
      case "SetHandler" -> setHandler(d);
      case "Require" -> require(d);
      default ->
          throw new IllegalStateException("directive in the table but not applied: " + spec.name());
    }
  }

  // ---------------------------------------------------------------- <Location>

  /** A host's own locations, then the main server's whose path it does not define itself. */
  private List<StatusLocation> locations(HostScope scope) {
    List<StatusLocation> all = new ArrayList<>(scope.locations);
    for (StatusLocation inherited : main.locations) {
      if (scope.locations.stream().noneMatch(l -> l.path().equals(inherited.path()))) {
        all.add(inherited);
      }
    }
    return all;
  }

  /** The {@code <Location>} whose children are being walked. */
  private static final class PendingLocation {
    StatusLocation.Handler handler;
    final List<AccessRule> require = new ArrayList<>();
  }

  private PendingLocation location;

  private void location(Directive d, HostScope scope) {
    String path = d.args().get(0);
    if (!path.startsWith("/")) {
      error(d, "<Location " + path + ">: the path must start with /");
      return;
    }
    if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    for (StatusLocation other : scope.locations) {
      if (other.path().equals(path)) {
        error(
            d,
            "<Location "
                + path
                + "> is already defined at "
                + other.file()
                + ":"
                + other.line()
                + " in the same host");
        return;
      }
    }
    location = new PendingLocation();
    int before = problems.size();
    walk(d.children(), scope, Context.LOCATION);
    PendingLocation done = location;
    location = null;
    if (problems.size() > before
        && problems.subList(before, problems.size()).stream().anyMatch(p -> p.isError())) {
      return; // already reported
    }
    if (done.handler == null) {
      error(
          d,
          "<Location "
              + path
              + "> has no SetHandler: perchild answers a Location only with SetHandler"
              + " server-status or metrics (everything else is the webapps')");
      return;
    }
    if (done.require.isEmpty()) {
      warning(
          d,
          "<Location "
              + path
              + "> has no Require line: every client may read it (write Require ip or Require"
              + " local to limit it)");
    }
    scope.locations.add(new StatusLocation(path, done.handler, done.require, d.file(), d.line()));
  }

  private void setHandler(Directive d) {
    String name = d.args().get(0).toLowerCase(Locale.ROOT);
    for (StatusLocation.Handler handler : StatusLocation.Handler.values()) {
      if (handler.word().equals(name)) {
        if (location.handler != null) {
          error(d, "SetHandler given twice in this <Location>");
        }
        location.handler = handler;
        return;
      }
    }
    error(
        d,
        "SetHandler "
            + d.args().get(0)
            + ": not supported; perchild knows server-status and metrics (the webapps serve"
            + " everything else)");
  }

  private void require(Directive d) {
    List<String> a = d.args();
    String kind = a.get(0).toLowerCase(Locale.ROOT);
    switch (kind) {
      case "all" -> {
        if (a.size() != 2
            || !List.of("granted", "denied").contains(a.get(1).toLowerCase(Locale.ROOT))) {
          error(d, "Require all takes granted or denied");
          return;
        }
        location.require.add(new AccessRule.All(a.get(1).equalsIgnoreCase("granted")));
      }
      case "local" -> {
        if (a.size() != 1) {
          error(d, "Require local takes no argument");
          return;
        }
        location.require.add(new AccessRule.Local());
      }
      case "ip" -> {
        if (a.size() < 2) {
          error(d, "Require ip takes at least one address or network");
          return;
        }
        List<AccessRule.IpRange> ranges = new ArrayList<>();
        for (String each : a.subList(1, a.size())) {
          try {
            ranges.add(AccessRule.IpRange.parse(each));
          } catch (IllegalArgumentException e) {
            error(d, "Require ip " + e.getMessage());
            return;
          }
        }
        location.require.add(new AccessRule.Ip(ranges));
      }
      default ->
          error(
              d,
              "Require "
                  + a.get(0)
                  + ": not supported; perchild knows Require all granted|denied, Require local"
                  + " and Require ip");
    }
  }

  // ---------------------------------------------------------------- directives

  private void number(Directive d, int min, int max) {
    Integer value = parseInt(d, d.args().get(0), min, max);
    if (value != null) {
      String name = DirectiveTable.find(d.name()).orElseThrow().name();
      numbers.put(name, value);
      numberDirectives.put(name, d);
    }
  }

  private void childPerUserId(Directive d) {
    List<String> a = d.args();
    Account u = resolveUser(d, a.get(0));
    GroupAccount g = resolveGroup(d, a.get(1));
    Integer count = parseInt(d, a.get(2), 1, HARD_SERVER_LIMIT);
    if (u != null && u.uid() == 0) {
      error(
          d,
          "ChildPerUserID "
              + a.get(0)
              + ": uid 0 (root) is refused: web applications never run as root");
    }
    if (g != null && g.gid() == 0) {
      error(
          d,
          "ChildPerUserID "
              + a.get(1)
              + ": gid 0 is refused: web applications never run with gid 0");
    }
    if (u == null || g == null || count == null || u.uid() == 0 || g.gid() == 0) {
      return;
    }
    for (PendingGroup other : childPerUser) {
      if (other.user().uid() == u.uid() && other.group().gid() == g.gid()) {
        error(
            d,
            "ChildPerUserID "
                + a.get(0)
                + " "
                + a.get(1)
                + " is already declared at "
                + other.directive().where());
        return;
      }
    }
    childPerUser.add(new PendingGroup(d, u, g, count));
  }

  private void listen(Directive d) {
    String spec = d.args().get(0);
    HostPort hp = hostPort(d, spec, false);
    if (hp == null) {
      return;
    }
    String protocol = hp.port == 443 ? "https" : "http";
    if (d.args().size() == 2) {
      protocol = d.args().get(1).toLowerCase(Locale.ROOT);
      if (!protocol.equals("http") && !protocol.equals("https")) {
        error(d, "Listen " + spec + " " + d.args().get(1) + ": the protocol is http or https");
        return;
      }
    }
    if (hp.host != null && !resolvable(hp.host)) {
      error(d, "Listen " + spec + ": cannot resolve host name " + hp.host);
      return;
    }
    for (Listener other : listeners) {
      boolean overlaps =
          other.port() == hp.port
              && (other.host() == null
                  || hp.host == null
                  || other.host().equalsIgnoreCase(hp.host));
      if (overlaps) {
        error(
            d,
            "Listen "
                + spec
                + " overlaps Listen "
                + other.address()
                + " at "
                + other.file()
                + ":"
                + other.line());
        return;
      }
    }
    listeners.add(new Listener(hp.host, hp.port, protocol, d.file(), d.line()));
  }

  private void serverName(Directive d, HostScope scope) {
    String name = SCHEME.matcher(d.args().get(0)).replaceFirst("");
    if (name.startsWith("[")) {
      int close = name.indexOf(']');
      name = close > 0 ? name.substring(1, close) : name;
    } else if (name.indexOf(':') >= 0) {
      name = name.substring(0, name.indexOf(':'));
    }
    if (name.isEmpty()) {
      error(d, "ServerName " + d.args().get(0) + ": no host name");
      return;
    }
    scope.serverName = name.toLowerCase(Locale.ROOT);
    scope.serverNameDirective = d;
  }

  private void virtualHost(Directive d) {
    HostScope scope = new HostScope(d);
    for (String arg : d.args()) {
      HostPort hp = hostPort(d, arg, true);
      if (hp != null) {
        String host = hp.host == null ? "*" : hp.host;
        if (!host.equals("*") && !host.equalsIgnoreCase("_default_") && !resolvable(host)) {
          warning(d, "could not resolve host name " + host + " -- ignoring this address");
          continue;
        }
        scope.addresses.add(new VirtualHostAddress(host, hp.port));
      }
    }
    if (scope.addresses.isEmpty()) {
      return;
    }
    vhosts.add(scope);
    walk(d.children(), scope, Context.VIRTUAL_HOST);
  }

  /** A parsed {@code [addr:]port}; host {@code null} when absent, port 0 for {@code *}. */
  private record HostPort(String host, int port) {}

  private HostPort hostPort(Directive d, String spec, boolean vhost) {
    String host;
    String port;
    if (spec.startsWith("[")) {
      int close = spec.indexOf(']');
      if (close < 0) {
        error(d, "'" + spec + "': missing ']' after the IPv6 address");
        return null;
      }
      host = spec.substring(1, close);
      String rest = spec.substring(close + 1);
      port = rest.startsWith(":") ? rest.substring(1) : rest.isEmpty() ? null : rest;
    } else if (spec.indexOf(':') >= 0) {
      host = spec.substring(0, spec.lastIndexOf(':'));
      port = spec.substring(spec.lastIndexOf(':') + 1);
    } else if (vhost) {
      host = spec;
      port = null;
    } else {
      host = null;
      port = spec;
    }
    if (port == null || (vhost && port.equals("*"))) {
      return new HostPort(host, 0);
    }
    Integer number = parsePort(port);
    if (number == null) {
      error(
          d, "'" + spec + "': the port must be a number from 1 to 65535" + (vhost ? " or *" : ""));
      return null;
    }
    if (host != null && (host.isEmpty() || host.equals("*"))) {
      host = vhost ? "*" : null;
    }
    return new HostPort(host, number);
  }

  private static Integer parsePort(String text) {
    try {
      int port = Integer.parseInt(text);
      return port >= 1 && port <= 65535 ? port : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static boolean resolvable(String host) {
    try {
      InetAddress.getAllByName(host);
      return true;
    } catch (UnknownHostException | SecurityException e) {
      return false;
    }
  }

  // ---------------------------------------------------------------- values

  private Integer parseInt(Directive d, String text, int min, int max) {
    try {
      int value = Integer.parseInt(text);
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    String range = max == Integer.MAX_VALUE ? min + " or more" : "from " + min + " to " + max;
    error(d, d.displayName() + " takes a whole number " + range + ", not '" + text + "'");
    return null;
  }

  private Long parseLong(Directive d, String text) {
    try {
      long value = Long.parseLong(text);
      if (value >= 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    error(d, d.displayName() + " takes a number of bytes (0 for no limit), not '" + text + "'");
    return null;
  }

  private Duration duration(Directive d) {
    Matcher m = DURATION.matcher(d.args().get(0));
    if (!m.matches()) {
      error(
          d,
          d.displayName()
              + " takes seconds (or milliseconds with 'ms'), not '"
              + d.args().get(0)
              + "'");
      return null;
    }
    long amount = Long.parseLong(m.group(1));
    return "ms".equals(m.group(2)) ? Duration.ofMillis(amount) : Duration.ofSeconds(amount);
  }

  private Boolean onOff(Directive d) {
    String value = d.args().get(0);
    if (value.equalsIgnoreCase("on")) {
      return true;
    }
    if (value.equalsIgnoreCase("off")) {
      return false;
    }
    error(d, d.displayName() + " takes On or Off, not '" + value + "'");
    return null;
  }

  private Path path(String text) {
    return serverRoot.resolve(text).normalize();
  }

  private Account resolveUser(Directive d, String spec) {
    if (spec.startsWith("#")) {
      Integer uid = numericId(d, spec, "user");
      if (uid == null) {
        return null;
      }
      return accounts.userById(uid).orElse(new Account(spec, uid, -1, "/"));
    }
    Optional<Account> account = accounts.userByName(spec);
    if (account.isEmpty()) {
      error(d, "unknown user '" + spec + "' (write #number for a uid without an account)");
      return null;
    }
    return account.get();
  }

  private GroupAccount resolveGroup(Directive d, String spec) {
    if (spec.startsWith("#")) {
      Integer gid = numericId(d, spec, "group");
      if (gid == null) {
        return null;
      }
      return accounts.groupById(gid).orElse(new GroupAccount(spec, gid));
    }
    Optional<GroupAccount> found = accounts.groupByName(spec);
    if (found.isEmpty()) {
      error(d, "unknown group '" + spec + "' (write #number for a gid without an entry)");
      return null;
    }
    return found.get();
  }

  private Integer numericId(Directive d, String spec, String what) {
    try {
      int id = Integer.parseInt(spec.substring(1));
      if (id >= 0) {
        return id;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    error(d, "'" + spec + "' is not a " + what + " id (#number, 0 or more)");
    return null;
  }

  // ---------------------------------------------------------------- the whole configuration

  /** Checks what only the whole configuration tells, then builds it; null when refused. */
  ServerConfig build() {
    int numServers = numberOr("NumServers", 2);
    int serverLimit = numberOr("ServerLimit", 8);
    int threadLimit = numberOr("ThreadLimit", 64);
    int maxThreads = numberOr("MaxThreadsPerChild", 64);
    int minSpare = numberOr("MinSpareThreads", 5);
    int maxSpare = numberOr("MaxSpareThreads", 10);
    int startThreads = numberOr("StartThreads", 5);
    int maxRequests = numberOr("MaxRequestsPerChild", 10000);

    if (numServers > serverLimit) {
      errorAt(
          "NumServers",
          "ServerLimit",
          "NumServers " + numServers + " is above ServerLimit " + serverLimit);
    }
    if (maxThreads > threadLimit) {
      errorAt(
          "MaxThreadsPerChild",
          "ThreadLimit",
          "MaxThreadsPerChild " + maxThreads + " is above ThreadLimit " + threadLimit);
    }
    if (minSpare > maxSpare) {
      errorAt(
          "MinSpareThreads",
          "MaxSpareThreads",
          "MinSpareThreads " + minSpare + " is above MaxSpareThreads " + maxSpare);
    }
    if (startThreads > maxThreads) {
      Directive d = numberDirectives.get("StartThreads");
      warning(
          d,
          "StartThreads "
              + startThreads
              + " is above MaxThreadsPerChild "
              + maxThreads
              + ": starting "
              + maxThreads);
      startThreads = maxThreads;
    }
    if (listeners.isEmpty()) {
      problems.add(
          ConfigProblem.error(
              configFile, 0, "no Listen directive: the server would accept no connection"));
    }

    Account serverUser = user != null ? user : defaultUser();
    GroupAccount serverGroup = group != null ? group : defaultGroup();

    // Child groups: ChildPerUserID in order, then User/Group with what is left of NumServers.
    List<ChildGroup> groups = new ArrayList<>();
    int claimed = 0;
    for (PendingGroup pending : childPerUser) {
      claimed += pending.count();
      if (claimed > numServers) {
        error(
            pending.directive(),
            "ChildPerUserID children add up to "
                + claimed
                + ", more than NumServers "
                + numServers);
      }
      List<String> options = new ArrayList<>(childJavaOptions);
      for (PendingOptions extra : perUserOptions) {
        if (extra.user().uid() == pending.user().uid()
            && extra.group().gid() == pending.group().gid()) {
          options.addAll(extra.options());
        }
      }
      groups.add(
          new ChildGroup(
              pending.user(),
              pending.group(),
              pending.count(),
              options,
              false,
              pending.directive().file(),
              pending.directive().line()));
    }
    for (PendingOptions extra : perUserOptions) {
      if (findGroup(groups, extra.user(), extra.group()) == null) {
        error(
            extra.directive(),
            "ChildPerUserJavaOptions "
                + extra.directive().args().get(0)
                + " "
                + extra.directive().args().get(1)
                + ": no ChildPerUserID for this user and group");
      }
    }
    int left = Math.max(0, numServers - claimed);
    Directive origin = userDirective != null ? userDirective : groupDirective;
    ChildGroup serverChildren =
        new ChildGroup(
            serverUser,
            serverGroup,
            left,
            childJavaOptions,
            true,
            origin == null ? configFile : origin.file(),
            origin == null ? 0 : origin.line());
    groups.add(serverChildren);

    // The main server and the virtual hosts.
    ConnectionSettings mainConnection = main.connection(ConnectionSettings.DEFAULTS);
    Path mainErrorLog = main.errorLog != null ? main.errorLog : path("logs/error_log");
    String mainLogLevel = main.logLevel != null ? main.logLevel : "warn";
    String mainName = main.serverName != null ? main.serverName : "localhost";
    checkAppBase(main);
    checkReadable(main, serverChildren);
    VirtualHost mainServer =
        new VirtualHost(
            mainName,
            List.of(),
            List.of(),
            serverChildren,
            main.appBase,
            main.documentRoot,
            mainErrorLog,
            mainLogLevel,
            customLogs(main, null),
            mainConnection,
            configFile,
            0,
            main.locations);

    List<VirtualHost> hosts = new ArrayList<>();
    boolean needServerChildren = false;
    for (HostScope scope : vhosts) {
      ChildGroup served = serverChildren;
      if (scope.assign != null) {
        if (scope.assignUser == null || scope.assignGroup == null) {
          continue; // already reported
        }
        served =
            findGroup(groups.subList(0, groups.size() - 1), scope.assignUser, scope.assignGroup);
        if (served == null) {
          error(
              scope.assign,
              "AssignUserID "
                  + scope.assign.args().get(0)
                  + " "
                  + scope.assign.args().get(1)
                  + ": no ChildPerUserID for this user and group");
          continue;
        }
      } else if (left == 0) {
        error(
            scope.section,
            "virtual host "
                + (scope.serverName != null ? scope.serverName : mainName)
                + " has no AssignUserID, and no child is left for User/Group (ChildPerUserID takes all "
                + numServers
                + " of NumServers)");
      }
      needServerChildren |= served == serverChildren;
      checkAppBase(scope);
      checkReadable(scope, served);
      hosts.add(
          new VirtualHost(
              scope.serverName != null ? scope.serverName : mainName,
              scope.aliases,
              scope.addresses,
              served,
              scope.appBase,
              scope.documentRoot,
              scope.errorLog != null ? scope.errorLog : mainErrorLog,
              scope.logLevel != null ? scope.logLevel : mainLogLevel,
              // A tenant writes only its own logs: the main server's are User/Group's files.
              customLogs(scope, served == serverChildren ? mainServer : null),
              scope.connection(mainConnection),
              scope.section.file(),
              scope.section.line(),
              locations(scope)));
    }
    for (Listener listener : listeners) {
      if (!coveredByVirtualHost(listener) && left == 0) {
        problems.add(
            ConfigProblem.error(
                listener.file(),
                listener.line(),
                "Listen "
                    + listener.address()
                    + " has no <VirtualHost>, so the main server answers it, but no child is left for User/Group"));
      }
    }
    warnAboutAddresses(hosts);
    warnAboutErrorLogs(hosts, mainErrorLog);

    if (problems.stream().anyMatch(ConfigProblem::isError)) {
      return null;
    }
    Map<String, String> formats = new LinkedHashMap<>(main.logFormats);
    return new ServerConfig(
        serverRoot,
        configFile,
        listeners,
        serverUser,
        serverGroup,
        numServers,
        serverLimit,
        maxRequests,
        new ThreadSettings(startThreads, minSpare, maxSpare, maxThreads, threadLimit),
        groups,
        mainServer,
        hosts,
        pidFile != null ? pidFile : path("logs/perchild.pid"),
        formats,
        gracefulShutdownTimeout,
        problems.stream().filter(p -> !p.isError()).toList());
  }

  private int numberOr(String name, int fallback) {
    return numbers.getOrDefault(name, fallback);
  }

  /** Reports a conflict between two directives at whichever of them was written (the first). */
  private void errorAt(String first, String second, String message) {
    Directive d = numberDirectives.get(first);
    if (d == null) {
      d = numberDirectives.get(second);
    }
    if (d == null) {
      problems.add(ConfigProblem.error(configFile, 0, message));
    } else {
      error(d, message);
    }
  }

  private Account defaultUser() {
    return accounts.userById(65534).orElse(new Account("#65534", 65534, -1, "/"));
  }

  private GroupAccount defaultGroup() {
    return accounts.groupById(65534).orElse(new GroupAccount("#65534", 65534));
  }

  private static ChildGroup findGroup(List<ChildGroup> groups, Account u, GroupAccount g) {
    for (ChildGroup candidate : groups) {
      if (candidate.runsAs(u.uid(), g.gid())) {
        return candidate;
      }
    }
    return null;
  }

  private void checkAppBase(HostScope scope) {
    if (scope.appBase != null && !Files.isDirectory(scope.appBase)) {
      error(
          scope.appBaseDirective,
          "AppBase "
              + scope.appBaseDirective.args().get(0)
              + ": no such directory "
              + scope.appBase);
    }
    if (scope.documentRoot != null && !Files.isDirectory(scope.documentRoot)) {
      error(
          scope.documentRootDirective,
          "DocumentRoot "
              + scope.documentRootDirective.args().get(0)
              + ": no such directory "
              + scope.documentRoot);
    }
  }

  /**
   * Warns when the children that serve a host will not be able to read its AppBase or DocumentRoot
   * once they have dropped root: only a warning, since the operator may fix the mode before
   * starting, and a child that cannot read a directory serves 404s, it does not fail.
   */
  private void checkReadable(HostScope scope, ChildGroup served) {
    checkReadable("AppBase", scope.appBase, scope.appBaseDirective, served);
    checkReadable("DocumentRoot", scope.documentRoot, scope.documentRootDirective, served);
  }

  private void checkReadable(String name, Path directory, Directive d, ChildGroup served) {
    if (directory == null || d == null || !Files.isDirectory(directory)) {
      return;
    }
    String why =
        DirectoryAccess.whyUnreadable(directory, served.user().uid(), served.group().gid());
    if (why != null) {
      warning(
          d,
          name
              + " "
              + d.args().get(0)
              + ": user "
              + served.user().name()
              + " (uid "
              + served.user().uid()
              + ", gid "
              + served.group().gid()
              + ") cannot read it: "
              + why);
    }
  }

  private List<CustomLog> customLogs(HostScope scope, VirtualHost inheritFrom) {
    if (scope.customLogs.isEmpty() && inheritFrom != null) {
      // httpd: a virtual host without access logs of its own writes to the main server's.
      return inheritFrom.customLogs();
    }
    List<CustomLog> logs = new ArrayList<>();
    for (HostScope.PendingLog pending : scope.customLogs) {
      String format = scope.logFormats.get(pending.formatOrNickname());
      if (format == null) {
        format = main.logFormats.get(pending.formatOrNickname());
      }
      if (format == null) {
        if (pending.formatOrNickname().indexOf('%') < 0) {
          error(
              pending.directive(),
              "CustomLog: no LogFormat is named '" + pending.formatOrNickname() + "'");
          continue;
        }
        format = pending.formatOrNickname();
      }
      logs.add(
          new CustomLog(
              pending.path(), format, pending.directive().file(), pending.directive().line()));
    }
    return logs;
  }

  private boolean coveredByVirtualHost(Listener listener) {
    for (HostScope scope : vhosts) {
      for (VirtualHostAddress address : scope.addresses) {
        boolean portMatches = address.port() == 0 || address.port() == listener.port();
        if (portMatches
            && (address.anyHost()
                || listener.host() == null
                || address.host().equalsIgnoreCase(listener.host()))) {
          return true;
        }
      }
    }
    return false;
  }

  /** The children of one group write one error log: their virtual hosts should agree on it. */
  private void warnAboutErrorLogs(List<VirtualHost> hosts, Path mainErrorLog) {
    Map<ChildGroup, VirtualHost> first = new LinkedHashMap<>();
    for (VirtualHost vhost : hosts) {
      VirtualHost earlier = first.putIfAbsent(vhost.group(), vhost);
      if (earlier != null && !earlier.errorLog().equals(vhost.errorLog())) {
        problems.add(
            ConfigProblem.warning(
                vhost.file(),
                vhost.line(),
                "ErrorLog "
                    + vhost.errorLog()
                    + " differs from "
                    + earlier.errorLog()
                    + " of "
                    + earlier.serverName()
                    + ", served by the same children ("
                    + vhost.group().label()
                    + "): they write to the main server's ErrorLog "
                    + mainErrorLog));
      }
    }
  }

  private void warnAboutAddresses(List<VirtualHost> hosts) {
    Map<String, VirtualHost> seen = new HashMap<>();
    for (VirtualHost vhost : hosts) {
      for (VirtualHostAddress address : vhost.addresses()) {
        boolean listened =
            listeners.stream().anyMatch(l -> address.port() == 0 || l.port() == address.port());
        if (!listened && !listeners.isEmpty()) {
          problems.add(
              ConfigProblem.warning(
                  vhost.file(),
                  vhost.line(),
                  "<VirtualHost "
                      + address
                      + ">: no Listen on port "
                      + address.port()
                      + ", so this virtual host is never reached"));
        }
        String key =
            (address.anyHost() ? "*" : address.host())
                + ":"
                + address.port()
                + "/"
                + vhost.serverName();
        VirtualHost first = seen.putIfAbsent(key, vhost);
        if (first != null) {
          problems.add(
              ConfigProblem.warning(
                  vhost.file(),
                  vhost.line(),
                  "ServerName "
                      + vhost.serverName()
                      + " on "
                      + address
                      + " is also the name of the virtual host at "
                      + first.file()
                      + ":"
                      + first.line()
                      + "; requests for it go to the first"));
        }
      }
    }
  }

  /** Whether {@code format} is one the access log can render; else reports why, at {@code d}. */
  private boolean checkLogFormat(Directive d, String name, String format) {
    try {
      LogFormatString.parse(format);
      return true;
    } catch (IllegalArgumentException e) {
      error(d, name + " \"" + format + "\": " + e.getMessage());
      return false;
    }
  }

  private void error(Directive d, String message) {
    problems.add(ConfigProblem.error(d.file(), d.line(), message));
  }

  private void warning(Directive d, String message) {
    problems.add(ConfigProblem.warning(d.file(), d.line(), message));
  }
}
