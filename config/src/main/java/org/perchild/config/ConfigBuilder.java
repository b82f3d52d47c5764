package org.perchild.config;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.perchild.config.DirectiveSpec.Context;
import org.perchild.posix.Accounts;

/**
 * The second step of parsing: walks the directive tree, checks each directive against the {@link
 * DirectiveTable} (name, context, number of arguments) and gives it meaning through its row, then
 * checks what only the whole configuration can tell (child counts, users, limits) before it builds
 * the immutable {@link ServerConfig}. Every problem is collected with its file and line; nothing
 * stops at the first. {@link ConfigLoader} runs it; the rows' applications reach the state they
 * change through it.
 */
final class ConfigBuilder {

  private final ConfigProblems problems;
  private final Path configFile;
  private final DirectiveValues values;
  private final ServerScope server;
  private final ChildGroupPlan children;
  private LocationSection location;

  ConfigBuilder(Accounts accounts, Path serverRoot, Path configFile, List<ConfigProblem> problems) {
    this.problems = new ConfigProblems(problems);
    this.configFile = configFile;
    this.values = new DirectiveValues(accounts, this.problems, serverRoot);
    this.server = new ServerScope(values, this.problems);
    this.children = new ChildGroupPlan(values, this.problems);
  }

  // ---------------------------------------------------------------- what the rows apply to

  ConfigProblems problems() {
    return problems;
  }

  DirectiveValues values() {
    return values;
  }

  ServerScope server() {
    return server;
  }

  ChildGroupPlan children() {
    return children;
  }

  /**
   * The {@code <Location>} whose lines are being walked; the table allows its lines nowhere else.
   */
  LocationSection location() {
    return location;
  }

  // ---------------------------------------------------------------- walking the tree

  void walk(List<Directive> directives) {
    walk(directives, server.main, Context.SERVER);
  }

  /** {@code <VirtualHost>}: a host of its own, on the addresses that resolve. */
  void virtualHost(Directive d) {
    HostScope scope = new HostScope(d);
    for (String arg : d.args()) {
      DirectiveValues.HostPort hp = values.hostPort(d, arg, true);
      if (hp != null) {
        String host = hp.host() == null ? "*" : hp.host();
        if (!host.equals("*")
            && !host.equalsIgnoreCase("_default_")
            && !DirectiveValues.resolvable(host)) {
          problems.warning(d, "could not resolve host name " + host + " -- ignoring this address");
          continue;
        }
        scope.addresses.add(new VirtualHostAddress(host, hp.port()));
      }
    }
    if (scope.addresses.isEmpty()) {
      return;
    }
    server.vhosts.add(scope);
    walk(d.children(), scope, Context.VIRTUAL_HOST);
  }

  /** Walks the lines of a {@code <Location>} of {@code scope}, applying them to {@code section}. */
  void walkLocation(List<Directive> lines, HostScope scope, LocationSection section) {
    location = section;
    walk(lines, scope, Context.LOCATION);
    location = null;
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
        problems.error(d, kind + hint);
        continue;
      }
      DirectiveSpec spec = found.get();
      String refusal = refusal(spec, d, context);
      if (refusal != null) {
        problems.error(d, refusal);
        continue;
      }
      spec.apply(this, scope, d);
    }
  }

  /** Why {@code d} may not be applied here as {@code spec} says, or {@code null} when it may. */
  private static String refusal(DirectiveSpec spec, Directive d, Context context) {
    if (spec.section() != d.section()) {
      return spec.section()
          ? spec.name()
              + " is a section: write <"
              + spec.name()
              + " ...> ... </"
              + spec.name()
              + ">"
          : spec.name() + " is a directive, not a section: write it without < >";
    }
    if (!spec.contexts().contains(context)) {
      if (context == Context.LOCATION) {
        return spec.displayName() + " is not allowed in <Location>";
      } else if (spec.contexts().contains(Context.LOCATION)) {
        return spec.displayName() + " is only allowed in <Location>";
      } else if (context == Context.VIRTUAL_HOST) {
        return spec.displayName() + " is not allowed in <VirtualHost>";
      }
      return spec.displayName() + " is only allowed in <VirtualHost>";
    }
    int n = d.args().size();
    if (n < spec.minArgs() || n > spec.maxArgs()) {
      return spec.displayName() + " takes " + arity(spec) + ", not " + n + ": " + spec.syntax();
    }
    return null;
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

  // ---------------------------------------------------------------- the whole configuration

  /** Checks what only the whole configuration tells, then builds it; null when refused. */
  ServerConfig build() {
    int numServers = server.number(DirectiveTable.NUM_SERVERS);
    int serverLimit = server.number(DirectiveTable.SERVER_LIMIT);
    int threadLimit = server.number(DirectiveTable.THREAD_LIMIT);
    int maxThreads = server.number(DirectiveTable.MAX_THREADS_PER_CHILD);
    int minSpare = server.number(DirectiveTable.MIN_SPARE_THREADS);
    int maxSpare = server.number(DirectiveTable.MAX_SPARE_THREADS);
    int startThreads = server.number(DirectiveTable.START_THREADS);
    int maxRequests = server.number(DirectiveTable.MAX_REQUESTS_PER_CHILD);

    if (numServers > serverLimit) {
      errorAt(
          DirectiveTable.NUM_SERVERS,
          DirectiveTable.SERVER_LIMIT,
          "NumServers " + numServers + " is above ServerLimit " + serverLimit);
    }
    if (maxThreads > threadLimit) {
      errorAt(
          DirectiveTable.MAX_THREADS_PER_CHILD,
          DirectiveTable.THREAD_LIMIT,
          "MaxThreadsPerChild " + maxThreads + " is above ThreadLimit " + threadLimit);
    }
    if (minSpare > maxSpare) {
      errorAt(
          DirectiveTable.MIN_SPARE_THREADS,
          DirectiveTable.MAX_SPARE_THREADS,
          "MinSpareThreads " + minSpare + " is above MaxSpareThreads " + maxSpare);
    }
    if (startThreads > maxThreads) {
      problems.warning(
          server.numberDirective(DirectiveTable.START_THREADS),
          "StartThreads "
              + startThreads
              + " is above MaxThreadsPerChild "
              + maxThreads
              + ": starting "
              + maxThreads);
      startThreads = maxThreads;
    }
    if (server.listeners.isEmpty()) {
      problems.error(configFile, 0, "no Listen directive: the server would accept no connection");
    }

    Directive origin = server.userDirective != null ? server.userDirective : server.groupDirective;
    children.plan(numServers, server.serverUser(), server.serverGroup(), origin, configFile);
    warnAboutRoom(numServers, serverLimit);
    VirtualHostAssembly hosts =
        new VirtualHostAssembly(server, children, values, problems, configFile);
    hosts.assemble();
    if (!problems.anyError()) {
      ProxyProtocolTable.of(hosts.mainServer(), hosts.virtualHosts())
          .conflicts()
          .forEach(p -> problems.warning(p.file(), p.line(), p.message()));
    }
    Path sessions =
        server.sessionDirectory != null
            ? server.sessionDirectory
            : values.path(DirectiveTable.SESSION_DIRECTORY.value());
    checkSessionDirectory(sessions, hosts);

    if (problems.anyError()) {
      return null;
    }
    Map<String, String> formats = new LinkedHashMap<>(server.main.logFormats);
    return new ServerConfig(
        values.serverRoot(),
        configFile,
        server.listeners,
        server.serverUser(),
        server.serverGroup(),
        numServers,
        serverLimit,
        maxRequests,
        new ThreadSettings(startThreads, minSpare, maxSpare, maxThreads, threadLimit),
        children.groups(),
        hosts.mainServer(),
        hosts.virtualHosts(),
        server.pidFile != null ? server.pidFile : values.path(DirectiveTable.PID_FILE.value()),
        sessions,
        formats,
        server.gracefulShutdownTimeout,
        server.childWaitTimeout,
        server.childIdleTimeout,
        childSpares(),
        problems.warnings());
  }

  /** {@code ChildSpares} as written, else one when a group is on-demand and none otherwise. */
  private int childSpares() {
    if (server.childSpares != null) {
      return server.childSpares;
    }
    return children.groups().stream().anyMatch(ChildGroup::onDemand) ? 1 : 0;
  }

  /**
   * On-demand groups start children above {@code NumServers}, within {@code ServerLimit}: warns
   * when there is no room for them, and when a group's maximum can never be reached.
   */
  private void warnAboutRoom(int numServers, int serverLimit) {
    for (ChildGroup group : children.groups()) {
      if (!group.onDemand() || group.file() == null) {
        continue;
      }
      String why;
      if (numServers >= serverLimit) {
        why =
            "NumServers "
                + numServers
                + " takes all of ServerLimit "
                + serverLimit
                + ", so no child above the minimum can start: raise ServerLimit";
      } else if (group.max() > serverLimit) {
        why = "ServerLimit " + serverLimit + " caps it below its maximum";
      } else {
        continue;
      }
      problems.warning(
          group.file(),
          group.line(),
          "ChildPerUserID "
              + group.user().name()
              + " "
              + group.group().name()
              + " "
              + group.range()
              + ": "
              + why);
    }
  }

  /**
   * A session directory inside what a host serves would hand its tenant's sessions to anyone who
   * asks for them by URL: it must be outside every {@code DocumentRoot} and {@code AppBase}.
   */
  private void checkSessionDirectory(Path sessions, VirtualHostAssembly hosts) {
    List<VirtualHost> all = new ArrayList<>(hosts.virtualHosts());
    all.add(hosts.mainServer());
    for (VirtualHost host : all) {
      for (Path served : new Path[] {host.documentRoot(), host.appBase()}) {
        if (served == null || !sessions.startsWith(served)) {
          continue;
        }
        String message =
            "SessionDirectory "
                + sessions
                + " is inside "
                + (served.equals(host.documentRoot()) ? "the DocumentRoot " : "the AppBase ")
                + served
                + " of "
                + (host.isMainServer() ? "the main server" : host.serverName())
                + ": its sessions could be fetched by URL; keep it outside what any host serves";
        if (server.sessionDirectoryDirective != null) {
          problems.error(server.sessionDirectoryDirective, message);
        } else {
          problems.error(configFile, 0, message);
        }
      }
    }
  }

  /** Reports a conflict between two settings at whichever of them was written (the first). */
  private void errorAt(
      DirectiveDefault<Integer> first, DirectiveDefault<Integer> second, String message) {
    Directive d = server.numberDirective(first);
    if (d == null) {
      d = server.numberDirective(second);
    }
    if (d == null) {
      problems.error(configFile, 0, message);
    } else {
      problems.error(d, message);
    }
  }
}
