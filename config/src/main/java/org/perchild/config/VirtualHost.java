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
    int line) {

  public VirtualHost {
    aliases = List.copyOf(aliases);
    addresses = List.copyOf(addresses);
    customLogs = List.copyOf(customLogs);
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
