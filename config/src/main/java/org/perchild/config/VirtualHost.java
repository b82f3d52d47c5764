package org.perchild.config;

import java.nio.file.Path;
import java.util.List;

/**
 * A virtual host (or the main server, which is the host of last resort): its names, the addresses
 * it answers on, the child group that serves it, where its WARs are, and its logs.
 *
 * @param serverName the {@code ServerName} (inherited from the main server when not set)
 * @param aliases the {@code ServerAlias} names, wildcards ({@code *}, {@code ?}) allowed
 * @param addresses the addresses of the {@code <VirtualHost>} line; empty for the main server
 * @param group the children that serve it: its {@code AssignUserID}, else {@code User}/{@code
 *     Group}
 * @param appBase the directory whose WARs it serves, or {@code null} for none
 * @param documentRoot the directory whose static files it serves at {@code /} ({@code
 *     DocumentRoot}), or {@code null} for none; like {@code AppBase}, never inherited from the main
 *     server
 * @param errorLog its error log
 * @param logLevel its log level
 * @param customLogs its access logs
 * @param connection its timeouts and request limits
 * @param file where it is defined
 * @param line its line
 * @param locations the {@code <Location>} sections the acceptor answers: its own, then the main
 *     server's that it does not override (httpd merges the main server's sections into each host)
 */
public record VirtualHost(
    String serverName,
    List<String> aliases,
    List<VirtualHostAddress> addresses,
    ChildGroup group,
    Path appBase,
    Path documentRoot,
    Path errorLog,
    String logLevel,
    List<CustomLog> customLogs,
    ConnectionSettings connection,
    Path file,
    int line,
    List<StatusLocation> locations,
    List<WebAppRealm> realms) {

  /** The location that a request for {@code path} (no query) falls under, if any. */
  public java.util.Optional<StatusLocation> locationFor(String path) {
    StatusLocation best = null;
    for (StatusLocation location : locations) {
      if (location.covers(path)
          && (best == null || location.path().length() > best.path().length())) {
        best = location;
      }
    }
    return java.util.Optional.ofNullable(best);
  }

  public VirtualHost {
    locations = List.copyOf(locations);
    aliases = List.copyOf(aliases);
    addresses = List.copyOf(addresses);
    customLogs = List.copyOf(customLogs);
    realms = List.copyOf(realms);
  }

  /** Whether this is the main server rather than a {@code <VirtualHost>}. */
  public boolean isMainServer() {
    return addresses.isEmpty();
  }

  /**
   * Whether a request for {@code host} names this virtual host: its {@code ServerName} or one of
   * its {@code ServerAlias} patterns, case-insensitive, as httpd matches them.
   */
  public boolean answersTo(String host) {
    if (host == null) {
      return false;
    }
    if (serverName != null && serverName.equalsIgnoreCase(host)) {
      return true;
    }
    for (String alias : aliases) {
      if (HostPatterns.matches(alias, host)) {
        return true;
      }
    }
    return false;
  }
}
