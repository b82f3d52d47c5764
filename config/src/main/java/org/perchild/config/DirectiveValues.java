package org.perchild.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.perchild.posix.Account;
import org.perchild.posix.Accounts;
import org.perchild.posix.GroupAccount;

/**
 * Reads the values directives are written with: numbers, sizes, durations, On/Off, paths, users and
 * groups, addresses, names and log levels. Each reader reports a value it cannot take at the
 * directive, in the words the operator wrote, and returns {@code null}, so that the directive's
 * application leaves its setting alone and the walk goes on to the next problem.
 */
final class DirectiveValues {

  private static final Set<String> LOG_LEVELS =
      Set.of(
          "emerg", "alert", "crit", "error", "warn", "notice", "info", "debug", "trace1", "trace2",
          "trace3", "trace4", "trace5", "trace6", "trace7", "trace8");
  private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s)?");
  private static final Pattern SCHEME = Pattern.compile("^[a-zA-Z][a-zA-Z0-9+.-]*://");

  /** A parsed {@code [addr:]port}; host {@code null} when absent, port 0 for {@code *}. */
  record HostPort(String host, int port) {}

  private final Accounts accounts;
  private final ConfigProblems problems;
  private Path serverRoot;

  DirectiveValues(Accounts accounts, ConfigProblems problems, Path serverRoot) {
    this.accounts = accounts;
    this.problems = problems;
    this.serverRoot = serverRoot;
  }

  // ---------------------------------------------------------------- paths

  Path serverRoot() {
    return serverRoot;
  }

  /** {@code ServerRoot}: the paths after it start from {@code root}. */
  void serverRoot(Path root) {
    this.serverRoot = root;
  }

  /** A path as the configuration writes it: relative to the server root. */
  Path path(String text) {
    return serverRoot.resolve(text).normalize();
  }

  // ---------------------------------------------------------------- numbers

  Integer integer(Directive d, String text, int min, int max) {
    try {
      int value = Integer.parseInt(text);
      if (value >= min && value <= max) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    String range = max == Integer.MAX_VALUE ? min + " or more" : "from " + min + " to " + max;
    problems.error(d, d.displayName() + " takes a whole number " + range + ", not '" + text + "'");
    return null;
  }

  /** A directive's only argument as a whole number from {@code min} to {@code max}. */
  Integer integer(Directive d, int min, int max) {
    return integer(d, d.args().get(0), min, max);
  }

  /** A number of bytes, 0 for no limit. */
  Long bytes(Directive d) {
    String text = d.args().get(0);
    try {
      long value = Long.parseLong(text);
      if (value >= 0) {
        return value;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    problems.error(
        d, d.displayName() + " takes a number of bytes (0 for no limit), not '" + text + "'");
    return null;
  }

  /** Seconds, or milliseconds with {@code ms}, as httpd 2.4 writes its timeouts. */
  Duration duration(Directive d) {
    Matcher m = DURATION.matcher(d.args().get(0));
    if (!m.matches()) {
      problems.error(
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

  Boolean onOff(Directive d) {
    String value = d.args().get(0);
    if (value.equalsIgnoreCase("on")) {
      return true;
    }
    if (value.equalsIgnoreCase("off")) {
      return false;
    }
    problems.error(d, d.displayName() + " takes On or Off, not '" + value + "'");
    return null;
  }

  // ---------------------------------------------------------------- users and groups

  Account user(Directive d, String spec) {
    if (spec.startsWith("#")) {
      Integer uid = numericId(d, spec, "user");
      if (uid == null) {
        return null;
      }
      return accounts.userById(uid).orElse(new Account(spec, uid, -1, "/"));
    }
    Optional<Account> account = accounts.userByName(spec);
    if (account.isEmpty()) {
      problems.error(d, "unknown user '" + spec + "' (write #number for a uid without an account)");
      return null;
    }
    return account.get();
  }

  GroupAccount group(Directive d, String spec) {
    if (spec.startsWith("#")) {
      Integer gid = numericId(d, spec, "group");
      if (gid == null) {
        return null;
      }
      return accounts.groupById(gid).orElse(new GroupAccount(spec, gid));
    }
    Optional<GroupAccount> found = accounts.groupByName(spec);
    if (found.isEmpty()) {
      problems.error(d, "unknown group '" + spec + "' (write #number for a gid without an entry)");
      return null;
    }
    return found.get();
  }

  /** The account of a uid no directive names: {@code User}'s default. */
  Account userById(int uid) {
    return accounts.userById(uid).orElse(new Account("#" + uid, uid, -1, "/"));
  }

  /** The entry of a gid no directive names: {@code Group}'s default. */
  GroupAccount groupById(int gid) {
    return accounts.groupById(gid).orElse(new GroupAccount("#" + gid, gid));
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
    problems.error(d, "'" + spec + "' is not a " + what + " id (#number, 0 or more)");
    return null;
  }

  // ---------------------------------------------------------------- addresses and names

  /**
   * {@code [addr:]port} as {@code Listen} writes it, or {@code addr[:port]} as {@code
   * <VirtualHost>} does ({@code vhost}), where the port may also be {@code *}.
   */
  HostPort hostPort(Directive d, String spec, boolean vhost) {
    String host;
    String port;
    if (spec.startsWith("[")) {
      int close = spec.indexOf(']');
      if (close < 0) {
        problems.error(d, "'" + spec + "': missing ']' after the IPv6 address");
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
    Integer number = port(port);
    if (number == null) {
      problems.error(
          d, "'" + spec + "': the port must be a number from 1 to 65535" + (vhost ? " or *" : ""));
      return null;
    }
    if (host != null && (host.isEmpty() || host.equals("*"))) {
      host = vhost ? "*" : null;
    }
    return new HostPort(host, number);
  }

  private static Integer port(String text) {
    try {
      int port = Integer.parseInt(text);
      return port >= 1 && port <= 65535 ? port : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  static boolean resolvable(String host) {
    try {
      InetAddress.getAllByName(host);
      return true;
    } catch (UnknownHostException | SecurityException e) {
      return false;
    }
  }

  /** {@code ServerName}'s host name, lower case, without scheme or port. */
  String serverName(Directive d) {
    String name = SCHEME.matcher(d.args().get(0)).replaceFirst("");
    if (name.startsWith("[")) {
      int close = name.indexOf(']');
      name = close > 0 ? name.substring(1, close) : name;
    } else if (name.indexOf(':') >= 0) {
      name = name.substring(0, name.indexOf(':'));
    }
    if (name.isEmpty()) {
      problems.error(d, "ServerName " + d.args().get(0) + ": no host name");
      return null;
    }
    return name.toLowerCase(Locale.ROOT);
  }

  // ---------------------------------------------------------------- logs

  String logLevel(Directive d) {
    String level = d.args().get(0).toLowerCase(Locale.ROOT);
    if (!LOG_LEVELS.contains(level)) {
      problems.error(
          d,
          "LogLevel "
              + d.args().get(0)
              + ": not a level (emerg, alert, crit, error, warn, notice, info, debug, trace1 to trace8)");
      return null;
    }
    return level;
  }

  /** Whether {@code format} is one the access log can render; else reports why, at {@code d}. */
  boolean logFormat(Directive d, String name, String format) {
    try {
      LogFormatString.parse(format);
      return true;
    } catch (IllegalArgumentException e) {
      problems.error(d, name + " \"" + format + "\": " + e.getMessage());
      return false;
    }
  }
}
