package org.perchild.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.perchild.posix.Account;
import org.perchild.posix.GroupAccount;

/**
 * A whole, valid configuration: what {@link ConfigLoader} builds from {@code perchild.conf} and the
 * launcher runs. Immutable; a graceful restart builds a new one.
 *
 * @param serverRoot the directory relative paths resolve against
 * @param configFile the main configuration file
 * @param listeners the sockets to bind, in order
 * @param user the user of the acceptor and of the children of the server's own group
 * @param group their group
 * @param numServers how many children run in all
 * @param serverLimit the most child processes alive at once (a draining old generation's and
 *     on-demand ones included), and the ceiling of {@code NumServers}, for the server's life
 * @param maxRequestsPerChild connections a child serves before it retires, 0 for no limit
 * @param threads every child's spare-thread policy
 * @param childGroups the {@code ChildPerUserID} groups in order, then the {@code User}/{@code
 *     Group} group (whose count may be 0)
 * @param mainServer the server outside any {@code <VirtualHost>}
 * @param virtualHosts the virtual hosts, in the order they are written
 * @param pidFile where the launcher writes its process id
 * @param sessionDirectory where the children keep HTTP sessions: one subdirectory per tenant, named
 *     by its uid, that the launcher creates
 * @param logFormats the {@code LogFormat} nicknames
 * @param gracefulShutdownTimeout how long a graceful stop waits for requests, zero for no limit
 * @param childWaitTimeout how long the acceptor holds a connection for a group that has no READY
 *     child, then answers 503; zero for 503 at once
 * @param childIdleTimeout how long a child of an on-demand group above its minimum may go without a
 *     connection before it is stopped; zero for never
 * @param childSpares how many JVMs the launcher keeps started ahead for the next child ({@code
 *     ChildSpares}, resolved: one by default when a group is on-demand)
 * @param warnings what was accepted but doubtful
 */
public record ServerConfig(
    Path serverRoot,
    Path configFile,
    List<Listener> listeners,
    Account user,
    GroupAccount group,
    int numServers,
    int serverLimit,
    int maxRequestsPerChild,
    ThreadSettings threads,
    List<ChildGroup> childGroups,
    VirtualHost mainServer,
    List<VirtualHost> virtualHosts,
    Path pidFile,
    Path sessionDirectory,
    Map<String, String> logFormats,
    Duration gracefulShutdownTimeout,
    Duration childWaitTimeout,
    Duration childIdleTimeout,
    int childSpares,
    List<ConfigProblem> warnings) {

  public ServerConfig {
    listeners = List.copyOf(listeners);
    childGroups = List.copyOf(childGroups);
    virtualHosts = List.copyOf(virtualHosts);
    logFormats = Map.copyOf(logFormats);
    warnings = List.copyOf(warnings);
  }

  /** The group of {@code User}/{@code Group} children: the last of {@link #childGroups()}. */
  public ChildGroup defaultGroup() {
    return childGroups.get(childGroups.size() - 1);
  }

  /**
   * Where the children of {@code group} write their own messages (their standard output and error):
   * the {@code ErrorLog} of the virtual hosts they serve when those agree on one, else the main
   * server's.
   */
  public Path childErrorLog(ChildGroup group) {
    java.util.Set<Path> logs = new java.util.LinkedHashSet<>();
    for (VirtualHost vhost : virtualHosts) {
      if (vhost.group().equals(group)) {
        logs.add(vhost.errorLog());
      }
    }
    if (group.serverDefault()) {
      logs.add(mainServer.errorLog());
    }
    return logs.size() == 1 ? logs.iterator().next() : mainServer.errorLog();
  }

  /**
   * The directory in which the children of {@code uid} keep their sessions: {@code
   * <SessionDirectory>/<uid>}, the tenant's own (mode 0700), which the launcher creates.
   */
  public Path sessionDirectory(int uid) {
    return sessionDirectory.resolve(Integer.toString(uid));
  }

  /** Where a connection must begin with a PROXY protocol header, by local address and port. */
  public ProxyProtocolTable proxyProtocolTable() {
    return ProxyProtocolTable.of(mainServer, virtualHosts);
  }

  /** The routing table of virtual hosts by local address and host name. */
  public VirtualHostTable virtualHostTable() {
    return new VirtualHostTable(mainServer, virtualHosts);
  }
}
