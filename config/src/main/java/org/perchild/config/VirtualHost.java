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
 * @param realms its {@code WebAppRealm}s
 * @param tls its TLS ({@code SSLEngine on} and the files and settings of mod_ssl's directives), or
 *     null without {@code SSLEngine on}
 * @param protocols the protocols it speaks ({@code Protocols}), lower case, among {@link
 *     #KNOWN_PROTOCOLS}, in the order written
 * @param proxyProtocol {@code RemoteIPProxyProtocol} as this host (or the main server it inherits
 *     from) wrote it, null when neither did; it applies to the host's addresses, as in httpd
 * @param proxyProtocolExceptions {@code RemoteIPProxyProtocolExceptions}: addresses and CIDR ranges
 *     (as {@code Require ip} takes them) that connect without a PROXY header, as written
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
    List<WebAppRealm> realms,
    TlsSettings tls,
    List<String> protocols,
    Boolean proxyProtocol,
    List<String> proxyProtocolExceptions) {

  /** The protocols {@code Protocols} knows, as mod_http2 names them. */
  public static final List<String> KNOWN_PROTOCOLS = List.of("h2", "h2c", "http/1.1");

  /**
   * {@code Protocols}' default: HTTP/2 over TLS and HTTP/1.1 (deliberately more than httpd's {@code
   * http/1.1}); h2c only where named.
   */
  public static final List<String> DEFAULT_PROTOCOLS = List.of("h2", "http/1.1");

  /** A host without TLS, with the default protocols and no PROXY protocol setting. */
  public VirtualHost(
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
    this(
        serverName,
        aliases,
        addresses,
        group,
        appBase,
        documentRoot,
        errorLog,
        logLevel,
        customLogs,
        connection,
        file,
        line,
        locations,
        realms,
        null,
        DEFAULT_PROTOCOLS,
        null,
        List.of());
  }

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
    protocols = List.copyOf(protocols);
    proxyProtocolExceptions = List.copyOf(proxyProtocolExceptions);
  }

  /** Whether {@code Protocols} names {@code protocol} (lower case) for this host. */
  public boolean speaks(String protocol) {
    return protocols.contains(protocol);
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
