package org.perchild.protocol;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.perchild.config.ChildGroup;
import org.perchild.config.ConnectionSettings;
import org.perchild.config.ServerConfig;
import org.perchild.config.VirtualHost;
import org.perchild.posix.Account;
import org.perchild.posix.GroupAccount;

/**
 * The part of a configuration each process is given: the launcher holds the whole of it, encodes
 * {@link #forAcceptor} for the acceptor and {@link #forChild} for each child group, and never hands
 * a process what it does not use. A tenant's child runs that tenant's code, so what it is given is
 * what that tenant may read: its own virtual hosts in full, the global settings every child uses,
 * and of every other tenant only what routing needs.
 *
 * <p>Why other tenants' host names: a child answers 421 for a request that the acceptor would not
 * have routed to it (a reused keep-alive connection, an HTTP/2 stream for another authority). To
 * agree with the acceptor byte for byte it builds the same {@code VirtualHostTable} — every host's
 * {@code ServerName}, {@code ServerAlias} patterns and {@code <VirtualHost>} addresses, in order,
 * because the first host of an address is its default — and checks whether the table's pick is one
 * of its own. Those names are public anyway (they are in DNS and in every request); paths, logs,
 * users, {@code <Location>} sections, login realms and JVM options are not, and a skeleton carries
 * none of them.
 */
public final class ConfigViews {

  /**
   * The group named by every skeleton: no real tenant, no uid or gid a process can have, so that a
   * child can tell at once that a skeleton is not one of its own.
   */
  public static final ChildGroup OTHER_TENANT =
      new ChildGroup(
          new Account("(another tenant)", -1, -1, "/"),
          new GroupAccount("(another tenant)", -1),
          0,
          List.of(),
          false,
          null,
          0);

  private ConfigViews() {}

  /**
   * What a child of {@code group} runs: the group itself (without JVM options, which the launcher
   * gives the JVM and the child never needs), its virtual hosts in full (and the main server if
   * {@code group} is the {@code User}/{@code Group} one), a routing skeleton of every other host,
   * the thread, retirement and graceful-stop settings, and the session directory (the child uses
   * its own uid's subdirectory of it only). No pid file, log formats or warnings.
   */
  public static ServerConfig forChild(ServerConfig config, ChildGroup group) {
    ChildGroup own = withoutJavaOptions(group);
    List<VirtualHost> hosts = new ArrayList<>();
    for (VirtualHost host : config.virtualHosts()) {
      hosts.add(host.group().equals(group) ? withGroup(host, own) : skeleton(host));
    }
    VirtualHost main = config.mainServer();
    boolean ownsMain = group.serverDefault() && main.group().equals(group);
    return view(
        config,
        List.of(own),
        ownsMain ? withGroup(main, own) : skeleton(main),
        hosts,
        config.sessionDirectory());
  }

  /**
   * What the acceptor runs: every host with its names, addresses, group (for routing), connection
   * limits and {@code <Location>} sections, but no JVM options, web application paths, logs or
   * session directory, which it never uses (it writes only to its own standard error).
   */
  public static ServerConfig forAcceptor(ServerConfig config) {
    List<ChildGroup> groups =
        config.childGroups().stream().map(ConfigViews::withoutJavaOptions).toList();
    List<VirtualHost> hosts = config.virtualHosts().stream().map(ConfigViews::routed).toList();
    return view(config, groups, routed(config.mainServer()), hosts, null);
  }

  /**
   * {@code config}'s global settings with these groups and hosts; never its pid file, log format
   * nicknames (each {@code CustomLog} has its format already) or warnings (they name every file).
   */
  private static ServerConfig view(
      ServerConfig config,
      List<ChildGroup> groups,
      VirtualHost main,
      List<VirtualHost> hosts,
      Path sessionDirectory) {
    return new ServerConfig(
        config.serverRoot(),
        config.configFile(),
        config.listeners(),
        config.user(),
        config.group(),
        config.numServers(),
        config.serverLimit(),
        config.maxRequestsPerChild(),
        config.threads(),
        groups,
        main,
        hosts,
        null,
        sessionDirectory,
        java.util.Map.of(),
        config.gracefulShutdownTimeout(),
        config.childWaitTimeout(),
        config.childIdleTimeout(),
        config.childSpares(),
        List.of());
  }

  /**
   * A host as the acceptor needs it: its group without JVM options, no paths, no logs, no login
   * realms (web applications check logins, in the children) and no TLS files.
   */
  private static VirtualHost routed(VirtualHost host) {
    return new VirtualHost(
        host.serverName(),
        host.aliases(),
        host.addresses(),
        withoutJavaOptions(host.group()),
        null,
        null,
        null,
        host.logLevel(),
        List.of(),
        host.connection(),
        host.file(),
        host.line(),
        host.locations(),
        List.of(),
        // Which protocols and whether a PROXY header comes first: the acceptor's to enforce. Never
        // a certificate or key path: the acceptor opens neither (docs/ARCHITECTURE.md).
        null,
        host.protocols(),
        host.proxyProtocol(),
        host.proxyProtocolExceptions());
  }

  /** Another tenant's host as a child needs it: what the routing table selects by, nothing else. */
  static VirtualHost skeleton(VirtualHost host) {
    return new VirtualHost(
        host.serverName(),
        host.aliases(),
        host.addresses(),
        OTHER_TENANT,
        null,
        null,
        null,
        null,
        List.of(),
        ConnectionSettings.DEFAULTS,
        null,
        0,
        List.of(),
        List.of(),
        null,
        // The default host of an address decides whether h2c by prior knowledge is spoken there,
        // in the child as in the acceptor, whoever's host it is.
        host.protocols(),
        null,
        List.of());
  }

  private static VirtualHost withGroup(VirtualHost host, ChildGroup group) {
    return new VirtualHost(
        host.serverName(),
        host.aliases(),
        host.addresses(),
        group,
        host.appBase(),
        host.documentRoot(),
        host.errorLog(),
        host.logLevel(),
        host.customLogs(),
        host.connection(),
        host.file(),
        host.line(),
        host.locations(),
        host.realms(),
        host.tls(),
        host.protocols(),
        host.proxyProtocol(),
        host.proxyProtocolExceptions());
  }

  private static ChildGroup withoutJavaOptions(ChildGroup group) {
    return new ChildGroup(
        group.user(),
        group.group(),
        group.min(),
        group.max(),
        List.of(),
        group.serverDefault(),
        group.file(),
        group.line());
  }
}
