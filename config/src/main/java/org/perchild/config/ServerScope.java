package org.perchild.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.perchild.posix.Account;
import org.perchild.posix.GroupAccount;

/**
 * What the directives that concern the whole server said, while the tree is walked: its sockets,
 * process and thread numbers, user and group, and its hosts; {@link ConfigBuilder} checks it as a
 * whole and builds the {@link ServerConfig} from it. A field left {@code null} was not written, and
 * a number not written is its {@link DirectiveTable} default. The methods are the applications of
 * the table's server-wide directives.
 */
final class ServerScope {

  private final DirectiveValues values;
  private final ConfigProblems problems;

  final List<Listener> listeners = new ArrayList<>();
  private final Map<DirectiveDefault<Integer>, Integer> numbers = new IdentityHashMap<>();
  private final Map<DirectiveDefault<Integer>, Directive> numberDirectives =
      new IdentityHashMap<>();
  Account user;
  Directive userDirective;
  GroupAccount group;
  Directive groupDirective;
  Path pidFile;
  Path sessionDirectory;
  Directive sessionDirectoryDirective;
  Duration gracefulShutdownTimeout = DirectiveTable.GRACEFUL_SHUTDOWN_TIMEOUT.value();
  Duration childWaitTimeout = DirectiveTable.CHILD_WAIT_TIMEOUT.value();
  Duration childIdleTimeout = DirectiveTable.CHILD_IDLE_TIMEOUT.value();

  /** {@code ChildSpares} as written; null: the default, decided by the groups. */
  Integer childSpares;

  final HostScope main = new HostScope(null);
  final List<HostScope> vhosts = new ArrayList<>();

  ServerScope(DirectiveValues values, ConfigProblems problems) {
    this.values = values;
    this.problems = problems;
    main.logFormats.put("common", "%h %l %u %t \"%r\" %>s %b");
    main.logFormats.put("combined", "%h %l %u %t \"%r\" %>s %b \"%{Referer}i\" \"%{User-Agent}i\"");
  }

  // ---------------------------------------------------------------- numbers

  /**
   * A number directive: sets {@code setting} when its argument is from {@code min} to {@code max}.
   * Two directives may set one setting ({@code MaxConnectionsPerChild} is {@code
   * MaxRequestsPerChild}): the later wins, as in httpd.
   */
  void number(DirectiveDefault<Integer> setting, Directive d, int min, int max) {
    Integer value = values.integer(d, min, max);
    if (value != null) {
      numbers.put(setting, value);
      numberDirectives.put(setting, d);
    }
  }

  /** The number the configuration takes: the one written, else the directive's default. */
  int number(DirectiveDefault<Integer> setting) {
    return numbers.getOrDefault(setting, setting.value());
  }

  /** The directive that set {@code setting}, or {@code null} when it is the default. */
  Directive numberDirective(DirectiveDefault<Integer> setting) {
    return numberDirectives.get(setting);
  }

  // ---------------------------------------------------------------- the server's own

  void user(Directive d) {
    String name = d.args().get(0);
    userDirective = d;
    user = values.user(d, name);
    if (user != null && user.uid() == 0) {
      problems.error(
          d, "User " + name + ": the acceptor and the server's children never run as root (uid 0)");
    }
  }

  void group(Directive d) {
    String name = d.args().get(0);
    groupDirective = d;
    group = values.group(d, name);
    if (group != null && group.gid() == 0) {
      problems.error(
          d, "Group " + name + ": the acceptor and the server's children never run as gid 0");
    }
  }

  /** {@code User}, or its default when none is written. */
  Account serverUser() {
    return user != null ? user : values.userById(DirectiveTable.USER.value());
  }

  /** {@code Group}, or its default when none is written. */
  GroupAccount serverGroup() {
    return group != null ? group : values.groupById(DirectiveTable.GROUP.value());
  }

  void serverRoot(Directive d) {
    Path root = Path.of(d.args().get(0)).toAbsolutePath().normalize();
    if (!Files.isDirectory(root)) {
      problems.error(d, "ServerRoot " + d.args().get(0) + ": no such directory");
    }
    values.serverRoot(root);
  }

  void sessionDirectory(Directive d) {
    sessionDirectory = values.path(d.args().get(0));
    sessionDirectoryDirective = d;
  }

  void gracefulShutdownTimeout(Directive d) {
    Integer seconds = values.integer(d, 0, Integer.MAX_VALUE);
    if (seconds != null) {
      gracefulShutdownTimeout = Duration.ofSeconds(seconds);
    }
  }

  void childWaitTimeout(Directive d) {
    Integer seconds = values.integer(d, 0, 3600);
    if (seconds != null) {
      childWaitTimeout = Duration.ofSeconds(seconds);
    }
  }

  void childSpares(Directive d) {
    Integer spares = values.integer(d, 0, DirectiveTable.MAX_CHILD_SPARES);
    if (spares != null) {
      childSpares = spares;
    }
  }

  void childIdleTimeout(Directive d) {
    Integer seconds = values.integer(d, 0, Integer.MAX_VALUE);
    if (seconds != null) {
      childIdleTimeout = Duration.ofSeconds(seconds);
    }
  }

  void listen(Directive d) {
    String spec = d.args().get(0);
    DirectiveValues.HostPort hp = values.hostPort(d, spec, false);
    if (hp == null) {
      return;
    }
    String protocol = hp.port() == 443 ? "https" : "http";
    if (d.args().size() == 2) {
      protocol = d.args().get(1).toLowerCase(Locale.ROOT);
      if (!protocol.equals("http") && !protocol.equals("https")) {
        problems.error(
            d, "Listen " + spec + " " + d.args().get(1) + ": the protocol is http or https");
        return;
      }
    }
    if (hp.host() != null && !DirectiveValues.resolvable(hp.host())) {
      problems.error(d, "Listen " + spec + ": cannot resolve host name " + hp.host());
      return;
    }
    for (Listener other : listeners) {
      boolean overlaps =
          other.port() == hp.port()
              && (other.host() == null
                  || hp.host() == null
                  || other.host().equalsIgnoreCase(hp.host()));
      if (overlaps) {
        problems.error(
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
    listeners.add(new Listener(hp.host(), hp.port(), protocol, d.file(), d.line()));
  }
}
